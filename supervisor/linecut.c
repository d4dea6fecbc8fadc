/* linecut.c: child output as UTF-8 lines, decoded and stripped as before. */
#include <stdlib.h>
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
static size_t	lc_emit(const char *, size_t, int, linecut_fn, void *);
static void	lc_emit_held(struct linecut *, int, linecut_fn, void *);
static void	lc_hold(struct linecut *, const char *, size_t, linecut_fn,
		    void *);
static void	lc_segment(struct linecut *, const char *, size_t, int,
		    linecut_fn, void *);

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
 * Decode src and hand it out as one line: all of it when final (the line
 * ended), else all but an unfinished character at its end, which is left
 * for the continuation.  Returns the bytes of src used.
 */
static size_t
lc_emit(const char *src, size_t len, int final, linecut_fn cb, void *arg)
{
	size_t	used, outlen;

	used = lc_decode((const unsigned char *)src, len, final, lc_out,
	    &outlen);
	outlen = lc_rstrip(lc_out, outlen);
	lc_out[outlen] = '\0';
	cb(lc_out, outlen, arg);
	return used;
}

/* The held bytes, handed out as lc_emit does; a large buffer goes when
 * it empties, so one long line does not pin it. */
static void
lc_emit_held(struct linecut *lc, int final, linecut_fn cb, void *arg)
{
	size_t	used;

	used = lc_emit(lc->buf, lc->len, final, cb, arg);
	memmove(lc->buf, lc->buf + used, lc->len - used);
	lc->len -= used;
	lc->cut = !final;
	if (lc->len == 0 && lc->cap > LINECUT_KEEP) {
		free(lc->buf);
		lc->buf = NULL;
		lc->cap = 0;
	}
}

/*
 * Keep len more bytes of an unfinished line (lc->len + len is at most
 * LINECUT_MAX).  Without memory for them the line is cut here: what is
 * held and the new bytes are handed out, so nothing is lost.
 */
static void
lc_hold(struct linecut *lc, const char *s, size_t len, linecut_fn cb,
    void *arg)
{
	size_t	 cap;
	char	*buf;

	if (lc->len + len > lc->cap) {
		cap = lc->cap == 0 ? LINECUT_MIN : lc->cap;
		while (cap < lc->len + len)
			cap *= 2;
		if (cap > LINECUT_MAX)
			cap = LINECUT_MAX;
		if ((buf = realloc(lc->buf, cap)) == NULL) {
			if (lc->len > 0)
				lc_emit_held(lc, 1, cb, arg);
			(void)lc_emit(s, len, 1, cb, arg);
			lc->cut = 1;
			return;
		}
		lc->buf = buf;
		lc->cap = cap;
	}
	memcpy(lc->buf + lc->len, s, len);
	lc->len += len;
}

/*
 * One line's bytes from this piece of output, ended when its '\n' came.
 * A line is cut only when it really goes on past LINECUT_MAX: a line of
 * exactly LINECUT_MAX bytes stays whole.  With nothing held, complete
 * lines and cut pieces go out straight from s, and only an unfinished
 * rest is copied.
 */
static void
lc_segment(struct linecut *lc, const char *s, size_t seg, int ended,
    linecut_fn cb, void *arg)
{
	size_t	take;

	if (lc->len == 0 && !lc->cut) {
		while (seg > LINECUT_MAX) {
			take = lc_emit(s, LINECUT_MAX, 0, cb, arg);
			s += take;
			seg -= take;
		}
		if (ended) {
			(void)lc_emit(s, seg, 1, cb, arg);
			return;
		}
	}
	while (seg > 0) {
		if (lc->len == LINECUT_MAX)
			lc_emit_held(lc, 0, cb, arg);
		take = LINECUT_MAX - lc->len;
		if (take > seg)
			take = seg;
		lc_hold(lc, s, take, cb, arg);
		s += take;
		seg -= take;
	}
	/* A line already handed out whole, when memory was short, is not
	 * followed by an empty one. */
	if (ended && (lc->len > 0 || !lc->cut))
		lc_emit_held(lc, 1, cb, arg);
	if (ended)
		lc->cut = 0;
}

void
linecut_init(struct linecut *lc)
{
	memset(lc, 0, sizeof(*lc));
}

void
linecut_feed(struct linecut *lc, const char *data, size_t n, linecut_fn cb,
    void *arg)
{
	const char	*nl;
	size_t		 seg;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		seg = nl != NULL ? (size_t)(nl - data) : n;
		lc_segment(lc, data, seg, nl != NULL, cb, arg);
		if (nl != NULL)
			seg++;
		data += seg;
		n -= seg;
	}
}

void
linecut_flush(struct linecut *lc, linecut_fn cb, void *arg)
{
	if (lc->len > 0)
		lc_emit_held(lc, 1, cb, arg);
	linecut_free(lc);
}

void
linecut_free(struct linecut *lc)
{
	free(lc->buf);
	linecut_init(lc);
}
