/*
 * logring.c: a ring of the last lines of an instance's output.  Each line
 * is one allocation holding its timestamp and text; seq counts lines from
 * 0 for the life of the supervisor and never goes back.
 */
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "log.h"
#include "logring.h"

struct logline {
	size_t	 len;
	char	 ts[40];
	char	 text[];
};

struct logring {
	struct logline	**slot;
	size_t		  cap;
	size_t		  count;
	uint64_t	  next_seq;
};

struct logring *
logring_new(size_t cap)
{
	struct logring	*r;

	if (cap == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->slot = calloc(cap, sizeof(*r->slot))) == NULL) {
		free(r);
		return NULL;
	}
	r->cap = cap;
	return r;
}

void
logring_free(struct logring *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->cap; i++)
		free(r->slot[i]);
	free(r->slot);
	free(r);
}

void
logring_push(struct logring *r, const char *ts, const char *text, size_t len)
{
	struct logline	*l;
	size_t		 i = r->next_seq % r->cap;

	/* The seq is used even when memory is short: the gap shows. */
	if ((l = malloc(sizeof(*l) + len + 1)) != NULL) {
		l->len = len;
		strlcpy(l->ts, ts, sizeof(l->ts));
		memcpy(l->text, text, len);
		l->text[len] = '\0';
	}
	free(r->slot[i]);
	r->slot[i] = l;
	r->next_seq++;
	if (r->count < r->cap)
		r->count++;
}

uint64_t
logring_next_seq(const struct logring *r)
{
	return r->next_seq;
}

const char *
logring_get(const struct logring *r, uint64_t seq)
{
	const struct logline	*l;

	if (seq < logring_first_seq(r) || seq >= r->next_seq)
		return NULL;
	l = r->slot[seq % r->cap];
	return l != NULL ? l->text : NULL;
}

uint64_t
logring_first_seq(const struct logring *r)
{
	return r->next_seq - r->count;
}

uint64_t
logring_encode(const struct logring *r, uint64_t from, size_t max_bytes,
    struct chanbuf *b)
{
	const struct logline	*l;
	uint64_t		 seq, end = r->next_seq;
	size_t			 bytes = 0, lenpos;
	uint32_t		 n = 0;
	uint8_t			*p;

	if (from < logring_first_seq(r))
		from = logring_first_seq(r);
	chanbuf_u64(b, from);
	lenpos = b->len;
	chanbuf_u32(b, 0);
	for (seq = from; seq < end; seq++) {
		l = r->slot[seq % r->cap];
		if (n > 0 && bytes + (l != NULL ? l->len : 0) > max_bytes)
			break;
		chanbuf_str(b, l != NULL ? l->ts : "");
		chanbuf_bytes(b, l != NULL ? l->text : "", l != NULL ? l->len : 0);
		bytes += (l != NULL ? l->len : 0) + 64;
		n++;
	}
	/* The count goes where it was reserved, big-endian like the rest. */
	if (!b->failed) {
		p = b->data + lenpos;
		p[0] = n >> 24;
		p[1] = n >> 16;
		p[2] = n >> 8;
		p[3] = n;
	}
	return from + n;
}
