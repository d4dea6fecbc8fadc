/*
 * api_docs.c: the API describing itself: GET /openapi.json (the document
 * in the source tree, embedded at build time), Swagger UI at /docs and
 * ReDoc at /redoc, from their CDN or, with DOCS_ASSETS_DIR, from files the
 * supervisor read and handed over; and the dashboard at /ui.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_docs.h"
#include "docs.h"
#include "docsassets.h"
#include "http_reply.h"

extern const char	openapi_json[];
extern const size_t	openapi_json_len;
extern const char	ui_html[];
extern const size_t	ui_html_len;

static const char *const asset_names[DOCS_NASSETS] = { DOCS_ASSET_NAMES };
#define NASSETS	DOCS_NASSETS

static struct {
	char	*data[NASSETS];
	size_t	 len[NASSETS];
} assets;

static int
assets_local(void)
{
	size_t	 i;

	for (i = 0; i < NASSETS; i++)
		if (assets.data[i] == NULL)
			return 0;
	return 1;
}

/* ASSET: -1 for a name we do not serve (the peer is broken). */
int
docs_asset(const char *name, const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < NASSETS; i++)
		if (strcmp(name, asset_names[i]) == 0)
			break;
	if (i == NASSETS)
		return -1;
	free(assets.data[i]);
	if ((assets.data[i] = malloc(len > 0 ? len : 1)) == NULL)
		return -1;
	memcpy(assets.data[i], p, len);
	assets.len[i] = len;
	return 0;
}

void
docs_free(void)
{
	size_t	 i;

	for (i = 0; i < NASSETS; i++) {
		free(assets.data[i]);
		assets.data[i] = NULL;
	}
}

static void
send_typed(struct evhttp_request *req, const char *ctype, const char *body,
    size_t len)
{
	struct evbuffer	*buf;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	if ((buf = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	/* The document and the pages never change: no copy per request. */
	evbuffer_add_reference(buf, body, len, NULL, NULL);
	http_reply_buffer(req, 200, buf);
	evbuffer_free(buf);
}

void
api_openapi(struct evhttp_request *req, const char **params, size_t n)
{
	(void)params;
	(void)n;
	send_typed(req, "application/json", openapi_json, openapi_json_len);
}

void
api_docs(struct evhttp_request *req, const char **params, size_t n)
{
	const char	*html;

	(void)params;
	(void)n;
	html = assets_local() ? docs_swagger_html_local() : docs_swagger_html();
	send_typed(req, "text/html; charset=utf-8", html, strlen(html));
}

void
api_redoc(struct evhttp_request *req, const char **params, size_t n)
{
	const char	*html;

	(void)params;
	(void)n;
	html = assets_local() ? docs_redoc_html_local() : docs_redoc_html();
	send_typed(req, "text/html; charset=utf-8", html, strlen(html));
}

void
api_docs_asset(struct evhttp_request *req, const char **params, size_t n)
{
	size_t	 i;

	(void)n;
	for (i = 0; i < NASSETS; i++)
		if (strcmp(params[0], asset_names[i]) == 0 &&
		    assets.data[i] != NULL)
			break;
	if (i == NASSETS) {
		http_reply_detail(req, 404, "Not Found");
		return;
	}
	send_typed(req, strstr(asset_names[i], ".css") != NULL ?
	    "text/css; charset=utf-8" : "application/javascript; charset=utf-8",
	    assets.data[i], assets.len[i]);
}

/* The dashboard: one page, everything embedded, no external assets. */
void
api_ui(struct evhttp_request *req, const char **params, size_t n)
{
	(void)params;
	(void)n;
	send_typed(req, "text/html; charset=utf-8", ui_html, ui_html_len);
}
