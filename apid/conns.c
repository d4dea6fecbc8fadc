/*
 * conns.c: every HTTP connection, counted and timed, since libevent 2.1's
 * evhttp has neither a connection limit nor deadlines of its own for a
 * request head or a request as a whole.  Each connection's bufferevent is
 * made here (evhttp_set_bevcb) and held with a reference of our own, so
 * that it stays valid after evhttp frees it: evhttp's bufferevent_free()
 * clears its callbacks, which we notice, and then our reference goes too.
 *
 * evhttp does not say when a request head is complete, so a callback on
 * each connection's input buffer hands the bytes to headscan.c as they
 * arrive.  A connection waits for a head from its start, or from its last
 * answer (keep-alive); it has HEADER_TIMEOUT_S for the head from its
 * start if it is new, else from the first byte of the head, and
 * HTTP_TIMEOUT_S from the start of its wait for the whole request.  Past
 * either it is failed through evhttp's own error path.
 *
 * At MAX_CONNECTIONS, and when accept() runs out of descriptors, a new
 * client makes room: the connection that has waited longest for a head is
 * closed (else the one that has waited longest for the rest of its body).
 * A connection whose request is being handled or answered, and a
 * WebSocket session, is never closed for room.  Only when nothing can be
 * closed is the listener disabled, until a connection ends.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "conns.h"
#include "headscan.h"
#include "log.h"

#define CONNS_SWEEP_MS		100
#define CONNS_REPORT_S		60	/* at most one note of evictions a minute */

enum conn_state {
	CONN_HEAD,	/* waiting for a request head */
	CONN_BODY,	/* the head is in, its body is not */
	CONN_BUSY,	/* the request is ours: handled, answered, or upgraded */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* cs.list */
	TAILQ_ENTRY(conn)	 wentry;	/* cs.heads or cs.bodies */
	struct connq		*waitq;		/* which of those, or NULL */
	struct bufferevent	*bev;
	struct evbuffer_cb_entry *incb;
	struct timeval		 since;		/* start of the wait */
	struct timeval		 deadline;
	enum conn_state		 state;
	struct headscan		 head;
	int			 idle;		/* no byte yet since the answer */
	int			 fd;		/* where cs.byfd holds it, or -1 */
};
TAILQ_HEAD(connq, conn);

static struct {
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct event		*ev_sweep;
	struct connq		 list;
	struct connq		 heads;		/* waiting for a head, oldest first */
	struct connq		 bodies;	/* waiting for a body, oldest first */
	size_t			 count;
	size_t			 max;
	int			 timeout_s;
	int			 header_timeout_s;
	int			 paused;	/* listener disabled */
	unsigned long		 evicted;	/* since the last note */
	time_t			 reported;
	struct conn		**byfd;		/* a cache for conns_find */
	size_t			 nbyfd;
} cs = {
	.list = TAILQ_HEAD_INITIALIZER(cs.list),
	.heads = TAILQ_HEAD_INITIALIZER(cs.heads),
	.bodies = TAILQ_HEAD_INITIALIZER(cs.bodies),
};

static void	conns_update_listener(void);

static void
conns_pause(void)
{
	if (!cs.paused && cs.listener != NULL) {
		evconnlistener_disable(cs.listener);
		cs.paused = 1;
	}
}

/* Room for one more: under the limit, or someone to close for it. */
static int
conns_room(void)
{
	return cs.count < cs.max || !TAILQ_EMPTY(&cs.heads) ||
	    !TAILQ_EMPTY(&cs.bodies);
}

static void
conns_resume(void)
{
	if (cs.paused && cs.listener != NULL && conns_room()) {
		evconnlistener_enable(cs.listener);
		cs.paused = 0;
	}
}

static void
conns_update_listener(void)
{
	if (conns_room())
		conns_resume();
	else
		conns_pause();
}

/*
 * A connection by its bufferevent: from a table indexed by descriptor
 * (set only once evhttp has given the bufferevent its socket, and checked,
 * since descriptors are reused), else by walking the list, which then
 * fills the table.
 */
