/*
 * http_reply.c: every answer apid gives over HTTP: the reason phrase, the
 * CORS headers of a simple response as the original's middleware adds
 * them, JSON bodies and {"detail": ...}, and an answer to HEAD that ends
 * at its blank line.  It knows nothing of routes or of the supervisor.
 */
#include <sys/types.h>

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "conns.h"
#include "http_reply.h"
#include "pyjson.h"
#include "strbuf.h"

static const char *
http_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* CORS headers of a simple (non-preflight) response. */
static void
http_cors(struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	const char		*origin;

	if ((origin = evhttp_find_header(in, "Origin")) == NULL)
		return;
	evhttp_remove_header(out, "Access-Control-Allow-Origin");
	if (evhttp_find_header(in, "Cookie") != NULL) {
		evhttp_add_header(out, "Access-Control-Allow-Origin", origin);
		evhttp_add_header(out, "Vary", "Origin");
	} else
		evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
	if (evhttp_find_header(out, "Access-Control-Allow-Credentials") == NULL)
		evhttp_add_header(out, "Access-Control-Allow-Credentials",
		    "true");
}

static void
http_send_rawn(struct evhttp_request *req, int code, const char *ctype,
    const char *body, size_t len)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct evbuffer			*buf;

	if (ctype != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", ctype);
	if ((buf = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	/* An answer to HEAD ends at its blank line (libevent would not). */
	if (body != NULL &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(buf, body, len);
	/* Taken first: the connection may be gone once the reply is sent. */
	evcon = evhttp_request_get_connection(req);
	bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	evhttp_send_reply(req, code, http_reason(code), buf);
	evbuffer_free(buf);
	if (bev != NULL)
		conns_answered(bev);
}

/* A body the caller built, with the CORS headers of every answer. */
void
http_reply_buffer(struct evhttp_request *req, int code, struct evbuffer *buf)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	http_cors(req);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
		evbuffer_drain(buf, evbuffer_get_length(buf));
	evcon = evhttp_request_get_connection(req);
	bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	evhttp_send_reply(req, code, http_reason(code), buf);
	if (bev != NULL)
		conns_answered(bev);
}

/* Without the CORS headers: a preflight sets its own, which are final. */
void
http_reply_raw(struct evhttp_request *req, int code, const char *ctype,
    const char *body)
{
	http_send_rawn(req, code, ctype, body, body != NULL ? strlen(body) : 0);
}

void
http_reply(struct evhttp_request *req, int code, const char *ctype,
    const char *body)
{
	http_cors(req);
	http_reply_raw(req, code, ctype, body);
}

void
http_reply_json(struct evhttp_request *req, int code, const char *body)
{
	http_reply(req, code, "application/json", body);
}

void
http_reply_jsonn(struct evhttp_request *req, int code, const char *body,
    size_t len)
{
	http_cors(req);
	http_send_rawn(req, code, "application/json", body, len);
}

void
http_reply_detail(struct evhttp_request *req, int code, const char *detail)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, "{\"detail\":");
	pyjson_dump_string(&sb, detail, strlen(detail), 0);
	strbuf_addc(&sb, '}');
	if (sb.failed)
		evhttp_send_error(req, 500, NULL);
	else
		http_reply_jsonn(req, code, sb.data, sb.len);
	strbuf_free(&sb);
}

/* {"detail": entries}: validation as FastAPI reports it, from apid's own
 * checks or from a refusal the supervisor sends (request.c). */
void
http_reply_422(struct evhttp_request *req, json_t *detail)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, "{\"detail\":");
	pyjson_dump_compact(&sb, detail);
	strbuf_addc(&sb, '}');
	if (sb.failed)
		http_reply_detail(req, 500, "out of memory");
	else
		http_reply_jsonn(req, 422, sb.data, sb.len);
	strbuf_free(&sb);
}
