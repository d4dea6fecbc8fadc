/*
 * proto.c: the codec of the messages of proto.h, one encoder and one
 * decoder per type, and what a message may carry besides its payload.
 * Nothing else in the tree reads or writes payload bytes: a field added
 * here is added for both peers, and every check of a peer's bytes is in
 * one place, where the fuzzer reaches it.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "channel.h"
#include "instance.h"
#include "proto.h"
#include "timefmt.h"
#include "uuid.h"

/* A string field is at most this many bytes: INST_STR_MAX characters of
 * up to 4 bytes each. */
#define PROTO_STR_MAX	((size_t)INST_STR_MAX * 4)

static int	get_str(struct chanmsg *, char **, int, size_t);
static int	get_stamp(struct chanmsg *, char *, int);
static int	get_ts(struct chanmsg *, char *);
static void	put_config(struct chanbuf *, const struct inst_config *);
static int	get_config(struct chanmsg *, struct inst_config *);
static void	put_instance(struct chanbuf *, const struct instance *);
static int	get_instance(struct chanmsg *, struct instance *);

/* The types that may come with a descriptor; any other with one is
 * malformed. */
static const uint32_t proto_fd_types[] = {
	MSG_HELLO,		/* the listening socket */
};

int
proto_takes_fd(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(proto_fd_types) / sizeof(proto_fd_types[0]);
	    i++)
		if (proto_fd_types[i] == type)
			return 1;
	return 0;
}

/* --- the shapes inside messages ---------------------------------------- */

/* A string of at most max bytes; absent only when not required. */
static int
get_str(struct chanmsg *m, char **out, int required, size_t max)
{
	*out = NULL;
	if (chanmsg_str(m, out) == -1)
		return -1;
	if (*out == NULL)
		return required ? -1 : 0;
	if (strlen(*out) > max) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A timestamp as printed, into a fixed buffer; "" allowed unless required. */
static int
get_stamp(struct chanmsg *m, char *dst, int required)
{
	char	*s = NULL;
	size_t	 n;

	if (chanmsg_str(m, &s) == -1)
		return -1;
	n = s == NULL ? 0 : strlen(s);
	if (n >= TIMEFMT_LEN || (required && n == 0)) {
		free(s);
		return -1;
	}
	memcpy(dst, s == NULL ? "" : s, n + 1);
	free(s);
	return 0;
}

/* A log line's timestamp: present, maybe empty, shorter than TIMEFMT_LEN. */
static int
get_ts(struct chanmsg *m, char *dst)
{
	char	*s = NULL;
	size_t	 n;

	if (chanmsg_str(m, &s) == -1 || s == NULL)
		return -1;
	if ((n = strlen(s)) >= TIMEFMT_LEN) {
		free(s);
		return -1;
	}
	memcpy(dst, s, n + 1);
	free(s);
	return 0;
}

static void
put_config(struct chanbuf *b, const struct inst_config *c)
{
	size_t	i;

	chanbuf_str(b, c->model);
	chanbuf_str(b, c->alias);
	chanbuf_i64(b, c->threads);
	chanbuf_i64(b, c->n_gpu_layers);
	chanbuf_f64(b, c->temp);
	chanbuf_f64(b, c->top_p);
	chanbuf_i64(b, c->top_k);
	chanbuf_f64(b, c->min_p);
	chanbuf_i64(b, c->ctx_size);
	chanbuf_str(b, c->chat_template_file);
	chanbuf_str(b, c->host);
	chanbuf_i64(b, c->port);
	chanbuf_str(b, c->api_key);
	chanbuf_u8(b, c->special ? 1 : 0);
	/* A count the reader refuses still encodes; it fails over there. */
	chanbuf_u32(b, c->n_extra_args > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)c->n_extra_args);
	for (i = 0; i < c->n_extra_args; i++)
		chanbuf_str(b, c->extra_args[i]);
	chanbuf_u32(b, c->n_env > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)c->n_env);
	for (i = 0; i < c->n_env; i++) {
		chanbuf_str(b, c->env[i].name);
		chanbuf_str(b, c->env[i].value);
	}
}

