/*
 * channel.c: framed messages and descriptors over a non-blocking
 * socketpair; the fields of a payload are chanfield.c's.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "channel.h"
#include "proto.h"

/* Bytes asked of one recvmsg; the input never holds more than a maximal
 * message plus one read, so a peer cannot make us buffer without bound. */
#define CHAN_READ_SIZE		(64 * 1024)
#define CHAN_IN_CAP		(CHAN_MAX_MSG + CHAN_READ_SIZE)
/* Messages gathered into one sendmsg. */
#define CHAN_IOV_MAX		64
/* Descriptors one recvmsg can take; more in one go is a truncation. */
#define CHAN_RECV_FDS		4

/* A message waiting to be written. */
struct chan_out {
	TAILQ_ENTRY(chan_out)	 entry;
	uint8_t			*data;	/* header and payload */
	size_t			 len;
	size_t			 off;	/* bytes already written */
	int			 fd;	/* -1 once sent, or when none */
};

/* A descriptor received, with the stream bytes that came with it. */
struct chan_infd {
	TAILQ_ENTRY(chan_infd)	 entry;
	int			 fd;
	uint64_t		 start;	/* absolute offsets [start, end) */
	uint64_t		 end;
};

struct chan {
	int			 fd;
	int			 eof;
	const char		*err;	/* set once the input is unusable */

	TAILQ_HEAD(, chan_out)	 outq;
	size_t			 pending;

	uint8_t			*in;
	size_t			 incap;
	size_t			 inlen;	/* bytes held */
	size_t			 inpos;	/* start of the next unparsed message */
	uint64_t		 inbase;	/* absolute offset of in[0] */
	TAILQ_HEAD(, chan_infd)	 infds;
};

static int	chan_valid_fd(int);
static int	chan_compose(struct chan *, uint32_t, uint32_t, int,
		    const void *, size_t);
static void	chan_sent(struct chan *, size_t);
static void	chan_out_free(struct chan_out *);
static int	chan_in_room(struct chan *);
static int	chan_stray_fds(struct chan *, uint64_t);

struct chan *
chan_new(int fd)
{
	struct chan	*c;
	int		 flags;

	/* On failure the caller still owns fd. */
	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return NULL;
	if ((flags & O_NONBLOCK) == 0 &&
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	TAILQ_INIT(&c->outq);
	TAILQ_INIT(&c->infds);
	return c;
}

void
chan_free(struct chan *c)
{
	struct chan_out		*o;
	struct chan_infd	*cf;

	if (c == NULL)
		return;
	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, entry);
		chan_out_free(o);
	}
	while ((cf = TAILQ_FIRST(&c->infds)) != NULL) {
		TAILQ_REMOVE(&c->infds, cf, entry);
		close(cf->fd);
		free(cf);
	}
	free(c->in);
	close(c->fd);
	free(c);
}

int
chan_fd(const struct chan *c)
{
	return c->fd;
}

/* 1 when fd is -1 or an open descriptor. */
static int
chan_valid_fd(int fd)
{
	if (fd == -1)
		return 1;
	return fd >= 0 && fcntl(fd, F_GETFD) != -1;
}

/*
 * Once chan_send is called the descriptor is the channel's whatever happens:
 * on failure it is closed here, so a caller never has to tell the cases
 * apart.
 */
int
chan_send(struct chan *c, uint32_t type, uint32_t peerid, int fd,
    const struct chanbuf *b)
{
	int	 saved;

	if (b != NULL && b->sb.failed) {
		saved = b->sb.failed == ENOMEM ? ENOMEM : EMSGSIZE;
		if (fd != -1 && chan_valid_fd(fd))
			close(fd);
		errno = saved;
		return -1;
	}
	return chan_compose(c, type, peerid, fd,
	    b == NULL ? NULL : b->sb.data, b == NULL ? 0 : b->sb.len);
}

int
chan_send_empty(struct chan *c, uint32_t type, uint32_t peerid)
{
	return chan_compose(c, type, peerid, -1, NULL, 0);
}

