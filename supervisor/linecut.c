/* linecut.c: child output as UTF-8 lines, decoded and stripped as before. */
#include <string.h>

#include "linecut.h"

#define LC_FFFD		"\xef\xbf\xbd"

/*
 * A line is emitted from here: every input byte may become the 3 bytes of
 * U+FFFD, plus the NUL.  One buffer serves every linecut, since a line is
 * handed out and forgotten before the next is decoded; a callback must
 * not feed a linecut itself.
 */
static char	lc_out[3 * LINECUT_MAX + 1];

static int	lc_lead(unsigned char, size_t *, unsigned char *,
		    unsigned char *);
static size_t	lc_decode(const unsigned char *, size_t, int, char *,
		    size_t *);
static size_t	lc_rstrip(const char *, size_t);
static void	lc_emit(struct linecut *, int, linecut_fn, void *);

/*
 * For a lead byte: how many continuation bytes follow and the range the
 * first of them must lie in (which excludes overlongs, surrogates and
 * code points above U+10FFFF, as the Unicode "maximal subpart" rule and
 * Python's decoder do).  0 when c cannot start a sequence.
 */
static int
lc_lead(unsigned char c, size_t *need, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		*need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		*need = 2;
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		*need = 3;
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
	} else
		return 0;
	return 1;
}

/*
 * Decode s into out, each maximal invalid subsequence as one U+FFFD (what
 * bytes.decode("utf-8", "replace") gives).  Unless final, a sequence that
 * is valid so far but cut off by the end of s is left undecoded, for the
 * next piece.  Returns the bytes of s consumed.
 */
static size_t
lc_decode(const unsigned char *s, size_t len, int final, char *out,
    size_t *outlen)
{
	size_t		 i = 0, o = 0, need, k;
	unsigned char	 lo, hi, b;

	while (i < len) {
		if (s[i] < 0x80) {
			out[o++] = (char)s[i++];
			continue;
		}
		if (!lc_lead(s[i], &need, &lo, &hi)) {
			memcpy(out + o, LC_FFFD, 3);
			o += 3;
			i++;
			continue;
		}
		for (k = 1; k <= need && i + k < len; k++) {
			b = s[i + k];
			if (k == 1 ? (b < lo || b > hi) :
			    (b < 0x80 || b > 0xbf))
				break;
		}
		if (k > need) {
			memcpy(out + o, s + i, need + 1);
			o += need + 1;
			i += need + 1;
			continue;
		}
		if (i + k == len && !final)
			break;
		/* The lead and the continuations that fitted it. */
		memcpy(out + o, LC_FFFD, 3);
		o += 3;
		i += k;
	}
	*outlen = o;
	return i;
}

/*
 * The length of s (valid UTF-8) without the trailing characters that
 * Python's str.rstrip() removes: those str.isspace() calls whitespace.
 */
static size_t
lc_rstrip(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;

	while (len > 0) {
		if (u[len - 1] == ' ' || (u[len - 1] >= '\t' &&
		    u[len - 1] <= '\r') || (u[len - 1] >= 0x1c &&
		    u[len - 1] <= 0x1f)) {
			len--;
			continue;
		}
		/* U+0085, U+00A0 */
		if (len >= 2 && u[len - 2] == 0xc2 &&
		    (u[len - 1] == 0x85 || u[len - 1] == 0xa0)) {
			len -= 2;
			continue;
		}
		if (len < 3)
			break;
		/* U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F,
		 * U+3000 */
		if ((u[len - 3] == 0xe1 && u[len - 2] == 0x9a &&
		    u[len - 1] == 0x80) ||
		    (u[len - 3] == 0xe2 && u[len - 2] == 0x80 &&
		    (u[len - 1] <= 0x8a || u[len - 1] == 0xa8 ||
		    u[len - 1] == 0xa9 || u[len - 1] == 0xaf)) ||
		    (u[len - 3] == 0xe2 && u[len - 2] == 0x81 &&
		    u[len - 1] == 0x9f) ||
		    (u[len - 3] == 0xe3 && u[len - 2] == 0x80 &&
		    u[len - 1] == 0x80)) {
			len -= 3;
			continue;
		}
		break;
	}
	return len;
}

/*
 * Hand out the buffered bytes as one line: all of them when final (the
 * line ended), else all but an unfinished character, which is kept for
 * the continuation.
 */
static void
lc_emit(struct linecut *lc, int final, linecut_fn cb, void *arg)
{
	size_t	used, outlen;

	used = lc_decode((const unsigned char *)lc->buf, lc->len, final,
	    lc_out, &outlen);
	outlen = lc_rstrip(lc_out, outlen);
	lc_out[outlen] = '\0';
	memmove(lc->buf, lc->buf + used, lc->len - used);
	lc->len -= used;
	cb(lc_out, outlen, arg);
}

void
linecut_init(struct linecut *lc)
{
	lc->len = 0;
}

void
linecut_feed(struct linecut *lc, const char *data, size_t n, linecut_fn cb,
    void *arg)
{
	const char	*nl;
	size_t		 seg, take;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		seg = nl != NULL ? (size_t)(nl - data) : n;
		while (seg > 0) {
			/* Cut only when the line really goes on: a line of
			 * exactly LINECUT_MAX bytes stays whole. */
			if (lc->len == LINECUT_MAX)
				lc_emit(lc, 0, cb, arg);
			take = LINECUT_MAX - lc->len;
			if (take > seg)
				take = seg;
			memcpy(lc->buf + lc->len, data, take);
			lc->len += take;
			data += take;
			n -= take;
			seg -= take;
		}
		if (nl != NULL) {
			lc_emit(lc, 1, cb, arg);
			data++;
			n--;
		}
	}
}

void
linecut_flush(struct linecut *lc, linecut_fn cb, void *arg)
{
	if (lc->len > 0)
		lc_emit(lc, 1, cb, arg);
}
