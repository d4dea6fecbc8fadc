/*
 * logship.h: an instance's log lines, as the supervisor ships them, to
 * the log WebSockets and, through the runtime they feed, to the state
 * WebSockets (logship.c).
 */
#ifndef SOLAR_LOGSHIP_H
#define SOLAR_LOGSHIP_H

struct apid;
struct chanmsg;
struct evhttp_request;
struct wsess;

/* The owner of a log session (wsession.h): asks for the history at its
 * start, and forgets the session at its end. */
void	logship_start(struct wsess *, struct evhttp_request *);
void	logship_end(struct wsess *);
/* LOG_LINES and LOG_HISTORY from the supervisor: -1 when malformed. */
int	logship_lines(struct apid *, struct chanmsg *);
int	logship_history(struct apid *, struct chanmsg *);

#endif