static int
chan_compose(struct chan *c, uint32_t type, uint32_t peerid, int fd,
    const void *payload, size_t plen)
{
	struct chan_out	*o;
	int		 saved;

	if (!chan_valid_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	/* The peer would take it for malformed: refuse it here. */
	if (fd != -1 && !proto_takes_fd(type)) {
		errno = EINVAL;
		goto fail;
	}
	if (plen > CHAN_MAX_MSG - CHAN_HDR_SIZE) {
		errno = EMSGSIZE;
		goto fail;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto fail;
	o->len = CHAN_HDR_SIZE + plen;
	if ((o->data = malloc(o->len)) == NULL) {
		free(o);
		goto fail;
	}
	be32enc(o->data, type);
	be32enc(o->data + 4, (uint32_t)o->len);
	be32enc(o->data + 8, peerid);
	be32enc(o->data + 12, fd == -1 ? 0 : CHAN_F_FD);
	if (plen > 0)
		memcpy(o->data + CHAN_HDR_SIZE, payload, plen);
	o->fd = fd;
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	c->pending += o->len;
	return 0;

 fail:
	if (fd != -1) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return -1;
}

static void
chan_out_free(struct chan_out *o)
{
	if (o->fd != -1)
		close(o->fd);
	free(o->data);
	free(o);
}

/*
 * A descriptor rides on the first byte of its message, so such a message
 * always begins a sendmsg of its own: the receiver then gets the descriptor
 * with a read that holds that byte.  Messages after it may follow in the
 * same call until the next one that carries a descriptor.
 */
int
chan_flush(struct chan *c)
{
	struct iovec	 iov[CHAN_IOV_MAX];
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 mh;
	struct cmsghdr	*cmsg;
	struct chan_out	*head, *o;
	ssize_t		 n;
	int		 niov;

	for (;;) {
		if ((head = TAILQ_FIRST(&c->outq)) == NULL)
			return 0;
		niov = 0;
		TAILQ_FOREACH(o, &c->outq, entry) {
			if (niov == CHAN_IOV_MAX || (o != head && o->fd != -1))
				break;
			iov[niov].iov_base = o->data + o->off;
			iov[niov].iov_len = o->len - o->off;
			niov++;
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = niov;
		/* A descriptor is closed as soon as it has left, so one still
		 * set on the head has not been sent and head->off is 0. */
		if (head->fd != -1) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			mh.msg_control = cmsgbuf.buf;
			mh.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&mh);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cmsg), &head->fd, sizeof(int));
		}
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			return -1;
		}
		if (n == 0)
			return 1;
		if (head->fd != -1) {
			close(head->fd);
			head->fd = -1;
		}
		chan_sent(c, (size_t)n);
	}
}

/* Account for n bytes written from the head of the queue. */
static void
chan_sent(struct chan *c, size_t n)
{
	struct chan_out	*o;
	size_t		 k;

	c->pending -= n;
	while (n > 0 && (o = TAILQ_FIRST(&c->outq)) != NULL) {
		k = o->len - o->off;
		if (k > n)
			k = n;
		o->off += k;
		n -= k;
		if (o->off == o->len) {
			TAILQ_REMOVE(&c->outq, o, entry);
			chan_out_free(o);
		}
	}
}

size_t
chan_pending(const struct chan *c)
{
	return c->pending;
}

/*
 * Make room for the next read: drop what was parsed once it passes half the
 * buffer (or when the room left is short), and grow up to the cap.  1 when
 * there is room, 0 when the caller has let complete messages pile up, -1
 * when memory ran out.
 */
static int
chan_in_room(struct chan *c)
{
	uint8_t	*p;
	size_t	 want, ncap;

	if (c->inpos == c->inlen) {
		c->inbase += c->inpos;
		c->inpos = c->inlen = 0;
	} else if (c->inpos > 0 && (c->inpos > c->incap / 2 ||
	    c->incap - c->inlen < CHAN_READ_SIZE)) {
		memmove(c->in, c->in + c->inpos, c->inlen - c->inpos);
		c->inbase += c->inpos;
		c->inlen -= c->inpos;
		c->inpos = 0;
	}
	if (c->incap - c->inlen < CHAN_READ_SIZE && c->incap < CHAN_IN_CAP) {
		want = c->inlen + CHAN_READ_SIZE;
		ncap = c->incap * 2;
		if (ncap < want)
			ncap = want;
		if (ncap > CHAN_IN_CAP)
			ncap = CHAN_IN_CAP;
		if ((p = realloc(c->in, ncap)) == NULL)
			return -1;
		c->in = p;
		c->incap = ncap;
	}
	return c->incap > c->inlen;
}

