/*
 * wsession.c: WebSocket clients.  After the upgrade request, the
 * connection is taken over from evhttp: the connection object stays alive
 * for the whole session (it owns the socket and the bufferevent), our
 * callbacks replace evhttp's at once, evhttp's timeouts and close callback
 * are cleared, bytes already buffered are read, the request is never
 * finished through evhttp, and evhttp_connection_free() ends it exactly
 * once.  Each client has a bounded queue of pre-encoded frames
 * (wsqueue.c): a frame goes to wslay only when wslay holds none and the
 * socket's output is under a cap.  What a session carries is its owner's
 * business (logship.c for logs, api_live.c for state), told when the
 * session is up and when it ends.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "apid.h"
#include "cache.h"
#include "http_reply.h"
#include "uuid.h"
#include "ws.h"
#include "wsession.h"
#include "wsqueue.h"

#define WSS_MAX_IN		4096		/* clients only send control frames */
#define WSS_PING_S		30
#define WSS_LINGER_S		5		/* for the close frame to leave */

struct wsess {
	TAILQ_ENTRY(wsess)	 entry;
	enum wss_kind		 kind;
	char			 id[UUID_STRLEN + 1];
	struct evhttp_connection *evcon;
	struct bufferevent	*bev;
	struct ws		*ws;
	struct event		*ev_ping;
	struct event		*ev_linger;
	struct wsq		 q;
	const struct wss_owner	*owner;
	int			 finishing;
};
TAILQ_HEAD(wsesss, wsess);

static struct wsesss	 sessions = TAILQ_HEAD_INITIALIZER(sessions);
static size_t		 nsessions;

static void	wss_free(struct wsess *);

static void
wss_enqueue_text(struct wsess *s, const char *text, size_t len)
{
	struct frame	*f;

	if ((f = frame_new(0, text, len)) == NULL)
		return;
	wsq_push(&s->q, f);
	frame_unref(f);
}

void
wss_pump(struct wsess *s)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	struct frame	*f;
	size_t		 cap = wsq_out_cap();
	int		 rc;

	if (s->finishing)
		return;
	while (!wsq_empty(&s->q) && ws_queued(s->ws) == 0 &&
	    evbuffer_get_length(out) < cap) {
		f = wsq_pop(&s->q);
		rc = ws_send_text(s->ws, f->data, f->len);
		frame_unref(f);
		if (rc == -1)
			break;
	}
}

/* Free once the close frame has left, or after a grace period. */
static void
wss_finish(struct wsess *s)
{
	struct timeval	 tv = { WSS_LINGER_S, 0 };

	s->finishing = 1;
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) {
		wss_free(s);
		return;
	}
	bufferevent_disable(s->bev, EV_READ);
	evtimer_add(s->ev_linger, &tv);
}

static void
wss_on_closed(struct ws *ws, uint16_t code, void *arg)
{
	(void)ws;
	(void)code;
	wss_finish(arg);
}

static void
wss_on_text(struct ws *ws, const char *text, size_t len, void *arg)
{
	/* Clients have nothing to say to us. */
	(void)ws;
	(void)text;
	(void)len;
	(void)arg;
}

static const struct ws_callbacks wss_callbacks = {
	wss_on_text,
	wss_on_closed,
};

static void
wss_on_read(struct bufferevent *bev, void *arg)
{
	struct wsess	*s = arg;

	(void)bev;
	if (!s->finishing)
		ws_read(s->ws);
}

static void
wss_on_write(struct bufferevent *bev, void *arg)
{
	struct wsess	*s = arg;

	if (s->finishing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			wss_free(s);
		return;
	}
	ws_write(s->ws);
	wss_pump(s);
}

static void
wss_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		wss_free(arg);
}

static void
wss_on_ping(evutil_socket_t fd, short what, void *arg)
{
	struct wsess	*s = arg;
	struct timeval	 tv = { WSS_PING_S, 0 };

	(void)fd;
	(void)what;
	if (s->finishing)
		return;
	(void)ws_ping(s->ws);
	evtimer_add(s->ev_ping, &tv);
}

static void
wss_on_linger(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wss_free(arg);
}

static void
wss_free(struct wsess *s)
{
	if (s->owner != NULL && s->owner->end != NULL)
		s->owner->end(s);
	TAILQ_REMOVE(&sessions, s, entry);
	nsessions--;
	wsq_clear(&s->q);
	ws_free(s->ws);
	event_free(s->ev_ping);
	event_free(s->ev_linger);
	/* Frees the bufferevent, the socket and the unfinished request. */
	evhttp_connection_free(s->evcon);
	free(s);
}

void
wss_close_all(void)
{
	struct wsess	*s;

	while ((s = TAILQ_FIRST(&sessions)) != NULL)
		wss_free(s);
}

