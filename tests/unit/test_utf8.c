/*
 * test_utf8.c: the decoder at every length and boundary, checked by hand
 * and against a plain bit-level reading of RFC 3629 over every sequence
 * of up to three bytes and every lead of four.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "utf8.h"

struct dcase {
	const char	*s;
	size_t		 len;
	int		 n;		/* what utf8_decode returns */
	uint32_t	 cp;
};

static int	ref_decode(const unsigned char *, size_t, uint32_t *);
static void	test_cases(void);
static void	test_against_ref(void);
static void	test_encode(void);
static void	test_check(void);
static void	test_helpers(void);

/* The rule as RFC 3629 states it: read the bits, then refuse the value. */
static int
ref_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t	 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t		 c;
	size_t			 n, i;

	if (len == 0)
		return -1;
	if (s[0] < 0x80)
		n = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return -1;
	c = s[0] & (0xff >> (n == 1 ? 1 : n + 1));
	if (len < n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return (int)n;
}

static void
test_cases(void)
{
	static const struct dcase	 cases[] = {
		/* the first and last of every length */
		{ "\x00", 1, 1, 0x00 },
		{ "\x7f", 1, 1, 0x7f },
		{ "\xc2\x80", 2, 2, 0x80 },
		{ "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },
		{ "\xef\xbf\xbf", 3, 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		/* either side of the surrogates */
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff },
		{ "\xee\x80\x80", 3, 3, 0xe000 },
		{ "\xef\xbf\xbd", 3, 3, 0xfffd },
		/* more bytes after a character are not read */
		{ "a\xff", 2, 1, 'a' },
		{ "\xc3\xa9\xff", 3, 2, 0xe9 },
		/* overlong forms */
		{ "\xc0\x80", 2, -1, 0 },
		{ "\xc1\xbf", 2, -1, 0 },
		{ "\xe0\x80\x80", 3, -1, 0 },
		{ "\xe0\x9f\xbf", 3, -1, 0 },
		{ "\xf0\x80\x80\x80", 4, -1, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, -1, 0 },
		/* surrogates */
		{ "\xed\xa0\x80", 3, -1, 0 },
		{ "\xed\xb0\x80", 3, -1, 0 },
		{ "\xed\xbf\xbf", 3, -1, 0 },
		/* past U+10FFFF, and leads that can only start such */
		{ "\xf4\x90\x80\x80", 4, -1, 0 },
		{ "\xf5\x80\x80\x80", 4, -1, 0 },
		{ "\xf7\xbf\xbf\xbf", 4, -1, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, -1, 0 },
		{ "\xfc\x84\x80\x80\x80\x80", 6, -1, 0 },
		{ "\xfe", 1, -1, 0 },
		{ "\xff", 1, -1, 0 },
		/* a continuation byte where a character should start */
		{ "\x80", 1, -1, 0 },
		{ "\xbf", 1, -1, 0 },
		/* cut short, by the length or by a byte that does not belong */
		{ "\xc3", 1, -1, 0 },
		{ "\xe2\x82", 2, -1, 0 },
		{ "\xf0\x9f\x98", 3, -1, 0 },
		{ "\xe2\x82\xac", 2, -1, 0 },
		{ "\xc3" "a", 2, -1, 0 },
		{ "\xe2\x82" "a", 3, -1, 0 },
		{ "\xf0\x9f\x98" "a", 4, -1, 0 },
		{ "\xe2\xc3\xa9", 3, -1, 0 },
		{ "\xf0\x9f\x98\xc0", 4, -1, 0 },
		{ "\xc3\x00", 2, -1, 0 },
		{ "", 0, -1, 0 },
	};
	uint32_t	cp;
	size_t		i;
	int		n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cp = 0xdeadbeef;
		n = utf8_decode((const unsigned char *)cases[i].s,
		    cases[i].len, &cp);
		if (n != cases[i].n || (n > 0 && cp != cases[i].cp))
			fprintf(stderr, "case %zu: got %d U+%04X\n", i, n,
			    (unsigned)cp);
		CHECK(n == cases[i].n);
		if (n > 0)
			CHECK(cp == cases[i].cp);
	}
}

