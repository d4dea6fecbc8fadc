/*
 * test_proto.c: every message of proto.h through its encoder and decoder:
 * what goes in comes out, and a payload cut short or with a byte too many
 * is refused, leaving nothing to free.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "channel.h"
#include "instance.h"
#include "proto.h"
#include "instcmp.h"
#include "t.h"

#define UUID1	"0b6d2c4e-8f1a-4c3b-9d2e-7a5f6e4d3c2b"

static void	to_msg(struct chanmsg *, uint32_t, const struct chanbuf *,
		    size_t);
static int	decode_as(struct chanmsg *);
static void	check_bounds(uint32_t, const struct chanbuf *);
static void	sample_config(struct inst_config *);
static void	sample_instance(struct instance *);

/* A received message of type holding the first len bytes of b. */
static void
to_msg(struct chanmsg *m, uint32_t type, const struct chanbuf *b, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->fd = -1;
	m->len = len;
	if ((m->data = malloc(len > 0 ? len : 1)) == NULL)
		exit(2);
	if (len > 0)
		memcpy(m->data, b->sb.data, len);
}

/* m through the decoder of its type, what came out freed: 0 or -1. */
static int
decode_as(struct chanmsg *m)
{
	struct msg_hello	 h;
	struct instance		 in;
	struct msg_id		 id;
	struct msg_log_lines	 ll;
	struct msg_memory	 mem;
	struct msg_reply	 r;
	struct msg_asset	 as;
	struct msg_log		 lg;
	struct inst_config	 c;
	struct msg_update	 up;
	struct msg_history	 hi;

	switch (m->type) {
	case MSG_HELLO:
		if (proto_hello_decode(m, &h) == -1)
			return -1;
		proto_hello_free(&h);
		return 0;
	case MSG_INSTANCE:
		if (proto_instance_decode(m, &in) == -1)
			return -1;
		instance_free(&in);
		return 0;
	case MSG_INSTANCE_GONE:
	case MSG_DELETE:
	case MSG_START:
	case MSG_STOP:
	case MSG_RESTART:
		if (proto_id_decode(m, &id) == -1)
			return -1;
		proto_id_free(&id);
		return 0;
	case MSG_LOG_LINES:
	case MSG_LOG_HISTORY:
		if (proto_log_lines_decode(m, &ll,
		    m->type == MSG_LOG_HISTORY) == -1)
			return -1;
		proto_log_lines_free(&ll);
		return 0;
	case MSG_MEMORY:
		return proto_memory_decode(m, &mem);
	case MSG_REPLY:
		if (proto_reply_decode(m, &r) == -1)
			return -1;
		proto_reply_free(&r);
		return 0;
	case MSG_ASSET:
		if (proto_asset_decode(m, &as) == -1)
			return -1;
		proto_asset_free(&as);
		return 0;
	case MSG_READY:
		return proto_ready_decode(m);
	case MSG_LOG:
		if (proto_log_decode(m, &lg) == -1)
			return -1;
		proto_log_free(&lg);
		return 0;
	case MSG_CREATE:
		if (proto_create_decode(m, &c) == -1)
			return -1;
		inst_config_free(&c);
		return 0;
	case MSG_UPDATE:
		if (proto_update_decode(m, &up) == -1)
			return -1;
		proto_update_free(&up);
		return 0;
	case MSG_HISTORY:
		if (proto_history_decode(m, &hi) == -1)
			return -1;
		proto_history_free(&hi);
		return 0;
	}
	return -1;
}

/* b, a good payload of type: every shorter prefix and b with one byte
 * more are refused. */
