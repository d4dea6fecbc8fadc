/*
 * logring.c: the last lines of an instance's output, packed in one
 * circular byte area so that a line costs its text and 17 bytes more.
 *
 * A record is the time (8 bytes, microseconds since the epoch), the text's
 * length (4), the text and a NUL.  Records never wrap: one that does not
 * fit before the end of the area starts again at offset 0.  An index of
 * record offsets, circular too, finds a seq in O(1).  The area and the
 * index grow as lines come, so an instance that never ran costs a few
 * words; lines leave when cap newer ones have come (as the original's
 * deque did), when the area would pass max_bytes (so that long lines
 * cannot take cap times their size), or when memory cannot be had.  The
 * area shrinks again once short lines have replaced long ones.  seq
 * counts lines from 0 for the life of the supervisor and never goes back.
 */
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include "logring.h"

#define REC_HDR		12		/* time and length */
#define RING_PAGE	4096
#define RING_MAX	UINT32_MAX	/* offsets are 32 bits */
#define INDEX_MIN	64

struct logring {
	unsigned char	*data;
	size_t		 dcap;		/* bytes in data */
	size_t		 head;		/* offset of the oldest record */
	size_t		 tail;		/* where the next record may go */
	size_t		 used;		/* bytes of the records held */
	uint32_t	*off;		/* record offsets, oldest at ihead */
	size_t		 icap;		/* entries in off */
	size_t		 ihead;
	size_t		 cap;		/* lines held at most */
	size_t		 max_bytes;	/* dcap at most */
	size_t		 count;		/* lines held */
	uint64_t	 next_seq;
};

static size_t	rec_size(const struct logring *, size_t);
static size_t	rec_at(const struct logring *, uint64_t);
static void	ring_drop(struct logring *);
static int	ring_fits(const struct logring *, size_t, size_t *);
static int	ring_resize(struct logring *, size_t);
static int	ring_index_room(struct logring *);

