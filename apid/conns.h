/* conns.h: HTTP connections counted, limited and given deadlines. */
#ifndef SOLAR_CONNS_H
#define SOLAR_CONNS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
struct evconnlistener;

int			 conns_setup(struct event_base *, struct evconnlistener *,
			    size_t max, int timeout_s, int header_timeout_s);
struct bufferevent	*conns_new_bev(struct event_base *, void *);	/* evhttp_set_bevcb */
/* A whole request came; 1 when its head held a NUL byte. */
int			 conns_request(struct bufferevent *);
void			 conns_answered(struct bufferevent *);	/* the next one may come */
size_t			 conns_count(void);
void			 conns_teardown(void);

#endif
