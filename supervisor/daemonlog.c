/*
 * daemonlog.c: where a detached solar-host logs.  LOG_FILE when it is set;
 * else syslog, when /dev/log takes a connection; else, rather than lose
 * every message, solar-host.log beside config.json, said once on stderr
 * before detaching.  SIGHUP opens the file again (logrotate).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "settings.h"
#include "sup.h"

#define DAEMONLOG_NAME	"solar-host.log"
#define SYSLOG_PATH	"/dev/log"

static struct {
	char	*path;
	int	 fd;
	int	 fallback;	/* for want of syslog */
} dl = { NULL, -1, 0 };

static int
syslog_reachable(void)
{
	static const int	 types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un	 sun;
	size_t			 i;
	int			 fd, ok = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, SYSLOG_PATH, sizeof(sun.sun_path));
	for (i = 0; i < sizeof(types) / sizeof(types[0]) && !ok; i++) {
		if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) == -1)
			continue;
		ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
		close(fd);
	}
	return ok;
}

static int
daemonlog_openfd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
}

int
daemonlog_open(const struct settings *s, char *err, size_t errlen)
{
	if (s->log_file != NULL)
		dl.path = strdup(s->log_file);
	else if (syslog_reachable())
		return 0;
	else {
		dl.path = path_beside(s->config_file, DAEMONLOG_NAME);
		dl.fallback = 1;
	}
	if (dl.path == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((dl.fd = daemonlog_openfd(dl.path)) == -1) {
		snprintf(err, errlen, "LOG_FILE: cannot open %s: %s", dl.path,
		    strerror(errno));
		return -1;
	}
	if (dl.fallback)
		fprintf(stderr, "solar-host: syslog is not reachable (%s); "
		    "logging to %s\n", SYSLOG_PATH, dl.path);
	log_to_fd(dl.fd);
	return 0;
}

/* Once detached: the file itself says why it is used. */
void
daemonlog_detached(void)
{
	if (dl.fallback)
		log_warnx("syslog is not reachable (%s); logging here",
		    SYSLOG_PATH);
}

void
daemonlog_reopen(void)
{
	int	 fd;

	if (dl.fd == -1)
		return;
	if ((fd = daemonlog_openfd(dl.path)) == -1) {
		log_warn("cannot open %s again", dl.path);
		return;
	}
	/* The same number, so that the log API needs no telling. */
	if (dup3(fd, dl.fd, O_CLOEXEC) == -1)
		log_warn("cannot open %s again", dl.path);
	close(fd);
}
