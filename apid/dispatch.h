/* dispatch.h: the supervisor's messages to their modules (dispatch.c). */
#ifndef SOLAR_DISPATCH_H
#define SOLAR_DISPATCH_H

struct apid;
struct chanmsg;

/* One message from the supervisor: -1 when malformed or out of turn. */
int	dispatch_message(struct apid *, struct chanmsg *);

#endif
