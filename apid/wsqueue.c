/*
 * wsqueue.c: the frames waiting for each WebSocket client.  A client's
 * queue is bounded (frames and bytes); past it the oldest lines go, and
 * the client sees the gap in seq.  All clients together are bounded too
 * (WS_MAX_QUEUED_MB), since 256 clients that never read once took the
 * API process from 3.5 to 111 MB: a running total counts every client's
 * queued and held frames (a frame shared by many counts for each, with
 * its list item) and the bytes in its socket's output buffer, which an
 * evbuffer callback reports as they come and go.  Past the bound the
 * longest queues lose their oldest lines, and each output buffer's cap
 * is a share of the bound such that all of them fill at most half.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "apid.h"
#include "wsqueue.h"

#define WSQ_MAX_FRAMES		4096
#define WSQ_MAX_BYTES		(4 * 1024 * 1024)
#define WSQ_OUT_CAP		(256 * 1024)	/* socket output before we wait */
#define WSQ_OUT_MIN		(4 * 1024)	/* ...however small the share */

struct qitem {
	TAILQ_ENTRY(qitem)	 entry;
	struct frame		*f;
};

#define WSQ_ITEM_COST		sizeof(struct qitem)

TAILQ_HEAD(wsqs, wsq);

static struct {
	struct wsqs	 all;
	size_t		 n;
	size_t		 total;		/* every queue's wsq_cost and output */
} qs = { .all = TAILQ_HEAD_INITIALIZER(qs.all) };

struct frame *
frame_new(uint64_t seq, const char *data, size_t len)
{
	struct frame	*f;

	if ((f = malloc(sizeof(*f) + len)) == NULL)
		return NULL;
	f->refs = 1;
	f->seq = seq;
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

void
frame_unref(struct frame *f)
{
	if (f != NULL && --f->refs == 0)
		free(f);
}

static int
qitems_push(struct qitems *q, struct frame *f)
{
	struct qitem	*it;

	if ((it = malloc(sizeof(*it))) == NULL)
		return -1;
	f->refs++;
	it->f = f;
	TAILQ_INSERT_TAIL(q, it, entry);
	return 0;
}

/* The oldest frame of q, its item freed; the reference is the caller's. */
static struct frame *
qitems_shift(struct qitems *q, size_t *frames, size_t *bytes)
{
	struct qitem	*it;
	struct frame	*f;

	if ((it = TAILQ_FIRST(q)) == NULL)
		return NULL;
	TAILQ_REMOVE(q, it, entry);
	f = it->f;
	free(it);
	(*frames)--;
	*bytes -= f->len;
	qs.total -= f->len + WSQ_ITEM_COST;
	return f;
}

/* What a client's queues cost the total, beside its output buffer. */
static size_t
wsq_cost(const struct wsq *q)
{
	return q->qbytes + q->hbytes + (q->qframes + q->hframes) *
	    WSQ_ITEM_COST;
}

/* Drop a client's oldest line, queued or else held: -1 when none. */
static int
wsq_drop_oldest(struct wsq *q)
{
	struct frame	*f;

	if ((f = wsq_pop(q)) == NULL && (f = wsq_unhold(q)) == NULL)
		return -1;
	frame_unref(f);
	return 0;
}

static int
size_desc(const void *a, const void *b)
{
	size_t	 x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Over the bound: cut the longest queues down to one level, found so
 * that an eighth of the bound comes free (so that this runs once in many
 * lines, not on each).  When the output buffers alone are over, every
 * queue goes.
 */
static void
wsq_trim(void)
{
	struct wsq	*q;
	size_t		*lens, n = 0, i, need, sum = 0, next, level = 0;

	if (qs.total <= apid->ws_max_queued)
		return;
	need = qs.total - (apid->ws_max_queued - apid->ws_max_queued / 8);
	if ((lens = reallocarray(NULL, qs.n, sizeof(*lens))) != NULL) {
		TAILQ_FOREACH(q, &qs.all, entry)
			lens[n++] = wsq_cost(q);
		qsort(lens, n, sizeof(*lens), size_desc);
		/* Cutting the i + 1 longest down to the next frees enough. */
		for (i = 0; i < n; i++) {
			sum += lens[i];
			next = i + 1 < n ? lens[i + 1] : 0;
			if (sum - (i + 1) * next >= need) {
				level = sum > need ? (sum - need) / (i + 1) : 0;
				break;
			}
		}
		free(lens);
	}
	TAILQ_FOREACH(q, &qs.all, entry)
		while (wsq_cost(q) > level && wsq_drop_oldest(q) == 0)
			;
}

/* libevent reports every byte added to or written from the output. */
static void
wsq_on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct wsq	*q = arg;

	(void)buf;
	q->outlen += info->n_added;
	qs.total += info->n_added;
	q->outlen -= info->n_deleted;
	qs.total -= info->n_deleted;
}

int
wsq_init(struct wsq *q, struct evbuffer *out)
{
	memset(q, 0, sizeof(*q));
	TAILQ_INIT(&q->queue);
	TAILQ_INIT(&q->held);
	if ((q->outcb = evbuffer_add_cb(out, wsq_on_output, q)) == NULL)
		return -1;
	q->out = out;
	q->outlen = evbuffer_get_length(out);
	qs.total += q->outlen;
	TAILQ_INSERT_TAIL(&qs.all, q, entry);
	qs.n++;
	return 0;
}

void
wsq_clear(struct wsq *q)
{
	if (q->out == NULL)
		return;
	while (wsq_drop_oldest(q) == 0)
		;
	evbuffer_remove_cb_entry(q->out, q->outcb);
	qs.total -= q->outlen;
	TAILQ_REMOVE(&qs.all, q, entry);
	qs.n--;
	q->out = NULL;
}

void
wsq_push(struct wsq *q, struct frame *f)
{
	if (qitems_push(&q->queue, f) == -1)
		return;
	q->qframes++;
	q->qbytes += f->len;
	qs.total += f->len + WSQ_ITEM_COST;
	while (q->qframes > WSQ_MAX_FRAMES || q->qbytes > WSQ_MAX_BYTES)
		frame_unref(wsq_pop(q));
	wsq_trim();
}

void
wsq_hold(struct wsq *q, struct frame *f)
{
	if (qitems_push(&q->held, f) == -1)
		return;
	q->hframes++;
	q->hbytes += f->len;
	qs.total += f->len + WSQ_ITEM_COST;
	wsq_trim();
}

struct frame *
wsq_pop(struct wsq *q)
{
	return qitems_shift(&q->queue, &q->qframes, &q->qbytes);
}

struct frame *
wsq_unhold(struct wsq *q)
{
	return qitems_shift(&q->held, &q->hframes, &q->hbytes);
}

int
wsq_empty(const struct wsq *q)
{
	return TAILQ_EMPTY(&q->queue);
}

size_t
wsq_out_cap(void)
{
	size_t	 share = apid->ws_max_queued / 2 / apid->ws_max_clients;

	if (share > WSQ_OUT_CAP)
		return WSQ_OUT_CAP;
	return share < WSQ_OUT_MIN ? WSQ_OUT_MIN : share;
}

size_t
wsq_total(void)
{
	return qs.total;
}
