/*
 * wsession.h: WebSocket sessions on the API port: the takeover of an
 * evhttp connection after the upgrade and each client's bounded queue of
 * frames.  What a session carries is up to its owner.
 */
#ifndef SOLAR_WSESSION_H
#define SOLAR_WSESSION_H

#include <stddef.h>
#include <stdint.h>

struct evhttp_request;
struct wsess;
struct wsq;

enum wss_kind {
	WSS_LOGS,
	WSS_STATE,
};

/* Told once the 101 is queued (for an instance apid knows), and as the
 * session is freed. */
struct wss_owner {
	void	(*start)(struct wsess *, struct evhttp_request *);
	void	(*end)(struct wsess *);
};

/* GET on a WebSocket path: upgrade, or 404 for a plain GET. */
void	wss_upgrade(struct evhttp_request *, enum wss_kind, const char *id,
	    const struct wss_owner *);
const char	*wss_id(const struct wsess *);
/* 1 once the session's close has begun: nothing more goes to it. */
int	wss_finishing(const struct wsess *);
/* The frames waiting for the client; wss_pump moves them on. */
struct wsq	*wss_queue(struct wsess *);
void	wss_pump(struct wsess *);
void	wss_send_text(struct wsess *, const char *, size_t);
/* The JSON as the last frame, then a normal close. */
void	wss_error_close(struct wsess *, const char *json);
void	wss_close(struct wsess *, uint16_t code);
/* To every session of kind for the instance id that is not closing. */
void	wss_broadcast(enum wss_kind, const char *id, const char *, size_t);
/* An instance is gone, or its child started afresh. */
void	wss_instance_gone(const char *id);
/* Every session ends (before the HTTP server is freed). */
void	wss_close_all(void);
size_t	wss_count(void);

#endif
