/*
 * chanev.c: a channel driven by libevent: one read event that reads, takes
 * every complete message and hands it to the owner, one write event armed
 * only while bytes wait.  The owner may free the chanev from any of its
 * callbacks (a failed send inside a handler does); the free then waits
 * until control is back here.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "channel.h"
#include "chanev.h"

struct chanev {
	struct chan		*chan;
	struct event		*ev_read;
	struct event		*ev_write;
	const struct chanev_ops	*ops;
	void			*arg;
	int			 busy;		/* inside our event callbacks */
	int			 failed;	/* reported, or freed */
	int			 doomed;	/* freed while busy */
};

static void
chanev_destroy(struct chanev *ce)
{
	if (ce->ev_read != NULL)
		event_free(ce->ev_read);
	if (ce->ev_write != NULL)
		event_free(ce->ev_write);
	if (ce->chan != NULL)
		chan_free(ce->chan);
	free(ce);
}

/* A free asked for from inside a callback happens on the way out. */
static void
chanev_enter(struct chanev *ce)
{
	ce->busy++;
}

static void
chanev_leave(struct chanev *ce)
{
	if (--ce->busy == 0 && ce->doomed)
		chanev_destroy(ce);
}

static void
chanev_fail(struct chanev *ce, enum chanev_why kind, const char *why)
{
	if (ce->failed)
		return;
	ce->failed = 1;
	event_del(ce->ev_read);
	event_del(ce->ev_write);
	ce->ops->failed(ce->arg, kind, why);
}

/* Only the bytes that are there: the persistent event brings us back. */
static void
chanev_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct chanev	*ce = arg;
	struct chanmsg	 m;
	const char	*why;
	ssize_t		 n;
	int		 r, rc;

	(void)fd;
	(void)what;
	n = chan_read(ce->chan);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	chanev_enter(ce);
	if (n == 0)
		chanev_fail(ce, CHANEV_EOF, "closed");
	else if (n == -1)
		chanev_fail(ce, CHANEV_READ, strerror(errno));
	while (!ce->failed && (r = chan_get(ce->chan, &m, &why)) != 0) {
		if (r == -1) {
			chanev_fail(ce, CHANEV_MALFORMED, why);
			break;
		}
		rc = ce->ops->message(ce->arg, &m);
		chanmsg_clear(&m);
		if (rc == -1)
			chanev_fail(ce, CHANEV_MALFORMED, "malformed message");
	}
	chanev_leave(ce);
}

int
chanev_flush(struct chanev *ce)
{
	if (chan_flush(ce->chan) == -1) {
		chanev_fail(ce, CHANEV_WRITE, strerror(errno));
		return -1;
	}
	if (ce->failed)
		return -1;
	chanev_want_write(ce);
	return 0;
}

static void
chanev_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct chanev	*ce = arg;

	(void)fd;
	(void)what;
	chanev_enter(ce);
	if (chanev_flush(ce) == 0 && chan_pending(ce->chan) == 0 &&
	    ce->ops->drained != NULL)
		ce->ops->drained(ce->arg);
	chanev_leave(ce);
}

void
chanev_want_write(struct chanev *ce)
{
	if (!ce->failed && chan_pending(ce->chan) > 0)
		event_add(ce->ev_write, NULL);
}

void
chanev_last_words(struct chanev *ce)
{
	(void)chan_flush(ce->chan);
}

int
chanev_queue(struct chanev *ce, uint32_t type, uint32_t peerid, int fd,
    const struct chanbuf *b)
{
	return chan_send(ce->chan, type, peerid, fd, b);
}

size_t
chanev_pending(const struct chanev *ce)
{
	return chan_pending(ce->chan);
}

struct chanev *
chanev_new(struct event_base *base, int fd, const struct chanev_ops *ops,
    void *arg)
{
	struct chanev	*ce;
	int		 saved;

	if ((ce = calloc(1, sizeof(*ce))) == NULL)
		goto fail;
	ce->ops = ops;
	ce->arg = arg;
	if ((ce->chan = chan_new(fd)) == NULL)
		goto fail;
	/* The channel owns fd from here. */
	fd = -1;
	ce->ev_read = event_new(base, chan_fd(ce->chan), EV_READ | EV_PERSIST,
	    chanev_on_read, ce);
	ce->ev_write = event_new(base, chan_fd(ce->chan), EV_WRITE,
	    chanev_on_write, ce);
	if (ce->ev_read == NULL || ce->ev_write == NULL ||
	    event_add(ce->ev_read, NULL) == -1) {
		errno = ENOMEM;
		goto fail;
	}
	return ce;
fail:
	saved = errno;
	if (ce != NULL)
		chanev_destroy(ce);
	if (fd >= 0)
		close(fd);
	errno = saved;
	return NULL;
}

void
chanev_free(struct chanev *ce)
{
	if (ce == NULL)
		return;
	if (ce->busy > 0) {
		/* Our caller still holds it: nothing more may happen. */
		ce->failed = 1;
		ce->doomed = 1;
		event_del(ce->ev_read);
		event_del(ce->ev_write);
		return;
	}
	chanev_destroy(ce);
}