struct logring *
logring_new(size_t cap, size_t max_bytes)
{
	struct logring	*r;

	if (cap == 0 || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->cap = cap;
	r->max_bytes = max_bytes < RING_MAX ? max_bytes : RING_MAX;
	return r;
}

void
logring_free(struct logring *r)
{
	if (r == NULL)
		return;
	free(r->data);
	free(r->off);
	free(r);
}

/* The size of the record at offset o. */
static size_t
rec_size(const struct logring *r, size_t o)
{
	uint32_t	 len;

	memcpy(&len, r->data + o + 8, sizeof(len));
	return REC_HDR + (size_t)len + 1;
}

/* The offset of a held line's record. */
static size_t
rec_at(const struct logring *r, uint64_t seq)
{
	size_t	 i = (size_t)(seq - logring_first_seq(r));

	return r->off[(r->ihead + i) % r->icap];
}

/* The oldest line goes. */
static void
ring_drop(struct logring *r)
{
	r->used -= rec_size(r, r->head);
	r->count--;
	r->ihead = (r->ihead + 1) % r->icap;
	if (r->count == 0)
		r->head = r->tail = r->ihead = 0;
	else
		r->head = r->off[r->ihead];
}

/*
 * Where a record of `need` bytes can go without touching a held one.
 * Held records lie in [head, tail) when tail > head, else in [head, end)
 * and [0, tail).
 */
static int
ring_fits(const struct logring *r, size_t need, size_t *at)
{
	if (r->count == 0) {
		*at = 0;
		return need <= r->dcap;
	}
	if (r->tail > r->head) {
		if (r->tail + need <= r->dcap) {
			*at = r->tail;
			return 1;
		}
		*at = 0;
		return need <= r->head;
	}
	*at = r->tail;
	return r->tail + need <= r->head;
}

/*
 * Copy the records, oldest first, to a new area of dcap bytes (which holds
 * them), so that the free space is all after them.
 */
static int
ring_resize(struct logring *r, size_t dcap)
{
	unsigned char	*data;
	size_t		 i, j, o = 0, sz;

	if ((data = malloc(dcap)) == NULL)
		return -1;
	for (i = 0; i < r->count; i++) {
		j = (r->ihead + i) % r->icap;
		sz = rec_size(r, r->off[j]);
		memcpy(data + o, r->data + r->off[j], sz);
		r->off[j] = (uint32_t)o;
		o += sz;
	}
	free(r->data);
	r->data = data;
	r->dcap = dcap;
	r->head = 0;
	r->tail = o;
	return 0;
}

/* Room in the index for one more line: it doubles, up to cap. */
static int
ring_index_room(struct logring *r)
{
	uint32_t	*off;
	size_t		 icap, i;

	if (r->count < r->icap)
		return 0;
	icap = r->icap == 0 ? INDEX_MIN : r->icap * 2;
	if (icap > r->cap)
		icap = r->cap;
	if ((off = malloc(icap * sizeof(*off))) == NULL)
		return -1;
	for (i = 0; i < r->count; i++)
		off[i] = r->off[(r->ihead + i) % r->icap];
	free(r->off);
	r->off = off;
	r->icap = icap;
	r->ihead = 0;
	return 0;
}

void
logring_push(struct logring *r, const struct timeval *tv, const char *text,
    size_t len)
{
	int64_t		 usec;
	uint32_t	 len32 = (uint32_t)len;
	size_t		 need = REC_HDR + len + 1, at, want;

	if (r->count == r->cap)
		ring_drop(r);
	/* When memory is short the line is lost but its seq is used, so the
	 * gap shows. */
	if (len > RING_MAX - REC_HDR - 1)
		goto lost;
	while (ring_index_room(r) == -1)
		if (r->count > 0)
			ring_drop(r);
		else
			goto lost;
	/* A quarter more than needed: few copies while the ring fills.  At
	 * max_bytes the oldest lines make room. */
	while (!ring_fits(r, need, &at)) {
		want = r->used + need;
		want = want + want / 4 + RING_PAGE - 1;
		want -= want % RING_PAGE;
		if (want > r->max_bytes)
			want = r->max_bytes;
		if (want > r->dcap && ring_resize(r, want) == 0)
			continue;
		if (r->count == 0)
			goto lost;
		ring_drop(r);
	}
	usec = (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
	memcpy(r->data + at, &usec, sizeof(usec));
	memcpy(r->data + at + 8, &len32, sizeof(len32));
	memcpy(r->data + at + REC_HDR, text, len);
	r->data[at + REC_HDR + len] = '\0';
	if (r->count == 0)
		r->head = at;
	r->tail = at + need;
	r->used += need;
	r->off[(r->ihead + r->count) % r->icap] = (uint32_t)at;
	r->count++;
	r->next_seq++;
	/* Long lines gone, the area is mostly empty: give it back. */
	if (r->dcap > 16 * RING_PAGE && r->used < r->dcap / 2) {
		want = r->used + r->used / 4 + RING_PAGE - 1;
		(void)ring_resize(r, want - want % RING_PAGE);
	}
	return;
 lost:
	/* Held lines are the count before next_seq: those go too. */
	while (r->count > 0)
		ring_drop(r);
	r->next_seq++;
}

uint64_t
logring_next_seq(const struct logring *r)
{
	return r->next_seq;
}

uint64_t
logring_first_seq(const struct logring *r)
{
	return r->next_seq - r->count;
}

const char *
logring_get(const struct logring *r, uint64_t seq)
{
	if (seq < logring_first_seq(r) || seq >= r->next_seq)
		return NULL;
	return (const char *)r->data + rec_at(r, seq) + REC_HDR;
}

size_t
logring_bytes_from(const struct logring *r, uint64_t seq)
{
	size_t	 o;

	if (seq < logring_first_seq(r))
		seq = logring_first_seq(r);
	if (seq >= r->next_seq)
		return 0;
	o = rec_at(r, seq);
	return o < r->tail ? r->tail - o : r->dcap - o + r->tail;
}

size_t
logring_memory(const struct logring *r)
{
	return r->dcap + r->icap * sizeof(*r->off);
}

int
logring_line(const struct logring *r, uint64_t seq, struct timeval *tv,
    const char **text, size_t *len)
{
	int64_t		 usec;
	uint32_t	 len32;
	size_t		 o;

	if (seq < logring_first_seq(r) || seq >= r->next_seq)
		return -1;
	o = rec_at(r, seq);
	memcpy(&usec, r->data + o, sizeof(usec));
	memcpy(&len32, r->data + o + 8, sizeof(len32));
	tv->tv_sec = (time_t)(usec / 1000000);
	tv->tv_usec = (suseconds_t)(usec % 1000000);
	*text = (const char *)r->data + o + REC_HDR;
	*len = len32;
	return 0;
}