/* The values are inst_config_check()'s to judge; only the shape is here. */
static int
get_config(struct chanmsg *m, struct inst_config *c)
{
	uint32_t	 n, i;
	uint8_t		 special;

	inst_config_init(c);
	if (get_str(m, &c->model, 1, PROTO_STR_MAX) == -1 ||
	    get_str(m, &c->alias, 1, PROTO_STR_MAX) == -1 ||
	    chanmsg_i64(m, &c->threads) == -1 ||
	    chanmsg_i64(m, &c->n_gpu_layers) == -1 ||
	    chanmsg_f64(m, &c->temp) == -1 ||
	    chanmsg_f64(m, &c->top_p) == -1 ||
	    chanmsg_i64(m, &c->top_k) == -1 ||
	    chanmsg_f64(m, &c->min_p) == -1 ||
	    chanmsg_i64(m, &c->ctx_size) == -1 ||
	    get_str(m, &c->chat_template_file, 0, PROTO_STR_MAX) == -1 ||
	    get_str(m, &c->host, 1, PROTO_STR_MAX) == -1 ||
	    chanmsg_i64(m, &c->port) == -1 ||
	    get_str(m, &c->api_key, 1, PROTO_STR_MAX) == -1 ||
	    chanmsg_u8(m, &special) == -1 || special > 1)
		goto fail;
	c->special = special;

	if (chanmsg_u32(m, &n) == -1 || n > INST_LIST_MAX)
		goto fail;
	if (n > 0) {
		if ((c->extra_args = calloc(n, sizeof(*c->extra_args))) ==
		    NULL)
			goto fail;
		c->n_extra_args = n;
		for (i = 0; i < n; i++)
			if (get_str(m, &c->extra_args[i], 1,
			    PROTO_STR_MAX) == -1)
				goto fail;
	}

	if (chanmsg_u32(m, &n) == -1 || n > INST_LIST_MAX)
		goto fail;
	if (n > 0) {
		if ((c->env = calloc(n, sizeof(*c->env))) == NULL)
			goto fail;
		c->n_env = n;
		for (i = 0; i < n; i++)
			if (get_str(m, &c->env[i].name, 1,
			    PROTO_STR_MAX) == -1 ||
			    get_str(m, &c->env[i].value, 1,
			    PROTO_STR_MAX) == -1)
				goto fail;
	}
	return 0;

 fail:
	inst_config_free(c);
	return -1;
}

static void
put_instance(struct chanbuf *b, const struct instance *in)
{
	chanbuf_str(b, in->id);
	put_config(b, &in->config);
	chanbuf_u32(b, (uint32_t)in->status);
	chanbuf_i64(b, in->port);
	chanbuf_i64(b, in->pid);
	chanbuf_str(b, in->created_at);
	chanbuf_str(b, in->started_at);
	chanbuf_str(b, in->error_message);
	chanbuf_i64(b, in->retry_count);
}

/* error_message has no bound of its own: it quotes a child's last line. */
static int
get_instance(struct chanmsg *m, struct instance *in)
{
	char		*id = NULL;
	uint32_t	 status;
	int64_t		 port, pid;

	memset(in, 0, sizeof(*in));
	inst_config_init(&in->config);
	if (get_str(m, &id, 1, UUID_STRLEN) == -1)
		return -1;
	if (!uuid_valid(id)) {
		free(id);
		return -1;
	}
	memcpy(in->id, id, sizeof(in->id));
	free(id);
	if (get_config(m, &in->config) == -1)
		return -1;
	if (chanmsg_u32(m, &status) == -1 || status > INST_FAILED ||
	    chanmsg_i64(m, &port) == -1 || port < 0 || port > 65535 ||
	    chanmsg_i64(m, &pid) == -1 || pid < 0 || (pid_t)pid != pid ||
	    get_stamp(m, in->created_at, 1) == -1 ||
	    get_stamp(m, in->started_at, 0) == -1 ||
	    chanmsg_str(m, &in->error_message) == -1 ||
	    chanmsg_i64(m, &in->retry_count) == -1) {
		instance_free(in);
		return -1;
	}
	in->status = (enum inst_status)status;
	in->port = (int)port;
	in->pid = (pid_t)pid;
	return 0;
}

