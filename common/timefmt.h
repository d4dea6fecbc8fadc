/*
 * timefmt.h: the UTC timestamp forms of SPEC section 3 (the local one is
 * the supervisor's: supervisor/timefmt_local.h).  A fraction of exactly
 * zero is left out.  Buffers of TIMEFMT_LEN bytes are enough.
 */
#ifndef SOLAR_TIMEFMT_H
#define SOLAR_TIMEFMT_H

#include <sys/time.h>

#include <stddef.h>
#include <time.h>

#define TIMEFMT_LEN	40

/* 2026-11-27T10:20:22.102781Z */
void	timefmt_utc_z(const struct timeval *, char *, size_t);
/* 2026-11-27T10:21:38.231180+00:00 */
void	timefmt_utc_offset(const struct timeval *, char *, size_t);
/* Any of the forms: the calendar from conv (gmtime_r, localtime_r), then
 * the date, the time, a fraction unless it is zero, and suffix. */
typedef struct tm *(*timefmt_conv_fn)(const time_t *, struct tm *);
void	timefmt_conv(const struct timeval *, timefmt_conv_fn, const char *,
	    char *, size_t);
/* Parse an ISO 8601 timestamp (the forms above, a 'T' or ' ' separator, an
 * optional fraction, 'Z' or +HH:MM offset; none means UTC).  0 or -1. */
int	timefmt_parse(const char *, struct timeval *);

#endif
