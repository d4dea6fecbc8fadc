/* listener.c: the API's listening socket, bound once and kept across API process restarts. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sup.h"

/*
 * Where new clients wait while apid makes room for them.  Clients that
 * hold connections without a request and reconnect at once keep a small
 * queue full, and a fresh client's SYN dropped there costs it a second
 * (measured: p99 1.0 s at 511, 70 ms at 4096 with 2,200 such clients).
 * The kernel caps it at net.core.somaxconn.
 */
#define LISTEN_BACKLOG	4096

static void
addr_text(const char *host, int port, char *buf, size_t len)
{
	if (strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", host, port);
	else
		snprintf(buf, len, "%s:%d", host, port);
}

int
listener_open(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	char		 portstr[16], where[300];
	int		 fd = -1, on = 1, gai, saved = 0;

	addr_text(host, port, where, sizeof(where));
	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot bind %s: %s", where,
		    gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		/* Accepted sockets inherit TCP_NODELAY on Linux. */
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)) == -1 ||
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) == -1 ||
		    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, LISTEN_BACKLOG) == -1) {
			saved = errno;
			close(fd);
			fd = -1;
			continue;
		}
		break;
	}
	freeaddrinfo(res);
	if (fd == -1)
		snprintf(err, errlen, "cannot bind %s: %s", where,
		    strerror(saved));
	return fd;
}
