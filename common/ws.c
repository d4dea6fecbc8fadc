/* ws.c: WebSocket handshake checks and libwslay framing over a bufferevent. */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sha1.h>
#include <sodium.h>
#include <wslay/wslay.h>

#include "utf8.h"
#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_BYTES	16
#define WS_KEY_LEN	24	/* base64 of 16 bytes, with padding */
#define WS_REASON_MAX	123	/* a close payload is at most 125 */

struct ws {
	struct bufferevent	*bev;
	wslay_event_context_ptr	 ctx;
	struct event		*done_ev;	/* delivers on_closed */
	struct ws_callbacks	 cb;
	void			*arg;
	int			 in_recv;
	int			 failed;	/* wslay said: fatal */
	int			 close_queued;
	int			 over;		/* on_closed scheduled */
	uint16_t		 code;
};

static int	ws_key_ok(const char *);
static int	ws_has_token(const char *, const char *);
static int	ws_utf8_ok(const uint8_t *, size_t);
static ssize_t	ws_recv_cb(wslay_event_context_ptr, uint8_t *, size_t, int,
		    void *);
static ssize_t	ws_send_cb(wslay_event_context_ptr, const uint8_t *,
		    size_t, int, void *);
static int	ws_genmask_cb(wslay_event_context_ptr, uint8_t *, size_t,
		    void *);
static void	ws_msg_cb(wslay_event_context_ptr,
		    const struct wslay_event_on_msg_recv_arg *, void *);
static void	ws_fail(struct ws *, uint16_t);
static void	ws_check_end(struct ws *);
static void	ws_done_cb(evutil_socket_t, short, void *);

/* The key must be exactly the base64 (with padding) of 16 bytes. */
static int
ws_key_ok(const char *key)
{
	unsigned char	bin[WS_KEY_BYTES];
	size_t		binlen;

	if (key == NULL || strlen(key) != WS_KEY_LEN)
		return 0;
	/* No end pointer: sodium then refuses any byte it cannot decode. */
	if (sodium_base642bin(bin, sizeof(bin), key, WS_KEY_LEN, NULL,
	    &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	return binlen == WS_KEY_BYTES;
}

int
ws_accept_key(const char *client_key, char out[WS_ACCEPT_LEN + 1])
{
	SHA1_CTX	sha;
	uint8_t		digest[SHA1_DIGEST_LENGTH];

	if (!ws_key_ok(client_key))
		return -1;
	SHA1Init(&sha);
	SHA1Update(&sha, (const uint8_t *)client_key, strlen(client_key));
	SHA1Update(&sha, (const uint8_t *)WS_GUID, strlen(WS_GUID));
	SHA1Final(digest, &sha);
	sodium_bin2base64(out, WS_ACCEPT_LEN + 1, digest, sizeof(digest),
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

/* token appears in a comma-separated header list, in any case. */
static int
ws_has_token(const char *list, const char *token)
{
	const char	*p, *end;
	size_t		 n, tlen;

	if (list == NULL)
		return 0;
	tlen = strlen(token);
	p = list;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(p, token, n) == 0)
			return 1;
		p = end;
	}
	return 0;
}

int
ws_is_upgrade(const struct evkeyvalq *headers)
{
	const char	*version;

	if (!ws_has_token(evhttp_find_header(headers, "Upgrade"), "websocket"))
		return 0;
	if (!ws_has_token(evhttp_find_header(headers, "Connection"),
	    "upgrade"))
		return 0;
	version = evhttp_find_header(headers, "Sec-WebSocket-Version");
	if (version == NULL || strcmp(version, "13") != 0)
		return 0;
	return ws_key_ok(evhttp_find_header(headers, "Sec-WebSocket-Key"));
}

void
ws_client_key(char out[25])
{
	unsigned char	nonce[WS_KEY_BYTES];

	/* Without it there is no good randomness; cheap after the first. */
	if (sodium_init() == -1)
		abort();
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2base64(out, WS_KEY_LEN + 1, nonce, sizeof(nonce),
	    sodium_base64_VARIANT_ORIGINAL);
}

/* RFC 6455 makes a text message that is not UTF-8 fatal. */
static int
ws_utf8_ok(const uint8_t *s, size_t len)
{
	return utf8_check(s, len) == len;
}

/* wslay reads from bev's input; empty means "come back later". */
static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *user)
{
	struct ws	*ws = user;
	int		 n;

	(void)flags;
	n = evbuffer_remove(bufferevent_get_input(ws->bev), buf, len);
	if (n == -1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return n;
}

/*
 * Everything goes into bev's output at once: the owner applies
 * back-pressure before queueing, by watching that buffer's length.
 */
static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct ws	*ws = user;

	(void)flags;
	if (bufferevent_write(ws->bev, data, len) == -1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

/* A client's masks must be unpredictable (RFC 6455 section 5.3). */
static int
ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *user)
{
	(void)ctx;
	(void)user;
	randombytes_buf(buf, len);
	return 0;
}

/* Fail the connection: say why, then stop listening to the peer. */
static void
ws_fail(struct ws *ws, uint16_t code)
{
	/* Already closing: the close on its way is the one the peer gets. */
	(void)wslay_event_queue_close(ws->ctx, code, NULL, 0);
	ws->close_queued = 1;
	wslay_event_shutdown_read(ws->ctx);
}

static void
ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *m, void *user)
{
	struct ws	*ws = user;

	(void)ctx;
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
		/*
		 * libwslay 1.1.1 refuses bad UTF-8 itself; checked again so
		 * the guarantee does not hang on the installed build.
		 */
		if (!ws_utf8_ok(m->msg, m->msg_length)) {
			ws_fail(ws, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA);
			break;
		}
		/* wslay gives NULL for an empty message; owners may memcpy. */
		if (ws->cb.on_text != NULL)
			ws->cb.on_text(ws, m->msg != NULL ?
			    (const char *)m->msg : "", m->msg_length, ws->arg);
		break;
	case WSLAY_BINARY_FRAME:
		ws_fail(ws, WSLAY_CODE_UNSUPPORTED_DATA);
		break;
	default:
		/* wslay answers pings and closes on its own. */
		break;
	}
}

