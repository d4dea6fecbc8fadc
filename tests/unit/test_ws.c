/* test_ws.c: handshake checks and framing between ws ends and raw peers. */
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/*
 * The module itself, so its static UTF-8 check can be tried directly:
 * libwslay already refuses bad text before ws.c sees it.
 */
#include "ws.c"
#include "t.h"

#define RFC_KEY		"dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT	"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define TEXTMAX		4096
#define NMSG		1000
#define MAXMSG		1000

/* One end of a pair: a ws session, or a raw peer that the test drives. */
struct side {
	struct bufferevent	*bev;
	struct ws		*ws;
	int			 ntext;
	char			 text[TEXTMAX];
	size_t			 textlen;
	int			 textnull;
	int			 seqcheck;	/* want "msg N" in order */
	int			 seqbad;
	int			 reply;		/* answer from on_text */
	int			 free_on_close;	/* ws_free in on_closed */
	int			 nclosed;
	uint16_t		 code;
	int			 nreads;
};

struct frame {
	int		fin;
	int		opcode;
	int		masked;
	size_t		len;
	uint8_t		payload[TEXTMAX];
};

static struct event_base *base;

static void	on_text(struct ws *, const char *, size_t, void *);
static void	on_closed(struct ws *, uint16_t, void *);
static void	readcb(struct bufferevent *, void *);
static void	writecb(struct bufferevent *, void *);
static void	pump(void);
static void	mkpair(struct side *, struct side *, int, int, size_t);
static void	endpair(struct side *, struct side *);
static size_t	mkframe(uint8_t *, int, int, int, const void *, size_t);
static void	rawsend(struct side *, int, int, int, const void *, size_t);
static int	getframe(struct side *, struct frame *);
static int	got_close(struct side *, uint16_t);
static void	upgrade_case(int, const char *, const char *, const char *,
		    const char *, const char *, const char *);

static void	test_accept(void);
static void	test_upgrade(void);
static void	test_client_key(void);
static void	test_roundtrip(void);
static void	test_max_msg(void);
static void	test_binary(void);
static void	test_utf8(void);
static void	test_utf8_check(void);
static void	test_ping(void);
static void	test_server_close(void);
static void	test_close_reason(void);
static void	test_peer_close(void);
static void	test_free_cancels(void);
static void	test_unmasked(void);
static void	test_fragments(void);
static void	test_bytewise(void);
static void	test_client_masks(void);
static void	test_reply_in_on_text(void);

static const struct ws_callbacks cbs = { on_text, on_closed };

static void
on_text(struct ws *ws, const char *text, size_t len, void *arg)
{
	struct side	*s = arg;
	char		 want[32], re[TEXTMAX + 3];

	if (s->seqcheck) {
		snprintf(want, sizeof(want), "msg %d", s->ntext);
		if (len != strlen(want) || memcmp(text, want, len) != 0)
			s->seqbad++;
	}
	s->ntext++;
	s->textlen = len;
	if (text == NULL)
		s->textnull++;
	memcpy(s->text, text, len < TEXTMAX ? len : TEXTMAX);
	if (s->reply && len <= TEXTMAX) {
		memcpy(re, "re:", 3);
		memcpy(re + 3, text, len);
		CHECK(ws_send_text(ws, re, len + 3) == 0);
	}
}

static void
on_closed(struct ws *ws, uint16_t code, void *arg)
{
	struct side	*s = arg;

	CHECK(ws == s->ws);
	s->nclosed++;
	s->code = code;
	if (s->free_on_close) {
		ws_free(ws);
		s->ws = NULL;
	}
}

static void
readcb(struct bufferevent *bev, void *arg)
{
	struct side	*s = arg;

	(void)bev;
	s->nreads++;
	if (s->ws != NULL)
		ws_read(s->ws);
}

static void
writecb(struct bufferevent *bev, void *arg)
{
	struct side	*s = arg;

	(void)bev;
	if (s->ws != NULL)
		ws_write(s->ws);
}

