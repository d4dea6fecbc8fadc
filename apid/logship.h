/*
 * logship.h: an instance's log lines, as the supervisor ships them, to
 * the log WebSockets and, through the runtime they feed, to the state
 * WebSockets (logship.c).
 */
#ifndef SOLAR_LOGSHIP_H
#define SOLAR_LOGSHIP_H

#include <stdint.h>

struct apid;
struct evhttp_request;
struct msg_log_lines;
struct wsess;

/* The owner of a log session (wsession.h): asks for the history at its
 * start, and forgets the session at its end. */
void	logship_start(struct wsess *, struct evhttp_request *);
void	logship_end(struct wsess *);
/* LOG_LINES, and LOG_HISTORY answering the HISTORY of peer id req. */
void	logship_lines(struct apid *, const struct msg_log_lines *);
void	logship_history(struct apid *, uint32_t req,
	    const struct msg_log_lines *);

#endif
