/*
 * chanev.h: a channel (channel.h) bound to an event base, the one read and
 * dispatch loop both ends of the supervisor/apid channel use.  What arrives
 * is handed to the owner message by message; what goes out is flushed as
 * the socket takes it.  Any failure is reported to the owner once, after
 * which the channel reads and dispatches no more.
 */
#ifndef SOLAR_CHANEV_H
#define SOLAR_CHANEV_H

#include <stddef.h>
#include <stdint.h>

struct chanbuf;
struct chanev;
struct chanmsg;
struct event_base;

/* Why the channel failed; the text that comes with it says more. */
enum chanev_why {
	CHANEV_EOF,		/* the peer closed its end */
	CHANEV_READ,		/* reading failed (errno's text) */
	CHANEV_WRITE,		/* writing failed (errno's text) */
	CHANEV_MALFORMED	/* a bad frame, or the handler refused one */
};

struct chanev_ops {
	/* One message; -1 when it is malformed.  The message is cleared
	 * afterwards: take what must outlive the call. */
	int	(*message)(void *, struct chanmsg *);
	/* Once, when the channel fails.  It may free the chanev. */
	void	(*failed)(void *, enum chanev_why, const char *);
	/* Optional: a wait for the socket ended with nothing left unsent. */
	void	(*drained)(void *);
};

/* Takes the socket (even on failure, when it is closed) and starts
 * reading; NULL on error (errno). */
struct chanev	*chanev_new(struct event_base *, int fd,
		    const struct chanev_ops *, void *arg);
/* Closes the socket; safe from inside any of the ops. */
void		 chanev_free(struct chanev *);

/* Queue a message (and a descriptor the channel then owns, or -1) without
 * writing it yet; -1 on error (errno). */
int		 chanev_queue(struct chanev *, uint32_t type, uint32_t peerid,
		    int fd, const struct chanbuf *);
/* Write what the socket takes now and wait for room for the rest; -1 when
 * writing failed, after failed was called (the chanev may be gone). */
int		 chanev_flush(struct chanev *);
/* Wait for room instead of writing now (for callers that may not fail
 * here, such as a log sink). */
void		 chanev_want_write(struct chanev *);
/* Write what the socket takes now and report nothing: the process ends. */
void		 chanev_last_words(struct chanev *);
size_t		 chanev_pending(const struct chanev *);	/* bytes unsent */

#endif
