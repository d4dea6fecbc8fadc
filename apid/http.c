/*
 * http.c: evhttp set-up and the front door of every request: the CORS
 * preflight as the original's middleware answers it, authentication before
 * routing, 404, 405 and the 307 for a trailing slash.  The answers
 * themselves are http_reply.c's.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <sodium.h>

#include "apid.h"
#include "conns.h"
#include "http.h"
#include "http_reply.h"
#include "log.h"
#include "routes.h"
#include "ws.h"
#include "wsession.h"

#define HTTP_MAX_HEADERS	(32 * 1024)
#define HTTP_MAX_BODY		(1024 * 1024)
#define HTTP_MAX_PARAMS		4
#define HTTP_ALL_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | \
	EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | \
	EVHTTP_REQ_HEAD | EVHTTP_REQ_PATCH)

static unsigned char	 key_hash[crypto_generichash_BYTES];

static void
http_unauthorized(struct evhttp_request *req)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(out, "Access-Control-Allow-Credentials", "true");
	evhttp_add_header(out, "Access-Control-Allow-Methods", "*");
	evhttp_add_header(out, "Access-Control-Allow-Headers", "*");
	http_reply_detail(req, 401, "Invalid or missing API key");
}

static void
http_preflight(struct evhttp_request *req, const char *origin)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	const char		*hdrs;

	evhttp_add_header(out, "Access-Control-Allow-Origin", origin);
	evhttp_add_header(out, "Vary", "Origin");
	evhttp_add_header(out, "Access-Control-Allow-Methods",
	    "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
	if ((hdrs = evhttp_find_header(in, "Access-Control-Request-Headers")) !=
	    NULL)
		evhttp_add_header(out, "Access-Control-Allow-Headers", hdrs);
	evhttp_add_header(out, "Access-Control-Allow-Credentials", "true");
	evhttp_add_header(out, "Access-Control-Max-Age", "600");
	/* Not http_reply: a preflight's origin header is final. */
	http_reply_raw(req, 200, "text/plain; charset=utf-8", "OK");
}

/* Hashing both sides first makes the comparison constant-time whatever the lengths. */
static int
http_key_ok(const char *given)
{
	unsigned char	 h[crypto_generichash_BYTES];

	if (given == NULL)
		return 0;
	crypto_generichash(h, sizeof(h), (const unsigned char *)given,
	    strlen(given), NULL, 0);
	return sodium_memcmp(h, key_hash, sizeof(h)) == 0;
}

/*
 * The header, or for a WebSocket upgrade the api_key query parameter
 * (browsers cannot set headers there).  Only for a real upgrade: a key in
 * a URL ends up in logs and histories, and GET /instances/{id}/state is
 * both a WebSocket and a plain path.
 */
static int
http_authenticated(struct evhttp_request *req, const char *path)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	const char		*query;
	struct evkeyvalq	 q;
	int			 ok;

	if (http_key_ok(evhttp_find_header(in, "X-API-Key")))
		return 1;
	if (!routes_websocket(path) || !ws_is_upgrade(in) ||
	    (query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req))) == NULL)
		return 0;
	TAILQ_INIT(&q);
	ok = evhttp_parse_query_str(query, &q) == 0 &&
	    http_key_ok(evhttp_find_header(&q, "api_key"));
	evhttp_clear_headers(&q);
	return ok;
}

static void
http_redirect_slash(struct evhttp_request *req, const char *path)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*query = evhttp_uri_get_query(uri);
	char			*loc;
	size_t			 len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (asprintf(&loc, "%.*s%s%s", (int)len, path,
	    query != NULL ? "?" : "", query != NULL ? query : "") == -1) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    loc);
	free(loc);
	http_reply(req, 307, NULL, NULL);
}

/* The path without its trailing slashes names a route. */
static int
http_slash_route(const char *path)
{
	const char	*params[HTTP_MAX_PARAMS];
	char		 storage[8192], stripped[4096];
	size_t		 len = strlen(path), n;
	unsigned int	 allowed;

	if (len < 2 || path[len - 1] != '/' || len >= sizeof(stripped))
		return 0;
	while (len > 1 && path[len - 1] == '/')
		len--;
	memcpy(stripped, path, len);
	stripped[len] = '\0';
	(void)routes_match(stripped, 0, params, &n, HTTP_MAX_PARAMS, storage,
	    sizeof(storage), &allowed);
	return allowed != 0;
}

