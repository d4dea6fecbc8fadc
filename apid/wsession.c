/*
 * wsession.c: WebSocket clients.  After the upgrade request, the
 * connection is taken over from evhttp: the connection object stays alive
 * for the whole session (it owns the socket and the bufferevent), our
 * callbacks replace evhttp's at once, evhttp's timeouts and close callback
 * are cleared, bytes already buffered are read, the request is never
 * finished through evhttp, and evhttp_connection_free() ends it exactly
 * once.  Each client has a bounded queue of pre-encoded frames
 * (wsqueue.c): a frame goes to wslay only when wslay holds none and the
 * socket's output is under a cap.
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
#include "channel.h"
#include "http_reply.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "runtime.h"
#include "strbuf.h"
#include "sup.h"
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
	/* logs: live lines are held until the history is in */
	int			 hist_wait;
	uint32_t		 hist_req;
	uint64_t		 since;
	uint64_t		 hist_next;
	int			 finishing;
};
TAILQ_HEAD(wsesss, wsess);

static struct wsesss	 sessions = TAILQ_HEAD_INITIALIZER(sessions);
static size_t		 nsessions;
static uint32_t		 next_hist_req = 1;

static void	wss_free(struct wsess *);
static void	wss_pump(struct wsess *);

static void
wss_enqueue_text(struct wsess *s, const char *text, size_t len)
{
	struct frame	*f;

	if ((f = frame_new(0, text, len)) == NULL)
		return;
	wsq_push(&s->q, f);
	frame_unref(f);
}

static void
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

static void
wss_error_close(struct wsess *s, const char *json)
{
	wss_enqueue_text(s, json, strlen(json));
	wss_pump(s);
	ws_close(s->ws, 1000, "");
}

static void
wss_start_logs(struct wsess *s, const char *query)
{
	struct chanbuf	 b;
	const char	*since;
	struct evkeyvalq q;

	TAILQ_INIT(&q);
	s->since = 0;
	if (query != NULL && evhttp_parse_query_str(query, &q) == 0 &&
	    (since = evhttp_find_header(&q, "since")) != NULL) {
		char		*end;
		unsigned long long v = strtoull(since, &end, 10);

		if (*since >= '0' && *since <= '9' && *end == '\0')
			s->since = v;
	}
	evhttp_clear_headers(&q);
	s->hist_wait = 1;
	s->hist_req = next_hist_req++;
	chanbuf_init(&b);
	chanbuf_str(&b, s->id);
	chanbuf_u64(&b, s->since);
	if (sup_send(apid, MSG_HISTORY, s->hist_req, &b) == -1)
		ws_close(s->ws, 1011, "");
	chanbuf_free(&b);
}

static void
wss_start_state(struct wsess *s)
{
	struct runtime	*rt = cache_runtime(apid->cache, s->id);
	struct strbuf	 sb;

	if (rt == NULL) {
		wss_error_close(s, "{\"error\":\"Instance not found\"}");
		return;
	}
	strbuf_init(&sb);
	runtime_first_frame(rt, &sb);
	if (!sb.failed)
		wss_enqueue_text(s, sb.data, sb.len);
	strbuf_free(&sb);
	wss_pump(s);
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

void
wss_upgrade(struct evhttp_request *req, enum wss_kind kind, const char *id)
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
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		http_reply_detail(req, 500, "out of memory");
		return;
	}
	bev = evhttp_connection_get_bufferevent(evcon);
	s->kind = kind;
	strlcpy(s->id, id, sizeof(s->id));
	s->evcon = evcon;
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
		http_reply_detail(req, 500, "out of memory");
		return;
	}
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
	else if (kind == WSS_LOGS)
		wss_start_logs(s, evhttp_uri_get_query(
		    evhttp_request_get_evhttp_uri(req)));
	else
		wss_start_state(s);
	/* A client may have sent frames right behind its request. */
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0 &&
	    !s->finishing)
		ws_read(s->ws);
}

/* {"seq":N,"timestamp":"...","line":"..."} */
static struct frame *
log_frame(uint64_t seq, const char *ts, const uint8_t *text, size_t len)
{
	struct strbuf	 sb;
	struct frame	*f = NULL;

	strbuf_init(&sb);
	strbuf_addf(&sb, "{\"seq\":%llu,\"timestamp\":", (unsigned long long)seq);
	json_write_string(&sb, ts, strlen(ts), 0);
	strbuf_adds(&sb, ",\"line\":");
	json_write_string(&sb, (const char *)text, len, 0);
	strbuf_addc(&sb, '}');
	if (!sb.failed)
		f = frame_new(seq, sb.data, sb.len);
	strbuf_free(&sb);
	return f;
}

static int
wss_any(enum wss_kind kind, const char *id)
{
	struct wsess	*s;

	TAILQ_FOREACH(s, &sessions, entry)
		if (s->kind == kind && !s->finishing && strcmp(s->id, id) == 0)
			return 1;
	return 0;
}

