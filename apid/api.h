/* api.h: the instance endpoints (api.c), handlers of routes.c. */
#ifndef SOLAR_API_H
#define SOLAR_API_H

#include <stddef.h>

struct evhttp_request;

void	api_list(struct evhttp_request *, const char **, size_t);
void	api_create(struct evhttp_request *, const char **, size_t);
void	api_get(struct evhttp_request *, const char **, size_t);
void	api_update(struct evhttp_request *, const char **, size_t);
void	api_delete(struct evhttp_request *, const char **, size_t);
void	api_start(struct evhttp_request *, const char **, size_t);
void	api_stop(struct evhttp_request *, const char **, size_t);
void	api_restart(struct evhttp_request *, const char **, size_t);

#endif
