/* hello.h: the supervisor's first message (hello.c). */
#ifndef SOLAR_HELLO_H
#define SOLAR_HELLO_H

struct apid;
struct msg_hello;

/* HELLO, decoded: serve with its settings on fd; takes fd and the API
 * key.  -1: cannot. */
int	hello_message(struct apid *, struct msg_hello *, int fd);

#endif
