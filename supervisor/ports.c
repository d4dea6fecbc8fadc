/*
 * ports.c: is a port free on an instance's host, bound as llama-server
 * will; and which port a start gets.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ports.h"

int
ports_free(const char *host, int port)
{
	struct addrinfo	 hints, *res;
	char		 portstr[16];
	int		 fd, on = 1, ok;

	if (host == NULL || port < 1 || port > 65535)
		return 0;
	/* llama-server binds the address localhost resolves to first. */
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* Literals only: no name service lookups in the supervisor. */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, portstr, &hints, &res) != 0)
		return 0;
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1) {
		freeaddrinfo(res);
		return 0;
	}
	/*
	 * As llama-server sets it: connections of an earlier child in
	 * TIME_WAIT do not keep the next one from binding.
	 */
	ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
	    bind(fd, res->ai_addr, res->ai_addrlen) == 0;
	close(fd);
	freeaddrinfo(res);
	return ok;
}

int
ports_choose(const char *host, int want, int previous, int from,
    ports_taken_fn taken, void *arg, char *err, size_t errlen)
{
	char	 why[256];
	int	 p;

	if (want != 0) {
		if (taken(want, err, errlen, arg))
			return 0;
		/* Probed as assigned ones are: a foreign holder is named. */
		if (!ports_free(host, want)) {
			snprintf(err, errlen, "port %d is already in use on %s",
			    want, host);
			return 0;
		}
		return want;
	}
	if (previous != 0 && !taken(previous, why, sizeof(why), arg) &&
	    ports_free(host, previous))
		return previous;
	for (p = from; p <= 65535; p++)
		if (!taken(p, why, sizeof(why), arg) && ports_free(host, p))
			return p;
	snprintf(err, errlen, "no free port from %d up", from);
	return 0;
}
