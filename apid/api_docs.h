/*
 * api_docs.h: /openapi.json, /docs, /redoc, their local assets and /ui
 * (api_docs.c), handlers of routes.c.
 */
#ifndef SOLAR_API_DOCS_H
#define SOLAR_API_DOCS_H

#include <stddef.h>
#include <stdint.h>

struct evhttp_request;

void	api_openapi(struct evhttp_request *, const char **, size_t);
void	api_docs(struct evhttp_request *, const char **, size_t);
void	api_redoc(struct evhttp_request *, const char **, size_t);
void	api_docs_asset(struct evhttp_request *, const char **, size_t);
void	api_ui(struct evhttp_request *, const char **, size_t);
/* An asset from the supervisor (ASSET): -1 for a name not served. */
int	docs_asset(const char *name, const uint8_t *, size_t);
void	docs_free(void);

#endif
