/*
 * sockowner.h: does the socket a readiness probe reaches belong to the
 * instance's child?  A 200 from someone else's socket on that port (the
 * API's, another instance's, a foreign process's) is no readiness.
 */
#ifndef SOLAR_SOCKOWNER_H
#define SOLAR_SOCKOWNER_H

#include <sys/types.h>

#include <stddef.h>

/*
 * 1 when at least one TCP socket listens on port where a connection to
 * addr (an IPv4 or IPv6 literal) may land, and every such socket is held
 * by one of pids; 0 when not (err says whose it is not); -1 with the
 * reason in err when /proc cannot tell.
 */
int	sockowner_owned(const char *addr, int port, const pid_t *pids,
	    size_t npids, char *err, size_t errlen);
/* The same for a child and its processes, probed as probe.c does host. */
int	sockowner_check(pid_t leader, const char *host, int port, char *err,
	    size_t errlen);

#endif