size_t
wss_count(void)
{
	return nsessions;
}

void
wss_send_text(struct wsess *s, const char *text, size_t len)
{
	wss_enqueue_text(s, text, len);
	wss_pump(s);
}

void
wss_error_close(struct wsess *s, const char *json)
{
	wss_send_text(s, json, strlen(json));
	ws_close(s->ws, 1000, "");
}

void
wss_close(struct wsess *s, uint16_t code)
{
	ws_close(s->ws, code, "");
}

const char *
wss_id(const struct wsess *s)
{
	return s->id;
}

int
wss_finishing(const struct wsess *s)
{
	return s->finishing;
}

struct wsq *
wss_queue(struct wsess *s)
{
	return &s->q;
}

/* A frame of text to every live session of kind for the instance id. */
void
wss_broadcast(enum wss_kind kind, const char *id, const char *text,
    size_t len)
{
	struct wsess	*s;
	struct frame	*f;

	TAILQ_FOREACH(s, &sessions, entry)
		if (s->kind == kind && !s->finishing && strcmp(s->id, id) == 0)
			break;
	if (s == NULL || (f = frame_new(0, text, len)) == NULL)
		return;
	TAILQ_FOREACH(s, &sessions, entry)
		if (s->kind == kind && !s->finishing &&
		    strcmp(s->id, id) == 0) {
			wsq_push(&s->q, f);
			wss_pump(s);
		}
	frame_unref(f);
}

static unsigned int
wss_per_instance(const char *id)
{
	struct wsess	*s;
	unsigned int	 n = 0;

	TAILQ_FOREACH(s, &sessions, entry)
		if (strcmp(s->id, id) == 0)
			n++;
	return n;
}

/* A session on the connection's bufferevent; NULL when out of memory. */
static struct wsess *
wss_new(struct bufferevent *bev, enum wss_kind kind, const char *id,
    const struct wss_owner *owner)
{
	struct wsess	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->kind = kind;
	strlcpy(s->id, id, sizeof(s->id));
	s->bev = bev;
	s->ws = ws_new(bev, 1, WSS_MAX_IN, &wss_callbacks, s);
	s->ev_ping = evtimer_new(apid->base, wss_on_ping, s);
	s->ev_linger = evtimer_new(apid->base, wss_on_linger, s);
	if (s->ws == NULL || s->ev_ping == NULL || s->ev_linger == NULL ||
	    wsq_init(&s->q, bufferevent_get_output(bev)) == -1) {
		wsq_clear(&s->q);
		ws_free(s->ws);
		if (s->ev_ping != NULL)
			event_free(s->ev_ping);
		if (s->ev_linger != NULL)
			event_free(s->ev_linger);
		free(s);
		return NULL;
	}
	s->owner = owner;
	return s;
}

void
wss_upgrade(struct evhttp_request *req, enum wss_kind kind, const char *id,
    const struct wss_owner *owner)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct wsess		*s;
	struct bufferevent	*bev;
	char			 accept[WS_ACCEPT_LEN + 1];
	size_t			 len;
	struct timeval		 tv = { WSS_PING_S, 0 };

	if (!ws_is_upgrade(in) || evcon == NULL ||
	    ws_accept_key(evhttp_find_header(in, "Sec-WebSocket-Key"),
	    accept) == -1) {
		http_reply_detail(req, 404, "Not Found");
		return;
	}
	if (nsessions >= apid->ws_max_clients ||
	    wss_per_instance(id) >= apid->ws_max_per_instance) {
		http_reply_detail(req, 503, "Too many WebSocket clients");
		return;
	}
	bev = evhttp_connection_get_bufferevent(evcon);
	if ((s = wss_new(bev, kind, id, owner)) == NULL) {
		http_reply_detail(req, 500, "out of memory");
		return;
	}
	s->evcon = evcon;
	/* From here on evhttp must not act on this connection again. */
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_setcb(bev, wss_on_read, wss_on_write, wss_on_event, s);
	bufferevent_setwatermark(bev, EV_WRITE, wsq_out_cap() / 2, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	nsessions++;
	evbuffer_add_printf(bufferevent_get_output(bev),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	evtimer_add(s->ev_ping, &tv);

	if (cache_get_json(apid->cache, id, &len) == NULL)
		wss_error_close(s, "{\"error\":\"Instance not found\"}");
	else if (owner != NULL && owner->start != NULL)
		owner->start(s, req);
	/* A client may have sent frames right behind its request. */
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0 &&
	    !s->finishing)
		ws_read(s->ws);
}

void
wss_instance_gone(const char *id)
{
	struct wsess	*s;

	TAILQ_FOREACH(s, &sessions, entry)
		if (strcmp(s->id, id) == 0 && !s->finishing)
			ws_close(s->ws, 1000, "");
}