static void
check_bounds(uint32_t type, const struct chanbuf *b)
{
	struct chanmsg	 m;
	size_t		 len;
	int		 bad = 0;

	CHECK(!b->sb.failed);
	to_msg(&m, type, b, b->sb.len);
	CHECK(decode_as(&m) == 0);
	chanmsg_clear(&m);
	for (len = 0; len < b->sb.len; len++) {
		to_msg(&m, type, b, len);
		if (decode_as(&m) != -1)
			bad++;
		chanmsg_clear(&m);
	}
	if (bad != 0)
		fprintf(stderr, "type %u: %d prefixes accepted\n", type, bad);
	CHECK(bad == 0);
	/* The same payload and a trailing 0. */
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.fd = -1;
	m.len = b->sb.len + 1;
	if ((m.data = calloc(1, m.len)) == NULL)
		exit(2);
	if (b->sb.len > 0)
		memcpy(m.data, b->sb.data, b->sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
}

static void
sample_config(struct inst_config *c)
{
	inst_config_init(c);
	c->model = strdup("/models/a.gguf");
	c->alias = strdup("a");
	c->host = strdup("127.0.0.1");
	c->api_key = strdup("k");
	c->chat_template_file = strdup("/t/chat.jinja");
	c->threads = 8;
	c->temp = 0.25;
	c->port = 8081;
	c->special = 1;
	c->n_extra_args = 2;
	c->extra_args = calloc(2, sizeof(*c->extra_args));
	c->extra_args[0] = strdup("--flash-attn");
	c->extra_args[1] = strdup("on");
	c->n_env = 1;
	c->env = calloc(1, sizeof(*c->env));
	c->env[0].name = strdup("CUDA_VISIBLE_DEVICES");
	c->env[0].value = strdup("0");
}

static void
sample_instance(struct instance *in)
{
	memset(in, 0, sizeof(*in));
	memcpy(in->id, UUID1, sizeof(UUID1));
	sample_config(&in->config);
	in->status = INST_FAILED;
	in->port = 8081;
	in->pid = 4242;
	snprintf(in->created_at, sizeof(in->created_at), "2026-01-02T03:04:05");
	snprintf(in->started_at, sizeof(in->started_at), "2026-01-02T03:04:06");
	in->error_message = strdup("it died");
	in->retry_count = 3;
}




static void
test_hello(void)
{
	struct msg_hello	 h, out;
	struct chanbuf		 b;
	struct chanmsg		 m;

	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	h.api_key = (char *)"secret";
	h.log_buffer_size = 1000;
	h.verbose = 2;
	h.http_timeout_s = 30;
	h.allow_extra_args = 1;
	h.max_connections = 512;
	h.ws_max_clients = 64;
	h.ws_max_per_instance = 16;
	h.sandbox = 1;
	h.header_timeout_s = 10;
	h.ws_max_queued_mb = 64;
	chanbuf_init(&b);
	proto_hello_encode(&b, &h);
	to_msg(&m, MSG_HELLO, &b, b.sb.len);
	CHECK(proto_hello_decode(&m, &out) == 0);
	CHECK_STR(out.api_key, "secret");
	CHECK(out.version == PROTO_VERSION && out.log_buffer_size == 1000 &&
	    out.verbose == 2 && out.http_timeout_s == 30 &&
	    out.allow_extra_args == 1 && out.max_connections == 512 &&
	    out.ws_max_clients == 64 && out.ws_max_per_instance == 16 &&
	    out.sandbox == 1 && out.header_timeout_s == 10 &&
	    out.ws_max_queued_mb == 64);
	proto_hello_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_HELLO, &b);

	/* Another version is refused, but named. */
	h.version = PROTO_VERSION + 1;
	chanbuf_reset(&b);
	proto_hello_encode(&b, &h);
	to_msg(&m, MSG_HELLO, &b, b.sb.len);
	CHECK(proto_hello_decode(&m, &out) == -1 &&
	    out.version == PROTO_VERSION + 1 && out.api_key == NULL);
	chanmsg_clear(&m);
	/* A zero timeout is no setting. */
	h.version = PROTO_VERSION;
	h.http_timeout_s = 0;
	chanbuf_reset(&b);
	proto_hello_encode(&b, &h);
	to_msg(&m, MSG_HELLO, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	chanbuf_free(&b);
}

static void
test_instance(void)
{
	struct instance	 in, out;
	struct chanbuf	 b;
	struct chanmsg	 m;

	sample_instance(&in);
	chanbuf_init(&b);
	proto_instance_encode(&b, &in);
	to_msg(&m, MSG_INSTANCE, &b, b.sb.len);
	CHECK(proto_instance_decode(&m, &out) == 0);
	CHECK(instcmp_instance(&in, &out));
	instance_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_INSTANCE, &b);

	in.status = (enum inst_status)(INST_FAILED + 1);
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	to_msg(&m, MSG_INSTANCE, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	instance_free(&in);
	chanbuf_free(&b);
}

/* INSTANCE_GONE, DELETE, START, STOP, RESTART: an id, never absent. */
static void
test_id(void)
{
	static const uint32_t	 types[] = { MSG_INSTANCE_GONE, MSG_DELETE,
	    MSG_START, MSG_STOP, MSG_RESTART };
	struct msg_id		 id;
	struct chanbuf		 b;
	struct chanmsg		 m;
	size_t			 i;

	chanbuf_init(&b);
	proto_id_encode(&b, UUID1);
	to_msg(&m, MSG_DELETE, &b, b.sb.len);
	CHECK(proto_id_decode(&m, &id) == 0);
	CHECK_STR(id.id, UUID1);
	proto_id_free(&id);
	chanmsg_clear(&m);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		check_bounds(types[i], &b);
	chanbuf_reset(&b);
	proto_id_encode(&b, NULL);
	to_msg(&m, MSG_STOP, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	chanbuf_free(&b);
}

static void
test_log_lines(void)
{
	struct msg_line		 lines[3];
	struct msg_log_lines	 ll, out;
	struct chanbuf		 b;
	struct chanmsg		 m;
	int			 history;

	memset(lines, 0, sizeof(lines));
	snprintf(lines[0].ts, sizeof(lines[0].ts), "2026-01-02 03:04:05");
	lines[0].text = (const uint8_t *)"hello";
	lines[0].len = 5;
	snprintf(lines[1].ts, sizeof(lines[1].ts), "2026-01-02 03:04:06");
	lines[1].text = (const uint8_t *)"";
	lines[1].len = 0;
	snprintf(lines[2].ts, sizeof(lines[2].ts), "2026-01-02 03:04:07");
	lines[2].text = (const uint8_t *)"a\0b";	/* any byte */
	lines[2].len = 3;
	for (history = 0; history <= 1; history++) {
		memset(&ll, 0, sizeof(ll));
		ll.id = (char *)UUID1;
		ll.last = (uint8_t)history;
		ll.first = 41;
		ll.n = 3;
		ll.lines = lines;
		chanbuf_init(&b);
		proto_log_lines_encode(&b, &ll, history);
		to_msg(&m, history ? MSG_LOG_HISTORY : MSG_LOG_LINES, &b,
		    b.sb.len);
		CHECK(proto_log_lines_decode(&m, &out, history) == 0);
		CHECK_STR(out.id, UUID1);
		CHECK(out.first == 41 && out.n == 3 &&
		    out.last == (uint8_t)history);
		CHECK(out.n == 3 && strcmp(out.lines[0].ts, lines[0].ts) == 0 &&
		    out.lines[0].len == 5 &&
		    memcmp(out.lines[0].text, "hello", 5) == 0 &&
		    out.lines[1].len == 0 && out.lines[2].len == 3 &&
		    memcmp(out.lines[2].text, "a\0b", 3) == 0);
		proto_log_lines_free(&out);
		chanmsg_clear(&m);
		check_bounds(history ? MSG_LOG_HISTORY : MSG_LOG_LINES, &b);

		/* No lines at all. */
		ll.n = 0;
		chanbuf_reset(&b);
		proto_log_lines_encode(&b, &ll, history);
		check_bounds(history ? MSG_LOG_HISTORY : MSG_LOG_LINES, &b);
		chanbuf_free(&b);
	}

	/* A count beyond what the payload can hold, a timestamp too long. */
	chanbuf_init(&b);
	chanbuf_str(&b, UUID1);
	chanbuf_u64(&b, 0);
	chanbuf_u32(&b, UINT32_MAX);
	to_msg(&m, MSG_LOG_LINES, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	chanbuf_reset(&b);
	chanbuf_str(&b, UUID1);
	chanbuf_u64(&b, 0);
	chanbuf_u32(&b, 1);
	chanbuf_str(&b, "0123456789012345678901234567890123456789");
	chanbuf_bytes(&b, "x", 1);
	to_msg(&m, MSG_LOG_LINES, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	chanbuf_free(&b);
}

static void
test_memory(void)
{
	struct msg_memory	 mm, out;
	struct chanbuf		 b;
	struct chanmsg		 m;

	mm.ok = 1;
	mm.vram = 1;
	mm.used = 3ULL << 30;
	mm.total = 24ULL << 30;
	chanbuf_init(&b);
	proto_memory_encode(&b, &mm);
	to_msg(&m, MSG_MEMORY, &b, b.sb.len);
	CHECK(proto_memory_decode(&m, &out) == 0);
	CHECK(out.ok == 1 && out.vram == 1 && out.used == mm.used &&
	    out.total == mm.total);
	chanmsg_clear(&m);
	check_bounds(MSG_MEMORY, &b);

	/* Not read: nothing else is sent. */
	mm.ok = 0;
	chanbuf_reset(&b);
	proto_memory_encode(&b, &mm);
	to_msg(&m, MSG_MEMORY, &b, b.sb.len);
	CHECK(proto_memory_decode(&m, &out) == 0);
	CHECK(out.ok == 0 && out.vram == 0 && out.used == 0 &&
	    out.total == 0);
	chanmsg_clear(&m);
	check_bounds(MSG_MEMORY, &b);
	chanbuf_reset(&b);
	chanbuf_u8(&b, 0);
	chanbuf_u8(&b, 0);
	chanbuf_u64(&b, 5);
	chanbuf_u64(&b, 0);
	to_msg(&m, MSG_MEMORY, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	chanbuf_free(&b);
}

static void
test_reply(void)
{
	struct instance		 in;
	struct msg_reply	 r, out;
	struct chanbuf		 b;
	struct chanmsg		 m;

	sample_instance(&in);
	memset(&r, 0, sizeof(r));
	r.outcome = REPLY_OK;
	r.inst = &in;
	chanbuf_init(&b);
	proto_reply_encode(&b, &r);
	to_msg(&m, MSG_REPLY, &b, b.sb.len);
	CHECK(proto_reply_decode(&m, &out) == 0);
	CHECK(out.outcome == REPLY_OK && out.message == NULL &&
	    out.inst != NULL && instcmp_instance(out.inst, &in) &&
	    out.field == NULL && out.input == NULL);
	proto_reply_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_REPLY, &b);

	/* A 422 of the supervisor's: the field and its input follow. */
	memset(&r, 0, sizeof(r));
	r.outcome = REPLY_INVALID;
	r.message = (char *)"outside MODEL_DIRS";
	r.field = (char *)"model";
	r.input = (char *)"/etc/passwd";
	chanbuf_reset(&b);
	proto_reply_encode(&b, &r);
	to_msg(&m, MSG_REPLY, &b, b.sb.len);
	CHECK(proto_reply_decode(&m, &out) == 0);
	CHECK(out.outcome == REPLY_INVALID && out.inst == NULL);
	CHECK_STR(out.message, "outside MODEL_DIRS");
	CHECK_STR(out.field, "model");
	CHECK_STR(out.input, "/etc/passwd");
	proto_reply_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_REPLY, &b);

	/* An outcome we do not know. */
	r.outcome = REPLY_PORT_CONFLICT + 1;
	chanbuf_reset(&b);
	proto_reply_encode(&b, &r);
	to_msg(&m, MSG_REPLY, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	instance_free(&in);
	chanbuf_free(&b);
}

static void
test_asset(void)
{
	struct msg_asset	 a;
	struct chanbuf		 b;
	struct chanmsg		 m;

	chanbuf_init(&b);
	proto_asset_encode(&b, "swagger-ui.css", "body{}", 6);
	to_msg(&m, MSG_ASSET, &b, b.sb.len);
	CHECK(proto_asset_decode(&m, &a) == 0);
	CHECK_STR(a.name, "swagger-ui.css");
	CHECK(a.len == 6 && memcmp(a.data, "body{}", 6) == 0);
	proto_asset_free(&a);
	chanmsg_clear(&m);
	check_bounds(MSG_ASSET, &b);
	chanbuf_free(&b);
}

static void
test_ready(void)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	check_bounds(MSG_READY, &b);
	chanbuf_free(&b);
}

static void
test_log(void)
{
	struct msg_log	 lg, out;
	struct chanbuf	 b;
	struct chanmsg	 m;

	lg.priority = LOG_WARNING;
	lg.message = (char *)"cannot do it";
	chanbuf_init(&b);
	proto_log_encode(&b, &lg);
	to_msg(&m, MSG_LOG, &b, b.sb.len);
	CHECK(proto_log_decode(&m, &out) == 0);
	CHECK(out.priority == LOG_WARNING);
	CHECK_STR(out.message, "cannot do it");
	proto_log_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_LOG, &b);
	/* No such priority. */
	lg.priority = LOG_DEBUG + 1;
	chanbuf_reset(&b);
	proto_log_encode(&b, &lg);
	to_msg(&m, MSG_LOG, &b, b.sb.len);
	CHECK(decode_as(&m) == -1);
	chanmsg_clear(&m);
	chanbuf_free(&b);
}

static void
test_create_update(void)
{
	struct inst_config	 c, out;
	struct msg_update	 up;
	struct chanbuf		 b;
	struct chanmsg		 m;

	sample_config(&c);
	chanbuf_init(&b);
	proto_create_encode(&b, &c);
	to_msg(&m, MSG_CREATE, &b, b.sb.len);
	CHECK(proto_create_decode(&m, &out) == 0);
	CHECK(instcmp_config(&c, &out));
	inst_config_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_CREATE, &b);

	chanbuf_reset(&b);
	proto_update_encode(&b, UUID1, &c);
	to_msg(&m, MSG_UPDATE, &b, b.sb.len);
	CHECK(proto_update_decode(&m, &up) == 0);
	CHECK_STR(up.id, UUID1);
	CHECK(instcmp_config(&c, &up.config));
	proto_update_free(&up);
	chanmsg_clear(&m);
	check_bounds(MSG_UPDATE, &b);
	inst_config_free(&c);
	chanbuf_free(&b);
}

static void
test_history(void)
{
	struct msg_history	 h, out;
	struct chanbuf		 b;
	struct chanmsg		 m;

	h.id = (char *)UUID1;
	h.since = 1234567890123ULL;
	chanbuf_init(&b);
	proto_history_encode(&b, &h);
	to_msg(&m, MSG_HISTORY, &b, b.sb.len);
	CHECK(proto_history_decode(&m, &out) == 0);
	CHECK_STR(out.id, UUID1);
	CHECK(out.since == h.since);
	proto_history_free(&out);
	chanmsg_clear(&m);
	check_bounds(MSG_HISTORY, &b);
	chanbuf_free(&b);
}

/* Only HELLO carries a descriptor. */
static void
test_takes_fd(void)
{
	CHECK(proto_takes_fd(MSG_HELLO));
	CHECK(!proto_takes_fd(MSG_INSTANCE) && !proto_takes_fd(MSG_READY) &&
	    !proto_takes_fd(MSG_ASSET) && !proto_takes_fd(0));
}

int
main(void)
{
	test_hello();
	test_instance();
	test_id();
	test_log_lines();
	test_memory();
	test_reply();
	test_asset();
	test_ready();
	test_log();
	test_create_update();
	test_history();
	test_takes_fd();
	T_DONE();
}
