/* routes.c: the API's route table, path matching, and the service endpoints. */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "config.h"
#include "api.h"
#include "api_docs.h"
#include "api_live.h"
#include "http_reply.h"
#include "routes.h"
#include "testhook.h"

#define HEALTH_BODY \
	"{\"status\":\"healthy\",\"service\":\"solar-host\",\"version\":\"" \
	PACKAGE_VERSION "\"}"
#define ROOT_BODY \
	"{\"service\":\"solar-host\",\"version\":\"" PACKAGE_VERSION \
	"\",\"description\":\"Process manager for llama-server instances\"}"

static void
route_health(struct evhttp_request *req, const char **params, size_t n)
{
	(void)params;
	(void)n;
	http_reply_json(req, 200, HEALTH_BODY);
}

static void
route_root(struct evhttp_request *req, const char **params, size_t n)
{
	(void)params;
	(void)n;
	http_reply_json(req, 200, ROOT_BODY);
}

static const struct route routes[] = {
	{ "/", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET, route_root },
	{ "/health", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET, route_health },
	{ "/instances", EVHTTP_REQ_GET, ROUTE_PRIVATE, api_list },
	{ "/instances", EVHTTP_REQ_POST, ROUTE_PRIVATE, api_create },
	{ "/instances/{id}", EVHTTP_REQ_GET, ROUTE_PRIVATE, api_get },
	{ "/instances/{id}", EVHTTP_REQ_PUT, ROUTE_PRIVATE, api_update },
	{ "/instances/{id}", EVHTTP_REQ_DELETE, ROUTE_PRIVATE, api_delete },
	{ "/instances/{id}/start", EVHTTP_REQ_POST, ROUTE_PRIVATE, api_start },
	{ "/instances/{id}/stop", EVHTTP_REQ_POST, ROUTE_PRIVATE, api_stop },
	{ "/instances/{id}/restart", EVHTTP_REQ_POST, ROUTE_PRIVATE,
	    api_restart },
	{ "/instances/{id}/logs", EVHTTP_REQ_GET, ROUTE_WEBSOCKET,
	    api_logs_ws },
	{ "/instances/{id}/state", EVHTTP_REQ_GET, ROUTE_WEBSOCKET,
	    api_state },
	{ "/instances/{id}/last-generation", EVHTTP_REQ_GET, ROUTE_PRIVATE,
	    api_last_generation },
	{ "/memory", EVHTTP_REQ_GET, ROUTE_PRIVATE, api_memory },
	{ "/openapi.json", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET, api_openapi },
	{ "/docs", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET, api_docs },
	{ "/docs/assets/{name}", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET,
	    api_docs_asset },
	{ "/redoc", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET, api_redoc },
	{ "/ui", EVHTTP_REQ_GET, ROUTE_PUBLIC_GET, api_ui },
#ifdef SOLAR_TEST_HOOKS
	{ "/_test/escape", EVHTTP_REQ_POST, ROUTE_PRIVATE, api_test_escape },
#endif
};

/* Match one segment-wise pattern; "{x}" takes any non-empty segment. */
static int
pattern_match(const char *pat, char *path, const char **params,
    size_t *nparams, size_t maxparams)
{
	const char	*pe;
	char		*se;
	size_t		 plen, slen;

	*nparams = 0;
	for (;;) {
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
		if (*pat != '/' || *path != '/')
			return 0;
		pat++;
		path++;
		pe = strchr(pat, '/');
		plen = pe != NULL ? (size_t)(pe - pat) : strlen(pat);
		se = strchr(path, '/');
		slen = se != NULL ? (size_t)(se - path) : strlen(path);
		if (plen > 2 && pat[0] == '{' && pat[plen - 1] == '}') {
			if (slen == 0 || *nparams == maxparams)
				return 0;
			params[(*nparams)++] = path;
		} else if (plen != slen || strncmp(pat, path, plen) != 0)
			return 0;
		pat += plen;
		path += slen;
	}
}

/*
 * The route for path and method.  *allowed gets every method the path
 * takes, so a miss tells 404 (none) from 405.
 */
const struct route *
routes_match(const char *path, unsigned int method, const char **params,
    size_t *nparams, size_t maxparams, char *storage, size_t storagelen,
    unsigned int *allowed)
{
	const struct route	*found = NULL;
	const char		*tmp[8];
	size_t			 i, k, n;
	char			*p;

	*allowed = 0;
	*nparams = 0;
	if (strlen(path) >= storagelen || maxparams > 8)
		return NULL;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		strcpy(storage, path);
		if (!pattern_match(routes[i].pattern, storage, tmp, &n,
		    maxparams))
			continue;
		*allowed |= routes[i].methods;
		if (found != NULL || (routes[i].methods & method) == 0)
			continue;
		found = &routes[i];
		/* Cut the matched parameters out as strings of their own. */
		for (k = 0; k < n; k++) {
			if ((p = strchr(tmp[k], '/')) != NULL)
				*p = '\0';
			params[k] = tmp[k];
		}
		*nparams = n;
		/* Later patterns must not overwrite the storage in use. */
		storage += strlen(path) + 1;
		storagelen -= strlen(path) + 1;
		if (strlen(path) >= storagelen)
			break;
	}
	return found;
}

/* 1 when path matches a route marked with flag in the table. */
static int
routes_flagged(const char *path, enum route_public flag)
{
	const char	*params[4];
	char		 storage[2048];
	size_t		 i, n;

	if (strlen(path) >= sizeof(storage))
		return 0;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].public != flag)
			continue;
		strcpy(storage, path);
		if (pattern_match(routes[i].pattern, storage, params, &n, 4))
			return 1;
	}
	return 0;
}

/* Paths a browser reaches over WebSocket, which cannot carry headers. */
int
routes_websocket(const char *path)
{
	return routes_flagged(path, ROUTE_WEBSOCKET);
}

/* A GET anyone may make. */
int
routes_public_get(const char *path)
{
	return routes_flagged(path, ROUTE_PUBLIC_GET);
}

size_t
routes_count(void)
{
	return sizeof(routes) / sizeof(routes[0]);
}

const struct route *
routes_at(size_t i)
{
	return i < routes_count() ? &routes[i] : NULL;
}

void
routes_allow_header(unsigned int methods, char *buf, size_t len)
{
	static const struct {
		unsigned int	 m;
		const char	*name;
	} names[] = {
		{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" },
		{ EVHTTP_REQ_PUT, "PUT" }, { EVHTTP_REQ_DELETE, "DELETE" },
		{ EVHTTP_REQ_PATCH, "PATCH" },
	};
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((methods & names[i].m) == 0)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", len);
		strlcat(buf, names[i].name, len);
	}
}
