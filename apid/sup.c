/*
 * sup.c: apid's end of the channel to the supervisor: everything that goes
 * up leaves through sup_send, log messages included once apid serves;
 * what comes down is read and handed, message by message, to the handler
 * main.c names; a broken or malformed channel ends apid.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include <event2/event.h>

#include "apid.h"
#include "channel.h"
#include "log.h"
#include "proto.h"
#include "sup.h"

static void	sup_flush(struct apid *);

static void
sup_fail(struct apid *a, const char *why)
{
	if (a->handlers->lost != NULL)
		a->handlers->lost(a);
	log_set_sink(NULL, NULL);
	log_warnx("channel to the supervisor: %s", why);
	event_base_loopbreak(a->base);
}

int
sup_send(struct apid *a, uint32_t type, uint32_t peerid,
    const struct chanbuf *b)
{
	if (chan_send(a->chan, type, peerid, -1, b) == -1)
		return -1;
	/*
	 * A log line may be written from anywhere, from a failing flush
	 * too: it waits for the write event instead of being written now.
	 */
	if (type != MSG_LOG)
		sup_flush(a);
	else if (a->ev_write != NULL)
		event_add(a->ev_write, NULL);
	return 0;
}

/* Once the channel is up, apid's log messages are the supervisor's to write. */
static void
sup_log_sink(int prio, const char *msg, void *arg)
{
	struct msg_log	 lg;
	struct chanbuf	 b;

	lg.priority = (uint32_t)prio;
	lg.message = (char *)msg;
	chanbuf_init(&b);
	proto_log_encode(&b, &lg);
	(void)sup_send(arg, MSG_LOG, 0, &b);
	chanbuf_free(&b);
}

void
sup_log_start(struct apid *a)
{
	log_set_sink(sup_log_sink, a);
}

static void
sup_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct apid	*a = arg;
	struct chanmsg	 m;
	const char	*why;
	ssize_t		 n;
	int		 r;

	(void)fd;
	(void)what;
	n = chan_read(a->chan);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0) {
		sup_fail(a, "closed");
		return;
	}
	if (n == -1) {
		sup_fail(a, strerror(errno));
		return;
	}
	while ((r = chan_get(a->chan, &m, &why)) == 1) {
		if (a->handlers->message(a, &m) == -1) {
			chanmsg_clear(&m);
			sup_fail(a, "malformed message");
			return;
		}
		chanmsg_clear(&m);
	}
	if (r == -1)
		sup_fail(a, why);
}

static void
sup_flush(struct apid *a)
{
	if (chan_flush(a->chan) == -1) {
		sup_fail(a, strerror(errno));
		return;
	}
	if (chan_pending(a->chan) > 0)
		event_add(a->ev_write, NULL);
}

static void
sup_on_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sup_flush(arg);
}

void
sup_last_words(struct apid *a)
{
	if (a->chan != NULL)
		(void)chan_flush(a->chan);
}

int
sup_setup(struct apid *a, int fd, const struct sup_handlers *h)
{
	a->handlers = h;
	if ((a->chan = chan_new(fd)) == NULL)
		return -1;
	a->ev_read = event_new(a->base, fd, EV_READ | EV_PERSIST, sup_on_read,
	    a);
	a->ev_write = event_new(a->base, fd, EV_WRITE, sup_on_write, a);
	if (a->ev_read == NULL || a->ev_write == NULL ||
	    event_add(a->ev_read, NULL) == -1)
		return -1;
	return 0;
}

void
sup_teardown(struct apid *a)
{
	log_set_sink(NULL, NULL);
	/* Last words (log lines) go out if the socket takes them. */
	sup_last_words(a);
	if (a->chan != NULL)
		chan_free(a->chan);
	if (a->ev_read != NULL)
		event_free(a->ev_read);
	if (a->ev_write != NULL)
		event_free(a->ev_write);
	a->chan = NULL;
	a->ev_read = a->ev_write = NULL;
}
