/*
 * wslogs.c: an instance's log lines over WS /instances/{id}/logs, with
 * common/ws.c framing over a bufferevent of our own.  The server sends
 * the lines it holds, then every new one.  Without -f the history is
 * over once no frame has come for a short while; with -f it runs until
 * SIGINT or SIGTERM, or until the server ends the stream.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "config.h"
#include "solarctl.h"
#include "ws.h"

#define FIRST_WAIT_MS	1000	/* for the history to begin */
#define QUIET_MS	300	/* after its last frame */
#define LINGER_MS	2000	/* for the server's close reply */
#define HEAD_MAX	(32 * 1024)
#define MSG_MAX		(4 * 1024 * 1024)

enum wl_state {
	WL_HANDSHAKE,	/* request sent, waiting for the 101 */
	WL_REFUSED,	/* reading the body of an error answer */
	WL_OPEN,
	WL_CLOSING,	/* our close sent */
	WL_DONE
};

struct wslogs {
	struct ctl		*ctl;
	struct bufferevent	*bev;
	struct ws		*ws;
	struct event		*timer;
	struct event		*ev_int;
	struct event		*ev_term;
	enum wl_state		 state;
	char			 accept[WS_ACCEPT_LEN + 1];
	int			 status;	/* of a refused upgrade */
	long long		 body_len;	/* -1: until EOF */
	int			 rc;
	int			 error_seen;	/* {"error":...} came */
	long long		 last_seq;	/* -1: none yet */
};

static void	wl_finish(struct wslogs *, int);
static void	wl_arm(struct wslogs *, int);
static void	wl_close(struct wslogs *);
static int	wl_head(struct wslogs *);
static void	wl_refused(struct wslogs *, int);
static void	wl_frame(struct wslogs *, const char *, size_t);
static void	on_text(struct ws *, const char *, size_t, void *);
static void	on_closed(struct ws *, uint16_t, void *);
static void	on_read(struct bufferevent *, void *);
static void	on_write(struct bufferevent *, void *);
static void	on_event(struct bufferevent *, short, void *);
static void	on_timer(evutil_socket_t, short, void *);
static void	on_signal(evutil_socket_t, short, void *);

static void
wl_finish(struct wslogs *w, int rc)
{
	if (w->state == WL_DONE)
		return;
	w->state = WL_DONE;
	if (w->rc == EXIT_OK)
		w->rc = rc;
	event_base_loopexit(bufferevent_get_base(w->bev), NULL);
}

static void
wl_arm(struct wslogs *w, int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
}

/* Say goodbye and wait a little for the server to answer it. */
static void
wl_close(struct wslogs *w)
{
	if (w->state != WL_OPEN) {
		wl_finish(w, EXIT_OK);
		return;
	}
	w->state = WL_CLOSING;
	ws_close(w->ws, 1000, NULL);
	wl_arm(w, LINGER_MS);
}

/*
 * The answer's head, once it is all in: 1 went on, 0 needs more bytes,
 * -1 failed (finished).
 */
static int
wl_head(struct wslogs *w)
{
	struct evbuffer		*in = bufferevent_get_input(w->bev);
	struct evbuffer_ptr	 end;
	struct evkeyvalq	 hdrs;
	const char		*v;
	char			*head, *line, *next, *colon;
	int			 ok = -1;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1) {
		if (evbuffer_get_length(in) > HEAD_MAX) {
			fprintf(stderr, "solarctl: %s: the answer's head is "
			    "too long\n", w->ctl->t.url);
			wl_finish(w, EXIT_CONN);
			return -1;
		}
		return 0;
	}
	if ((head = malloc(end.pos + 4)) == NULL) {
		wl_finish(w, EXIT_FAIL);
		return -1;
	}
	evbuffer_remove(in, head, end.pos + 4);
	head[end.pos + 2] = '\0';
	TAILQ_INIT(&hdrs);
	/* "HTTP/1.1 101 Switching Protocols", then "Name: value" lines. */
	next = strstr(head, "\r\n");
	*next = '\0';
	if (strncmp(head, "HTTP/1.", 7) != 0 || strlen(head) < 12 ||
	    head[8] != ' ') {
		fprintf(stderr, "solarctl: %s did not answer in HTTP\n",
		    w->ctl->t.url);
		wl_finish(w, EXIT_CONN);
		goto out;
	}
	w->status = atoi(head + 9);
	for (line = next + 2; *line != '\0'; line = next + 2) {
		next = strstr(line, "\r\n");
		*next = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon++ = '\0';
		colon += strspn(colon, " \t");
		evhttp_add_header(&hdrs, line, colon);
	}
	if (w->status != 101) {
		v = evhttp_find_header(&hdrs, "Content-Length");
		w->body_len = v != NULL ? strtoll(v, NULL, 10) : -1;
		if (w->body_len > CTL_BODY_MAX)
			w->body_len = CTL_BODY_MAX;
		w->state = WL_REFUSED;
		ok = 1;
		goto out;
	}
	v = evhttp_find_header(&hdrs, "Sec-WebSocket-Accept");
	if (v == NULL || strcmp(v, w->accept) != 0 ||
	    (v = evhttp_find_header(&hdrs, "Upgrade")) == NULL ||
	    strcasecmp(v, "websocket") != 0) {
		fprintf(stderr, "solarctl: %s: not a WebSocket answer\n",
		    w->ctl->t.url);
		wl_finish(w, EXIT_CONN);
		goto out;
	}
	w->state = WL_OPEN;
	bufferevent_set_timeouts(w->bev, NULL, NULL);
	if (!w->ctl->follow)
		wl_arm(w, FIRST_WAIT_MS);
	ok = 1;
