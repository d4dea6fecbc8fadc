/*
 * api.c: the instance endpoints of SPEC section 4.  Reads come from the
 * cache; writes are validated here, as the original validated them, and
 * sent to the supervisor, which answers.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "apid.h"
#include "cache.h"
#include "channel.h"
#include "http_reply.h"
#include "instance.h"
#include "pyjson.h"
#include "proto.h"
#include "request.h"

static json_t *
json_invalid(const struct pyjson_error *err)
{
	return json_pack("[{s:s, s:[s,I], s:s, s:{}, s:{s:s}}]",
	    "type", "json_invalid", "loc", "body", (json_int_t)err->pos,
	    "msg", "JSON decode error", "input", "ctx", "error", err->msg);
}

/* FastAPI reads a body as JSON only when it says it is JSON, or says nothing. */
static int
is_json_type(const char *ctype)
{
	size_t	 n;

	if (ctype == NULL)
		return 1;
	n = strcspn(ctype, ";");
	while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	if (n >= 16 && strncasecmp(ctype, "application/json", 16) == 0 &&
	    n == 16)
		return 1;
	return n > 17 && strncasecmp(ctype, "application/", 12) == 0 &&
	    strncasecmp(ctype + n - 5, "+json", 5) == 0;
}

/* The config of a POST or PUT body; 0, or -1 when the answer is sent. */
static int
api_read_config(struct evhttp_request *req, struct inst_config *cfg)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct pyjson_error	 err;
	json_t			*body = NULL, *detail = NULL;
	const char		*ctype;
	size_t			 len = evbuffer_get_length(in);
	char			*text;
	int			 rc = -1;

	ctype = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	text = len > 0 ? (char *)evbuffer_pullup(in, -1) : NULL;
	if (len > 0 && text == NULL) {
		http_reply_detail(req, 500, "out of memory");
		return -1;
	}
	/* Python's json.loads() of bytes skips a UTF-8 byte order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 &&
	    is_json_type(ctype)) {
		text += 3;
		len -= 3;
	}
	if (len > 0 && !is_json_type(ctype)) {
		/* Not JSON: the body is a string, which is no object. */
		if ((body = json_stringn(text, len)) == NULL) {
			http_reply_detail(req, 400,
			    "There was an error parsing the body");
			return -1;
		}
	} else if (len > 0) {
		switch (pyjson_load(text, len, &body, &err)) {
		case PYJSON_OK:
			break;
		case PYJSON_SYNTAX:
			if ((detail = json_invalid(&err)) == NULL)
				http_reply_detail(req, 500, "out of memory");
			else
				http_reply_422(req, detail);
			json_decref(detail);
			return -1;
		case PYJSON_NOMEM:
			http_reply_detail(req, 500, "out of memory");
			return -1;
		default:
			http_reply_detail(req, 400,
			    "There was an error parsing the body");
			return -1;
		}
	}
	if (inst_config_from_request(body, apid->allow_extra_args, cfg,
	    &detail) == 0)
		rc = 0;
	else if (detail == NULL)
		http_reply_detail(req, 500, "out of memory");
	else {
		http_reply_422(req, detail);
		json_decref(detail);
	}
	json_decref(body);
	return rc;
}

static void
api_send(struct evhttp_request *req, enum api_op op, uint32_t type,
    const char *id, const struct inst_config *cfg)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	if (type == MSG_CREATE)
		proto_create_encode(&b, cfg);
	else if (type == MSG_UPDATE)
		proto_update_encode(&b, id, cfg);
	else
		proto_id_encode(&b, id);
	if (request_send(apid, req, op, type, &b) == -1)
		http_reply_detail(req, 503, "Service Unavailable");
	chanbuf_free(&b);
}

/* Unknown ids never reach the supervisor. */
static int
api_known(struct evhttp_request *req, const char *id)
{
	size_t	 len;

	if (cache_get_json(apid->cache, id, &len) != NULL)
		return 1;
	http_reply_detail(req, 404, "Instance not found");
	return 0;
}

void
api_list(struct evhttp_request *req, const char **params, size_t n)
{
	struct evbuffer	*buf;

	(void)params;
	(void)n;
	if ((buf = evbuffer_new()) == NULL ||
	    cache_list_add(apid->cache, buf) == -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		http_reply_detail(req, 500, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	http_reply_buffer(req, 200, buf);
	evbuffer_free(buf);
}

void
api_get(struct evhttp_request *req, const char **params, size_t n)
{
	const char	*json;
	size_t		 len;

	(void)n;
	if ((json = cache_get_json(apid->cache, params[0], &len)) == NULL)
		http_reply_detail(req, 404, "Instance not found");
	else
		http_reply_jsonn(req, 200, json, len);
}

void
api_create(struct evhttp_request *req, const char **params, size_t n)
{
	struct inst_config	 cfg;

	(void)params;
	(void)n;
	inst_config_init(&cfg);
	if (api_read_config(req, &cfg) == 0)
		api_send(req, OP_CREATE, MSG_CREATE, NULL, &cfg);
	inst_config_free(&cfg);
}

void
api_update(struct evhttp_request *req, const char **params, size_t n)
{
	struct inst_config	 cfg;

	(void)n;
	inst_config_init(&cfg);
	/* The body is checked first, as FastAPI validates before the handler. */
	if (api_read_config(req, &cfg) == 0 && api_known(req, params[0]))
		api_send(req, OP_UPDATE, MSG_UPDATE, params[0], &cfg);
	inst_config_free(&cfg);
}

void
api_delete(struct evhttp_request *req, const char **params, size_t n)
{
	(void)n;
	if (api_known(req, params[0]))
		api_send(req, OP_DELETE, MSG_DELETE, params[0], NULL);
}

void
api_start(struct evhttp_request *req, const char **params, size_t n)
{
	(void)n;
	if (api_known(req, params[0]))
		api_send(req, OP_START, MSG_START, params[0], NULL);
}

void
api_stop(struct evhttp_request *req, const char **params, size_t n)
{
	(void)n;
	if (api_known(req, params[0]))
		api_send(req, OP_STOP, MSG_STOP, params[0], NULL);
}

void
api_restart(struct evhttp_request *req, const char **params, size_t n)
{
	(void)n;
	if (api_known(req, params[0]))
		api_send(req, OP_RESTART, MSG_RESTART, params[0], NULL);
}
