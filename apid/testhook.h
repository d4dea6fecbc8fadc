/* testhook.h (test builds only): tries what the sandbox forbids (testhook.c). */
#ifndef SOLAR_TESTHOOK_H
#define SOLAR_TESTHOOK_H

#include <stddef.h>

struct evhttp_request;

void	api_test_escape(struct evhttp_request *, const char **, size_t);

#endif
