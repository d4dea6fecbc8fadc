/* fuzz_routes.c: request targets through libevent's URI code and routes.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* SOLAR_TEST_HOOKS adds a route */
#endif

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "api_docs.h"
#include "api_live.h"
#include "fuzz.h"
#include "http_reply.h"
#include "routes.h"
#include "testhook.h"
#include "timefmt.h"

/* As apid/http.c has them. */
#define FR_MAX_PARAMS	4
#define FR_STORAGE	4096
#define FR_STRIPPED	2048

static void	fr_evlog(int, const char *);
static void	fr_stub(struct evhttp_request *, const char **, size_t);
static void	fr_match(const char *);
static void	fr_slash(const char *);
static void	fr_query(const char *);
static void	fr_uri(const char *, int);

static const unsigned int fr_methods[] = {
	EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_HEAD, EVHTTP_REQ_PUT,
	EVHTTP_REQ_DELETE, EVHTTP_REQ_OPTIONS, EVHTTP_REQ_TRACE,
	EVHTTP_REQ_CONNECT, EVHTTP_REQ_PATCH,
};

static size_t	fr_calls;

/*
 * routes.c names every handler of apid; these stand in for them, so the
 * target links that one module.  A handler only counts its calls.
 */
static void
fr_stub(struct evhttp_request *req, const char **params, size_t n)
{
	size_t	i;

	(void)req;
	for (i = 0; i < n; i++)
		if (params[i] == NULL || params[i][0] == '\0' ||
		    strchr(params[i], '/') != NULL)
			abort();
	fr_calls++;
}

void
api_list(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_create(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_get(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_update(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_delete(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_start(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_stop(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_restart(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_logs_ws(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_state(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_last_generation(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_memory(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_openapi(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_docs(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_redoc(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_docs_asset(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

void
api_ui(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}

#ifdef SOLAR_TEST_HOOKS
void
api_test_escape(struct evhttp_request *req, const char **p, size_t n)
{
	fr_stub(req, p, n);
}
#endif

void
http_reply_json(struct evhttp_request *req, int code, const char *body)
{
	(void)req;
	if (code != 200 || body == NULL || body[0] != '{')
		abort();
	fr_calls++;
}

/* libevent's complaints about bad URIs are expected by the thousand. */
static void
fr_evlog(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

/*
 * Every method against the path, as http_dispatch asks.  Method 0 never
 * matches, so it gives every method the path takes; a miss must report
 * just those (the 405's Allow header), a hit must be one of them.
 */
static void
fr_match(const char *path)
{
	const struct route	*rt;
	const char		*params[FR_MAX_PARAMS];
	char			 storage[FR_STORAGE], allow[64];
	unsigned int		 allowed, full;
	size_t			 i, k, n;

	if (routes_match(path, 0, params, &n, FR_MAX_PARAMS, storage,
	    sizeof(storage), &full) != NULL || n != 0)
		abort();
	for (i = 0; i < sizeof(fr_methods) / sizeof(fr_methods[0]); i++) {
		rt = routes_match(path, fr_methods[i], params, &n,
		    FR_MAX_PARAMS, storage, sizeof(storage), &allowed);
		if (rt == NULL) {
			if (allowed != full || (full & fr_methods[i]) != 0 ||
			    n != 0)
				abort();
			continue;
		}
		if ((rt->methods & fr_methods[i]) == 0 ||
		    (full & fr_methods[i]) == 0 || n > FR_MAX_PARAMS)
			abort();
		for (k = 0; k < n; k++)
			if (params[k] < storage ||
			    params[k] >= storage + sizeof(storage))
				abort();
		rt->handler(NULL, params, n);
		/* A route answering a websocket is one routes_websocket
		 * knows, within the length that one takes. */
		if (rt->public == ROUTE_WEBSOCKET &&
		    strlen(path) < FR_STRIPPED && !routes_websocket(path))
			abort();
		/* Likewise a public GET and routes_public_get. */
		if (rt->public == ROUTE_PUBLIC_GET &&
		    fr_methods[i] == EVHTTP_REQ_GET &&
		    strlen(path) < FR_STRIPPED && !routes_public_get(path))
			abort();
	}
	routes_allow_header(full, allow, sizeof(allow));
	if (memchr(allow, '\0', sizeof(allow)) == NULL)
		abort();
}

/* The trailing-slash redirect's check, as http_slash_route makes it. */
static void
fr_slash(const char *path)
{
	const char	*params[FR_MAX_PARAMS];
	char		 storage[FR_STORAGE], stripped[FR_STRIPPED];
	size_t		 len = strlen(path), n;
	unsigned int	 allowed;

	if (len < 2 || path[len - 1] != '/' || len >= sizeof(stripped))
		return;
	while (len > 1 && path[len - 1] == '/')
		len--;
	memcpy(stripped, path, len);
	stripped[len] = '\0';
	(void)routes_match(stripped, 0, params, &n, FR_MAX_PARAMS, storage,
	    sizeof(storage), &allowed);
}

/* The query the way the WebSocket key and last-generation read it. */
static void
fr_query(const char *query)
{
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	struct timeval		 tv;
	const char		*v;

	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == 0) {
		TAILQ_FOREACH(kv, &q, next)
			if (kv->key == NULL || kv->value == NULL)
				abort();
		(void)evhttp_find_header(&q, "api_key");
		(void)evhttp_find_header(&q, "within_s");
		if ((v = evhttp_find_header(&q, "after")) != NULL &&
		    timefmt_parse(v, &tv) == 0 &&
		    (tv.tv_usec < 0 || tv.tv_usec >= 1000000))
			abort();
	}
	evhttp_clear_headers(&q);
}

static void
fr_uri(const char *target, int flags)
{
	struct evhttp_uri	*uri;
	const char		*path, *query;
	char			 joined[8192], *dec;

	if ((uri = evhttp_uri_parse_with_flags(target, flags)) == NULL)
		return;
	path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	(void)routes_public_get(path);
	(void)routes_websocket(path);
	fr_match(path);
	fr_slash(path);
	if ((dec = evhttp_uridecode(path, 0, NULL)) != NULL) {
		fr_match(dec);
		free(dec);
	}
	if ((query = evhttp_uri_get_query(uri)) != NULL)
		fr_query(query);
	(void)evhttp_uri_join(uri, joined, sizeof(joined));
	evhttp_uri_free(uri);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	char		*target;

	if (!init) {
		event_set_log_callback(fr_evlog);
		init = 1;
	}
	/* A request line holds no NUL: the target ends at the first. */
	if ((target = malloc(size + 1)) == NULL)
		return 0;
	memcpy(target, data, size);
	target[size] = '\0';
	fr_uri(target, EVHTTP_URI_NONCONFORMANT);
	fr_uri(target, 0);
	/* The router also sees paths no URI parser vetted. */
	fr_match(target);
	fr_slash(target);
	fr_query(target);
	free(target);
	return 0;
}
