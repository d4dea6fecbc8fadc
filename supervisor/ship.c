/*
 * ship.c: what apid hears of the instances besides replies: each change
 * (INSTANCE, INSTANCE_GONE), the live lines of the rings (LOG_LINES) while
 * its channel has room, and the history it asks for (LOG_HISTORY).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include <event2/event.h>

#include "channel.h"
#include "inst_priv.h"
#include "logring.h"
#include "sup.h"

#define SHIP_CHAN_CAP		(1024 * 1024)	/* unsent to apid: live lines wait */
#define SHIP_BATCH_BYTES	(64 * 1024)
#define HISTORY_CHUNK_BYTES	(1024 * 1024)

void
ship_instance(struct sinst *si)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	instance_encode(&b, &si->inst);
	(void)apidproc_send(si->is->sup->apid, MSG_INSTANCE, 0, &b);
	chanbuf_free(&b);
}

void
ship_gone(struct instances *is, const char *id)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	chanbuf_str(&b, id);
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

/* An instance's unsent lines, while the channel has room; -1 when not. */
static int
ship_lines(struct sinst *si)
{
	struct apidproc	*ap = si->is->sup->apid;
	struct chanbuf	 b;
	int		 rc = 0;

	chanbuf_init(&b);
	while (si->sent_seq < logring_next_seq(si->ring)) {
		if (!apidproc_alive(ap) ||
		    apidproc_pending(ap) >= SHIP_CHAN_CAP) {
			rc = -1;
			break;
		}
		chanbuf_reset(&b);
		chanbuf_str(&b, si->inst.id);
		si->sent_seq = logring_encode(si->ring, si->sent_seq,
		    SHIP_BATCH_BYTES, &b);
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
	struct sinst	*si = sinst_find(is, id);
	struct chanbuf	 b;
	uint64_t	 from = since, end;

	chanbuf_init(&b);
	do {
		chanbuf_reset(&b);
		chanbuf_str(&b, id);
		end = si != NULL ? logring_next_seq(si->ring) : 0;
		if (si == NULL || from >= end) {
			chanbuf_u8(&b, 1);
			chanbuf_u64(&b, from);
			chanbuf_u32(&b, 0);
			from = end;
		} else {
			/* Is this chunk the last?  Only the encoder knows. */
			size_t	 mark = b.len;

			chanbuf_u8(&b, 0);
			from = logring_encode(si->ring, from,
			    HISTORY_CHUNK_BYTES, &b);
			if (from >= end && !b.failed)
				b.data[mark] = 1;
		}
		if (apidproc_send(is->sup->apid, MSG_LOG_HISTORY, peerid,
		    &b) == -1)
			break;
	} while (si != NULL && from < end);
	chanbuf_free(&b);
}
