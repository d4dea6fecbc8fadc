/* request.h: requests to the supervisor, answered when it replies (request.c). */
#ifndef SOLAR_REQUEST_H
#define SOLAR_REQUEST_H

#include <stdint.h>

struct apid;
struct chanbuf;
struct evhttp_request;
struct msg_reply;

enum api_op {
	OP_CREATE, OP_UPDATE, OP_DELETE, OP_START, OP_STOP, OP_RESTART,
};

/* Sends type with payload b; the reply completes req.  -1: not sent. */
int	request_send(struct apid *, struct evhttp_request *, enum api_op,
	    uint32_t type, const struct chanbuf *);
/* The REPLY to request id arrived (an unknown id is logged). */
void	request_reply(struct apid *, uint32_t id, const struct msg_reply *);
void	request_fail_all(struct apid *);

#endif
