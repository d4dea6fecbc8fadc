/* logfile.c: per-start log files, named so that no alias leaves LOG_DIR. */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logfile.h"

static int	logfile_keep(char);

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

int
logfile_open(const char *dir, const char *path, char *err, size_t errlen)
{
	int	fd;

	/* Only the last component: a LOG_DIR whose parent is missing is a
	 * mistake to report, not to paper over. */
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return fd;
}