out:
	evhttp_clear_headers(&hdrs);
	free(head);
	return ok;
}

/* An error answer instead of the upgrade: shown as REST errors are. */
static void
wl_refused(struct wslogs *w, int eof)
{
	struct evbuffer	*in = bufferevent_get_input(w->bev);
	size_t		 have = evbuffer_get_length(in);
	char		*body;

	if (!eof && (w->body_len == -1 || (long long)have < w->body_len))
		return;
	if (w->body_len != -1 && (long long)have > w->body_len)
		have = (size_t)w->body_len;
	if ((body = malloc(have + 1)) == NULL) {
		wl_finish(w, EXIT_FAIL);
		return;
	}
	evbuffer_remove(in, body, have);
	body[have] = '\0';
	wl_finish(w, api_error(w->ctl, w->status, body, have));
	free(body);
}

/* {"seq":N,"timestamp":"...","line":"..."}, or {"error":"..."}. */
static void
wl_frame(struct wslogs *w, const char *text, size_t len)
{
	json_t		*v, *line;
	const char	*ts, *err;
	long long	 seq;
	char		*clean;

	v = json_loadb(text, len, JSON_ALLOW_NUL, NULL);
	if ((err = json_string_value(json_object_get(v, "error"))) != NULL) {
		w->error_seen = 1;
		if ((clean = show_clean(err, strlen(err), 0)) != NULL)
			fprintf(stderr, "solarctl: %s\n", clean);
		free(clean);
		w->rc = EXIT_API;
	}
	if (json_is_integer(json_object_get(v, "seq"))) {
		seq = json_integer_value(json_object_get(v, "seq"));
		/* A client that reads slowly loses lines: the gap shows. */
		if (w->last_seq != -1 && seq > w->last_seq + 1)
			fprintf(stderr, "solarctl: %lld lines lost\n",
			    seq - w->last_seq - 1);
		w->last_seq = seq;
	}
	if (w->ctl->json) {
		fwrite(text, 1, len, stdout);
		putchar('\n');
	} else if (err == NULL) {
		ts = json_string_value(json_object_get(v, "timestamp"));
		line = json_object_get(v, "line");
		clean = show_clean(json_string_value(line) != NULL ?
		    json_string_value(line) : "", json_string_length(line), 0);
		if (clean != NULL)
			printf("%s %s\n", ts != NULL ? ts : "-", clean);
		free(clean);
	}
	json_decref(v);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		/* A reader that went away (solarctl logs -f | head). */
		wl_finish(w, EXIT_FAIL);
	}
}

static void
on_text(struct ws *ws, const char *text, size_t len, void *arg)
{
	struct wslogs	*w = arg;

	(void)ws;
	if (w->state != WL_OPEN && w->state != WL_CLOSING)
		return;
	wl_frame(w, text, len);
	if (w->state == WL_OPEN && !w->ctl->follow && !w->error_seen)
		wl_arm(w, QUIET_MS);
}