/* Deferred callbacks make the pair behave like a socket: no recursion. */
static void
pump(void)
{
	int	i;

	for (i = 0; i < 50; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* srv and cli over a pair; a side with wsmode 0 stays a raw peer. */
static void
mkpair(struct side *srv, struct side *cli, int srv_ws, int cli_ws,
    size_t max_msg)
{
	struct bufferevent	*pair[2];

	memset(srv, 0, sizeof(*srv));
	memset(cli, 0, sizeof(*cli));
	if (bufferevent_pair_new(base, BEV_OPT_DEFER_CALLBACKS, pair) != 0)
		abort();
	srv->bev = pair[0];
	cli->bev = pair[1];
	bufferevent_setcb(srv->bev, readcb, writecb, NULL, srv);
	bufferevent_setcb(cli->bev, readcb, writecb, NULL, cli);
	bufferevent_enable(srv->bev, EV_READ | EV_WRITE);
	bufferevent_enable(cli->bev, EV_READ | EV_WRITE);
	if (srv_ws && (srv->ws = ws_new(srv->bev, 1, max_msg, &cbs,
	    srv)) == NULL)
		abort();
	if (cli_ws && (cli->ws = ws_new(cli->bev, 0, max_msg, &cbs,
	    cli)) == NULL)
		abort();
}

static void
endpair(struct side *srv, struct side *cli)
{
	ws_free(srv->ws);
	ws_free(cli->ws);
	srv->ws = cli->ws = NULL;
	bufferevent_free(srv->bev);
	bufferevent_free(cli->bev);
	/* Let the pair's deferred callbacks run out before the next case. */
	pump();
}

/* One frame as a peer would write it; masked with a fixed key. */
static size_t
mkframe(uint8_t *out, int fin, int opcode, int masked, const void *payload,
    size_t len)
{
	static const uint8_t	 key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	const uint8_t		*p = payload;
	size_t			 n = 0, i;
	uint8_t			 m = masked ? 0x80 : 0;

	out[n++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (len < 126)
		out[n++] = (uint8_t)(m | len);
	else {
		out[n++] = m | 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)(len & 0xff);
	}
	if (masked) {
		memcpy(out + n, key, 4);
		n += 4;
	}
	for (i = 0; i < len; i++)
		out[n++] = masked ? p[i] ^ key[i % 4] : p[i];
	return n;
}

static void
rawsend(struct side *raw, int fin, int opcode, int masked,
    const void *payload, size_t len)
{
	uint8_t	buf[TEXTMAX + 16];
	size_t	n;

	n = mkframe(buf, fin, opcode, masked, payload, len);
	bufferevent_write(raw->bev, buf, n);
}

/* Take one whole frame from a raw peer's input: 0, or -1 if none. */
static int
getframe(struct side *raw, struct frame *f)
{
	struct evbuffer	*in = bufferevent_get_input(raw->bev);
	uint8_t		 h[14], key[4];
	size_t		 avail, hlen, i;

	avail = evbuffer_get_length(in);
	if (avail < 2)
		return -1;
	evbuffer_copyout(in, h, avail < sizeof(h) ? avail : sizeof(h));
	f->fin = (h[0] & 0x80) != 0;
	f->opcode = h[0] & 0x0f;
	f->masked = (h[1] & 0x80) != 0;
	f->len = h[1] & 0x7f;
	hlen = 2;
	if (f->len == 126) {
		if (avail < 4)
			return -1;
		f->len = ((size_t)h[2] << 8) | h[3];
		hlen = 4;
	} else if (f->len == 127)
		return -1;	/* no test sends that much */
	if (f->masked) {
		if (avail < hlen + 4)
			return -1;
		memcpy(key, h + hlen, 4);
		hlen += 4;
	}
	if (f->len > TEXTMAX || avail < hlen + f->len)
		return -1;
	evbuffer_drain(in, hlen);
	evbuffer_remove(in, f->payload, f->len);
	if (f->masked)
		for (i = 0; i < f->len; i++)
			f->payload[i] ^= key[i % 4];
	return 0;
}

/* The next frame the raw peer got is an unmasked close with this code. */
static int
got_close(struct side *raw, uint16_t code)
{
	struct frame	f;

	if (getframe(raw, &f) == -1)
		return 0;
	return f.fin && f.opcode == 0x8 && !f.masked && f.len >= 2 &&
	    f.payload[0] == (code >> 8) && f.payload[1] == (code & 0xff);
}

static void
test_accept(void)
{
	static const char *const bad[] = {
		"",
		"AAAAAAAAAAAAAAAAAAAA",		/* 15 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAAAAA==",	/* 19 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAE=",	/* 17 bytes */
		"dGhlIHNhbXBsZSBub25jZQ",	/* no padding */
		"dGhlIHNhbXBsZSBub25jZQ==x",
		" dGhlIHNhbXBsZSBub25jZQ==",
		"dGhlIHNhbXBsZSBub25jZ!==",
		"dGhlIHNhbXBsZSBub25jZR==",	/* stray bits in the pad */
		"dGhlIHNhbXBsZSBub25jZQ-_",
	};
	char	out[WS_ACCEPT_LEN + 1];
	size_t	i;

	memset(out, 'x', sizeof(out));
	CHECK(ws_accept_key(RFC_KEY, out) == 0);
	CHECK_STR(out, RFC_ACCEPT);
	CHECK(ws_accept_key("AAAAAAAAAAAAAAAAAAAAAA==", out) == 0);
	CHECK(strlen(out) == WS_ACCEPT_LEN);
	CHECK(strcmp(out, RFC_ACCEPT) != 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ws_accept_key(bad[i], out) != -1) {
			fprintf(stderr, "accepted bad key \"%s\"\n", bad[i]);
			CHECK(0);
		}
	}
	CHECK(ws_accept_key(NULL, out) == -1);
}

/* One request's headers (NULL: absent) against the expected verdict. */
static void
upgrade_case(int want, const char *what, const char *upgrade,
    const char *connection, const char *version, const char *key,
    const char *extra)
{
	struct evkeyvalq	h;

	TAILQ_INIT(&h);
	if (extra != NULL)
		evhttp_add_header(&h, "Host", extra);
	if (upgrade != NULL)
		evhttp_add_header(&h, "upgrade", upgrade);
	if (connection != NULL)
		evhttp_add_header(&h, "CONNECTION", connection);
	if (version != NULL)
		evhttp_add_header(&h, "Sec-WebSocket-Version", version);
	if (key != NULL)
		evhttp_add_header(&h, "sec-websocket-key", key);
	if (ws_is_upgrade(&h) != want) {
		fprintf(stderr, "upgrade case \"%s\": want %d\n", what, want);
		CHECK(0);
	} else
		CHECK(1);
	evhttp_clear_headers(&h);
}

static void
test_upgrade(void)
{
	upgrade_case(1, "good", "websocket", "Upgrade", "13", RFC_KEY,
	    "localhost");
	upgrade_case(1, "cases", "WebSocket", "upgrade", "13", RFC_KEY, NULL);
	upgrade_case(1, "keep-alive list", "websocket", "keep-alive, Upgrade",
	    "13", RFC_KEY, NULL);
	upgrade_case(1, "upgrade list", "h2c ,\twebsocket",
	    "Upgrade,keep-alive", "13", RFC_KEY, NULL);
	upgrade_case(0, "no key", "websocket", "Upgrade", "13", NULL, NULL);
	upgrade_case(0, "version 8", "websocket", "Upgrade", "8", RFC_KEY,
	    NULL);
	upgrade_case(0, "version 130", "websocket", "Upgrade", "130", RFC_KEY,
	    NULL);
	upgrade_case(0, "no version", "websocket", "Upgrade", NULL, RFC_KEY,
	    NULL);
	upgrade_case(0, "15-byte key", "websocket", "Upgrade", "13",
	    "AAAAAAAAAAAAAAAAAAAA", NULL);
	upgrade_case(0, "no upgrade", NULL, "Upgrade", "13", RFC_KEY, NULL);
	upgrade_case(0, "upgrade h2c", "h2c", "Upgrade", "13", RFC_KEY, NULL);
	upgrade_case(0, "upgrade prefix", "websockets", "Upgrade", "13",
	    RFC_KEY, NULL);
	upgrade_case(0, "no connection", "websocket", NULL, "13", RFC_KEY,
	    NULL);
	upgrade_case(0, "keep-alive only", "websocket", "keep-alive", "13",
	    RFC_KEY, NULL);
	upgrade_case(0, "connection prefix", "websocket", "Upgraded", "13",
	    RFC_KEY, NULL);
}

static void
test_client_key(void)
{
	char	a[25], b[25], acc[WS_ACCEPT_LEN + 1];

	ws_client_key(a);
	ws_client_key(b);
	CHECK(strlen(a) == 24);
	CHECK(ws_accept_key(a, acc) == 0);	/* base64 of 16 bytes */
	CHECK(strcmp(a, b) != 0);
}

static void
test_roundtrip(void)
{
	static const char	 hello[] = "hello, w\xc3\xb6rld \xe2\x82\xac";
	struct side		 srv, cli;
	char			 msg[32];
	int			 i, n;

	mkpair(&srv, &cli, 1, 1, 65536);
	CHECK(ws_send_text(cli.ws, hello, strlen(hello)) == 0);
	pump();
	CHECK(srv.ntext == 1);
	CHECK(srv.textlen == strlen(hello));
	CHECK(memcmp(srv.text, hello, strlen(hello)) == 0);
	CHECK(srv.nclosed == 0 && cli.nclosed == 0);

	/* An empty message is a message too. */
	CHECK(ws_send_text(cli.ws, "", 0) == 0);
	pump();
	CHECK(srv.ntext == 2 && srv.textlen == 0);
	CHECK(srv.textnull == 0);

	cli.seqcheck = 1;
	for (i = 0; i < NMSG; i++) {
		n = snprintf(msg, sizeof(msg), "msg %d", i);
		CHECK(ws_send_text(srv.ws, msg, (size_t)n) == 0);
	}
	CHECK(ws_queued(srv.ws) == 0);
	pump();
	CHECK(cli.ntext == NMSG);
	CHECK(cli.seqbad == 0);
	CHECK(srv.nclosed == 0 && cli.nclosed == 0);
	CHECK(!ws_closing(srv.ws) && !ws_closing(cli.ws));
	endpair(&srv, &cli);
}

static void
test_max_msg(void)
{
	struct side	srv, cli;
	char		big[MAXMSG + 1];

	memset(big, 'a', sizeof(big));
	mkpair(&srv, &cli, 1, 1, MAXMSG);
	CHECK(ws_send_text(cli.ws, big, MAXMSG) == 0);
	pump();
	CHECK(srv.ntext == 1 && srv.textlen == MAXMSG);
	CHECK(srv.nclosed == 0);
	CHECK(ws_send_text(cli.ws, big, MAXMSG + 1) == 0);
	pump();
	CHECK(srv.ntext == 1);
	CHECK(srv.nclosed == 1 && srv.code == 1009);
	CHECK(cli.nclosed == 1 && cli.code == 1009);
	CHECK(ws_closing(srv.ws) && ws_closing(cli.ws));
	CHECK(ws_send_text(srv.ws, "x", 1) == -1);
	endpair(&srv, &cli);
}

static void
test_binary(void)
{
	struct side	srv, raw;
	char		junk[5000];

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 1, 0x2, 1, "\x01\x02\x03", 3);
	pump();
	CHECK(got_close(&raw, 1003));
	CHECK(srv.ntext == 0);
	CHECK(srv.nclosed == 1 && srv.code == 1003);
	/* No longer reading: what the peer still sends is thrown away. */
	memset(junk, 'j', sizeof(junk));
	bufferevent_write(raw.bev, junk, sizeof(junk));
	pump();
	CHECK(evbuffer_get_length(bufferevent_get_input(srv.bev)) == 0);
	CHECK(srv.ntext == 0 && srv.nclosed == 1);
	endpair(&srv, &raw);
}