static struct conn *
conns_find(struct bufferevent *bev)
{
	struct conn	*c, **t;
	evutil_socket_t	 fd = bufferevent_getfd(bev);
	size_t		 n;

	if (fd >= 0 && (size_t)fd < cs.nbyfd && cs.byfd[fd] != NULL &&
	    cs.byfd[fd]->bev == bev)
		return cs.byfd[fd];
	TAILQ_FOREACH(c, &cs.list, entry)
		if (c->bev == bev)
			break;
	if (c == NULL || fd < 0)
		return c;
	if ((size_t)fd >= cs.nbyfd) {
		n = (size_t)fd + 64;
		if ((t = reallocarray(cs.byfd, n, sizeof(*t))) == NULL)
			return c;
		memset(t + cs.nbyfd, 0, (n - cs.nbyfd) * sizeof(*t));
		cs.byfd = t;
		cs.nbyfd = n;
	}
	if (c->fd >= 0 && cs.byfd[c->fd] == c)
		cs.byfd[c->fd] = NULL;
	cs.byfd[fd] = c;
	c->fd = fd;
	return c;
}

static void
conns_wait(struct conn *c, struct connq *q)
{
	if (c->waitq != NULL)
		TAILQ_REMOVE(c->waitq, c, wentry);
	c->waitq = q;
	if (q != NULL)
		TAILQ_INSERT_TAIL(q, c, wentry);
}

/* A connection goes: its table entry, if any, with it. */
static void
conns_forget(struct conn *c)
{
	if (c->fd >= 0 && cs.byfd[c->fd] == c)
		cs.byfd[c->fd] = NULL;
	conns_wait(c, NULL);
	TAILQ_REMOVE(&cs.list, c, entry);
	if (c->incb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->incb);
	bufferevent_decref(c->bev);
	free(c);
}

/* evhttp let go of it: ours is the last reference, and the slot is free. */
static int
conns_reap(struct conn *c)
{
	bufferevent_data_cb	 rcb, wcb;
	bufferevent_event_cb	 ecb;
	void			*arg;

	bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &arg);
	if (rcb != NULL || wcb != NULL || ecb != NULL)
		return 0;
	conns_forget(c);
	cs.count--;
	return 1;
}

/* As if a read had timed out: evhttp closes it.  1 when it is gone. */
static int
conns_fail(struct conn *c)
{
	bufferevent_data_cb	 rcb, wcb;
	bufferevent_event_cb	 ecb;
	void			*arg;

	bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &arg);
	if (ecb == NULL)
		return conns_reap(c);
	ecb(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, arg);
	if (conns_reap(c))
		return 1;
	/* Still held by evhttp (an answer on its way): not ours to wait on. */
	c->state = CONN_BUSY;
	conns_wait(c, NULL);
	return 0;
}

static void
conns_after(struct timeval *out, const struct timeval *from, int s)
{
	struct timeval	 tv = { s, 0 };

	timeradd(from, &tv, out);
}

/* The head is complete: the rest of the request has what is left. */
static void
conns_head_done(struct conn *c)
{
	c->state = CONN_BODY;
	conns_after(&c->deadline, &c->since, cs.timeout_s);
	conns_wait(c, &cs.bodies);
}

/* The bytes of buf from off on belong to a head: is it complete? */
static void
conns_scan(struct conn *c, struct evbuffer *buf, size_t off)
{
	struct timeval	 now, d;

	if (c->idle) {
		/* The next request has begun: its head is due soon. */
		c->idle = 0;
		gettimeofday(&now, NULL);
		conns_after(&d, &now, cs.header_timeout_s);
		if (timercmp(&d, &c->deadline, <))
			c->deadline = d;
	}
	if (headscan_buffer(&c->head, buf, off))
		conns_head_done(c);
}

static void
conns_on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;
	size_t		 len;

	if (info->n_added == 0 || c->state != CONN_HEAD)
		return;
	len = evbuffer_get_length(buf);
	conns_scan(c, buf, len >= info->n_added ? len - info->n_added : 0);
}

/*
 * Close the connection that has waited longest for its head, else for
 * its body, to make room for a new one.  One whose answer is still
 * leaving is skipped.  1 when a slot came free.
 */
static int
conns_evict(void)
{
	struct connq	*qs[2] = { &cs.heads, &cs.bodies };
	struct conn	*c, *tmp;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		TAILQ_FOREACH_SAFE(c, qs[i], wentry, tmp) {
			if (conns_reap(c))
				return 1;
			if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
			    0)
				continue;
			cs.evicted++;
			if (conns_fail(c))
				return 1;
		}
	}
	return 0;
}

