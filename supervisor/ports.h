/*
 * ports.h: the port of an instance's start (SPEC section 5): the one it
 * asks for, else its last one, else the first free one up from START_PORT;
 * free meaning bound now with SO_REUSEADDR, as llama-server will bind it.
 */
#ifndef SOLAR_PORTS_H
#define SOLAR_PORTS_H

#include <stddef.h>

/* 1 when a socket with SO_REUSEADDR binds host:port now (host: an IPv4 or
 * IPv6 literal, or "localhost"); 0 otherwise. */
int	ports_free(const char *host, int port);

/* 1, with the reason in why, when port is ours already (the API's, another
 * instance's); the bind probe cannot see a child that has not bound yet. */
typedef int (*ports_taken_fn)(int port, char *why, size_t whylen, void *arg);

/*
 * want: the instance's own port (0: none), which is that or nothing;
 * previous: its last one (0: none); from: START_PORT.  The port, or 0
 * with the reason in err.
 */
int	ports_choose(const char *host, int want, int previous, int from,
	    ports_taken_fn, void *arg, char *err, size_t errlen);

#endif
