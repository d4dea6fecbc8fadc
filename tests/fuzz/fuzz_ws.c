/* fuzz_ws.c: a WebSocket upgrade request and the frames sent after it. */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "fuzz.h"
#include "ws.h"

/* As apid/wsession.c bounds a client's message. */
#define FW_MAX_MSG	4096
/* Loop turns before the pair is taken as stuck; each moves some bytes. */
#define FW_MAX_TURNS	10000
#define FW_ECHO_MAX	1024

/* One end of the pair: the ws under test, or the raw peer. */
struct fw_side {
	struct bufferevent	*bev;
	struct ws		*ws;
	int			 closed;
	size_t			 ntext;
};

static void	fw_evlog(int, const char *);
static void	fw_on_text(struct ws *, const char *, size_t, void *);
static void	fw_on_closed(struct ws *, uint16_t, void *);
static void	fw_readcb(struct bufferevent *, void *);
static void	fw_writecb(struct bufferevent *, void *);
static void	fw_peer_readcb(struct bufferevent *, void *);
static void	fw_pump(void);
static void	fw_headers(const char *, size_t);
static void	fw_session(const uint8_t *, size_t, int);

static struct event_base	*fw_base;

static void
fw_evlog(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

/* An owner that answers each message, as the log session's would. */
static void
fw_on_text(struct ws *ws, const char *text, size_t len, void *arg)
{
	struct fw_side	*s = arg;

	if (text == NULL || s->closed)
		abort();
	s->ntext++;
	if (len <= FW_ECHO_MAX)
		(void)ws_send_text(ws, text, len);
	if (s->ntext % 3 == 0)
		(void)ws_ping(ws);
}

static void
fw_on_closed(struct ws *ws, uint16_t code, void *arg)
{
	struct fw_side	*s = arg;

	(void)code;
	if (ws != s->ws || s->closed)
		abort();
	s->closed = 1;
}

static void
fw_readcb(struct bufferevent *bev, void *arg)
{
	struct fw_side	*s = arg;

	/* After on_closed the owner stops listening; the ws is not used. */
	if (s->closed) {
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	ws_read(s->ws);
}

static void
fw_writecb(struct bufferevent *bev, void *arg)
{
	struct fw_side	*s = arg;

	(void)bev;
	if (!s->closed)
		ws_write(s->ws);
}

/* The peer reads whatever the ws says and forgets it. */
static void
fw_peer_readcb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

/* Run the loop until nothing is left to do (two quiet turns in a row). */
static void
fw_pump(void)
{
	int	turn, quiet = 0;

	for (turn = 0; turn < FW_MAX_TURNS && quiet < 2; turn++) {
		event_base_loop(fw_base, EVLOOP_NONBLOCK);
		if (event_base_get_num_events(fw_base,
		    EVENT_BASE_COUNT_ACTIVE) == 0)
			quiet++;
		else
			quiet = 0;
	}
}

/* Request header lines ("Name: value"), as evhttp would have stored them. */
static void
fw_headers(const char *head, size_t len)
{
	struct evkeyvalq	 h;
	char			*buf, *line, *next, *colon, *v, *end;
	char			 accept[WS_ACCEPT_LEN + 1];
	const char		*key;
	int			 up;

	if ((buf = malloc(len + 1)) == NULL)
		return;
	memcpy(buf, head, len);
	buf[len] = '\0';
	TAILQ_INIT(&h);
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		if (end > line && end[-1] == '\r')
			*--end = '\0';
		if ((colon = strchr(line, ':')) == NULL) {
			/* The request line, or junk: a key candidate too. */
			(void)ws_accept_key(line, accept);
			continue;
		}
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		(void)evhttp_add_header(&h, line, v);
	}
	up = ws_is_upgrade(&h);
	key = evhttp_find_header(&h, "Sec-WebSocket-Key");
	if (ws_accept_key(key, accept) == 0) {
		if (strlen(accept) != WS_ACCEPT_LEN)
			abort();
	} else if (up)
		abort();	/* an upgrade the server could not answer */
	evhttp_clear_headers(&h);
	free(buf);
}

/*
 * The bytes as frames from a peer, in pieces with the loop run between
 * them so that frames arrive cut anywhere; then a close from our side.
 * server selects which end the ws plays.
 */
static void
fw_session(const uint8_t *data, size_t len, int server)
{
	static const struct ws_callbacks	 cbs = {
		fw_on_text, fw_on_closed
	};
	struct bufferevent			*pair[2];
	struct fw_side				 me, peer;
	size_t					 off, n, piece;

	memset(&me, 0, sizeof(me));
	memset(&peer, 0, sizeof(peer));
	if (bufferevent_pair_new(fw_base, BEV_OPT_DEFER_CALLBACKS, pair) != 0)
		abort();
	me.bev = pair[0];
	peer.bev = pair[1];
	bufferevent_setcb(me.bev, fw_readcb, fw_writecb, NULL, &me);
	bufferevent_setcb(peer.bev, fw_peer_readcb, NULL, NULL, &peer);
	bufferevent_enable(me.bev, EV_READ | EV_WRITE);
	bufferevent_enable(peer.bev, EV_READ | EV_WRITE);
	if ((me.ws = ws_new(me.bev, server, FW_MAX_MSG, &cbs, &me)) == NULL)
		abort();

	piece = 1 + len % 97;
	for (off = 0; off < len; off += n) {
		n = len - off < piece ? len - off : piece;
		bufferevent_write(peer.bev, data + off, n);
		fw_pump();
	}
	fw_pump();
	if (!me.closed) {
		(void)ws_send_text(me.ws, "state", 5);
		ws_close(me.ws, 1000, "going away");
		(void)ws_closing(me.ws);
		(void)ws_queued(me.ws);
		fw_pump();
	}
	ws_free(me.ws);
	bufferevent_free(me.bev);
	bufferevent_free(peer.bev);
	/* The pair's deferred callbacks must run out before the next input. */
	fw_pump();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*body, *sep;
	size_t		 headlen, bodylen;

	if (fw_base == NULL) {
		event_set_log_callback(fw_evlog);
		if ((fw_base = event_base_new()) == NULL)
			abort();
	}
	/* A request, then frames; without the blank line, both are all. */
	sep = size >= 4 ? memmem(data, size, "\r\n\r\n", 4) : NULL;
	if (sep != NULL) {
		headlen = (size_t)(sep - data);
		body = sep + 4;
		bodylen = size - headlen - 4;
	} else {
		headlen = size;
		body = data;
		bodylen = size;
	}
	fw_headers((const char *)data, headlen);
	fw_session(body, bodylen, 1);
	fw_session(body, bodylen, 0);
	return 0;
}
