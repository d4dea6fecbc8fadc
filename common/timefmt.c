/*
 * timefmt.c: the timestamp forms of SPEC section 3, printed and parsed.
 * The local-time form is supervisor/timefmt_local.c: apid links this file
 * and must never convert to local time (it would read /etc/localtime).
 */
#include <sys/time.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

#define USEC_PER_SEC	1000000L
#define TIMEFMT_SEC_MAX	(1LL << 60)

static int	timefmt_norm(const struct timeval *, time_t *, long *);
static int	timefmt_digits(const char **, int, int *);
static int	timefmt_mdays(int, int);

/*
 * Carry a tv_usec outside [0, 1000000) into the seconds, so a sloppy
 * caller still gets a valid fraction; -1 when no calendar holds the result.
 */
static int
timefmt_norm(const struct timeval *tv, time_t *sec, long *usec)
{
	long long	s;
	long		carry;

	*usec = (long)tv->tv_usec;
	carry = *usec / USEC_PER_SEC;
	*usec %= USEC_PER_SEC;
	if (*usec < 0) {
		*usec += USEC_PER_SEC;
		carry--;
	}
	/* Far beyond gmtime's reach, and keeps the sum from overflowing. */
	if (tv->tv_sec > TIMEFMT_SEC_MAX || tv->tv_sec < -TIMEFMT_SEC_MAX)
		return -1;
	s = (long long)tv->tv_sec + carry;
	*sec = (time_t)s;
	if ((long long)*sec != s)
		return -1;
	return 0;
}

/*
 * Years outside 1000..9999 print oddly but always fit: snprintf truncates.
 * A time beyond any calendar prints as "", which no caller of
 * gettimeofday can meet.
 */
void
timefmt_conv(const struct timeval *tv, timefmt_conv_fn conv,
    const char *suffix, char *buf, size_t size)
{
	struct tm	tm;
	time_t		sec;
	long		usec;
	long long	year;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (timefmt_norm(tv, &sec, &usec) == -1)
		return;
	if (conv(&sec, &tm) == NULL)
		return;
	year = (long long)tm.tm_year + 1900;
	if (usec == 0)
		(void)snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d%s",
		    year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, suffix);
	else
		(void)snprintf(buf, size,
		    "%04lld-%02d-%02dT%02d:%02d:%02d.%06ld%s",
		    year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, usec, suffix);
}

void
timefmt_utc_z(const struct timeval *tv, char *buf, size_t size)
{
	timefmt_conv(tv, gmtime_r, "Z", buf, size);
}

void
timefmt_utc_offset(const struct timeval *tv, char *buf, size_t size)
{
	timefmt_conv(tv, gmtime_r, "+00:00", buf, size);
}

/* Exactly n decimal digits; advances *sp past them. */
static int
timefmt_digits(const char **sp, int n, int *val)
{
	const char	*s = *sp;
	int		 i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*val = v;
	return 0;
}

static int
timefmt_mdays(int year, int mon)
{
	static const int	days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[mon - 1];
}

/*
 * Strict, like Python's datetime.fromisoformat() on the forms we write:
 * YYYY-MM-DD, then optionally 'T' or ' ' and HH:MM[:SS[.f{1,6}]], then
 * optionally 'Z' or +HH:MM / -HH:MM.  No offset means UTC, never local time.
 */
int
timefmt_parse(const char *s, struct timeval *tv)
{
	struct tm	 tm;
	time_t		 t;
	int		 year, mon, day, hour = 0, min = 0, sec = 0;
	int		 usec = 0, scale, d, n, sign, oh, om, off = 0;

	if (s == NULL)
		return -1;
	if (timefmt_digits(&s, 4, &year) == -1 || *s++ != '-' ||
	    timefmt_digits(&s, 2, &mon) == -1 || *s++ != '-' ||
	    timefmt_digits(&s, 2, &day) == -1)
		return -1;
	if (year < 1 || mon < 1 || mon > 12 || day < 1 ||
	    day > timefmt_mdays(year, mon))
		return -1;

	/* A date alone is midnight UTC and takes no offset. */
	if (*s != '\0') {
		if (*s != 'T' && *s != ' ')
			return -1;
		s++;
		if (timefmt_digits(&s, 2, &hour) == -1 || *s++ != ':' ||
		    timefmt_digits(&s, 2, &min) == -1)
			return -1;
		if (*s == ':') {
			s++;
			if (timefmt_digits(&s, 2, &sec) == -1)
				return -1;
			if (*s == '.') {
				s++;
				scale = 100000;
				for (n = 0; *s >= '0' && *s <= '9'; n++, s++) {
					if (n == 6)
						return -1;
					d = *s - '0';
					usec += d * scale;
					scale /= 10;
				}
				if (n == 0)
					return -1;
			}
		}
		if (hour > 23 || min > 59 || sec > 59)
			return -1;
		if (*s == 'Z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (timefmt_digits(&s, 2, &oh) == -1 || *s++ != ':' ||
			    timefmt_digits(&s, 2, &om) == -1)
				return -1;
			if (oh > 23 || om > 59)
				return -1;
			off = sign * (oh * 3600 + om * 60);
		}
		if (*s != '\0')
			return -1;
	}

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	/* timegm, not mktime: the result must not depend on TZ. */
	t = timegm(&tm);
	if (t == (time_t)-1 && !(year == 1969 && mon == 12 && day == 31 &&
	    hour == 23 && min == 59 && sec == 59))
		return -1;
	tv->tv_sec = t - off;
	tv->tv_usec = usec;
	return 0;
}