static void
test_utf8(void)
{
	static const char *const bad[] = {
		"\xc3\x28",		/* lead byte without continuation */
		"abc\xc3",		/* cut short */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong, three bytes */
		"\xed\xa0\x80",		/* UTF-16 surrogate */
		"\xf4\x90\x80\x80",	/* past U+10FFFF */
		"\xff",
		"\x80",
	};
	static const char	good[] = "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80"
	    "\xef\xbf\xbd\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";
	struct side		srv, raw;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mkpair(&srv, &raw, 1, 0, MAXMSG);
		rawsend(&raw, 1, 0x1, 1, bad[i], strlen(bad[i]));
		pump();
		if (!got_close(&raw, 1007) || srv.ntext != 0 ||
		    srv.nclosed != 1 || srv.code != 1007) {
			fprintf(stderr, "utf8 case %zu not refused\n", i);
			CHECK(0);
		} else
			CHECK(1);
		endpair(&srv, &raw);
	}

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 1, 0x1, 1, good, strlen(good));
	pump();
	CHECK(srv.ntext == 1 && srv.textlen == strlen(good));
	CHECK(memcmp(srv.text, good, strlen(good)) == 0);
	CHECK(srv.nclosed == 0);
	endpair(&srv, &raw);
}

static void
test_utf8_check(void)
{
	static const char *const good[] = {
		"", "plain", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
		"\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "caf\xc3\xa9!",
	};
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x41",
		"\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xe2\x82",
		"\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", "\xfe", "\xff", "ok\xc3\xa9\xa9",
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(ws_utf8_ok((const uint8_t *)good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ws_utf8_ok((const uint8_t *)bad[i], strlen(bad[i]))) {
			fprintf(stderr, "utf8: bad case %zu passed\n", i);
			CHECK(0);
		} else
			CHECK(1);
	}
	/* NUL is a character like any other. */
	CHECK(ws_utf8_ok((const uint8_t *)"a\0b", 3));
	/* A character cut by the length, not by a bad byte. */
	CHECK(!ws_utf8_ok((const uint8_t *)"\xe2\x82\xac", 2));
	CHECK(!ws_utf8_ok((const uint8_t *)"\xc3\xa9", 1));
}

