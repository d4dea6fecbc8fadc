/*
 * channel.h: framed messages over a non-blocking AF_UNIX stream socket,
 * in the spirit of OpenBSD's imsg (our own code).
 *
 * Wire format of one message: a 16-byte header of four big-endian u32
 * (type, total length including the header, peer id used as a request id,
 * flags), then the payload.  When CHAN_F_FD is set, one descriptor travels
 * with SCM_RIGHTS attached to the first byte of the message; only the
 * types proto_takes_fd() names may set it.
 *
 * Payloads are built field by field (struct chanbuf, a strbuf capped at
 * CHAN_MAX_MSG) and read back with
 * strict length checks (struct chanmsg); leftover bytes are an error.
 */
#ifndef SOLAR_CHANNEL_H
#define SOLAR_CHANNEL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define CHAN_HDR_SIZE		16
/* Fits the largest legal instance (2 x 256 strings of 4096 characters of up
 * to 4 bytes each, plus the rest) and a batch of log lines. */
#define CHAN_MAX_MSG		(16u * 1024 * 1024)
#define CHAN_F_FD		0x1u

struct chan;

/* A message being composed: its own type so that every payload gets the cap. */
struct chanbuf {
	struct strbuf	 sb;	/* sb.failed: ENOMEM, or EMSGSIZE past the cap */
};

/* A message received. */
struct chanmsg {
	uint32_t	 type;
	uint32_t	 peerid;
	uint32_t	 flags;
	int		 fd;		/* -1 when none; owned until taken */
	uint8_t		*data;		/* payload */
	size_t		 len;
	size_t		 rpos;
};

struct chan	*chan_new(int fd);		/* takes the socket; sets O_NONBLOCK */
void		 chan_free(struct chan *);	/* closes the socket and queued fds */
int		 chan_fd(const struct chan *);

/* Append a composed message (copies it) and, if fd >= 0, a descriptor that
 * the channel now owns and closes after sending.  -1 on error (errno;
 * EINVAL for a descriptor on a type that carries none). */
int		 chan_send(struct chan *, uint32_t type, uint32_t peerid, int fd,
		    const struct chanbuf *);
int		 chan_send_empty(struct chan *, uint32_t type, uint32_t peerid);
/* Write what can be written: 0 all sent, 1 more pending, -1 error (errno). */
int		 chan_flush(struct chan *);
size_t		 chan_pending(const struct chan *);	/* bytes not yet written */

/* Read what is available: >0 bytes read, 0 end of file, -1 error (errno;
 * EAGAIN when nothing is there; EBADMSG when control data was truncated). */
ssize_t		 chan_read(struct chan *);
/* Take the next complete message: 1 got one, 0 need more bytes, -1 the
 * stream is malformed (errstr says why; the channel must be dropped),
 * which includes a descriptor on a type that carries none. */
int		 chan_get(struct chan *, struct chanmsg *, const char **errstr);

/* Composing. */
void		 chanbuf_init(struct chanbuf *);
void		 chanbuf_free(struct chanbuf *);
void		 chanbuf_reset(struct chanbuf *);
void		 chanbuf_u8(struct chanbuf *, uint8_t);
void		 chanbuf_u32(struct chanbuf *, uint32_t);
void		 chanbuf_u64(struct chanbuf *, uint64_t);
void		 chanbuf_i64(struct chanbuf *, int64_t);
void		 chanbuf_f64(struct chanbuf *, double);
void		 chanbuf_bytes(struct chanbuf *, const void *, size_t);	/* u32 length + bytes */
void		 chanbuf_str(struct chanbuf *, const char *);	/* NULL allowed: encoded as absent */

/* Reading: each returns 0, or -1 when the payload is too short or the value
 * is malformed.  Strings come back NUL-terminated, checked to contain no
 * NUL, and allocated (free with free(3)); an absent string gives NULL. */
int		 chanmsg_u8(struct chanmsg *, uint8_t *);
int		 chanmsg_u32(struct chanmsg *, uint32_t *);
int		 chanmsg_u64(struct chanmsg *, uint64_t *);
int		 chanmsg_i64(struct chanmsg *, int64_t *);
int		 chanmsg_f64(struct chanmsg *, double *);
int		 chanmsg_str(struct chanmsg *, char **);
/* Bytes of chanbuf_bytes, pointing into the message (any byte allowed). */
int		 chanmsg_bytes(struct chanmsg *, const uint8_t **, size_t *);
int		 chanmsg_end(const struct chanmsg *);	/* 0 when nothing is left over */
int		 chanmsg_take_fd(struct chanmsg *);	/* the fd, now the caller's, or -1 */
void		 chanmsg_clear(struct chanmsg *);	/* frees data, closes an untaken fd */
void		 chanmsg_init(struct chanmsg *);	/* empty, no fd (chan_get's) */

#endif