static void
wss_state_event(const char *id, struct runtime *rt)
{
	struct wsess	*s;
	struct strbuf	 sb;
	struct frame	*f;

	strbuf_init(&sb);
	runtime_event(rt, &sb);
	if (!sb.failed && wss_any(WSS_STATE, id) &&
	    (f = frame_new(0, sb.data, sb.len)) != NULL) {
		TAILQ_FOREACH(s, &sessions, entry)
			if (s->kind == WSS_STATE && !s->finishing &&
			    strcmp(s->id, id) == 0) {
				wsq_push(&s->q, f);
				wss_pump(s);
			}
		frame_unref(f);
	}
	strbuf_free(&sb);
}

/* Read "u64 first, u32 count" and walk the lines with cb. */
typedef void (*line_fn)(uint64_t seq, const char *ts, const uint8_t *text,
    size_t len, void *arg);

static int
walk_lines(struct chanmsg *m, line_fn cb, void *arg, uint64_t *next)
{
	const uint8_t	*text;
	uint64_t	 first;
	uint32_t	 n, i;
	size_t		 len;
	char		*ts;

	if (chanmsg_u64(m, &first) == -1 || chanmsg_u32(m, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (chanmsg_str(m, &ts) == -1 || ts == NULL)
			return -1;
		if (chanmsg_bytes(m, &text, &len) == -1) {
			free(ts);
			return -1;
		}
		cb(first + i, ts, text, len, arg);
		free(ts);
	}
	*next = first + n;
	return chanmsg_end(m);
}

struct live {
	const char	*id;
	struct runtime	*rt;
	int		 logs;
	struct timeval	 now;
};

static void
live_line(uint64_t seq, const char *ts, const uint8_t *text, size_t len,
    void *arg)
{
	struct live	*lv = arg;
	struct wsess	*s;
	struct frame	*f;

	if (lv->rt != NULL && runtime_feed(lv->rt, (const char *)text, len,
	    &lv->now) == 1)
		wss_state_event(lv->id, lv->rt);
	if (!lv->logs || (f = log_frame(seq, ts, text, len)) == NULL)
		return;
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->kind != WSS_LOGS || s->finishing ||
		    strcmp(s->id, lv->id) != 0)
			continue;
		if (s->hist_wait)
			wsq_hold(&s->q, f);
		/* Lines the history already gave can still come as live ones. */
		else if (seq >= s->since && seq >= s->hist_next)
			wsq_push(&s->q, f);
	}
	frame_unref(f);
}

int
wss_log_lines(struct chanmsg *m)
{
	struct live	 lv;
	struct wsess	*s;
	uint64_t	 next;
	char		*id = NULL;
	int		 rc;

	if (chanmsg_str(m, &id) == -1 || id == NULL)
		return -1;
	lv.id = id;
	lv.rt = cache_runtime(apid->cache, id);
	lv.logs = wss_any(WSS_LOGS, id);
	gettimeofday(&lv.now, NULL);
	rc = walk_lines(m, live_line, &lv, &next);
	if (lv.logs)
		TAILQ_FOREACH(s, &sessions, entry)
			if (s->kind == WSS_LOGS && strcmp(s->id, id) == 0)
				wss_pump(s);
	free(id);
	return rc;
}

static void
history_line(uint64_t seq, const char *ts, const uint8_t *text, size_t len,
    void *arg)
{
	struct wsess	*s = arg;
	struct frame	*f;

	if (seq < s->since || (f = log_frame(seq, ts, text, len)) == NULL)
		return;
	wsq_push(&s->q, f);
	frame_unref(f);
}

int
wss_log_history(struct chanmsg *m)
{
	struct wsess	*s;
	struct frame	*f;
	uint64_t	 next;
	uint8_t		 last;
	char		*id = NULL;
	int		 rc;

	if (chanmsg_str(m, &id) == -1 || id == NULL ||
	    chanmsg_u8(m, &last) == -1 || last > 1) {
		free(id);
		return -1;
	}
	free(id);
	TAILQ_FOREACH(s, &sessions, entry)
		if (s->kind == WSS_LOGS && s->hist_wait &&
		    s->hist_req == m->peerid)
			break;
	if (s == NULL) {
		/* The client left meanwhile: check the rest and forget it. */
		struct wsess	 dummy;

		memset(&dummy, 0, sizeof(dummy));
		dummy.since = UINT64_MAX;
		return walk_lines(m, history_line, &dummy, &next);
	}
	if ((rc = walk_lines(m, history_line, s, &next)) == -1)
		return -1;
	s->hist_next = next;
	if (!last)
		return 0;
	/* The seam: live lines the history already had are dropped. */
	s->hist_wait = 0;
	while ((f = wsq_unhold(&s->q)) != NULL) {
		if (f->seq >= s->hist_next && f->seq >= s->since)
			wsq_push(&s->q, f);
		frame_unref(f);
	}
	wss_pump(s);
	return 0;
}

void
wss_instance_gone(const char *id)
{
	struct wsess	*s;

	TAILQ_FOREACH(s, &sessions, entry)
		if (strcmp(s->id, id) == 0 && !s->finishing)
			ws_close(s->ws, 1000, "");
}
