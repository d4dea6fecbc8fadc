/*
 * wsqueue.h: the frames waiting for each WebSocket client, bounded per
 * client and, with what sits in the clients' output buffers, for all
 * clients together (WS_MAX_QUEUED_MB).
 */
#ifndef SOLAR_WSQUEUE_H
#define SOLAR_WSQUEUE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct evbuffer_cb_entry;

/* A frame shared by every client that gets it. */
struct frame {
	unsigned int	 refs;
	uint64_t	 seq;
	size_t		 len;
	char		 data[];
};

struct qitem;
TAILQ_HEAD(qitems, qitem);

/* One client's queue: its frames, the live lines it holds, its output. */
struct wsq {
	TAILQ_ENTRY(wsq)	 entry;		/* every queue, for the bound */
	struct evbuffer		*out;
	struct evbuffer_cb_entry *outcb;
	size_t			 outlen;
	struct qitems		 queue;
	size_t			 qframes;
	size_t			 qbytes;
	struct qitems		 held;		/* live lines before the history */
	size_t			 hframes;
	size_t			 hbytes;
};

struct frame	*frame_new(uint64_t seq, const char *, size_t);
void		 frame_unref(struct frame *);

/* Start counting a client whose socket output is out: 0, or -1. */
int		 wsq_init(struct wsq *, struct evbuffer *out);
/* Drop everything and stop counting. */
void		 wsq_clear(struct wsq *);
/* Queue (or hold) a frame; the oldest go when a bound is passed. */
void		 wsq_push(struct wsq *, struct frame *);
void		 wsq_hold(struct wsq *, struct frame *);
/* The oldest queued (held) frame, for the caller to unref; NULL if none. */
struct frame	*wsq_pop(struct wsq *);
struct frame	*wsq_unhold(struct wsq *);
int		 wsq_empty(const struct wsq *);
/* How much one client's socket output may hold before we wait. */
size_t		 wsq_out_cap(void);
size_t		 wsq_total(void);

#endif
