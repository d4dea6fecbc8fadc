/* apid.h: the API process's state and the interfaces of its modules. */
#ifndef SOLAR_APID_H
#define SOLAR_APID_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evhttp;
struct evhttp_request;
struct chan;
struct chanbuf;
struct event;
struct instance;
struct strbuf;
struct cache;
struct json_t;
struct sup_handlers;

struct apid {
	struct event_base	*base;
	struct evhttp		*http;
	struct chan		*chan;
	struct event		*ev_read;
	struct event		*ev_write;
	const struct sup_handlers *handlers;	/* what sup.c reads goes there */
	struct cache		*cache;
	char			*api_key;
	unsigned int		 log_buffer_size;
	unsigned int		 http_timeout_s;
	int			 allow_extra_args;
	unsigned int		 max_connections;
	unsigned int		 ws_max_clients;
	unsigned int		 ws_max_per_instance;
	int			 sandbox;
	unsigned int		 header_timeout_s;	/* for a request head */
	size_t			 ws_max_queued;	/* bytes, all WebSocket queues */
	int			 serving;
	char			*memory_json;	/* NULL until the sampler has read */
};

extern struct apid	*apid;

/* request.c: requests to the supervisor, answered when it replies. */
enum api_op {
	OP_CREATE, OP_UPDATE, OP_DELETE, OP_START, OP_STOP, OP_RESTART,
};
/* Sends type with payload b; the reply completes req.  -1: not sent. */
int	request_send(struct apid *, struct evhttp_request *, enum api_op,
	    uint32_t type, const struct chanbuf *);
/* A REPLY arrived: its payload is read from m.  -1 when malformed. */
struct chanmsg;
int	request_reply(struct apid *, struct chanmsg *);
void	request_fail_all(struct apid *);

/* cache.c: every instance, as the supervisor last sent it. */
struct cache	*cache_new(void);
void		 cache_free(struct cache *);
int		 cache_put(struct cache *, const struct instance *);
void		 cache_remove(struct cache *, const char *id);
const char	*cache_get_json(struct cache *, const char *id, size_t *len);
struct evbuffer;
int		 cache_list_add(struct cache *, struct evbuffer *);
char		*instance_json(const struct instance *, size_t *len);
struct runtime;
struct runtime	*cache_runtime(struct cache *, const char *id);

/* http.c: HTTP set-up, authentication, CORS preflight, routing. */
int	http_setup(struct apid *, int listen_fd);
void	http_teardown(struct apid *);

/* api.c: the instance endpoints. */
void	api_list(struct evhttp_request *, const char **, size_t);
void	api_create(struct evhttp_request *, const char **, size_t);
void	api_get(struct evhttp_request *, const char **, size_t);
void	api_update(struct evhttp_request *, const char **, size_t);
void	api_delete(struct evhttp_request *, const char **, size_t);
void	api_start(struct evhttp_request *, const char **, size_t);
void	api_stop(struct evhttp_request *, const char **, size_t);
void	api_restart(struct evhttp_request *, const char **, size_t);
void	api_logs_ws(struct evhttp_request *, const char **, size_t);
void	api_state_ws(struct evhttp_request *, const char **, size_t);
void	api_state(struct evhttp_request *, const char **, size_t);
void	api_last_generation(struct evhttp_request *, const char **, size_t);
void	api_memory(struct evhttp_request *, const char **, size_t);

/* api_docs.c: /openapi.json, /docs, /redoc and their local assets. */
struct chanmsg;
void	api_openapi(struct evhttp_request *, const char **, size_t);
void	api_docs(struct evhttp_request *, const char **, size_t);
void	api_redoc(struct evhttp_request *, const char **, size_t);
void	api_docs_asset(struct evhttp_request *, const char **, size_t);
void	api_ui(struct evhttp_request *, const char **, size_t);
int	docs_asset_message(struct chanmsg *);
void	docs_free(void);

/* sandbox.c */
int	sandbox_apply(int enabled, unsigned int max_connections, char *err,
	    size_t errlen);

/* testhook.c (test builds only): tries what the sandbox forbids. */
void	api_test_escape(struct evhttp_request *, const char **, size_t);

/* routes.c: the route table and its handlers. */
enum route_public {
	ROUTE_PRIVATE = 0,
	ROUTE_PUBLIC_GET = 1,	/* GET needs no key; other methods do */
	ROUTE_WEBSOCKET = 2,	/* the key may come as ?api_key= */
};

struct route {
	const char	*pattern;	/* "{id}" matches one path segment */
	unsigned int	 methods;	/* EVHTTP_REQ_* */
	enum route_public public;
	void		(*handler)(struct evhttp_request *, const char **params,
			    size_t nparams);
};

const struct route *routes_match(const char *path, unsigned int method,
	    const char **params, size_t *nparams, size_t maxparams,
	    char *storage, size_t storagelen, unsigned int *allowed);
int	routes_public_get(const char *path);
size_t	routes_count(void);
const struct route *routes_at(size_t);
int	routes_websocket(const char *path);
void	routes_allow_header(unsigned int methods, char *buf, size_t len);

#endif