/* Two Content-Length headers that disagree: a smuggling attempt. */
static int
http_lengths_conflict(struct evkeyvalq *in)
{
	struct evkeyval	*kv;
	const char	*first = NULL;

	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		if (first == NULL)
			first = kv->value;
		else if (strcmp(first, kv->value) != 0)
			return 1;
	}
	return 0;
}

/*
 * The path as the client sent it, up to '?' or '#': libevent's URI
 * parser would read "//x" as a host name and leave the path empty.
 */
static char *
http_raw_path(struct evhttp_request *req)
{
	const char	*uri = evhttp_request_get_uri(req);
	const char	*p;

	if (uri == NULL)
		return strdup("/");
	/* The absolute form "http://host/path" names its path after the host. */
	if (*uri != '/' && strstr(uri, "://") != NULL) {
		p = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
		return strdup(p != NULL && *p != '\0' ? p : "/");
	}
	/* "*" and the like: kept, so that they match nothing. */
	return strndup(uri, strcspn(uri, "?#"));
}

static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	const struct route	*rt;
	const char		*origin, *params[HTTP_MAX_PARAMS];
	char			*path, *storage = NULL, allow[64];
	unsigned int		 allowed;
	enum evhttp_cmd_type	 method = evhttp_request_get_command(req);
	struct evhttp_connection *evcon;
	size_t			 nparams, slen;
	int			 nul = 0;

	(void)arg;
	if ((evcon = evhttp_request_get_connection(req)) != NULL &&
	    conns_request(evhttp_connection_get_bufferevent(evcon)) == 1)
		nul = 1;
	/* evhttp cut a header at the NUL ("X-API-Key: key\0junk" is "key"). */
	if (nul || http_lengths_conflict(in)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_reply_detail(req, 400, "Bad Request");
		return;
	}
	if ((path = http_raw_path(req)) == NULL) {
		http_reply_detail(req, 500, "out of memory");
		return;
	}
	origin = evhttp_find_header(in, "Origin");

	if (method == EVHTTP_REQ_OPTIONS) {
		if (origin != NULL && evhttp_find_header(in,
		    "Access-Control-Request-Method") != NULL) {
			http_preflight(req, origin);
			goto out;
		}
	} else if (!(method == EVHTTP_REQ_GET && routes_public_get(path)) &&
	    !http_authenticated(req, path)) {
		http_unauthorized(req);
		goto out;
	}

	/* Room for the path twice: the matcher cuts parameters out of it. */
	slen = 2 * (strlen(path) + 1);
	if ((storage = malloc(slen)) == NULL) {
		http_reply_detail(req, 500, "out of memory");
		goto out;
	}
	rt = routes_match(path, method, params, &nparams, HTTP_MAX_PARAMS,
	    storage, slen, &allowed);
	if (rt == NULL && allowed == 0) {
		if (http_slash_route(path))
			http_redirect_slash(req, path);
		else
			http_reply_detail(req, 404, "Not Found");
		goto out;
	}
	if (rt == NULL) {
		routes_allow_header(allowed, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow);
		http_reply_detail(req, 405, "Method Not Allowed");
		goto out;
	}
	rt->handler(req, params, nparams);
 out:
	free(storage);
	free(path);
}

int
http_setup(struct apid *a, int listen_fd)
{
	struct evhttp_bound_socket	*bound;

	crypto_generichash(key_hash, sizeof(key_hash),
	    (const unsigned char *)a->api_key, strlen(a->api_key), NULL, 0);
	if ((a->http = evhttp_new(a->base)) == NULL)
		return -1;
	evhttp_set_allowed_methods(a->http, HTTP_ALL_METHODS);
	evhttp_set_max_headers_size(a->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(a->http, HTTP_MAX_BODY);
	/*
	 * No evhttp_set_timeout: conns.c gives every connection one deadline
	 * for a whole request and for an idle keep-alive, while evhttp's
	 * timers would be re-armed on every read and write (about 2% of the
	 * rate of small answers, measured with bench/).
	 */
	evhttp_set_bevcb(a->http, conns_new_bev, NULL);
	evhttp_set_gencb(a->http, http_dispatch, a);
	if ((bound = evhttp_accept_socket_with_handle(a->http, listen_fd)) ==
	    NULL)
		return -1;
	return conns_setup(a->base, evhttp_bound_socket_get_listener(bound),
	    a->max_connections, (int)a->http_timeout_s,
	    (int)a->header_timeout_s);
}

void
http_teardown(struct apid *a)
{
	/* Sessions hold evhttp connections: they go first. */
	wss_close_all();
	if (a->http != NULL)
		evhttp_free(a->http);
	a->http = NULL;
	conns_teardown();
}
