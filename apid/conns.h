/* conns.h: HTTP connections counted, limited and given a request deadline. */
#ifndef SOLAR_CONNS_H
#define SOLAR_CONNS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
struct evconnlistener;

int			 conns_setup(struct event_base *, struct evconnlistener *,
			    size_t max, int timeout_s);
struct bufferevent	*conns_new_bev(struct event_base *, void *);	/* evhttp_set_bevcb */
void			 conns_request(struct bufferevent *);	/* a whole request came */
void			 conns_answered(struct bufferevent *);	/* the next one may come */
size_t			 conns_count(void);
void			 conns_teardown(void);

#endif
