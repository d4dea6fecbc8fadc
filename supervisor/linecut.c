/*
 * linecut.c: child output as UTF-8 lines, decoded and stripped as before,
 * long ones cut into marked pieces.  Each character is decoded into the
 * line's buffer as it comes, so the cut is counted in bytes as stored and
 * falls between characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linecut.h"
#include "utf8.h"

static int	lc_space(uint32_t);
static size_t	lc_rstrip(const char *, size_t);
static int	lc_grow(struct linecut *, size_t);
static void	lc_short(struct linecut *, const char *, size_t, linecut_fn,
		    void *);
static void	lc_cut(struct linecut *, linecut_fn, void *);
static void	lc_put(struct linecut *, const char *, size_t, linecut_fn,
		    void *);
static int	lc_cont(struct linecut *, unsigned char, linecut_fn, void *);
static void	lc_decode(struct linecut *, const unsigned char *, size_t,
		    linecut_fn, void *);
static void	lc_end(struct linecut *, linecut_fn, void *);

/* What Python's str.isspace() calls whitespace, which rstrip() removes. */
static int
lc_space(uint32_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') ||
	    (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The length of s (valid UTF-8) without its trailing whitespace. */
static size_t
lc_rstrip(const char *s, size_t len)
{
	size_t		start;
	uint32_t	cp;

	while (len > 0) {
		start = utf8_floor(s, len - 1);
		if (utf8_decode((const unsigned char *)s + start, len - start,
		    &cp) == -1 || !lc_space(cp))
			break;
		len = start;
	}
	return len;
}

/* Room for want bytes: the buffer doubles, up to LINECUT_CAP. */
static int
lc_grow(struct linecut *lc, size_t want)
{
	size_t	 cap;
	char	*buf;

	if (want <= lc->cap)
		return 0;
	cap = lc->cap == 0 ? LINECUT_MIN : lc->cap;
	while (cap < want)
		cap *= 2;
	if (cap > LINECUT_CAP)
		cap = LINECUT_CAP;
	if (want > cap || (buf = realloc(lc->buf, cap)) == NULL)
		return -1;
	lc->buf = buf;
	lc->cap = cap;
	return 0;
}

/*
 * Without memory the line ends here, unmarked: what is held and p go out
 * from a static buffer (a line is handed out and forgotten before the
 * next is decoded), so nothing is lost.  The '\n' that ends the line
 * then adds no empty one.
 */
static void
lc_short(struct linecut *lc, const char *p, size_t k, linecut_fn cb,
    void *arg)
{
	static char	spare[LINECUT_CAP + LINECUT_MARK_LEN + 1];

	if (lc->len > 0)
		memcpy(spare, lc->buf, lc->len);
	memcpy(spare + lc->len, p, k);
	spare[lc->len + k] = '\0';
	cb(spare, lc->len + k, arg);
	lc->len = 0;
	lc->cut = 1;
}

/*
 * Hand out the line so far as a piece: the characters that fit before
 * the mark within LINECUT_MAX, then " …".  The rest starts the next
 * piece after "… ".
 */
static void
lc_cut(struct linecut *lc, linecut_fn cb, void *arg)
{
	char	 tail[LINECUT_SLACK + 2 * LINECUT_MARK_LEN];
	size_t	 at, n;

	if (lc_grow(lc, LINECUT_CAP) == -1) {
		lc_short(lc, "", 0, cb, arg);
		return;
	}
	at = LINECUT_MAX - LINECUT_MARK_LEN;
	if (at >= lc->len)
		at = lc->len;
	else
		at = utf8_floor(lc->buf, at);
	n = lc->len - at;
	memcpy(tail, lc->buf + at, n);
	memcpy(lc->buf + at, LINECUT_MARK_END, LINECUT_MARK_LEN);
	lc->buf[at + LINECUT_MARK_LEN] = '\0';
	cb(lc->buf, at + LINECUT_MARK_LEN, arg);
	memcpy(lc->buf, LINECUT_MARK_START, LINECUT_MARK_LEN);
	memcpy(lc->buf + LINECUT_MARK_LEN, tail, n);
	lc->len = LINECUT_MARK_LEN + n;
	lc->cut = 1;
}

/*
 * Append k bytes of whole characters.  Past LINECUT_MAX only blanks are
 * held, and only a few: they may yet turn out to be trailing and go, so a
 * line of LINECUT_MAX bytes and a "\r" stays whole.  Anything else there
 * cuts the line first.
 */
static void
lc_put(struct linecut *lc, const char *p, size_t k, linecut_fn cb,
    void *arg)
{
	if (lc->len + k > LINECUT_MAX && (lc->len + k > LINECUT_MAX +
	    LINECUT_SLACK || lc_rstrip(p, k) != 0))
		lc_cut(lc, cb, arg);
	if (lc_grow(lc, lc->len + k + 1) == -1) {
		lc_short(lc, p, k, cb, arg);
		return;
	}
	memcpy(lc->buf + lc->len, p, k);
	lc->len += k;
}

/*
 * The next byte of an unfinished sequence.  0 when it does not belong:
 * the sequence so far is one U+FFFD, and the byte is read afresh.
 */
static int
lc_cont(struct linecut *lc, unsigned char b, linecut_fn cb, void *arg)
{
	if (b < lc->lo || b > lc->hi) {
		lc->nseq = 0;
		lc_put(lc, UTF8_FFFD, UTF8_FFFD_LEN, cb, arg);
		return 0;
	}
	lc->seq[lc->nseq++] = b;
	lc->lo = 0x80;
	lc->hi = 0xbf;
	if (lc->nseq == lc->need + 1) {
		lc->nseq = 0;
		lc_put(lc, (const char *)lc->seq, lc->need + 1, cb, arg);
	}
	return 1;
}

/*
 * Decode a piece of a line (no '\n' in it), each maximal invalid
 * subsequence as one U+FFFD (what bytes.decode("utf-8", "replace")
 * gives).  ASCII goes in runs, as long as they fit below the cut.
 */
static void
lc_decode(struct linecut *lc, const unsigned char *s, size_t n,
    linecut_fn cb, void *arg)
{
	size_t	 i = 0, run;
	int	 more;

	while (i < n) {
		if (lc->nseq > 0) {
			i += lc_cont(lc, s[i], cb, arg);
			continue;
		}
		if (s[i] >= 0x80) {
			/* A lead byte narrows the range of the next. */
			if ((more = utf8_lead(s[i], &lc->lo, &lc->hi)) > 0) {
				lc->need = (size_t)more;
				lc->seq[lc->nseq++] = s[i];
			} else
				lc_put(lc, UTF8_FFFD, UTF8_FFFD_LEN, cb, arg);
			i++;
			continue;
		}
		run = 1;
		while (i + run < n && s[i + run] < 0x80 &&
		    lc->len + run < LINECUT_MAX)
			run++;
		lc_put(lc, (const char *)s + i, run, cb, arg);
		i += run;
	}
}

/* The line has ended (its '\n', or the end of output). */
static void
lc_end(struct linecut *lc, linecut_fn cb, void *arg)
{
	size_t	 n;

	if (lc->nseq > 0) {
		lc->nseq = 0;
		lc_put(lc, UTF8_FFFD, UTF8_FFFD_LEN, cb, arg);
	}
	/* A line handed out whole when memory was short adds no empty one. */
	if (lc->len > 0 || !lc->cut) {
		n = lc->buf == NULL ? 0 : lc_rstrip(lc->buf, lc->len);
		if (lc->buf != NULL)
			lc->buf[n] = '\0';
		cb(lc->buf == NULL ? "" : lc->buf, n, arg);
	}
	lc->len = 0;
	lc->cut = 0;
	/* One long line does not pin a large buffer. */
	if (lc->cap > LINECUT_KEEP) {
		free(lc->buf);
		lc->buf = NULL;
		lc->cap = 0;
	}
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
		lc_decode(lc, (const unsigned char *)data, seg, cb, arg);
		if (nl != NULL) {
			lc_end(lc, cb, arg);
			seg++;
		}
		data += seg;
		n -= seg;
	}
}

void
linecut_flush(struct linecut *lc, linecut_fn cb, void *arg)
{
	if (lc->len > 0 || lc->nseq > 0)
		lc_end(lc, cb, arg);
	linecut_free(lc);
}

void
linecut_free(struct linecut *lc)
{
	free(lc->buf);
	linecut_init(lc);
}
