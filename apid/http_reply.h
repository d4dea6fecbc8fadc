/* http_reply.h: apid's answers over HTTP (http_reply.c). */
#ifndef SOLAR_HTTP_REPLY_H
#define SOLAR_HTTP_REPLY_H

#include <stddef.h>

struct evbuffer;
struct evhttp_request;
struct json_t;

/* Each adds the CORS headers of a simple response, but http_reply_raw. */
void	http_reply(struct evhttp_request *, int code, const char *ctype,
	    const char *body);
void	http_reply_raw(struct evhttp_request *, int code, const char *ctype,
	    const char *body);
void	http_reply_json(struct evhttp_request *, int code, const char *body);
void	http_reply_jsonn(struct evhttp_request *, int code, const char *body,
	    size_t len);
void	http_reply_detail(struct evhttp_request *, int code, const char *detail);
void	http_reply_buffer(struct evhttp_request *, int code, struct evbuffer *);
void	http_reply_422(struct evhttp_request *, struct json_t *detail);

#endif
