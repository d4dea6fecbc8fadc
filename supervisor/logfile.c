/*
 * logfile.c: per-start log files, named so that no alias leaves LOG_DIR,
 * opened so that no link placed there is followed, and rotated so that no
 * file passes LOG_FILE_MAX_MB.  Rotation is a few renames: it never keeps
 * the child's pipe waiting.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logfile.h"

static int	logfile_keep(char);
static int	logfile_piece(char *, size_t, const char *, int, char *,
		    size_t);
static int	logfile_rotate(struct logfile *, char *, size_t);

static int
logfile_keep(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * Every byte of the alias outside [A-Za-z0-9._-] becomes '-', so the name
 * has no '/' and stays in dir.  Dots are kept (SPEC section 5): the name
 * is "<alias>_<seconds>.log", never "." or "..", so an alias of "." or
 * ".." names neither dir itself nor its parent.
 */
char *
logfile_path(const char *dir, const char *alias, time_t t)
{
	const char	*sep = "/";
	char		*path, *name;
	size_t		 dirlen, i;

	if (*dir == '\0')
		dir = ".";
	dirlen = strlen(dir);
	if (dir[dirlen - 1] == '/')
		sep = "";
	if (asprintf(&path, "%s%s%s_%lld.log", dir, sep, alias,
	    (long long)t) == -1)
		return NULL;
	name = path + dirlen + strlen(sep);
	for (i = 0; alias[i] != '\0'; i++)
		if (!logfile_keep(name[i]))
			name[i] = '-';
	return path;
}

/*
 * The files hold prompts: 0640.  A hard link placed in LOG_DIR would have
 * us append to its target, and a FIFO would block the open: only a
 * regular file with one link is written.
 */
int
logfile_open(const char *dir, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd;

	/* Only the last component: a LOG_DIR whose parent is missing is a
	 * mistake to report, not to paper over. */
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK, 0640);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "refusing %s: %s", path,
		    S_ISREG(st.st_mode) ? "it has more than one link" :
		    "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

int
logfile_start(struct logfile *lf, const char *dir, const char *alias,
    time_t t, off_t max, int keep, char *err, size_t errlen)
{
	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->max = max;
	lf->keep = keep;
	if ((lf->dir = strdup(*dir == '\0' ? "." : dir)) == NULL ||
	    (lf->path = logfile_path(dir, alias, t)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return logfile_reopen(lf, err, errlen);
}

int
logfile_reopen(struct logfile *lf, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd;

	if ((fd = logfile_open(lf->dir, lf->path, err, errlen)) == -1)
		return -1;
	if (lf->fd != -1)
		close(lf->fd);
	lf->fd = fd;
	/* Restarted within the same second, the file is not new. */
	lf->size = fstat(fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

/* The name of rotated piece i (0: the file itself). */
static int
logfile_piece(char *buf, size_t len, const char *path, int i, char *err,
    size_t errlen)
{
	int	 n;

	n = i == 0 ? snprintf(buf, len, "%s", path) :
	    snprintf(buf, len, "%s.%d", path, i);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "cannot rotate %s: name too long", path);
		return -1;
	}
	return 0;
}

/*
 * path.<keep-1> becomes path.<keep> (the oldest goes with it), and so on
 * down to path, which becomes path.1; then path starts again.  A piece
 * missing (removed by hand, or fewer so far) is no error.
 */
static int
logfile_rotate(struct logfile *lf, char *err, size_t errlen)
{
	char	 from[PATH_MAX], to[PATH_MAX];
	int	 i;

	if (lf->keep == 0 && unlink(lf->path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot rotate %s: %s", lf->path,
		    strerror(errno));
		return -1;
	}
	for (i = lf->keep - 1; i >= 0; i--) {
		if (logfile_piece(from, sizeof(from), lf->path, i, err,
		    errlen) == -1 || logfile_piece(to, sizeof(to), lf->path,
		    i + 1, err, errlen) == -1)
			return -1;
		if (rename(from, to) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "cannot rotate %s to %s: %s",
			    from, to, strerror(errno));
			return -1;
		}
	}
	close(lf->fd);
	lf->fd = -1;
	return logfile_reopen(lf, err, errlen);
}

int
logfile_write(struct logfile *lf, const char *buf, size_t len, char *err,
    size_t errlen)
{
	ssize_t	 n;
	size_t	 room;

	while (len > 0) {
		if (lf->fd == -1 && logfile_reopen(lf, err, errlen) == -1)
			return -1;
		if (lf->size >= lf->max && logfile_rotate(lf, err,
		    errlen) == -1)
			return -1;
		room = (size_t)(lf->max - lf->size);
		n = write(lf->fd, buf, room < len ? room : len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "cannot write %s: %s", lf->path,
			    strerror(errno));
			return -1;
		}
		lf->size += n;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void
logfile_close(struct logfile *lf)
{
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->dir);
	free(lf->path);
	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
}
