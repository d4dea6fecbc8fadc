/*
 * ws.h: WebSocket (RFC 6455) for both ends: the opening handshake's
 * checks and accept key, and the framing through libwslay over a libevent
 * bufferevent that the caller owns.
 */
#ifndef SOLAR_WS_H
#define SOLAR_WS_H

#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct evkeyvalq;
struct ws;

#define WS_ACCEPT_LEN	28	/* base64 of a SHA-1 */

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (which must be
 * base64 of 16 bytes): 0, or -1 for a bad key. */
int	ws_accept_key(const char *client_key, char out[WS_ACCEPT_LEN + 1]);
/* A client's upgrade request headers are acceptable: Upgrade: websocket,
 * Connection with the Upgrade token, Sec-WebSocket-Version: 13 and a valid
 * Sec-WebSocket-Key.  1 or 0. */
int	ws_is_upgrade(const struct evkeyvalq *headers);
/* A random Sec-WebSocket-Key for a client (24 characters + NUL). */
void	ws_client_key(char out[25]);

struct ws_callbacks {
	/* A whole text message (binary ones are refused with 1003). */
	void	(*on_text)(struct ws *, const char *, size_t, void *arg);
	/* The session is over (close handshake done, peer gone, protocol
	 * error, or too big a message); the owner frees ws and bev later,
	 * never from inside a ws_* call. */
	void	(*on_closed)(struct ws *, uint16_t code, void *arg);
};

/*
 * Frame over bev, which the caller owns and whose callbacks the caller
 * set: it calls ws_read when bev has input and ws_write when bev's output
 * drained.  server selects the server side (frames unmasked out, masked
 * in); max_msg bounds an incoming message.
 */
struct ws	*ws_new(struct bufferevent *bev, int server, size_t max_msg,
		    const struct ws_callbacks *, void *arg);
void		 ws_free(struct ws *);
void		 ws_read(struct ws *);	/* consume bev's input */
void		 ws_write(struct ws *);	/* hand queued frames to bev */
/* Queue one text message (copied).  -1 when the session is closing. */
int		 ws_send_text(struct ws *, const char *, size_t);
int		 ws_ping(struct ws *);
/* Start the close handshake. */
void		 ws_close(struct ws *, uint16_t code, const char *reason);
/* Messages queued inside wslay and not yet handed to bev. */
size_t		 ws_queued(const struct ws *);
int		 ws_closing(const struct ws *);

#endif
