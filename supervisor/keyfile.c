/* keyfile.c: the generated API key, kept with mode 0600 next to config.json. */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "sup.h"

#define KEYFILE_NAME	"solar-host.key"
#define KEY_BYTES	32
#define KEY_MAXLEN	4096

/* NAME in the directory of config_file: where the state files live. */
char *
path_beside(const char *config_file, const char *name)
{
	char	*copy, *dir, *path;

	if ((copy = strdup(config_file)) == NULL)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&path, "%s/%s", dir, name) == -1)
		path = NULL;
	free(copy);
	return path;
}

char *
keyfile_path(const char *config_file)
{
	return path_beside(config_file, KEYFILE_NAME);
}

static int
keyfile_read(int fd, const char *path, char **key, char *err, size_t errlen)
{
	char	 buf[KEY_MAXLEN + 2];
	size_t	 len = 0;
	ssize_t	 n;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	if (len == 0 || len > KEY_MAXLEN || strlen(buf) != len ||
	    strpbrk(buf, "\n\r") != NULL) {
		snprintf(err, errlen, "%s: not a valid key file (one line of "
		    "1 to %d characters); remove it to generate a new key",
		    path, KEY_MAXLEN);
		return -1;
	}
	if ((*key = strdup(buf)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
keyfile_create(const char *path, char **key, char *err, size_t errlen)
{
	unsigned char	 raw[KEY_BYTES];
	char		 text[sodium_base64_ENCODED_LEN(KEY_BYTES,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING) + 1];
	char		*tmp = NULL, *dcopy = NULL;
	int		 fd = -1, dfd = -1, rc = -1;
	size_t		 len;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(text, sizeof(text) - 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	len = strlen(text);
	text[len] = '\n';

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || fchmod(fd, 0600) == -1 ||
	    write(fd, text, len + 1) != (ssize_t)(len + 1) || fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	/* link(2) never replaces a key that appeared meanwhile. */
	if (link(tmp, path) == -1) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if ((dcopy = strdup(path)) != NULL &&
	    (dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		(void)fsync(dfd);
	text[len] = '\0';
	if ((*key = strdup(text)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
 out:
	sodium_memzero(text, sizeof(text));
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	free(dcopy);
	return rc;
}

int
keyfile_load_or_create(const char *path, char **key, int *created, char *err,
    size_t errlen)
{
	struct stat	 st;
	int		 fd, rc;

	*created = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT) {
		if (keyfile_create(path, key, err, errlen) == -1)
			return -1;
		*created = 1;
		return 0;
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: readable by others (mode %04o); "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	rc = keyfile_read(fd, path, key, err, errlen);
	close(fd);
	return rc;
}
