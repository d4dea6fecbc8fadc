/*
 * pidfile.c: the pid file (PID_FILE, by default solar-host.pid beside
 * config.json).  It is created and locked with libbsd's pidfile(3), whose
 * lock is what tells a running solar-host from a stale file: a file that
 * nobody holds locked is left by one that died, and is taken over.  The
 * lock is held for as long as the supervisor runs, across the fork of
 * detaching, and the file goes at a clean exit.
 */
#include <sys/types.h>
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/libutil.h>

#include "settings.h"
#include "sup.h"

#define PIDFILE_NAME	"solar-host.pid"

static struct pidfh	*pfh;

char *
pidfile_path(const struct settings *s)
{
	if (s->pid_file != NULL)
		return strdup(s->pid_file);
	return path_beside(s->config_file, PIDFILE_NAME);
}

int
pidfile_create(const char *path, char *err, size_t errlen)
{
	pid_t	 other = 0;

	if ((pfh = pidfile_open(path, 0644, &other)) != NULL)
		return 0;
	if (errno == EEXIST)
		snprintf(err, errlen, "solar-host is already running as pid "
		    "%ld (%s)", (long)other, path);
	else
		snprintf(err, errlen, "cannot create the pid file %s: %s",
		    path, strerror(errno));
	return -1;
}

int
pidfile_write_self(void)
{
	return pfh == NULL ? 0 : pidfile_write(pfh);
}

void
pidfile_remove_self(void)
{
	if (pfh != NULL)
		(void)pidfile_remove(pfh);
	pfh = NULL;
}

pid_t
pidfile_running(const char *path, char *err, size_t errlen)
{
	char	 buf[32];
	ssize_t	 n;
	long	 pid;
	char	*end;
	int	 fd, locked;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* pidfile(3) holds an exclusive flock: if we get a shared one,
	 * nobody holds it. */
	locked = flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (!locked)
		return 0;
	if (n <= 0) {
		snprintf(err, errlen, "%s: locked but empty (solar-host is "
		    "starting?)", path);
		return -1;
	}
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (pid <= 1 || (*end != '\n' && *end != '\0')) {
		snprintf(err, errlen, "%s: not a pid file", path);
		return -1;
	}
	return (pid_t)pid;
}