static void
on_closed(struct ws *ws, uint16_t code, void *arg)
{
	struct wslogs	*w = arg;

	(void)ws;
	if (w->state == WL_CLOSING || w->error_seen || code == 1000) {
		/* 1000 from the server: the instance was deleted. */
		if (w->state == WL_OPEN && w->ctl->follow && !w->error_seen)
			fprintf(stderr, "solarctl: the server ended the "
			    "stream\n");
		wl_finish(w, EXIT_OK);
		return;
	}
	fprintf(stderr, "solarctl: %s closed the stream (code %u)\n",
	    w->ctl->t.url, code);
	wl_finish(w, EXIT_CONN);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct wslogs	*w = arg;

	(void)bev;
	if (w->state == WL_HANDSHAKE && wl_head(w) != 1)
		return;
	if (w->state == WL_REFUSED)
		wl_refused(w, 0);
	else if ((w->state == WL_OPEN || w->state == WL_CLOSING) &&
	    evbuffer_get_length(bufferevent_get_input(w->bev)) > 0)
		ws_read(w->ws);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct wslogs	*w = arg;

	(void)bev;
	if (w->state == WL_OPEN || w->state == WL_CLOSING)
		ws_write(w->ws);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct wslogs	*w = arg;
	int		 e;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (w->state == WL_REFUSED && (what & BEV_EVENT_EOF)) {
		wl_refused(w, 1);
		return;
	}
	if (w->state == WL_CLOSING || w->state == WL_DONE) {
		wl_finish(w, EXIT_OK);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		fprintf(stderr, "solarctl: %s did not answer within %d s\n",
		    w->ctl->t.url, w->ctl->timeout_s);
	else if ((e = bufferevent_socket_get_dns_error(bev)) != 0)
		fprintf(stderr, "solarctl: cannot connect to %s: %s\n",
		    w->ctl->t.url, evutil_gai_strerror(e));
	else if (what & BEV_EVENT_ERROR)
		fprintf(stderr, "solarctl: %s %s: %s\n",
		    w->state == WL_HANDSHAKE ? "cannot connect to" :
		    "lost the connection to", w->ctl->t.url,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else
		fprintf(stderr, "solarctl: %s closed the connection\n",
		    w->ctl->t.url);
	wl_finish(w, EXIT_CONN);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct wslogs	*w = arg;

	(void)fd;
	(void)what;
	if (w->state == WL_OPEN)
		wl_close(w);		/* the history is over */
	else
		wl_finish(w, EXIT_OK);	/* no close reply: leave anyway */
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct wslogs	*w = arg;

	(void)sig;
	(void)what;
	/* A second signal does not wait for the close reply. */
	if (w->state == WL_OPEN)
		wl_close(w);
	else
		wl_finish(w, EXIT_OK);
}

int
wslogs_run(struct ctl *ctl, const char *id)
{
	static const struct ws_callbacks cbs = { on_text, on_closed };
	struct wslogs	 w;
	struct evbuffer	*out;
	struct timeval	 tv;
	char		 ckey[25];

	memset(&w, 0, sizeof(w));
	w.ctl = ctl;
	w.last_seq = -1;
	w.state = WL_HANDSHAKE;
	ws_client_key(ckey);
	if (ws_accept_key(ckey, w.accept) == -1)
		return EXIT_FAIL;
	w.bev = bufferevent_socket_new(ctl->base, -1, BEV_OPT_CLOSE_ON_FREE);
	w.timer = evtimer_new(ctl->base, on_timer, &w);
	w.ev_int = evsignal_new(ctl->base, SIGINT, on_signal, &w);
	w.ev_term = evsignal_new(ctl->base, SIGTERM, on_signal, &w);
	if (w.bev == NULL || w.timer == NULL || w.ev_int == NULL ||
	    w.ev_term == NULL ||
	    (w.ws = ws_new(w.bev, 0, MSG_MAX, &cbs, &w)) == NULL) {
		fprintf(stderr, "solarctl: out of memory\n");
		w.rc = EXIT_FAIL;
		goto out;
	}
	evsignal_add(w.ev_int, NULL);
	evsignal_add(w.ev_term, NULL);
	out = bufferevent_get_output(w.bev);
	evbuffer_add_printf(out, "GET %s/instances/%s/logs", ctl->t.prefix,
	    id);
	if (ctl->since >= 0)
		evbuffer_add_printf(out, "?since=%lld", ctl->since);
	evbuffer_add_printf(out, " HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: solarctl/%s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\n", ctl->t.hosthdr, PACKAGE_VERSION,
	    ckey);
	if (ctl->t.key != NULL)
		evbuffer_add_printf(out, "X-API-Key: %s\r\n", ctl->t.key);
	evbuffer_add(out, "\r\n", 2);
	bufferevent_setcb(w.bev, on_read, on_write, on_event, &w);
	tv.tv_sec = ctl->timeout_s;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(w.bev, &tv, &tv);
	bufferevent_enable(w.bev, EV_READ | EV_WRITE);
	/* No resolver: a name is looked up, blocking, right here. */
	if (bufferevent_socket_connect_hostname(w.bev, NULL, AF_UNSPEC,
	    ctl->t.host, ctl->t.port) == -1) {
		if (w.state != WL_DONE)
			on_event(w.bev, BEV_EVENT_ERROR, &w);
		goto out;
	}
	event_base_dispatch(ctl->base);
out:
	ws_free(w.ws);
	if (w.bev != NULL)
		bufferevent_free(w.bev);
	if (w.timer != NULL)
		event_free(w.timer);
	if (w.ev_int != NULL)
		event_free(w.ev_int);
	if (w.ev_term != NULL)
		event_free(w.ev_term);
	return w.rc;
}