/*
 * The session is over once wslay neither reads nor writes (close sent and,
 * unless we failed the connection, received) or after a fatal error.
 * on_closed is delivered from the event loop, never from inside a ws_*
 * call, so an owner iterating over its sessions is never surprised.
 */
static void
ws_check_end(struct ws *ws)
{
	if (ws->over)
		return;
	if (!ws->failed && (wslay_event_want_read(ws->ctx) ||
	    wslay_event_want_write(ws->ctx)))
		return;
	ws->over = 1;
	if (wslay_event_get_close_received(ws->ctx))
		ws->code = wslay_event_get_status_code_received(ws->ctx);
	else if (wslay_event_get_close_sent(ws->ctx))
		ws->code = wslay_event_get_status_code_sent(ws->ctx);
	else
		ws->code = WSLAY_CODE_ABNORMAL_CLOSURE;
	event_active(ws->done_ev, EV_TIMEOUT, 0);
}

static void
ws_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws	*ws = arg;

	(void)fd;
	(void)what;
	/* Last: the owner may free ws from inside on_closed. */
	if (ws->cb.on_closed != NULL)
		ws->cb.on_closed(ws, ws->code, ws->arg);
}

struct ws *
ws_new(struct bufferevent *bev, int server, size_t max_msg,
    const struct ws_callbacks *cb, void *arg)
{
	struct wslay_event_callbacks	 wcb;
	struct ws			*ws;
	int				 r;

	if (sodium_init() == -1)
		return NULL;
	if ((ws = calloc(1, sizeof(*ws))) == NULL)
		return NULL;
	ws->bev = bev;
	ws->cb = *cb;
	ws->arg = arg;
	ws->done_ev = event_new(bufferevent_get_base(bev), -1, 0, ws_done_cb,
	    ws);
	if (ws->done_ev == NULL) {
		free(ws);
		return NULL;
	}
	memset(&wcb, 0, sizeof(wcb));
	wcb.recv_callback = ws_recv_cb;
	wcb.send_callback = ws_send_cb;
	wcb.on_msg_recv_callback = ws_msg_cb;
	if (server)
		r = wslay_event_context_server_init(&ws->ctx, &wcb, ws);
	else {
		wcb.genmask_callback = ws_genmask_cb;
		r = wslay_event_context_client_init(&ws->ctx, &wcb, ws);
	}
	if (r != 0) {
		event_free(ws->done_ev);
		free(ws);
		return NULL;
	}
	/* wslay refuses a bigger message with 1009 before buffering it. */
	wslay_event_config_set_max_recv_msg_length(ws->ctx, max_msg);
	return ws;
}