static void
test_ping(void)
{
	struct side	srv, raw;
	struct frame	f;

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 1, 0x9, 1, "abc", 3);
	pump();
	CHECK(getframe(&raw, &f) == 0);
	CHECK(f.fin && f.opcode == 0xa && !f.masked && f.len == 3);
	CHECK(memcmp(f.payload, "abc", 3) == 0);
	CHECK(srv.nclosed == 0 && !ws_closing(srv.ws));

	CHECK(ws_ping(srv.ws) == 0);
	pump();
	CHECK(getframe(&raw, &f) == 0);
	CHECK(f.fin && f.opcode == 0x9 && !f.masked && f.len == 0);
	CHECK(getframe(&raw, &f) == -1);

	/* The session still carries text after both. */
	rawsend(&raw, 1, 0x1, 1, "ok", 2);
	pump();
	CHECK(srv.ntext == 1 && srv.textlen == 2);
	endpair(&srv, &raw);
}

static void
test_server_close(void)
{
	struct side	srv, cli;
	int		r;

	mkpair(&srv, &cli, 1, 1, MAXMSG);
	cli.free_on_close = 1;
	ws_close(srv.ws, 1000, "bye");
	/* Never from inside a ws_* call. */
	CHECK(srv.nclosed == 0);
	CHECK(ws_closing(srv.ws));
	CHECK(ws_send_text(srv.ws, "late", 4) == -1);
	CHECK(ws_ping(srv.ws) == -1);
	pump();
	CHECK(srv.nclosed == 1 && srv.code == 1000);
	CHECK(cli.nclosed == 1 && cli.code == 1000);
	CHECK(cli.ws == NULL);		/* freed inside on_closed */
	CHECK(srv.ntext == 0 && cli.ntext == 0);

	/* Nothing more: not another close, not after the frees. */
	ws_close(srv.ws, 1001, NULL);
	ws_read(srv.ws);
	ws_write(srv.ws);
	r = ws_send_text(srv.ws, "x", 1);
	CHECK(r == -1);
	pump();
	CHECK(srv.nclosed == 1 && cli.nclosed == 1);
	endpair(&srv, &cli);
	CHECK(srv.nclosed == 1 && cli.nclosed == 1);
}