/* --- HELLO ------------------------------------------------------------ */

void
proto_hello_encode(struct chanbuf *b, const struct msg_hello *h)
{
	chanbuf_u32(b, h->version);
	chanbuf_str(b, h->api_key);
	chanbuf_u32(b, h->log_buffer_size);
	chanbuf_u32(b, h->verbose);
	chanbuf_u32(b, h->http_timeout_s);
	chanbuf_u8(b, h->allow_extra_args);
	chanbuf_u32(b, h->max_connections);
	chanbuf_u32(b, h->ws_max_clients);
	chanbuf_u32(b, h->ws_max_per_instance);
	chanbuf_u8(b, h->sandbox);
	chanbuf_u32(b, h->header_timeout_s);
	chanbuf_u32(b, h->ws_max_queued_mb);
}

/*
 * The version is read first and kept even when the rest is refused, so
 * that a peer of another version is told apart from a broken one: the
 * rest of a payload of another version need not parse.
 */
int
proto_hello_decode(struct chanmsg *m, struct msg_hello *h)
{
	memset(h, 0, sizeof(*h));
	if (chanmsg_u32(m, &h->version) == -1 ||
	    h->version != PROTO_VERSION ||
	    chanmsg_str(m, &h->api_key) == -1 || h->api_key == NULL ||
	    chanmsg_u32(m, &h->log_buffer_size) == -1 ||
	    chanmsg_u32(m, &h->verbose) == -1 ||
	    chanmsg_u32(m, &h->http_timeout_s) == -1 ||
	    h->http_timeout_s == 0 ||
	    chanmsg_u8(m, &h->allow_extra_args) == -1 ||
	    h->allow_extra_args > 1 ||
	    chanmsg_u32(m, &h->max_connections) == -1 ||
	    h->max_connections == 0 ||
	    chanmsg_u32(m, &h->ws_max_clients) == -1 ||
	    chanmsg_u32(m, &h->ws_max_per_instance) == -1 ||
	    chanmsg_u8(m, &h->sandbox) == -1 || h->sandbox > 1 ||
	    chanmsg_u32(m, &h->header_timeout_s) == -1 ||
	    h->header_timeout_s == 0 ||
	    chanmsg_u32(m, &h->ws_max_queued_mb) == -1 ||
	    h->ws_max_queued_mb == 0 ||
	    chanmsg_end(m) == -1) {
		free(h->api_key);
		h->api_key = NULL;
		return -1;
	}
	return 0;
}

void
proto_hello_free(struct msg_hello *h)
{
	free(h->api_key);
	h->api_key = NULL;
}

/* --- INSTANCE --------------------------------------------------------- */

void
proto_instance_encode(struct chanbuf *b, const struct instance *in)
{
	put_instance(b, in);
}

/* After a 0, instance_free() releases it. */
int
proto_instance_decode(struct chanmsg *m, struct instance *in)
{
	if (get_instance(m, in) == -1)
		return -1;
	if (chanmsg_end(m) == -1) {
		instance_free(in);
		return -1;
	}
	return 0;
}

/* --- INSTANCE_GONE, DELETE, START, STOP, RESTART ---------------------- */

void
proto_id_encode(struct chanbuf *b, const char *id)
{
	chanbuf_str(b, id);
}

int
proto_id_decode(struct chanmsg *m, struct msg_id *d)
{
	d->id = NULL;
	if (chanmsg_str(m, &d->id) == -1 || d->id == NULL ||
	    chanmsg_end(m) == -1) {
		proto_id_free(d);
		return -1;
	}
	return 0;
}

void
proto_id_free(struct msg_id *d)
{
	free(d->id);
	d->id = NULL;
}

/* --- LOG_LINES, LOG_HISTORY ------------------------------------------- */