/* ENOBUFS when the caller reads without taking the messages it has. */
ssize_t
chan_read(struct chan *c)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(CHAN_RECV_FDS * sizeof(int))];
	}			 cmsgbuf;
	struct iovec		 iov;
	struct msghdr		 mh;
	struct cmsghdr		*cmsg;
	struct chan_infd	*cf;
	uint64_t		 start;
	size_t			 room, i, nfd;
	ssize_t			 n;
	int			 fd, r, drop, nomem;

	if (c->eof)
		return 0;
	if ((r = chan_in_room(c)) == -1)
		return -1;
	if (r == 0) {
		errno = ENOBUFS;
		return -1;
	}
	room = c->incap - c->inlen;
	if (room > CHAN_READ_SIZE)
		room = CHAN_READ_SIZE;

	iov.iov_base = c->in + c->inlen;
	iov.iov_len = room;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof(cmsgbuf.buf);
		if ((n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC)) != -1)
			break;
		if (errno != EINTR)
			return -1;
	}

	start = c->inbase + c->inlen;
	c->inlen += (size_t)n;
	/* Descriptors cut off by a short control buffer leave the stream
	 * unable to say which message owns what: it is unusable. */
	drop = (mh.msg_flags & MSG_CTRUNC) != 0 || n == 0;
	nomem = 0;
	for (cmsg = CMSG_FIRSTHDR(&mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (drop || nomem ||
			    (cf = malloc(sizeof(*cf))) == NULL) {
				nomem = !drop;
				close(fd);
				continue;
			}
			cf->fd = fd;
			cf->start = start;
			cf->end = start + (uint64_t)n;
			TAILQ_INSERT_TAIL(&c->infds, cf, entry);
		}
	}
	if (n == 0) {
		c->eof = 1;
		return 0;
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		c->err = "control data truncated";
		errno = EBADMSG;
		return -1;
	}
	if (nomem) {
		/* A message would miss its descriptor. */
		c->err = "out of memory for a descriptor";
		errno = ENOMEM;
		return -1;
	}
	return n;
}

/*
 * Close the descriptors whose bytes all lie before upto: no message claimed
 * them, so they came where none was expected.  1 when there were any.
 */
static int
chan_stray_fds(struct chan *c, uint64_t upto)
{
	struct chan_infd	*cf;
	int			 found = 0;

	while ((cf = TAILQ_FIRST(&c->infds)) != NULL && cf->end <= upto) {
		TAILQ_REMOVE(&c->infds, cf, entry);
		close(cf->fd);
		free(cf);
		found = 1;
	}
	return found;
}

/*
 * Linux may glue bytes of earlier writes before the segment that carries
 * descriptors in one recvmsg, but stops right after it; so the descriptor of
 * a message starting at S came with the read whose bytes cover S.
 * msg is always initialised, so chanmsg_clear is safe whatever the result;
 * a message got earlier must have been cleared.
 */
int
chan_get(struct chan *c, struct chanmsg *msg, const char **errstr)
{
	struct chan_infd	*cf = NULL;
	const uint8_t		*p;
	uint64_t		 start;
	uint32_t		 len, flags;
	size_t			 plen;

	chanmsg_init(msg);
	if (errstr != NULL)
		*errstr = NULL;
	if (c->err != NULL)
		goto fail;

	start = c->inbase + c->inpos;
	if (c->inlen - c->inpos < CHAN_HDR_SIZE)
		return 0;
	p = c->in + c->inpos;
	len = be32dec(p + 4);
	flags = be32dec(p + 12);
	if (len < CHAN_HDR_SIZE || len > CHAN_MAX_MSG) {
		c->err = "message length out of range";
		goto fail;
	}
	if ((flags & ~CHAN_F_FD) != 0) {
		c->err = "unknown flags in message header";
		goto fail;
	}
	/* A descriptor where none is expected makes the message malformed
	 * (DESIGN); the header says so already.  It stays queued, and
	 * chan_free closes it. */
	if ((flags & CHAN_F_FD) && !proto_takes_fd(be32dec(p))) {
		c->err = "descriptor on a message that carries none";
		goto fail;
	}
	if (c->inlen - c->inpos < len)
		return 0;
	if (flags & CHAN_F_FD) {
		cf = TAILQ_FIRST(&c->infds);
		if (cf == NULL || cf->start > start || cf->end <= start) {
			c->err = "message says it carries a descriptor but "
			    "none came with it";
			goto fail;
		}
	}

	plen = len - CHAN_HDR_SIZE;
	if (plen > 0) {
		/* Not sticky: nothing was consumed, a later call may work. */
		if ((msg->data = malloc(plen)) == NULL) {
			if (errstr != NULL)
				*errstr = "out of memory for a message";
			return -1;
		}
		memcpy(msg->data, p + CHAN_HDR_SIZE, plen);
	}
	msg->type = be32dec(p);
	msg->peerid = be32dec(p + 8);
	msg->flags = flags;
	msg->len = plen;
	if (cf != NULL) {
		TAILQ_REMOVE(&c->infds, cf, entry);
		msg->fd = cf->fd;
		free(cf);
	}
	c->inpos += len;

	/* A descriptor whose bytes all lie before the next message was taken
	 * by none: it came, unasked, with this one. */
	if (chan_stray_fds(c, start + len)) {
		chanmsg_clear(msg);
		c->err = "unexpected descriptor";
		goto fail;
	}
	return 1;

 fail:
	if (errstr != NULL)
		*errstr = c->err;
	return -1;
}
