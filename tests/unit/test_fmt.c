/* test_fmt.c: fmt_double against Python's repr() and a random round trip. */
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "t.h"

#define ROUNDS	100000

struct known {
	double		 x;
	const char	*want;	/* repr(x) in CPython 3 */
};

static uint64_t	splitmix64(uint64_t *);
static double	from_bits(uint64_t);
static int	looks_like_float(const char *);

/* A fixed-seed generator so a failure can be reproduced. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
from_bits(uint64_t u)
{
	double	d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Python never prints a float without a point or an exponent. */
static int
looks_like_float(const char *s)
{
	return strchr(s, ',') == NULL &&
	    (strchr(s, '.') != NULL || strchr(s, 'e') != NULL);
}

int
main(void)
{
	static const struct known table[] = {
		{ 1.0, "1.0" },
		{ 0.05, "0.05" },
		{ 0.7, "0.7" },
		{ 1e-05, "1e-05" },
		{ 1e+16, "1e+16" },
		{ 2.5, "2.5" },
		{ 100.0, "100.0" },
		{ 0.0001, "0.0001" },
		{ 0.000123, "0.000123" },
		{ 0.001, "0.001" },
		{ 123456789.123, "123456789.123" },
		{ 12345.678, "12345.678" },
		{ 1e+100, "1e+100" },
		{ 1e-100, "1e-100" },
		{ 5e-324, "5e-324" },
		{ 1.5e-323, "1.5e-323" },
		{ 1e-310, "1e-310" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		{ 2.225073858507201e-308, "2.225073858507201e-308" },
		{ 1.7976931348623157e+308, "1.7976931348623157e+308" },
		{ 0.0, "0.0" },
		{ -0.0, "-0.0" },
		{ -1.5, "-1.5" },
		{ -1e-07, "-1e-07" },
		{ 1.5e-07, "1.5e-07" },
		{ 1e15, "1000000000000000.0" },
		{ 1234567890123456.0, "1234567890123456.0" },
		{ 9999999999999998.0, "9999999999999998.0" },
		{ 9007199254740992.0, "9007199254740992.0" },
		{ 123456789012345678.0, "1.2345678901234568e+17" },
		{ 1.5e16, "1.5e+16" },
		{ 1e22, "1e+22" },
		{ 1.23456e-298, "1.23456e-298" },
		{ 0.1, "0.1" },
		/* Powers of two: the nearest 16 digits do not read back. */
		{ 0x1p-1017, "7.120236347223045e-307" },
		{ 0x1p-1007, "7.291122019556398e-304" },
		{ 0x1p1023, "8.98846567431158e+307" },
		{ 0x1p60, "1.152921504606847e+18" },
		{ 4.35, "4.35" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 2.0 / 3.0, "0.6666666666666666" },
	};
	char		 buf[FMT_DOUBLE_LEN], *end;
	uint64_t	 seed = 20261127;
	volatile double	 a = 0.1, b = 0.2, c = 1.1;
	double		 x, back;
	size_t		 i;
	int		 n, bad, ugly, shown;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		n = fmt_double(table[i].x, buf, sizeof(buf));
		CHECK_STR(buf, table[i].want);
		CHECK(n == (int)strlen(table[i].want));
	}

	/* Computed at run time, as the daemon's values are. */
	fmt_double(a + b, buf, sizeof(buf));
	CHECK_STR(buf, "0.30000000000000004");
	fmt_double(c * c, buf, sizeof(buf));
	CHECK_STR(buf, "1.2100000000000002");

	/* Callers decide what to do with these. */
	fmt_double(INFINITY, buf, sizeof(buf));
	CHECK_STR(buf, "inf");
	fmt_double(-INFINITY, buf, sizeof(buf));
	CHECK_STR(buf, "-inf");
	fmt_double(NAN, buf, sizeof(buf));
	CHECK_STR(buf, "nan");

	/* A short buffer truncates like snprintf and stays terminated. */
	memset(buf, 'x', sizeof(buf));
	n = fmt_double(0.30000000000000004, buf, 5);
	CHECK_STR(buf, "0.30");
	CHECK(n == 4);
	CHECK(buf[5] == 'x');
	buf[0] = 'x';
	CHECK(fmt_double(1.0, buf, 0) == 0);
	CHECK(buf[0] == 'x');

	/* Every bit pattern that is a number must read back exactly. */
	bad = ugly = shown = 0;
	for (i = 0; i < ROUNDS; i++) {
		x = from_bits(splitmix64(&seed));
		if (isnan(x) || isinf(x)) {
			i--;
			continue;
		}
		n = fmt_double(x, buf, sizeof(buf));
		back = strtod(buf, &end);
		if (*end != '\0' || memcmp(&back, &x, sizeof(x)) != 0 ||
		    n != (int)strlen(buf)) {
			if (shown++ < 10)
				fprintf(stderr, "round trip: %a -> \"%s\"\n",
				    x, buf);
			bad++;
		}
		if (!looks_like_float(buf))
			ugly++;
	}
	CHECK(bad == 0);
	CHECK(ugly == 0);

	/* The same for values of everyday size, which print positionally. */
	bad = 0;
	for (i = 0; i < ROUNDS; i++) {
		x = (double)(splitmix64(&seed) >> 11) / 9007199254740992.0 *
		    pow(10.0, (double)(splitmix64(&seed) % 24) - 6.0);
		fmt_double(x, buf, sizeof(buf));
		back = strtod(buf, &end);
		if (*end != '\0' || back != x || !looks_like_float(buf))
			bad++;
	}
	CHECK(bad == 0);

	/* The output must not follow a locale's decimal comma. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL ||
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8") != NULL) {
		fmt_double(1.5, buf, sizeof(buf));
		CHECK_STR(buf, "1.5");
		fmt_double(1.5e-7, buf, sizeof(buf));
		CHECK_STR(buf, "1.5e-07");
		setlocale(LC_NUMERIC, "C");
	} else
		fprintf(stderr, "no decimal-comma locale; that case skipped\n");

	T_DONE();
}
