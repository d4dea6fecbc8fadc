/* apid.h: the API process's state, the one struct of it (main.c). */
#ifndef SOLAR_APID_H
#define SOLAR_APID_H

#include <stddef.h>

#include "proto.h"

struct cache;
struct chanev;
struct event_base;
struct evhttp;
struct sup_handlers;

struct apid {
	struct event_base	*base;
	struct evhttp		*http;
	struct chanev		*sup;		/* the channel to the supervisor */
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
	struct msg_memory	 memory;	/* ok 0 until the sampler has read */
};

extern struct apid	*apid;

#endif
