/*
 * headscan.c: the end of a request head, read from its bytes.  A line
 * ends at "\n" or "\r\n" (as evhttp reads it); the head ends at the first
 * empty line after the request line.  Empty lines before the request line
 * are skipped, as RFC 9112 lets a server do, so that sending them cannot
 * pass for a complete head.  A NUL anywhere is noted: evhttp would cut a
 * header at it without a word.
 */
#include <string.h>

#include <event2/buffer.h>

#include "headscan.h"

enum {
	HS_LINE,	/* at the start of a line */
	HS_CR,		/* a '\r' at the start of a line */
	HS_TEXT,	/* inside a line */
};

void
headscan_reset(struct headscan *h)
{
	h->state = HS_LINE;
	h->started = 0;
	h->nul = 0;
}

int
headscan_feed(struct headscan *h, const void *p, size_t len)
{
	const unsigned char	*s = p, *e = s + len, *nl;

	while (s < e) {
		if (h->state == HS_TEXT) {
			nl = memchr(s, '\n', e - s);
			if (memchr(s, '\0', (nl != NULL ? nl : e) - s) != NULL)
				h->nul = 1;
			if (nl == NULL)
				return 0;
			s = nl + 1;
			h->state = HS_LINE;
			continue;
		}
		if (*s == '\n' && h->started)
			return 1;
		if (*s == '\n')
			h->state = HS_LINE;
		else if (*s == '\r' && h->state == HS_LINE)
			h->state = HS_CR;
		else {
			if (*s == '\0')
				h->nul = 1;
			h->started = 1;
			h->state = HS_TEXT;
		}
		s++;
	}
	return 0;
}

int
headscan_buffer(struct headscan *h, struct evbuffer *buf, size_t off)
{
	struct evbuffer_ptr	 p;
	struct evbuffer_iovec	 v[8];
	int			 i, n;

	/* At most 8 extents at a time: evbuffer_peek(-1) fills no more. */
	do {
		if (evbuffer_ptr_set(buf, &p, off, EVBUFFER_PTR_SET) == -1 ||
		    (n = evbuffer_peek(buf, -1, &p, v, 8)) <= 0)
			return 0;
		for (i = 0; i < n && i < 8; i++) {
			if (headscan_feed(h, v[i].iov_base, v[i].iov_len))
				return 1;
			off += v[i].iov_len;
		}
	} while (n >= 8);
	return 0;
}
