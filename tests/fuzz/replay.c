/* replay.c: run a fuzz target over saved inputs, without libFuzzer. */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Bigger than any input libFuzzer is asked to make (run.sh -max_len). */
#define REPLAY_MAX	(1024 * 1024)

static int	replay_file(const char *);
static int	replay_dir(const char *);
static int	replay_skip(const struct dirent *);
static int	replay_path(const char *);

static size_t	nrun;

/* Dot files (.keep) hold nothing to replay. */
static int
replay_skip(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* An input in a buffer of its own size, so ASan sees any overread. */
static int
replay_file(const char *path)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (st.st_size > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: larger than %d bytes\n", path,
		    REPLAY_MAX);
		close(fd);
		return -1;
	}
	/* malloc(0) may give NULL: keep one byte so a NULL means failure. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "replay: %s: %s\n", path,
			    n == 0 ? "short read" : strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	/* A crash here takes the process down with the path last printed. */
	fprintf(stderr, "replay: %s\n", path);
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	nrun++;
	return 0;
}

/* Sorted, so that every run replays in the same order. */
static int
replay_dir(const char *dir)
{
	struct dirent	**ents;
	char		 *path;
	int		  i, n, rv = 0;

	if ((n = scandir(dir, &ents, replay_skip, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) == -1) {
			fprintf(stderr, "replay: %s: out of memory\n", dir);
			rv = -1;
		} else {
			if (replay_path(path) == -1)
				rv = -1;
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	return rv;
}

static int
replay_path(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	return replay_file(path);
}

int
main(int argc, char *argv[])
{
	int	i, rv = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file | directory ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]) == -1)
			rv = 1;
	fprintf(stderr, "replay: %zu inputs\n", nrun);
	return rv;
}
