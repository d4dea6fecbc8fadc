/*
 * ship.c: what apid hears of the instances besides replies: each change
 * (INSTANCE, INSTANCE_GONE), the live lines of the rings (LOG_LINES) while
 * its channel has room, and the history it asks for (LOG_HISTORY).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "channel.h"
#include "inst_priv.h"
#include "log.h"
#include "logring.h"
#include "sup.h"
#include "timefmt_local.h"

#define SHIP_CHAN_CAP		(1024 * 1024)	/* unsent to apid: live lines wait */
#define SHIP_BATCH_BYTES	(64 * 1024)
#define HISTORY_CHUNK_BYTES	(1024 * 1024)

void
ship_instance(struct sinst *si)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	proto_instance_encode(&b, &si->inst);
	(void)apidproc_send(si->is->sup->apid, MSG_INSTANCE, 0, &b);
	chanbuf_free(&b);
}

void
ship_gone(struct instances *is, const char *id)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	proto_id_encode(&b, id);
	(void)apidproc_send(is->sup->apid, MSG_INSTANCE_GONE, 0, &b);
	chanbuf_free(&b);
}

void
instances_snapshot(struct instances *is)
{
	struct sinst	*si;

	/* A new apid asks for the history it wants; live lines start now. */
	TAILQ_FOREACH(si, &is->list, entry) {
		si->sent_seq = logring_next_seq(si->ring);
		ship_instance(si);
	}
}

/*
 * Held lines of si from seq `from` (raised to the oldest held) into ll,
 * about max_bytes of them but at least one, each stamped in the machine's
 * local time (SPEC section 3).  The seq after the last line taken; from
 * itself when there is none.  The texts point into the ring.
 */
static uint64_t
ship_batch(struct sinst *si, uint64_t from, size_t max_bytes,
    struct msg_log_lines *ll)
{
	struct instances	*is = si->is;
	struct msg_line		*line;
	struct timeval		 tv;
	const char		*text;
	uint64_t		 seq, end = logring_next_seq(si->ring);
	size_t			 bytes = 0, len, cap;
	uint32_t		 n = 0;

	if (from < logring_first_seq(si->ring))
		from = logring_first_seq(si->ring);
	for (seq = from; seq < end; seq++) {
		if (logring_line(si->ring, seq, &tv, &text, &len) == -1)
			break;
		if (n > 0 && bytes + len > max_bytes)
			break;
		if (n == is->batch_cap) {
			cap = is->batch_cap == 0 ? 256 : is->batch_cap * 2;
			if ((line = reallocarray(is->batch, cap,
			    sizeof(*line))) == NULL) {
				if (n > 0)
					break;	/* the rest go next time */
				fatal("log lines");
			}
			is->batch = line;
			is->batch_cap = cap;
		}
		line = &is->batch[n++];
		timefmt_local(&tv, line->ts, sizeof(line->ts));
		line->text = (const uint8_t *)text;
		line->len = len;
		bytes += len + 64;
	}
	ll->id = si->inst.id;
	ll->first = from;
	ll->n = n;
	ll->lines = is->batch;
	return from + n;
}

/* An instance's unsent lines, while the channel has room; -1 when not. */
static int
ship_lines(struct sinst *si)
{
	struct apidproc		*ap = si->is->sup->apid;
	struct msg_log_lines	 ll;
	struct chanbuf		 b;
	int			 rc = 0;

	chanbuf_init(&b);
	while (si->sent_seq < logring_next_seq(si->ring)) {
		if (!apidproc_alive(ap) ||
		    apidproc_pending(ap) >= SHIP_CHAN_CAP) {
			rc = -1;
			break;
		}
		memset(&ll, 0, sizeof(ll));
		si->sent_seq = ship_batch(si, si->sent_seq, SHIP_BATCH_BYTES,
		    &ll);
		chanbuf_reset(&b);
		proto_log_lines_encode(&b, &ll, 0);
		if (apidproc_send(ap, MSG_LOG_LINES, 0, &b) == -1) {
			rc = -1;
			break;
		}
	}
	chanbuf_free(&b);
	return rc;
}

void
ship_pushed(struct sinst *si)
{
	struct settings	*s = &si->is->sup->settings;

	/*
	 * Lines go to apid once this turn of reading is over, but one turn
	 * reads up to a megabyte: more than the ring may hold.  Half full
	 * of unsent lines (by count or bytes), it ships them now rather
	 * than overwrite them.
	 */
	if (logring_next_seq(si->ring) - si->sent_seq >=
	    (uint64_t)(s->log_buffer_size + 1) / 2 ||
	    logring_bytes_from(si->ring, si->sent_seq) >=
	    (size_t)s->log_buffer_bytes / 2)
		(void)ship_lines(si);
	event_active(si->is->ev_ship, EV_TIMEOUT, 0);
}

/*
 * Live lines go to apid while its channel has room; the rest wait in the
 * rings, where the oldest are overwritten (apid sees the gap in seq).
 */
void
instances_ship(struct instances *is)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &is->list, entry)
		if (ship_lines(si) == -1)
			break;
}

void
ship_on_turn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	instances_ship(arg);
}

/* HISTORY: the held lines from seq since, in chunks, the last one marked. */
void
ship_history(struct instances *is, uint32_t peerid, const char *id,
    uint64_t since)
{
	struct sinst		*si = sinst_find(is, id);
	struct msg_log_lines	 ll;
	struct chanbuf		 b;
	uint64_t		 from = since, end;

	chanbuf_init(&b);
	do {
		memset(&ll, 0, sizeof(ll));
		end = si != NULL ? logring_next_seq(si->ring) : 0;
		if (si == NULL || from >= end) {
			ll.first = from;
			from = end;
		} else
			from = ship_batch(si, from, HISTORY_CHUNK_BYTES, &ll);
		/* The id as asked: the instance may be gone. */
		ll.id = (char *)id;
		ll.last = from >= end;
		chanbuf_reset(&b);
		proto_log_lines_encode(&b, &ll, 1);
		if (apidproc_send(is->sup->apid, MSG_LOG_HISTORY, peerid,
		    &b) == -1)
			break;
	} while (si != NULL && from < end);
	chanbuf_free(&b);
}
