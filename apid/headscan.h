/*
 * headscan.h: where an HTTP request head ends, found in its bytes as they
 * arrive (evhttp does not say), and whether it held a NUL byte.
 */
#ifndef SOLAR_HEADSCAN_H
#define SOLAR_HEADSCAN_H

#include <stddef.h>

struct evbuffer;

struct headscan {
	int	 state;		/* HS_* in headscan.c */
	int	 started;	/* the request line has begun */
	int	 nul;		/* a NUL byte came */
};

void	headscan_reset(struct headscan *);
/* The next bytes of a head: 1 when its blank line is among them. */
int	headscan_feed(struct headscan *, const void *, size_t);
/* The same for the bytes of buf from off on. */
int	headscan_buffer(struct headscan *, struct evbuffer *, size_t off);

#endif
