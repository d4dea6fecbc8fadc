/*
 * sup.c: apid's end of the channel to the supervisor: everything that goes
 * up leaves through sup_send, log messages included once apid serves;
 * what comes down is read and handed, message by message, to the handler
 * main.c names; a broken or malformed channel ends apid.
 */
#include <stdint.h>

#include <event2/event.h>

#include "apid.h"
#include "chanev.h"
#include "channel.h"
#include "log.h"
#include "proto.h"
#include "sup.h"

static int
sup_on_message(void *arg, struct chanmsg *m)
{
	struct apid	*a = arg;

	return a->handlers->message(a, m);
}

static void
sup_on_failed(void *arg, enum chanev_why kind, const char *why)
{
	struct apid	*a = arg;

	(void)kind;
	if (a->handlers->lost != NULL)
		a->handlers->lost(a);
	log_set_sink(NULL, NULL);
	log_warnx("channel to the supervisor: %s", why);
	event_base_loopbreak(a->base);
}

static const struct chanev_ops sup_ops = {
	sup_on_message,
	sup_on_failed,
	NULL
};

int
sup_send(struct apid *a, uint32_t type, uint32_t peerid,
    const struct chanbuf *b)
{
	if (chanev_queue(a->sup, type, peerid, -1, b) == -1)
		return -1;
	/*
	 * A log line may be written from anywhere, from a failing flush
	 * too: it waits for the write event instead of being written now.
	 */
	if (type != MSG_LOG)
		(void)chanev_flush(a->sup);
	else
		chanev_want_write(a->sup);
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

void
sup_last_words(struct apid *a)
{
	if (a->sup != NULL)
		chanev_last_words(a->sup);
}

int
sup_setup(struct apid *a, int fd, const struct sup_handlers *h)
{
	a->handlers = h;
	if ((a->sup = chanev_new(a->base, fd, &sup_ops, a)) == NULL)
		return -1;
	return 0;
}

void
sup_teardown(struct apid *a)
{
	log_set_sink(NULL, NULL);
	/* Last words (log lines) go out if the socket takes them. */
	sup_last_words(a);
	chanev_free(a->sup);
	a->sup = NULL;
}
