/* hello.h: the supervisor's first message (hello.c). */
#ifndef SOLAR_HELLO_H
#define SOLAR_HELLO_H

struct apid;
struct chanmsg;

/* HELLO: serve with its settings on its socket.  -1 when malformed. */
int	hello_message(struct apid *, struct chanmsg *);

#endif