static void
test_close_reason(void)
{
	struct side	srv, raw;
	struct frame	f;
	char		reason[401];
	size_t		i;

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	ws_close(srv.ws, 1000, "bye");
	pump();
	CHECK(getframe(&raw, &f) == 0);
	CHECK(f.opcode == 0x8 && f.len == 5);
	CHECK(memcmp(f.payload, "\x03\xe8" "bye", 5) == 0);
	/* Half-closed: waits for the peer's close, which ends it. */
	CHECK(srv.nclosed == 0);
	rawsend(&raw, 1, 0x8, 1, "\x03\xe8", 2);
	pump();
	CHECK(srv.nclosed == 1 && srv.code == 1000);
	CHECK(getframe(&raw, &f) == -1);	/* no second close */
	endpair(&srv, &raw);

	/* Too long a reason is cut on a character boundary. */
	for (i = 0; i + 1 < sizeof(reason); i += 2)
		memcpy(reason + i, "\xc3\xa9", 2);
	reason[400] = '\0';
	mkpair(&srv, &raw, 1, 0, MAXMSG);
	ws_close(srv.ws, 1001, reason);
	pump();
	CHECK(getframe(&raw, &f) == 0);
	CHECK(f.opcode == 0x8 && f.len == 2 + 122);
	CHECK(f.payload[0] == 0x03 && f.payload[1] == 0xe9);
	CHECK(f.payload[f.len - 1] == 0xa9);
	endpair(&srv, &raw);
}

