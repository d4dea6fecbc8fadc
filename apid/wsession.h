/*
 * wsession.h: WebSocket sessions on the API port: the takeover of an
 * evhttp connection after the upgrade, each client's bounded queue of
 * frames, the log history seam, and state events.
 */
#ifndef SOLAR_WSESSION_H
#define SOLAR_WSESSION_H

#include <stddef.h>
#include <stdint.h>

struct evhttp_request;
struct chanmsg;

enum wss_kind {
	WSS_LOGS,
	WSS_STATE,
};

/* GET on a WebSocket path: upgrade, or 404 for a plain GET. */
void	wss_upgrade(struct evhttp_request *, enum wss_kind, const char *id);
/* LOG_LINES and LOG_HISTORY from the supervisor: -1 when malformed. */
int	wss_log_lines(struct chanmsg *);
int	wss_log_history(struct chanmsg *);
/* An instance is gone, or its child started afresh. */
void	wss_instance_gone(const char *id);
/* Every session ends (before the HTTP server is freed). */
void	wss_close_all(void);
size_t	wss_count(void);

#endif
