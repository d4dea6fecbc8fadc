/*
 * notify.c: readiness for systemd's Type=notify, written straight to the
 * datagram socket named by NOTIFY_SOCKET (no libsystemd needed).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sup.h"

static char	*notify_path;

/* Taken once at start-up, and out of the environment children could see. */
void
notify_init(void)
{
	const char	*p = getenv("NOTIFY_SOCKET");

	if (p != NULL && *p != '\0')
		notify_path = strdup(p);
	unsetenv("NOTIFY_SOCKET");
}

void
notify_send(const char *msg)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	size_t			 plen;
	int			 fd;

	if (notify_path == NULL)
		return;
	plen = strlen(notify_path);
	if (plen >= sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET is too long");
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, notify_path, plen);
	/* An '@' names a socket in the abstract namespace. */
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET");
		return;
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_warn("notify %s", notify_path);
	close(fd);
}

void
notify_free(void)
{
	free(notify_path);
	notify_path = NULL;
}