static void
test_peer_close(void)
{
	struct side	srv, raw;

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 1, 0x8, 1, "\x03\xe9" "away", 6);
	pump();
	CHECK(got_close(&raw, 1001));
	CHECK(srv.nclosed == 1 && srv.code == 1001);
	CHECK(ws_closing(srv.ws));
	endpair(&srv, &raw);

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 1, 0x8, 1, "", 0);
	pump();
	CHECK(srv.nclosed == 1 && srv.code == 1005);
	endpair(&srv, &raw);
}

static void
test_free_cancels(void)
{
	struct side	srv, raw;
	uint8_t		buf[16];
	size_t		n;
	int		freed;

	for (freed = 0; freed <= 1; freed++) {
		mkpair(&srv, &raw, 1, 0, MAXMSG);
		n = mkframe(buf, 1, 0x8, 1, "\x03\xe9", 2);
		/*
		 * The pair moves the bytes at once and defers only the read
		 * callback: ws_read here runs outside the loop.
		 */
		bufferevent_write(raw.bev, buf, n);
		CHECK(evbuffer_get_length(bufferevent_get_input(srv.bev)) == n);
		ws_read(srv.ws);
		CHECK(got_close(&raw, 1001));
		CHECK(srv.nclosed == 0);
		if (freed) {
			ws_free(srv.ws);
			srv.ws = NULL;
		}
		pump();
		if (freed)
			CHECK(srv.nclosed == 0);
		else
			CHECK(srv.nclosed == 1 && srv.code == 1001);
		endpair(&srv, &raw);
	}
}

static void
test_unmasked(void)
{
	struct side	srv, raw;

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 1, 0x1, 0, "hello", 5);
	pump();
	CHECK(got_close(&raw, 1002));
	CHECK(srv.ntext == 0);
	CHECK(srv.nclosed == 1 && srv.code == 1002);
	endpair(&srv, &raw);
}

static void
test_fragments(void)
{
	struct side	srv, raw;
	struct frame	f;

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 0, 0x1, 1, "hel", 3);
	pump();
	CHECK(srv.ntext == 0);
	/* A control frame may come between the fragments. */
	rawsend(&raw, 1, 0x9, 1, "p", 1);
	rawsend(&raw, 1, 0x0, 1, "lo", 2);
	pump();
	CHECK(srv.ntext == 1 && srv.textlen == 5);
	CHECK(memcmp(srv.text, "hello", 5) == 0);
	CHECK(getframe(&raw, &f) == 0 && f.opcode == 0xa && f.len == 1);
	CHECK(srv.nclosed == 0);
	endpair(&srv, &raw);

	/* A character split across two fragments is still valid UTF-8. */
	mkpair(&srv, &raw, 1, 0, MAXMSG);
	rawsend(&raw, 0, 0x1, 1, "\xe2\x82", 2);
	rawsend(&raw, 1, 0x0, 1, "\xac", 1);
	pump();
	CHECK(srv.ntext == 1 && srv.textlen == 3);
	CHECK(memcmp(srv.text, "\xe2\x82\xac", 3) == 0);
	CHECK(srv.nclosed == 0);
	endpair(&srv, &raw);
}

