/*
 * timefmt_local.c: the local-time timestamp, kept out of common/ so that
 * no local-time conversion is linked into apid.
 */
#include <sys/time.h>

#include <stddef.h>
#include <time.h>

#include "timefmt_local.h"

void
timefmt_local(const struct timeval *tv, char *buf, size_t size)
{
	timefmt_conv(tv, localtime_r, "", buf, size);
}
