/* api_live.h: the endpoints of live data (api_live.c), handlers of routes.c. */
#ifndef SOLAR_API_LIVE_H
#define SOLAR_API_LIVE_H

#include <stddef.h>

struct evhttp_request;

void	api_logs_ws(struct evhttp_request *, const char **, size_t);
void	api_state(struct evhttp_request *, const char **, size_t);
void	api_last_generation(struct evhttp_request *, const char **, size_t);
void	api_memory(struct evhttp_request *, const char **, size_t);

#endif
