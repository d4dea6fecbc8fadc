/*
 * utf8.c: the one UTF-8 decoder and encoder.  Each lead byte narrows the
 * range of the byte after it (Unicode's table of well-formed sequences),
 * which is what keeps out overlong forms, surrogates and code points
 * above U+10FFFF without decoding first and checking after.
 */
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

int
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 0;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;	/* below is overlong */
		else if (c == 0xed)
			*hi = 0x9f;	/* above are surrogates */
		return 2;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;	/* below is overlong */
		else if (c == 0xf4)
			*hi = 0x8f;	/* above is past U+10FFFF */
		return 3;
	}
	return -1;
}

int
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const unsigned char	 mask[] = { 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned char			 lo, hi;
	uint32_t			 c;
	int				 more, i;

	if (len == 0 || (more = utf8_lead(s[0], &lo, &hi)) == -1 ||
	    (size_t)more >= len)
		return -1;
	c = s[0] & mask[more];
	for (i = 1; i <= more; i++) {
		if (s[i] < lo || s[i] > hi)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return more + 1;
}

size_t
utf8_check(const unsigned char *s, size_t len)
{
	size_t		i = 0;
	uint32_t	cp;
	int		n;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_decode(s + i, len - i, &cp)) == -1)
			return i;
		i += (size_t)n;
	}
	return len;
}

int
utf8_valid(const char *s, size_t len)
{
	return utf8_check((const unsigned char *)s, len) == len;
}

size_t
utf8_encode(uint32_t c, char out[UTF8_MAX])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Python counts code points; continuation bytes are not characters. */
size_t
utf8_chars(const char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (!UTF8_IS_CONT(s[i]))
			n++;
	return n;
}

size_t
utf8_floor(const char *s, size_t at)
{
	while (at > 0 && UTF8_IS_CONT(s[at]))
		at--;
	return at;
}
