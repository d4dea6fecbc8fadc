/* test_chanev.c: the event-driven channel loop over socketpairs. */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chanev.h"
#include "channel.h"
#include "t.h"

#define T_TYPE		100	/* any type that carries no descriptor */
#define T_REFUSE	7	/* the handler calls this peerid malformed */
#define T_FREE		8	/* the handler frees the chanev on this one */

/* What one chanev under test saw. */
struct seen {
	struct event_base	*base;
	struct chanev		*ce;
	uint32_t		 peerids[16];
	int			 nmsg;
	int			 nfailed;
	enum chanev_why		 why;
	char			 text[128];
	int			 ndrained;
};

static int
on_message(void *arg, struct chanmsg *m)
{
	struct seen	*s = arg;

	if (s->nmsg < 16)
		s->peerids[s->nmsg] = m->peerid;
	s->nmsg++;
	if (m->peerid == T_REFUSE)
		return -1;
	if (m->peerid == T_FREE) {
		chanev_free(s->ce);
		s->ce = NULL;
		event_base_loopbreak(s->base);
	}
	return 0;
}

/* What the supervisor does: a failed channel is freed right away. */
static void
on_failed(void *arg, enum chanev_why why, const char *text)
{
	struct seen	*s = arg;

	s->nfailed++;
	s->why = why;
	snprintf(s->text, sizeof(s->text), "%s", text);
	chanev_free(s->ce);
	s->ce = NULL;
	event_base_loopbreak(s->base);
}

static void
on_drained(void *arg)
{
	struct seen	*s = arg;

	s->ndrained++;
	event_base_loopbreak(s->base);
}

static const struct chanev_ops ops = { on_message, on_failed, on_drained };

/* A chanev on one end of a socketpair, a plain channel on the other. */
static struct chan *
setup(struct seen *s)
{
	struct chan	*peer;
	int		 sv[2];

	memset(s, 0, sizeof(*s));
	if ((s->base = event_base_new()) == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if ((s->ce = chanev_new(s->base, sv[0], &ops, s)) == NULL ||
	    (peer = chan_new(sv[1])) == NULL)
		abort();
	return peer;
}

static void
teardown(struct seen *s, struct chan *peer)
{
	chanev_free(s->ce);
	if (peer != NULL)
		chan_free(peer);
	event_base_free(s->base);
}

/* Three messages with these request ids, all written. */
static void
feed(struct chan *peer, uint32_t a, uint32_t b, uint32_t c)
{
	CHECK(chan_send_empty(peer, T_TYPE, a) == 0);
	CHECK(chan_send_empty(peer, T_TYPE, b) == 0);
	CHECK(chan_send_empty(peer, T_TYPE, c) == 0);
	CHECK(chan_flush(peer) == 0);
}

static void
run(struct seen *s)
{
	struct timeval	 tv = { 2, 0 };

	event_base_loopexit(s->base, &tv);
	event_base_dispatch(s->base);
}

/* Every message arrives, in order, with its request id. */
static void
test_in_order(void)
{
	struct seen	 s;
	struct chan	*peer = setup(&s);

	feed(peer, 1, 2, 3);
	chan_free(peer);
	run(&s);
	CHECK(s.nmsg == 3);
	CHECK(s.peerids[0] == 1 && s.peerids[1] == 2 && s.peerids[2] == 3);
	/* The close behind them is seen once they are handled. */
	CHECK(s.nfailed == 1);
	CHECK(s.why == CHANEV_EOF);
	CHECK(s.ce == NULL);
	teardown(&s, NULL);
}

/* A refused message fails the channel; nothing after it is handled. */
static void
test_refused(void)
{
	struct seen	 s;
	struct chan	*peer = setup(&s);

	feed(peer, 1, T_REFUSE, 3);
	run(&s);
	CHECK(s.nmsg == 2);
	CHECK(s.nfailed == 1);
	CHECK(s.why == CHANEV_MALFORMED);
	CHECK_STR(s.text, "malformed message");
	teardown(&s, peer);
}

/* A bad frame fails it with the channel's reason. */
static void
test_bad_frame(void)
{
	struct seen	 s;
	struct chan	*peer = setup(&s);
	uint8_t		 hdr[CHAN_HDR_SIZE];

	/* A length shorter than the header itself. */
	memset(hdr, 0, sizeof(hdr));
	hdr[3] = T_TYPE;
	hdr[7] = 4;
	CHECK(write(chan_fd(peer), hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	run(&s);
	CHECK(s.nmsg == 0);
	CHECK(s.nfailed == 1);
	CHECK(s.why == CHANEV_MALFORMED);
	CHECK(strcmp(s.text, "malformed message") != 0);
	teardown(&s, peer);
}

/* The owner may free it from inside the handler. */
static void
test_free_in_handler(void)
{
	struct seen	 s;
	struct chan	*peer = setup(&s);

	feed(peer, T_FREE, 2, 3);
	run(&s);
	CHECK(s.nmsg == 1);
	CHECK(s.nfailed == 0);
	CHECK(s.ce == NULL);
	teardown(&s, peer);
}

/* What the socket cannot take now waits; drained says when it went. */
static void
test_drained(void)
{
	struct seen	 s;
	struct chan	*peer = setup(&s);
	struct chanbuf	 b;
	struct chanmsg	 m;
	const char	*why;
	int		 i, got = 0, r;

	chanbuf_init(&b);
	for (i = 0; i < 64 * 1024; i++)
		chanbuf_u8(&b, (uint8_t)i);
	for (i = 0; i < 64; i++)
		CHECK(chanev_queue(s.ce, T_TYPE, (uint32_t)i, -1, &b) == 0);
	chanbuf_free(&b);
	CHECK(chanev_flush(s.ce) == 0);
	CHECK(chanev_pending(s.ce) > 0);
	CHECK(s.ndrained == 0);
	while (got < 64 && s.nfailed == 0) {
		while (chan_read(peer) > 0)
			;
		while ((r = chan_get(peer, &m, &why)) == 1) {
			got++;
			chanmsg_clear(&m);
		}
		CHECK(r == 0);
		if (r != 0)
			break;
		if (s.ndrained == 0)
			event_base_loop(s.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	CHECK(got == 64);
	CHECK(s.ndrained == 1);
	CHECK(s.ce != NULL && chanev_pending(s.ce) == 0);
	teardown(&s, peer);
}

/* Writing to a closed peer fails the channel once, and says so. */
static void
test_write_fails(void)
{
	struct seen	 s;
	struct chan	*peer = setup(&s);

	chan_free(peer);
	CHECK(chanev_queue(s.ce, T_TYPE, 1, -1, NULL) == 0);
	CHECK(chanev_flush(s.ce) == -1);
	CHECK(s.nfailed == 1);
	CHECK(s.why == CHANEV_WRITE);
	CHECK_STR(s.text, strerror(EPIPE));
	CHECK(s.ce == NULL);
	teardown(&s, NULL);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_in_order();
	test_refused();
	test_bad_frame();
	test_free_in_handler();
	test_drained();
	test_write_fails();
	T_DONE();
}