static void
test_bytewise(void)
{
	struct side	srv, raw;
	uint8_t		buf[TEXTMAX + 16];
	char		text[300];
	size_t		n, i;
	int		early = 0;

	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	mkpair(&srv, &raw, 1, 0, MAXMSG);
	n = mkframe(buf, 1, 0x1, 1, text, sizeof(text));
	for (i = 0; i < n; i++) {
		bufferevent_write(raw.bev, buf + i, 1);
		pump();
		if (i + 1 < n && srv.ntext != 0)
			early = 1;
	}
	CHECK(!early);
	CHECK(srv.nreads >= (int)n);	/* one ws_read per byte */
	CHECK(srv.ntext == 1 && srv.textlen == sizeof(text));
	CHECK(memcmp(srv.text, text, sizeof(text)) == 0);
	CHECK(srv.nclosed == 0);
	endpair(&srv, &raw);
}

static void
test_client_masks(void)
{
	struct side	raw, cli;
	struct frame	f;
	uint8_t		hdr[6], hdr2[6];

	mkpair(&raw, &cli, 0, 1, MAXMSG);
	CHECK(ws_send_text(cli.ws, "hello", 5) == 0);
	CHECK(ws_send_text(cli.ws, "hello", 5) == 0);
	pump();
	/* The masks are random: two equal messages differ on the wire. */
	CHECK(evbuffer_copyout(bufferevent_get_input(raw.bev), hdr, 6) == 6);
	CHECK(getframe(&raw, &f) == 0);
	CHECK(f.fin && f.opcode == 0x1 && f.masked && f.len == 5);
	CHECK(memcmp(f.payload, "hello", 5) == 0);
	CHECK(evbuffer_copyout(bufferevent_get_input(raw.bev), hdr2, 6) == 6);
	CHECK(memcmp(hdr + 2, hdr2 + 2, 4) != 0);
	CHECK(getframe(&raw, &f) == 0 && f.masked);

	/* A client refuses a masked frame from the server. */
	rawsend(&raw, 1, 0x1, 1, "hi", 2);
	pump();
	CHECK(cli.ntext == 0);
	CHECK(cli.nclosed == 1 && cli.code == 1002);
	endpair(&raw, &cli);
}

static void
test_reply_in_on_text(void)
{
	struct side	srv, raw;
	struct frame	f;

	mkpair(&srv, &raw, 1, 0, MAXMSG);
	srv.reply = 1;
	rawsend(&raw, 1, 0x1, 1, "a", 1);
	rawsend(&raw, 1, 0x1, 1, "b", 1);
	pump();
	CHECK(srv.ntext == 2);
	CHECK(getframe(&raw, &f) == 0 && f.opcode == 0x1 && f.len == 4 &&
	    memcmp(f.payload, "re:a", 4) == 0);
	CHECK(getframe(&raw, &f) == 0 && f.opcode == 0x1 && f.len == 4 &&
	    memcmp(f.payload, "re:b", 4) == 0);
	endpair(&srv, &raw);
}

int
main(void)
{
	if ((base = event_base_new()) == NULL)
		abort();
	test_accept();
	test_upgrade();
	test_client_key();
	test_roundtrip();
	test_max_msg();
	test_binary();
	test_utf8();
	test_utf8_check();
	test_ping();
	test_server_close();
	test_close_reason();
	test_peer_close();
	test_free_cancels();
	test_unmasked();
	test_fragments();
	test_bytewise();
	test_client_masks();
	test_reply_in_on_text();
	event_base_free(base);
	T_DONE();
}