/* Every sequence of one to three bytes, every first two of four. */
static void
test_against_ref(void)
{
	unsigned char	b[4];
	uint32_t	cp, rcp;
	unsigned long	bad = 0;
	unsigned int	x;
	size_t		len, i;
	int		n, rn;

	for (len = 1; len <= 3; len++) {
		for (x = 0; x < (1U << (8 * len)); x++) {
			for (i = 0; i < len; i++)
				b[i] = (unsigned char)(x >> (8 * (len - 1 - i)));
			n = utf8_decode(b, len, &cp);
			rn = ref_decode(b, len, &rcp);
			if (n != rn || (n > 0 && cp != rcp))
				bad++;
		}
	}
	/* The third and fourth bytes only ever need be 10xxxxxx. */
	for (x = 0; x < 0x10000; x++) {
		b[0] = (unsigned char)(x >> 8);
		b[1] = (unsigned char)x;
		b[2] = 0x80;
		b[3] = 0xbf;
		n = utf8_decode(b, 4, &cp);
		rn = ref_decode(b, 4, &rcp);
		if (n != rn || (n > 0 && cp != rcp))
			bad++;
		b[3] = 0x7f;
		if (utf8_decode(b, 4, &cp) != ref_decode(b, 4, &rcp))
			bad++;
	}
	if (bad != 0)
		fprintf(stderr, "%lu sequences differ from RFC 3629\n", bad);
	CHECK(bad == 0);
}

/* Encoding every scalar value decodes back to it, at the right length. */
static void
test_encode(void)
{
	char		out[UTF8_MAX];
	uint32_t	c, cp;
	unsigned long	bad = 0;
	size_t		n, want;

	for (c = 0; c <= 0x10ffff; c++) {
		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		want = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		n = utf8_encode(c, out);
		if (n != want || utf8_decode((const unsigned char *)out, n,
		    &cp) != (int)n || cp != c)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(utf8_encode(0xfffd, out) == UTF8_FFFD_LEN);
	CHECK(memcmp(out, UTF8_FFFD, UTF8_FFFD_LEN) == 0);
}

static void
test_check(void)
{
	const char	*good = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";

	CHECK(utf8_check((const unsigned char *)good, strlen(good)) ==
	    strlen(good));
	CHECK(utf8_valid(good, strlen(good)));
	CHECK(utf8_valid("", 0));
	/* a NUL is a character; the length says where text ends */
	CHECK(utf8_valid("a\0b", 3));
	/* the offset is that of the sequence's first byte */
	CHECK(utf8_check((const unsigned char *)"ab\xe2\x82", 4) == 2);
	CHECK(utf8_check((const unsigned char *)"\xc3\xa9\xed\xa0\x80", 5) ==
	    2);
	CHECK(utf8_check((const unsigned char *)"\x80", 1) == 0);
	CHECK(!utf8_valid("\xe2\x82\xac", 2));
	CHECK(!utf8_valid("abc\xc0\xaf", 5));
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));
}

static void
test_helpers(void)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	unsigned char	 lo, hi;

	CHECK(utf8_chars(s, strlen(s)) == 4);
	CHECK(utf8_chars("", 0) == 0);
	CHECK(utf8_chars(s, 3) == 2);

	CHECK(utf8_floor(s, 0) == 0);
	CHECK(utf8_floor(s, 1) == 1);
	CHECK(utf8_floor(s, 2) == 1);
	CHECK(utf8_floor(s, 4) == 3);
	CHECK(utf8_floor(s, 5) == 3);
	CHECK(utf8_floor(s, 9) == 6);
	CHECK(utf8_floor("\x80\x80", 1) == 0);

	CHECK(utf8_lead('a', &lo, &hi) == 0);
	CHECK(utf8_lead(0x80, &lo, &hi) == -1);
	CHECK(utf8_lead(0xc1, &lo, &hi) == -1);
	CHECK(utf8_lead(0xc2, &lo, &hi) == 1 && lo == 0x80 && hi == 0xbf);
	CHECK(utf8_lead(0xe0, &lo, &hi) == 2 && lo == 0xa0 && hi == 0xbf);
	CHECK(utf8_lead(0xed, &lo, &hi) == 2 && lo == 0x80 && hi == 0x9f);
	CHECK(utf8_lead(0xf0, &lo, &hi) == 3 && lo == 0x90 && hi == 0xbf);
	CHECK(utf8_lead(0xf4, &lo, &hi) == 3 && lo == 0x80 && hi == 0x8f);
	CHECK(utf8_lead(0xf5, &lo, &hi) == -1);

	CHECK(UTF8_IS_CONT(0x80) && UTF8_IS_CONT(0xbf));
	CHECK(!UTF8_IS_CONT(0x7f) && !UTF8_IS_CONT(0xc0));
}

int
main(void)
{
	test_cases();
	test_against_ref();
	test_encode();
	test_check();
	test_helpers();
	T_DONE();
}
