/*
 * conns.c: every HTTP connection, counted and timed, since libevent 2.1's
 * evhttp has neither a connection limit nor a deadline for a request as a
 * whole.  Each connection's bufferevent is made here (evhttp_set_bevcb)
 * and held with a reference of our own, so that it stays valid after
 * evhttp frees it: evhttp's bufferevent_free() clears its callbacks, which
 * a periodic sweep notices, and then our reference goes too.  At the
 * limit, and when accept() runs out of descriptors, the listener is
 * disabled until a connection ends.  A connection that has not delivered
 * a whole request within HTTP_TIMEOUT_S of its start (or of its last
 * answer) is failed through evhttp's own error path.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "apid.h"
#include "conns.h"
#include "log.h"

#define CONNS_SWEEP_MS		100
#define CONNS_EMFILE_PAUSE_MS	250

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct bufferevent	*bev;
	struct timeval		 deadline;
	int			 armed;		/* waiting for a whole request */
	int			 fd;		/* where cs.byfd holds it, or -1 */
};
TAILQ_HEAD(connq, conn);

static struct {
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct event		*ev_sweep;
	struct connq		 list;
	size_t			 count;
	size_t			 max;
	int			 timeout_s;
	int			 paused;	/* listener disabled */
	struct conn		**byfd;		/* a cache for conns_find */
	size_t			 nbyfd;
} cs = { .list = TAILQ_HEAD_INITIALIZER(cs.list) };

static void
conns_pause(void)
{
	if (!cs.paused && cs.listener != NULL) {
		evconnlistener_disable(cs.listener);
		cs.paused = 1;
	}
}

static void
conns_resume(void)
{
	if (cs.paused && cs.listener != NULL && cs.count < cs.max) {
		evconnlistener_enable(cs.listener);
		cs.paused = 0;
	}
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

/* A connection goes: its table entry, if any, with it. */
static void
conns_forget(struct conn *c)
{
	if (c->fd >= 0 && cs.byfd[c->fd] == c)
		cs.byfd[c->fd] = NULL;
	TAILQ_REMOVE(&cs.list, c, entry);
	bufferevent_decref(c->bev);
	free(c);
}

static void
conns_arm(struct conn *c)
{
	struct timeval	 now, tv = { cs.timeout_s, 0 };

	gettimeofday(&now, NULL);
	timeradd(&now, &tv, &c->deadline);
	c->armed = 1;
}

static void
conns_sweep(void)
{
	struct conn		*c, *tmp;
	struct timeval		 now;
	bufferevent_data_cb	 rcb, wcb;
	bufferevent_event_cb	 ecb;
	void			*arg;
	int			 pending;

	gettimeofday(&now, NULL);
	TAILQ_FOREACH_SAFE(c, &cs.list, entry, tmp) {
		bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &arg);
		if (rcb == NULL && wcb == NULL && ecb == NULL) {
			/* evhttp let go of it: ours was the last reference. */
			conns_forget(c);
			cs.count--;
			continue;
		}
		if (c->armed && ecb != NULL && timercmp(&now, &c->deadline, >)) {
			/* Bytes the kernel holds for us: we are the slow one. */
			if (ioctl(bufferevent_getfd(c->bev), FIONREAD, &pending) == 0 &&
			    pending > 0) {
				conns_arm(c);
				continue;
			}
			c->armed = 0;
			/* As if the read had timed out: evhttp drops it. */
			ecb(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, arg);
		}
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

/* accept() failed, most likely for lack of descriptors: wait a little. */
static void
conns_on_listener_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM) {
		log_warnx("accept: %s; not accepting for a moment",
		    strerror(errno));
		conns_pause();
	}
}

struct bufferevent *
conns_new_bev(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c;

	(void)arg;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		return NULL;
	}
	/* Large bodies leave in one write instead of libevent's 16 KiB slices. */
	bufferevent_set_max_single_write(bev, EV_SSIZE_MAX);
	bufferevent_incref(bev);
	c->bev = bev;
	c->fd = -1;
	conns_arm(c);
	TAILQ_INSERT_TAIL(&cs.list, c, entry);
	if (++cs.count >= cs.max)
		conns_pause();
	return bev;
}

void
conns_request(struct bufferevent *bev)
{
	struct conn	*c;

	if ((c = conns_find(bev)) != NULL)
		c->armed = 0;
}

void
conns_answered(struct bufferevent *bev)
{
	struct conn	*c;

	if ((c = conns_find(bev)) != NULL)
		conns_arm(c);
}

int
conns_setup(struct event_base *base, struct evconnlistener *listener,
    size_t max, int timeout_s)
{
	struct timeval	 tv = { 0, CONNS_SWEEP_MS * 1000 };

	cs.base = base;
	cs.listener = listener;
	cs.max = max;
	cs.timeout_s = timeout_s;
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
