/* http.h: the HTTP server on the API port (http.c). */
#ifndef SOLAR_HTTP_H
#define SOLAR_HTTP_H

struct apid;

int	http_setup(struct apid *, int listen_fd);
void	http_teardown(struct apid *);

#endif
