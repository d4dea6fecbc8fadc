/* test_timefmt.c: the three timestamp forms and the ISO 8601 parser. */
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt_local.h"
#include "t.h"

/* 2026-11-27T10:20:22Z, the SPEC's example second. */
#define T0	1795774822LL

static void	settz(const char *);
static int	parses(const char *, long long, long);
static uint64_t	next_rand(uint64_t *);

static void
settz(const char *tz)
{
	if (setenv("TZ", tz, 1) == -1) {
		perror("setenv");
		exit(2);
	}
	tzset();
}

/* 1 when s parses to exactly sec.usec. */
static int
parses(const char *s, long long sec, long usec)
{
	struct timeval	tv;

	memset(&tv, 0, sizeof(tv));
	if (timefmt_parse(s, &tv) == -1) {
		fprintf(stderr, "rejected \"%s\"\n", s);
		return 0;
	}
	if ((long long)tv.tv_sec != sec || (long)tv.tv_usec != usec) {
		fprintf(stderr, "\"%s\" -> %lld.%06ld, want %lld.%06ld\n", s,
		    (long long)tv.tv_sec, (long)tv.tv_usec, sec, usec);
		return 0;
	}
	return 1;
}

/* xorshift64*, fixed seed: a failure can be reproduced. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

int
main(void)
{
	static const char *const bad[] = {
		"",
		"2026",
		"26-11-27",
		"2026-1-27",
		"2026/11/27",
		"0000-01-01",
		"2026-13-01",
		"2026-00-10",
		"2026-11-00",
		"2026-11-32",
		"2026-04-31",
		"2026-02-29",		/* not a leap year */
		"2100-02-29",		/* nor is a century */
		"2026-02-30",
		"2026-11-27T",
		"2026-11-27X10:20",
		"2026-11-27Z",		/* an offset needs a time */
		"2026-11-27 ",
		" 2026-11-27",
		"2026-11-27T1:20",
		"2026-11-27T10",
		"2026-11-27T10:2",
		"2026-11-27T24:00:00",
		"2026-11-27T10:60",
		"2026-11-27T10:20:60",
		"2026-11-27T10:20:22.",
		"2026-11-27T10:20:22.1234567",
		"2026-11-27T10:20:22.12a",
		"2026-11-27T10:20:22Zjunk",
		"2026-11-27T10:20:22Z ",
		"2026-11-27T10:20:22+05",
		"2026-11-27T10:20:22+0530",
		"2026-11-27T10:20:22+24:00",
		"2026-11-27T10:20:22+05:60",
		"2026-11-27T10:20:22+05:30Z",
		"2026-11-27T10:20:22.102781Z\n",
	};
	struct timeval	 tv, back;
	char		 buf[TIMEFMT_LEN], small[12];
	uint64_t	 seed = 0x5eed2026ULL;
	size_t		 i;
	int		 fails;

	settz("UTC");

	/* The SPEC's examples, microseconds always six digits. */
	tv.tv_sec = T0;
	tv.tv_usec = 102781;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:20:22.102781Z");
	tv.tv_sec = T0 + 76;
	tv.tv_usec = 231180;
	timefmt_utc_offset(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:21:38.231180+00:00");
	tv.tv_sec = T0 + 70;
	tv.tv_usec = 308789;
	timefmt_local(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:21:32.308789");
	tv.tv_usec = 7;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:21:32.000007Z");

	/* Local time follows TZ (POSIX sign: "IST-05:30" is UTC+5:30). */
	tv.tv_usec = 308789;
	settz("IST-05:30");
	timefmt_local(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T15:51:32.308789");
	settz("BRT+03");
	timefmt_local(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T07:21:32.308789");
	/* ...and the UTC forms do not. */
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:21:32.308789Z");
	timefmt_utc_offset(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:21:32.308789+00:00");
	settz("UTC");

	/* A fraction of exactly zero is left out. */
	tv.tv_sec = T0 + 1;
	tv.tv_usec = 0;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:20:23Z");
	timefmt_utc_offset(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:20:23+00:00");
	timefmt_local(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:20:23");

	/* Edges of the epoch, and a tv_usec out of range carried over. */
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "1970-01-01T00:00:00Z");
	tv.tv_sec = -1;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "1969-12-31T23:59:59Z");
	tv.tv_sec = T0 + 1;
	tv.tv_usec = -1;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:20:22.999999Z");
	tv.tv_sec = T0;
	tv.tv_usec = 2500000;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-27T10:20:24.500000Z");

	/* Past year 9999: not pretty, but whole and inside the buffer. */
	tv.tv_sec = 253402300800LL;
	tv.tv_usec = 0;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "10000-01-01T00:00:00Z");
	tv.tv_sec = 67767976233316800LL;	/* year near INT_MAX */
	tv.tv_usec = 999999;
	timefmt_utc_offset(&tv, buf, sizeof(buf));
	CHECK(strlen(buf) > 30 && strlen(buf) < TIMEFMT_LEN);
	CHECK(strcmp(buf + strlen(buf) - 13, ".999999+00:00") == 0);
	tv.tv_sec = -67767976233316800LL;
	timefmt_utc_offset(&tv, buf, sizeof(buf));
	CHECK(buf[0] == '-' && strlen(buf) < TIMEFMT_LEN);
	CHECK(strcmp(buf + strlen(buf) - 13, ".999999+00:00") == 0);
	/* Beyond any calendar: an empty string, never garbage. */
	tv.tv_sec = (time_t)0x7fffffffffffffffLL;
	timefmt_utc_z(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "");
	timefmt_local(&tv, buf, sizeof(buf));
	CHECK_STR(buf, "");

	/* A short buffer truncates and stays terminated. */
	memset(small, 'x', sizeof(small));
	tv.tv_sec = T0;
	tv.tv_usec = 102781;
	timefmt_utc_z(&tv, small, 11);
	CHECK_STR(small, "2026-11-27");
	CHECK(small[11] == 'x');

	/* Parsing: every form we write, and Python's other spellings. */
	CHECK(parses("2026-11-27T10:20:22.102781Z", T0, 102781));
	CHECK(parses("2026-11-27T10:20:22.102781+00:00", T0, 102781));
	CHECK(parses("2026-11-27T10:20:22.102781", T0, 102781));
	CHECK(parses("2026-11-27T10:20:22Z", T0, 0));
	CHECK(parses("2026-11-27 10:20:22", T0, 0));
	CHECK(parses("2026-11-27T10:20", T0 - 22, 0));
	CHECK(parses("2026-11-27", T0 - 37222, 0));
	CHECK(parses("2026-11-27T10:20:22.1", T0, 100000));
	CHECK(parses("2026-11-27T10:20:22.000001", T0, 1));
	CHECK(parses("2026-11-27T15:50:22.5+05:30", T0, 500000));
	CHECK(parses("2026-11-27T04:50:22-05:30", T0, 0));
	CHECK(parses("2026-11-27T10:20:22-00:00", T0, 0));
	CHECK(parses("2024-02-29T23:59:59Z", 1709251199LL, 0));
	CHECK(parses("2000-02-29", 951782400LL, 0));
	CHECK(parses("1970-01-01T00:00:00Z", 0, 0));
	CHECK(parses("1969-12-31T23:59:59Z", -1, 0));
	CHECK(parses("0001-01-01T00:00:00Z", -62135596800LL, 0));
	CHECK(parses("9999-12-31T23:59:59.999999Z", 253402300799LL, 999999));

	/* No offset means UTC whatever TZ says. */
	settz("IST-05:30");
	CHECK(parses("2026-11-27T10:20:22", T0, 0));
	CHECK(parses("2026-11-27", T0 - 37222, 0));
	settz("UTC");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (timefmt_parse(bad[i], &tv) != -1) {
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
			CHECK(0);
		} else
			CHECK(1);
	}
	CHECK(timefmt_parse(NULL, &tv) == -1);

	/* What we print, we read back. */
	fails = 0;
	for (i = 0; i < 10000; i++) {
		tv.tv_sec = (time_t)(next_rand(&seed) % 253402300800ULL) -
		    62135596800LL;
		tv.tv_usec = (i % 4 == 0) ? 0 :
		    (suseconds_t)(next_rand(&seed) % 1000000);
		timefmt_utc_z(&tv, buf, sizeof(buf));
		if (timefmt_parse(buf, &back) == -1 ||
		    back.tv_sec != tv.tv_sec || back.tv_usec != tv.tv_usec)
			fails++;
		timefmt_utc_offset(&tv, buf, sizeof(buf));
		if (timefmt_parse(buf, &back) == -1 ||
		    back.tv_sec != tv.tv_sec || back.tv_usec != tv.tv_usec)
			fails++;
		timefmt_local(&tv, buf, sizeof(buf));	/* TZ is UTC */
		if (timefmt_parse(buf, &back) == -1 ||
		    back.tv_sec != tv.tv_sec || back.tv_usec != tv.tv_usec)
			fails++;
	}
	CHECK(fails == 0);

	T_DONE();
}
