/* request.h: requests to the supervisor, answered when it replies (request.c). */
#ifndef SOLAR_REQUEST_H
#define SOLAR_REQUEST_H

#include <stdint.h>

struct apid;
struct chanbuf;
struct chanmsg;
struct evhttp_request;

enum api_op {
	OP_CREATE, OP_UPDATE, OP_DELETE, OP_START, OP_STOP, OP_RESTART,
};

/* Sends type with payload b; the reply completes req.  -1: not sent. */
int	request_send(struct apid *, struct evhttp_request *, enum api_op,
	    uint32_t type, const struct chanbuf *);
/* A REPLY arrived: its payload is read from m.  -1 when malformed. */
int	request_reply(struct apid *, struct chanmsg *);
void	request_fail_all(struct apid *);

#endif
