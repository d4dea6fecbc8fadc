/*
 * timefmt_local.h: the local-time form of SPEC section 3, which only the
 * supervisor prints (apid runs with TZ=UTC and may not read
 * /etc/localtime).
 */
#ifndef SOLAR_TIMEFMT_LOCAL_H
#define SOLAR_TIMEFMT_LOCAL_H

#include <sys/time.h>

#include <stddef.h>

#include "timefmt.h"

/* 2026-11-27T10:21:32.308789 in the machine's local time */
void	timefmt_local(const struct timeval *, char *, size_t);

#endif
