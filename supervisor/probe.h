/*
 * probe.h: the readiness probe: GET /health on a child's port, reading the
 * status line only.  Probes 127.0.0.1 for host 0.0.0.0 and ::1 for ::.
 */
#ifndef SOLAR_PROBE_H
#define SOLAR_PROBE_H

struct event_base;
struct probe;

/* cb gets the HTTP status (200 means ready) or -1 (refused, reset,
 * timeout, garbage). */
typedef void (*probe_fn)(int status, void *arg);

struct probe	*probe_new(struct event_base *, probe_fn, void *arg);
/* Start one probe; a no-op (returning 0) while one is in flight.  The
 * callback always comes later from the event loop, never from inside
 * probe_start.  -1 when it cannot even start. */
int		 probe_start(struct probe *, const char *host, int port);
int		 probe_busy(const struct probe *);
/* The address a probe of host connects to. */
const char	*probe_target(const char *host);
void		 probe_cancel(struct probe *);	/* no callback for the one in flight */
void		 probe_free(struct probe *);

#endif
