/* apid.h: the API process's state and the interfaces of its modules. */
#ifndef SOLAR_APID_H
#define SOLAR_APID_H

#include <stddef.h>

struct event_base;
struct evhttp;
struct evhttp_request;
struct chan;
struct event;

struct apid {
	struct event_base	*base;
	struct evhttp		*http;
	struct chan		*chan;
	struct event		*ev_read;
	struct event		*ev_write;
	char			*api_key;
	unsigned int		 log_buffer_size;
	unsigned int		 http_timeout_s;
	int			 serving;
};

extern struct apid	*apid;

/* sup.c: the channel to the supervisor. */
int	sup_setup(struct apid *, int fd);
void	sup_teardown(struct apid *);
int	sup_send(struct apid *, unsigned int type, unsigned int peerid,
	    const void *chanbuf);

/* http.c: HTTP set-up, authentication, CORS, answers. */
int	http_setup(struct apid *, int listen_fd);
void	http_teardown(struct apid *);
void	http_reply_json(struct evhttp_request *, int code, const char *body);
void	http_reply_detail(struct evhttp_request *, int code, const char *detail);

/* routes.c: the route table and its handlers. */
enum route_public {
	ROUTE_PRIVATE = 0,
	ROUTE_PUBLIC_GET = 1,	/* GET needs no key; other methods do */
};

struct route {
	const char	*pattern;	/* "{id}" matches one path segment */
	unsigned int	 methods;	/* EVHTTP_REQ_* */
	enum route_public public;
	void		(*handler)(struct evhttp_request *, const char **params,
			    size_t nparams);
};

const struct route *routes_match(const char *path, const char **params,
	    size_t *nparams, size_t maxparams, char *storage, size_t storagelen);
int	routes_public_get(const char *path);
void	routes_allow_header(unsigned int methods, char *buf, size_t len);

#endif
