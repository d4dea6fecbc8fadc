/*
 * sup.c: apid's end of the channel to the supervisor: HELLO sets up the
 * HTTP side, log messages go up as LOG, and a broken channel ends apid.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "apid.h"
#include "channel.h"
#include "instance.h"
#include "log.h"
#include "proto.h"
#include "wsession.h"

/* Once the channel is up, apid's log messages are the supervisor's to write. */
static void
sup_log_sink(int prio, const char *msg, void *arg)
{
	struct apid	*a = arg;
	struct chanbuf	 b;

	chanbuf_init(&b);
	chanbuf_u32(&b, (uint32_t)prio);
	chanbuf_str(&b, msg);
	(void)chan_send(a->chan, MSG_LOG, 0, -1, &b);
	chanbuf_free(&b);
	if (a->ev_write != NULL)
		event_add(a->ev_write, NULL);
}

static void
sup_fail(struct apid *a, const char *why)
{
	request_fail_all(a);
	log_set_sink(NULL, NULL);
	log_warnx("channel to the supervisor: %s", why);
	event_base_loopbreak(a->base);
}

static int
sup_hello(struct apid *a, struct chanmsg *m)
{
	uint32_t	 version, bufsize, verbose, timeout, maxconn, wsmax, wsper;
	uint32_t	 htimeout, wsqueued;
	uint8_t		 allow_extra, sandbox;
	char		 err[256];
	int		 fd;

	if (a->serving)
		return -1;
	if (chanmsg_u32(m, &version) == -1)
		return -1;
	if (version != PROTO_VERSION) {
		log_warnx("protocol version %u, expected %u", version,
		    PROTO_VERSION);
		return -1;
	}
	if (chanmsg_str(m, &a->api_key) == -1 || a->api_key == NULL ||
	    chanmsg_u32(m, &bufsize) == -1 || chanmsg_u32(m, &verbose) == -1 ||
	    chanmsg_u32(m, &timeout) == -1 || timeout == 0 ||
	    chanmsg_u8(m, &allow_extra) == -1 || allow_extra > 1 ||
	    chanmsg_u32(m, &maxconn) == -1 || maxconn == 0 ||
	    chanmsg_u32(m, &wsmax) == -1 || chanmsg_u32(m, &wsper) == -1 ||
	    chanmsg_u8(m, &sandbox) == -1 || sandbox > 1 ||
	    chanmsg_u32(m, &htimeout) == -1 || htimeout == 0 ||
	    chanmsg_u32(m, &wsqueued) == -1 || wsqueued == 0 ||
	    chanmsg_end(m) == -1 || (fd = chanmsg_take_fd(m)) == -1)
		return -1;
	a->log_buffer_size = bufsize;
	a->http_timeout_s = timeout;
	a->allow_extra_args = allow_extra;
	a->max_connections = maxconn;
	a->ws_max_clients = wsmax;
	a->ws_max_per_instance = wsper;
	a->sandbox = sandbox;
	a->header_timeout_s = htimeout;
	a->ws_max_queued = (size_t)wsqueued * 1024 * 1024;
	log_setverbose((int)verbose);
	if (http_setup(a, fd) == -1) {
		close(fd);
		log_warnx("cannot serve on the listening socket");
		return -1;
	}
	a->serving = 1;
	log_set_sink(sup_log_sink, a);
	/* Everything is in hand: from here on, no files, no new processes. */
	if (sandbox_apply(a->sandbox, a->max_connections, err,
	    sizeof(err)) == -1) {
		log_warnx("cannot sandbox the API process: %s", err);
		(void)chan_flush(a->chan);
		exit(1);
	}
	log_debug("serving (protocol %u, pid %ld)", version, (long)getpid());
	if (chan_send_empty(a->chan, MSG_READY, 0) == -1)
		return -1;
	sup_flush(a);
	return 0;
}

static int
sup_instance(struct apid *a, struct chanmsg *m)
{
	struct instance	 inst;
	int		 rc;

	memset(&inst, 0, sizeof(inst));
	if (instance_decode(m, &inst) == -1)
		return -1;
	rc = chanmsg_end(m) == -1 ? -1 : 0;
	if (rc == 0 && cache_put(a->cache, &inst) == -1)
		log_warnx("instance %s: out of memory", inst.id);
	instance_free(&inst);
	return rc;
}

static int
sup_instance_gone(struct apid *a, struct chanmsg *m)
{
	char	*id = NULL;

	if (chanmsg_str(m, &id) == -1 || id == NULL || chanmsg_end(m) == -1) {
		free(id);
		return -1;
	}
	wss_instance_gone(id);
	cache_remove(a->cache, id);
	free(id);
	return 0;
}

static int
sup_memory(struct apid *a, struct chanmsg *m)
{
	char	*json = NULL;

	if (chanmsg_str(m, &json) == -1 || chanmsg_end(m) == -1) {
		free(json);
		return -1;
	}
	free(a->memory_json);
	a->memory_json = json;	/* NULL: neither VRAM nor RAM could be read */
	return 0;
}

static int
sup_dispatch(struct apid *a, struct chanmsg *m)
{
	if (m->type != MSG_HELLO && !a->serving)
		return -1;
	switch (m->type) {
	case MSG_HELLO:
		return sup_hello(a, m);
	case MSG_INSTANCE:
		return sup_instance(a, m);
	case MSG_INSTANCE_GONE:
		return sup_instance_gone(a, m);
	case MSG_REPLY:
		return request_reply(a, m);
	case MSG_LOG_LINES:
		return wss_log_lines(m);
	case MSG_LOG_HISTORY:
		return wss_log_history(m);
	case MSG_MEMORY:
		return sup_memory(a, m);
	case MSG_ASSET:
		return docs_asset_message(m);
	default:
		return -1;
	}
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
		if (sup_dispatch(a, &m) == -1) {
			chanmsg_clear(&m);
			sup_fail(a, "malformed message");
			return;
		}
		chanmsg_clear(&m);
	}
	if (r == -1)
		sup_fail(a, why);
}

void
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

int
sup_setup(struct apid *a, int fd)
{
	if ((a->cache = cache_new()) == NULL ||
	    (a->chan = chan_new(fd)) == NULL)
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
	if (a->chan != NULL) {
		/* Last words (log lines) go out if the socket takes them. */
		(void)chan_flush(a->chan);
		chan_free(a->chan);
	}
	if (a->ev_read != NULL)
		event_free(a->ev_read);
	if (a->ev_write != NULL)
		event_free(a->ev_write);
	a->chan = NULL;
	a->ev_read = a->ev_write = NULL;
	cache_free(a->cache);
	a->cache = NULL;
	free(a->memory_json);
	a->memory_json = NULL;
	docs_free();
}
