/* routes.h: the route table and path matching (routes.c). */
#ifndef SOLAR_ROUTES_H
#define SOLAR_ROUTES_H

#include <stddef.h>

struct evhttp_request;

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