static void
conns_sweep(void)
{
	struct conn	*c, *tmp;
	struct timeval	 now;
	int		 pending;

	gettimeofday(&now, NULL);
	TAILQ_FOREACH_SAFE(c, &cs.list, entry, tmp) {
		if (conns_reap(c))
			continue;
		if (c->state == CONN_BUSY ||
		    !timercmp(&now, &c->deadline, >))
			continue;
		/* Bytes the kernel holds for us: we are the slow one. */
		if (ioctl(bufferevent_getfd(c->bev), FIONREAD, &pending) == 0 &&
		    pending > 0) {
			conns_after(&c->deadline, &now, c->state == CONN_HEAD ?
			    cs.header_timeout_s : cs.timeout_s);
			continue;
		}
		(void)conns_fail(c);
	}
	if (cs.evicted > 0 && now.tv_sec - cs.reported >= CONNS_REPORT_S) {
		log_info("closed %lu connections that had not sent a whole "
		    "request, to make room for new ones", cs.evicted);
		cs.evicted = 0;
		cs.reported = now.tv_sec;
	}
	conns_resume();
}

static void
conns_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	conns_sweep();
}

/*
 * accept() failed, most likely for lack of descriptors: close a
 * connection that has sent no request (its descriptor is free once the
 * loop turns, and the listener tries again), else wait for the sweep.
 */
static void
conns_on_listener_error(struct evconnlistener *l, void *arg)
{
	int	 e = errno;

	(void)l;
	(void)arg;
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		if (conns_evict())
			return;
		log_warnx("accept: %s; not accepting for a moment",
		    strerror(e));
		conns_pause();
	}
}

struct bufferevent *
conns_new_bev(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c;

	(void)arg;
	if (cs.count >= cs.max)
		(void)conns_evict();
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		return NULL;
	}
	if ((c->incb = evbuffer_add_cb(bufferevent_get_input(bev),
	    conns_on_input, c)) == NULL) {
		bufferevent_free(bev);
		free(c);
		return NULL;
	}
	/* Large bodies leave in one write instead of libevent's 16 KiB slices. */
	bufferevent_set_max_single_write(bev, EV_SSIZE_MAX);
	bufferevent_incref(bev);
	c->bev = bev;
	c->fd = -1;
	c->state = CONN_HEAD;
	headscan_reset(&c->head);
	gettimeofday(&c->since, NULL);
	conns_after(&c->deadline, &c->since, cs.header_timeout_s <
	    cs.timeout_s ? cs.header_timeout_s : cs.timeout_s);
	TAILQ_INSERT_TAIL(&cs.list, c, entry);
	conns_wait(c, &cs.heads);
	cs.count++;
	conns_update_listener();
	return bev;
}

int
conns_request(struct bufferevent *bev)
{
	struct conn	*c;

	if ((c = conns_find(bev)) == NULL)
		return 0;
	c->state = CONN_BUSY;
	conns_wait(c, NULL);
	/* The last one that could make room may have been this. */
	conns_update_listener();
	return c->head.nul;
}

void
conns_answered(struct bufferevent *bev)
{
	struct conn	*c;
	struct evbuffer	*in;

	if ((c = conns_find(bev)) == NULL || c->state != CONN_BUSY)
		return;
	gettimeofday(&c->since, NULL);
	conns_after(&c->deadline, &c->since, cs.timeout_s);
	c->state = CONN_HEAD;
	headscan_reset(&c->head);
	c->idle = 1;
	conns_wait(c, &cs.heads);
	/* A pipelined request may be waiting already: evhttp has not read it. */
	in = bufferevent_get_input(bev);
	if (evbuffer_get_length(in) > 0)
		conns_scan(c, in, 0);
	conns_resume();
}

int
conns_setup(struct event_base *base, struct evconnlistener *listener,
    size_t max, int timeout_s, int header_timeout_s)
{
	struct timeval	 tv = { 0, CONNS_SWEEP_MS * 1000 };

	cs.base = base;
	cs.listener = listener;
	cs.max = max;
	cs.timeout_s = timeout_s;
	cs.header_timeout_s = header_timeout_s;
	if (listener != NULL)
		evconnlistener_set_error_cb(listener, conns_on_listener_error);
	if ((cs.ev_sweep = event_new(base, -1, EV_PERSIST, conns_on_sweep,
	    NULL)) == NULL || event_add(cs.ev_sweep, &tv) == -1)
		return -1;
	return 0;
}

size_t
conns_count(void)
{
	return cs.count;
}

/* After evhttp_free(): drop the references still held. */
void
conns_teardown(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&cs.list)) != NULL)
		conns_forget(c);
	free(cs.byfd);
	cs.byfd = NULL;
	cs.nbyfd = 0;
	cs.count = 0;
	if (cs.ev_sweep != NULL)
		event_free(cs.ev_sweep);
	cs.ev_sweep = NULL;
	cs.listener = NULL;
}
