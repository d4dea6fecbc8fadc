/* ports.h: is a TCP port free on an instance's host (bind probe, SO_REUSEADDR). */
#ifndef SOLAR_PORTS_H
#define SOLAR_PORTS_H

/* 1 when a socket with SO_REUSEADDR binds host:port now (host: an IPv4 or
 * IPv6 literal, or "localhost"); 0 otherwise. */
int	ports_free(const char *host, int port);

#endif