void
proto_log_lines_encode(struct chanbuf *b, const struct msg_log_lines *ll,
    int history)
{
	uint32_t	 i;

	chanbuf_str(b, ll->id);
	if (history)
		chanbuf_u8(b, ll->last);
	chanbuf_u64(b, ll->first);
	chanbuf_u32(b, ll->n);
	for (i = 0; i < ll->n; i++) {
		chanbuf_str(b, ll->lines[i].ts);
		chanbuf_bytes(b, ll->lines[i].text, ll->lines[i].len);
	}
}

int
proto_log_lines_decode(struct chanmsg *m, struct msg_log_lines *ll,
    int history)
{
	uint32_t	 n, i;

	memset(ll, 0, sizeof(*ll));
	if (chanmsg_str(m, &ll->id) == -1 || ll->id == NULL ||
	    (history && (chanmsg_u8(m, &ll->last) == -1 || ll->last > 1)) ||
	    chanmsg_u64(m, &ll->first) == -1 || chanmsg_u32(m, &n) == -1)
		goto fail;
	/* Each line takes 8 bytes at least: a count beyond that is a lie,
	 * found before it costs an allocation. */
	if (n > (m->len - m->rpos) / 8)
		goto fail;
	if (n > 0 && (ll->lines = calloc(n, sizeof(*ll->lines))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (get_ts(m, ll->lines[i].ts) == -1 ||
		    chanmsg_bytes(m, &ll->lines[i].text,
		    &ll->lines[i].len) == -1)
			goto fail;
	ll->n = n;
	if (chanmsg_end(m) == -1)
		goto fail;
	return 0;

 fail:
	proto_log_lines_free(ll);
	return -1;
}

void
proto_log_lines_free(struct msg_log_lines *ll)
{
	free(ll->id);
	free(ll->lines);
	ll->id = NULL;
	ll->lines = NULL;
	ll->n = 0;
}

/* --- MEMORY ----------------------------------------------------------- */

void
proto_memory_encode(struct chanbuf *b, const struct msg_memory *mm)
{
	chanbuf_u8(b, mm->ok);
	chanbuf_u8(b, mm->ok ? mm->vram : 0);
	chanbuf_u64(b, mm->ok ? mm->used : 0);
	chanbuf_u64(b, mm->ok ? mm->total : 0);
}

int
proto_memory_decode(struct chanmsg *m, struct msg_memory *mm)
{
	memset(mm, 0, sizeof(*mm));
	if (chanmsg_u8(m, &mm->ok) == -1 || mm->ok > 1 ||
	    chanmsg_u8(m, &mm->vram) == -1 || mm->vram > 1 ||
	    chanmsg_u64(m, &mm->used) == -1 ||
	    chanmsg_u64(m, &mm->total) == -1 ||
	    chanmsg_end(m) == -1 ||
	    (!mm->ok && (mm->vram != 0 || mm->used != 0 || mm->total != 0))) {
		memset(mm, 0, sizeof(*mm));
		return -1;
	}
	return 0;
}

/* --- REPLY ------------------------------------------------------------ */

void
proto_reply_encode(struct chanbuf *b, const struct msg_reply *r)
{
	chanbuf_u32(b, r->outcome);
	chanbuf_str(b, r->message);
	chanbuf_u8(b, r->inst != NULL);
	if (r->inst != NULL)
		put_instance(b, r->inst);
	if (r->outcome == REPLY_INVALID) {
		chanbuf_str(b, r->field);
		chanbuf_str(b, r->input);
	}
}

int
proto_reply_decode(struct chanmsg *m, struct msg_reply *r)
{
	uint8_t	 has;

	memset(r, 0, sizeof(*r));
	if (chanmsg_u32(m, &r->outcome) == -1 ||
	    r->outcome > REPLY_PORT_CONFLICT ||
	    chanmsg_str(m, &r->message) == -1 ||
	    chanmsg_u8(m, &has) == -1 || has > 1)
		goto fail;
	if (has) {
		if ((r->inst = malloc(sizeof(*r->inst))) == NULL)
			goto fail;
		if (get_instance(m, r->inst) == -1) {
			free(r->inst);
			r->inst = NULL;
			goto fail;
		}
	}
	if (r->outcome == REPLY_INVALID && (chanmsg_str(m, &r->field) == -1 ||
	    chanmsg_str(m, &r->input) == -1))
		goto fail;
	if (chanmsg_end(m) == -1)
		goto fail;
	return 0;

 fail:
	proto_reply_free(r);
	return -1;
}

void
proto_reply_free(struct msg_reply *r)
{
	free(r->message);
	free(r->field);
	free(r->input);
	if (r->inst != NULL) {
		instance_free(r->inst);
		free(r->inst);
	}
	memset(r, 0, sizeof(*r));
}

/* --- ASSET ------------------------------------------------------------ */

void
proto_asset_encode(struct chanbuf *b, const char *name, const void *data,
    size_t len)
{
	chanbuf_str(b, name);
	chanbuf_bytes(b, data, len);
}

int
proto_asset_decode(struct chanmsg *m, struct msg_asset *a)
{
	memset(a, 0, sizeof(*a));
	if (chanmsg_str(m, &a->name) == -1 || a->name == NULL ||
	    chanmsg_bytes(m, &a->data, &a->len) == -1 ||
	    chanmsg_end(m) == -1) {
		proto_asset_free(a);
		return -1;
	}
	return 0;
}

void
proto_asset_free(struct msg_asset *a)
{
	free(a->name);
	memset(a, 0, sizeof(*a));
}

/* --- READY ------------------------------------------------------------ */

int
proto_ready_decode(struct chanmsg *m)
{
	return chanmsg_end(m);
}

/* --- LOG -------------------------------------------------------------- */

void
proto_log_encode(struct chanbuf *b, const struct msg_log *l)
{
	chanbuf_u32(b, l->priority);
	chanbuf_str(b, l->message);
}

int
proto_log_decode(struct chanmsg *m, struct msg_log *l)
{
	l->message = NULL;
	if (chanmsg_u32(m, &l->priority) == -1 || l->priority > LOG_DEBUG ||
	    chanmsg_str(m, &l->message) == -1 || l->message == NULL ||
	    chanmsg_end(m) == -1) {
		proto_log_free(l);
		return -1;
	}
	return 0;
}

void
proto_log_free(struct msg_log *l)
{
	free(l->message);
	l->message = NULL;
}

/* --- CREATE, UPDATE --------------------------------------------------- */

void
proto_create_encode(struct chanbuf *b, const struct inst_config *c)
{
	put_config(b, c);
}

/* After a 0, inst_config_free() releases it. */
int
proto_create_decode(struct chanmsg *m, struct inst_config *c)
{
	if (get_config(m, c) == -1)
		return -1;
	if (chanmsg_end(m) == -1) {
		inst_config_free(c);
		return -1;
	}
	return 0;
}

void
proto_update_encode(struct chanbuf *b, const char *id,
    const struct inst_config *c)
{
	chanbuf_str(b, id);
	put_config(b, c);
}

int
proto_update_decode(struct chanmsg *m, struct msg_update *u)
{
	u->id = NULL;
	inst_config_init(&u->config);
	if (chanmsg_str(m, &u->id) == -1 || u->id == NULL ||
	    get_config(m, &u->config) == -1 || chanmsg_end(m) == -1) {
		proto_update_free(u);
		return -1;
	}
	return 0;
}

void
proto_update_free(struct msg_update *u)
{
	free(u->id);
	u->id = NULL;
	inst_config_free(&u->config);
}

/* --- HISTORY ---------------------------------------------------------- */

void
proto_history_encode(struct chanbuf *b, const struct msg_history *h)
{
	chanbuf_str(b, h->id);
	chanbuf_u64(b, h->since);
}

int
proto_history_decode(struct chanmsg *m, struct msg_history *h)
{
	h->id = NULL;
	if (chanmsg_str(m, &h->id) == -1 || h->id == NULL ||
	    chanmsg_u64(m, &h->since) == -1 || chanmsg_end(m) == -1) {
		proto_history_free(h);
		return -1;
	}
	return 0;
}

void
proto_history_free(struct msg_history *h)
{
	free(h->id);
	h->id = NULL;
}