void
ws_free(struct ws *ws)
{
	if (ws == NULL)
		return;
	/* Cancels an on_closed that is still waiting in the loop. */
	event_free(ws->done_ev);
	wslay_event_context_free(ws->ctx);
	free(ws);
}

void
ws_read(struct ws *ws)
{
	int	r;

	if (ws->failed)
		return;
	if (!wslay_event_get_read_enabled(ws->ctx)) {
		/* Nobody will read it: do not let a peer fill our memory. */
		evbuffer_drain(bufferevent_get_input(ws->bev),
		    evbuffer_get_length(bufferevent_get_input(ws->bev)));
		ws_check_end(ws);
		return;
	}
	ws->in_recv = 1;
	r = wslay_event_recv(ws->ctx);
	ws->in_recv = 0;
	if (r != 0) {
		/* wslay queued a close for the peer's mistake: send it. */
		(void)wslay_event_send(ws->ctx);
		ws->failed = 1;
		ws_check_end(ws);
		return;
	}
	/* Pongs, close replies and what on_text queued leave now. */
	ws_write(ws);
}

void
ws_write(struct ws *ws)
{
	/* From inside on_text, ws_read sends once wslay is done reading. */
	if (ws->failed || ws->in_recv)
		return;
	if (wslay_event_send(ws->ctx) != 0)
		ws->failed = 1;
	ws_check_end(ws);
}

int
ws_send_text(struct ws *ws, const char *text, size_t len)
{
	struct wslay_event_msg	msg;

	if (ws->failed || ws_closing(ws))
		return -1;
	msg.opcode = WSLAY_TEXT_FRAME;
	msg.msg = (const uint8_t *)text;
	msg.msg_length = len;
	if (wslay_event_queue_msg(ws->ctx, &msg) != 0)
		return -1;
	ws_write(ws);
	return 0;
}

int
ws_ping(struct ws *ws)
{
	struct wslay_event_msg	msg;

	if (ws->failed || ws_closing(ws))
		return -1;
	msg.opcode = WSLAY_PING;
	msg.msg = NULL;
	msg.msg_length = 0;
	if (wslay_event_queue_msg(ws->ctx, &msg) != 0)
		return -1;
	ws_write(ws);
	return 0;
}

void
ws_close(struct ws *ws, uint16_t code, const char *reason)
{
	size_t	len;

	if (ws->failed || ws_closing(ws))
		return;
	len = reason != NULL ? strlen(reason) : 0;
	if (len > WS_REASON_MAX) {
		len = WS_REASON_MAX;
		/* Cut on a character boundary: the reason must stay UTF-8. */
		len = utf8_floor(reason, len);
	}
	if (wslay_event_queue_close(ws->ctx, code, (const uint8_t *)reason,
	    len) != 0)
		return;
	ws->close_queued = 1;
	ws_write(ws);
}

size_t
ws_queued(const struct ws *ws)
{
	return wslay_event_get_queued_msg_count(ws->ctx);
}

int
ws_closing(const struct ws *ws)
{
	return ws->close_queued || wslay_event_get_close_sent(ws->ctx) ||
	    wslay_event_get_close_received(ws->ctx);
}
