/* test_channel.c: framing, descriptors and malformed input over socketpairs. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "proto.h"
#include "t.h"

#define BIGSTR		(1024 * 1024)

static void	mkpair(struct chan **, struct chan **);
static struct chan *mkraw(int *);
static int	transfer(struct chan *, struct chan *, struct chanmsg *,
		    const char **);
static void	drain(struct chan *);
static void	put32(uint8_t *, uint32_t);
static size_t	raw_msg(uint8_t *, uint32_t, uint32_t, uint32_t,
		    const struct chanbuf *);
static void	raw_hdr(uint8_t *, uint32_t, uint32_t, uint32_t, uint32_t);
static ssize_t	send_fds(int, const void *, size_t, const int *, int);
static int	read_full(int, void *, size_t);
static void	mkmsg(struct chanmsg *, const void *, size_t);
static int	fd_open(int);
static int	pipe_nb(int *);
static int	raw_header_case(uint32_t, uint32_t, uint32_t, uint32_t *);

static void	test_wire_format(void);
static void	test_roundtrip(void);
static void	test_max_size(void);
static void	test_bad_send(void);
static void	test_many(void);
static void	test_fd_pass(void);
static void	test_fd_glued(void);
static void	test_fd_send_boundaries(void);
static void	test_split_reads(void);
static void	test_split_writes(void);
static void	test_malformed(void);
static void	test_truncated_eof(void);
static void	test_readers(void);
static void	test_unexpected_fd(void);
static void	test_flagged_without_fd(void);
static void	test_fd_not_expected(void);
static void	test_ctrunc(void);
static void	test_io_errors(void);
static void	test_free_closes(void);
static void	test_input_cap(void);

/* Open descriptors of this process (the directory's own one included,
 * which is the same in every count). */

static void
mkpair(struct chan **a, struct chan **b)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("socketpair");
		exit(2);
	}
	if ((*a = chan_new(sv[0])) == NULL || (*b = chan_new(sv[1])) == NULL) {
		perror("chan_new");
		exit(2);
	}
}

/* A channel and a raw (blocking) socket for its peer. */
static struct chan *
mkraw(int *raw)
{
	struct chan	*c;
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("socketpair");
		exit(2);
	}
	if ((c = chan_new(sv[0])) == NULL) {
		perror("chan_new");
		exit(2);
	}
	*raw = sv[1];
	return c;
}

/* Move bytes from a (may be NULL) to b until b has a message; chan_get's
 * result, or 0 when nothing more can come, < -1 on an I/O failure. */
static int
transfer(struct chan *a, struct chan *b, struct chanmsg *m, const char **err)
{
	ssize_t	n;
	long	i;
	int	r;

	for (i = 0; i < 10000000; i++) {
		if ((r = chan_get(b, m, err)) != 0)
			return r;
		if (a != NULL && chan_flush(a) == -1)
			return -2;
		n = chan_read(b);
		if (n == 0)
			return 0;
		if (n == -1 && errno != EAGAIN)
			return -3;
		if (n == -1 && (a == NULL || chan_pending(a) == 0))
			return 0;
	}
	return -4;
}

/* Read everything that is there. */
static void
drain(struct chan *c)
{
	while (chan_read(c) > 0)
		;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
raw_hdr(uint8_t *p, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t flags)
{
	put32(p, type);
	put32(p + 4, len);
	put32(p + 8, peerid);
	put32(p + 12, flags);
}

/* A message as the wire carries it; returns its length. */
static size_t
raw_msg(uint8_t *p, uint32_t type, uint32_t peerid, uint32_t flags,
    const struct chanbuf *b)
{
	size_t	len = CHAN_HDR_SIZE + (b == NULL ? 0 : b->sb.len);

	raw_hdr(p, type, (uint32_t)len, peerid, flags);
	if (b != NULL && b->sb.len > 0)
		memcpy(p + CHAN_HDR_SIZE, b->sb.data, b->sb.len);
	return len;
}

static ssize_t
send_fds(int s, const void *p, size_t n, const int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(16 * sizeof(int))];
	}		 cb;
	struct msghdr	 mh;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;

	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		mh.msg_control = cb.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	return sendmsg(s, &mh, MSG_NOSIGNAL);
}

static int
read_full(int fd, void *p, size_t n)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		if ((r = read(fd, (uint8_t *)p + got, n - got)) <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* A received message holding these payload bytes. */
static void
mkmsg(struct chanmsg *m, const void *p, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->len = n;
	if (n > 0) {
		if ((m->data = malloc(n)) == NULL)
			exit(2);
		memcpy(m->data, p, n);
	}
}

static int
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* A pipe whose read end does not block, so EOF and "still a writer"
 * can be told apart. */
static int
pipe_nb(int *p)
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	return fcntl(p[0], F_SETFL, O_NONBLOCK);
}

/* Exact bytes on the wire: big-endian header and fields. */
static void
test_wire_format(void)
{
	static const uint8_t	 want[] = {
		0x00, 0x00, 0x00, 0x07,		/* type */
		0x00, 0x00, 0x00, 0x3b,		/* length 59 */
		0x0a, 0x0b, 0x0c, 0x0d,		/* peer id */
		0x00, 0x00, 0x00, 0x00,		/* flags */
		0xab,				/* u8 */
		0x01, 0x02, 0x03, 0x04,		/* u32 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* u64 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,	/* i64 -2 */
		0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* f64 1.0 */
		0x00, 0x00, 0x00, 0x02, 'x', 'y',		/* bytes */
		0x00,						/* absent str */
		0x01, 0x00, 0x00, 0x00, 0x02, 'a', 'b',		/* str */
	};
	static const uint8_t	 empty[] = {
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10,
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	};
	struct chanbuf		 b;
	struct chan		*c;
	uint8_t			 got[sizeof(want)];
	int			 raw;

	c = mkraw(&raw);
	chanbuf_init(&b);
	chanbuf_u8(&b, 0xab);
	chanbuf_u32(&b, 0x01020304);
	chanbuf_u64(&b, 0x0102030405060708ULL);
	chanbuf_i64(&b, -2);
	chanbuf_f64(&b, 1.0);
	chanbuf_bytes(&b, "xy", 2);
	chanbuf_str(&b, NULL);
	chanbuf_str(&b, "ab");
	CHECK(b.sb.failed == 0);
	CHECK(b.sb.len == sizeof(want) - CHAN_HDR_SIZE);
	CHECK(chan_send(c, 7, 0x0a0b0c0d, -1, &b) == 0);
	CHECK(chan_pending(c) == sizeof(want));
	CHECK(chan_flush(c) == 0);
	CHECK(chan_pending(c) == 0);
	memset(got, 0, sizeof(got));
	CHECK(read_full(raw, got, sizeof(want)) == 0);
	CHECK(memcmp(got, want, sizeof(want)) == 0);

	CHECK(chan_send_empty(c, 0x100, 0xffffffff) == 0);
	CHECK(chan_flush(c) == 0);
	CHECK(read_full(raw, got, sizeof(empty)) == 0);
	CHECK(memcmp(got, empty, sizeof(empty)) == 0);

	chanbuf_free(&b);
	chan_free(c);
	close(raw);
}

static void
test_roundtrip(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	char		*big, *s;
	uint64_t	 u64;
	int64_t		 i64;
	double		 d;
	uint32_t	 u32;
	uint8_t		 u8;

	mkpair(&a, &b);
	if ((big = malloc(BIGSTR + 1)) == NULL)
		exit(2);
	memset(big, 'x', BIGSTR);
	big[0] = 'A';
	big[BIGSTR - 1] = 'Z';
	big[BIGSTR] = '\0';

	chanbuf_init(&cb);
	chanbuf_u8(&cb, 0);
	chanbuf_u8(&cb, 255);
	chanbuf_u32(&cb, 0);
	chanbuf_u32(&cb, UINT32_MAX);
	chanbuf_u64(&cb, UINT64_MAX);
	chanbuf_u64(&cb, 0x8000000000000001ULL);
	chanbuf_i64(&cb, INT64_MIN);
	chanbuf_i64(&cb, -1);
	chanbuf_i64(&cb, INT64_MAX);
	chanbuf_f64(&cb, 0.1);
	chanbuf_f64(&cb, -0.0);
	chanbuf_f64(&cb, INFINITY);
	chanbuf_f64(&cb, NAN);
	chanbuf_str(&cb, NULL);
	chanbuf_str(&cb, "");
	chanbuf_str(&cb, "h\xc3\xa9llo");
	chanbuf_bytes(&cb, "a\0b", 3);
	chanbuf_str(&cb, big);
	CHECK(cb.sb.failed == 0);
	CHECK(chan_send(a, 0xfedcba98, 0x12345678, -1, &cb) == 0);
	chanbuf_free(&cb);

	CHECK(transfer(a, b, &m, &err) == 1);
	CHECK(m.type == 0xfedcba98);
	CHECK(m.peerid == 0x12345678);
	CHECK(m.flags == 0);
	CHECK(m.fd == -1);
	CHECK(chanmsg_u8(&m, &u8) == 0 && u8 == 0);
	CHECK(chanmsg_u8(&m, &u8) == 0 && u8 == 255);
	CHECK(chanmsg_u32(&m, &u32) == 0 && u32 == 0);
	CHECK(chanmsg_u32(&m, &u32) == 0 && u32 == UINT32_MAX);
	CHECK(chanmsg_u64(&m, &u64) == 0 && u64 == UINT64_MAX);
	CHECK(chanmsg_u64(&m, &u64) == 0 && u64 == 0x8000000000000001ULL);
	CHECK(chanmsg_i64(&m, &i64) == 0 && i64 == INT64_MIN);
	CHECK(chanmsg_i64(&m, &i64) == 0 && i64 == -1);
	CHECK(chanmsg_i64(&m, &i64) == 0 && i64 == INT64_MAX);
	CHECK(chanmsg_f64(&m, &d) == 0 && d == 0.1);
	CHECK(chanmsg_f64(&m, &d) == 0 && d == 0.0 && signbit(d));
	CHECK(chanmsg_f64(&m, &d) == 0 && isinf(d) && d > 0);
	CHECK(chanmsg_f64(&m, &d) == 0 && isnan(d));
	s = (char *)1;
	CHECK(chanmsg_str(&m, &s) == 0 && s == NULL);
	CHECK(chanmsg_str(&m, &s) == 0 && s != NULL);
	CHECK_STR(s, "");
	free(s);
	CHECK(chanmsg_str(&m, &s) == 0);
	CHECK_STR(s, "h\xc3\xa9llo");
	free(s);
	/* No reader for bytes: the length, then the bytes in place. */
	CHECK(chanmsg_u32(&m, &u32) == 0 && u32 == 3);
	CHECK(m.len - m.rpos >= 3 && memcmp(m.data + m.rpos, "a\0b", 3) == 0);
	m.rpos += 3;
	CHECK(chanmsg_end(&m) == -1);
	s = NULL;
	CHECK(chanmsg_str(&m, &s) == 0 && s != NULL &&
	    strlen(s) == BIGSTR && strcmp(s, big) == 0);
	free(s);
	CHECK(chanmsg_end(&m) == 0);
	CHECK(chanmsg_u8(&m, &u8) == -1);
	chanmsg_clear(&m);
	chanmsg_clear(&m);
	CHECK(m.data == NULL && m.fd == -1);
	CHECK(transfer(a, b, &m, &err) == 0);

	free(big);
	chan_free(a);
	chan_free(b);
}

static void
test_max_size(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		*big;
	uint32_t	 u32;
	size_t		 n = CHAN_MAX_MSG - CHAN_HDR_SIZE - 4, i;
	int		 p[2];

	mkpair(&a, &b);
	if ((big = malloc(CHAN_MAX_MSG)) == NULL)
		exit(2);
	for (i = 0; i < CHAN_MAX_MSG; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 12));

	chanbuf_init(&cb);
	chanbuf_bytes(&cb, big, n);
	CHECK(cb.sb.failed == 0);
	CHECK(chan_send(a, 1, 2, -1, &cb) == 0);
	CHECK(chan_pending(a) == CHAN_MAX_MSG);
	CHECK(transfer(a, b, &m, &err) == 1);
	CHECK(m.len == CHAN_MAX_MSG - CHAN_HDR_SIZE);
	CHECK(chanmsg_u32(&m, &u32) == 0 && u32 == n);
	CHECK(m.len - m.rpos == n && memcmp(m.data + m.rpos, big, n) == 0);
	chanmsg_clear(&m);
	CHECK(chan_pending(a) == 0);

	/* One byte more than the maximum message. */
	chanbuf_reset(&cb);
	chanbuf_bytes(&cb, big, n + 1);
	CHECK(cb.sb.failed == 0);
	errno = 0;
	CHECK(chan_send(a, 1, 2, -1, &cb) == -1 && errno == EMSGSIZE);
	CHECK(chan_pending(a) == 0);

	/* The same with a descriptor: the channel closes it. */
	if (pipe_nb(p) == -1)
		exit(2);
	errno = 0;
	CHECK(chan_send(a, 1, 2, p[1], &cb) == -1 && errno == EMSGSIZE);
	CHECK(!fd_open(p[1]));
	close(p[0]);

	/* A payload that cannot even be composed. */
	chanbuf_reset(&cb);
	chanbuf_bytes(&cb, big, CHAN_MAX_MSG);
	CHECK(cb.sb.failed != 0);
	chanbuf_u8(&cb, 1);
	CHECK(cb.sb.failed != 0);
	errno = 0;
	CHECK(chan_send(a, 1, 2, -1, &cb) == -1 && errno == EMSGSIZE);
	chanbuf_reset(&cb);
	CHECK(cb.sb.failed == 0 && cb.sb.len == 0);
	chanbuf_u8(&cb, 1);
	CHECK(cb.sb.failed == 0 && cb.sb.len == 1);
	CHECK(chan_pending(a) == 0);

	chanbuf_free(&cb);
	free(big);
	chan_free(a);
	chan_free(b);
}

static void
test_bad_send(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	int		 p[2], closed;

	mkpair(&a, &b);
	chanbuf_init(&cb);
	chanbuf_u8(&cb, 1);
	if (pipe(p) == -1)
		exit(2);
	closed = p[1];
	close(p[1]);
	close(p[0]);
	errno = 0;
	CHECK(chan_send(a, 1, 0, closed, &cb) == -1 && errno == EBADF);
	errno = 0;
	CHECK(chan_send(a, 1, 0, -2, &cb) == -1 && errno == EBADF);
	CHECK(chan_pending(a) == 0);
	CHECK(chan_flush(a) == 0);
	chanbuf_free(&cb);
	chan_free(a);
	chan_free(b);
}

static void
test_many(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	char		 want[32], *s;
	uint32_t	 i, v;
	int		 ok;

	mkpair(&a, &b);
	chanbuf_init(&cb);
	for (i = 0; i < 5000; i++) {
		chanbuf_reset(&cb);
		chanbuf_u32(&cb, i);
		snprintf(want, sizeof(want), "message %u", i);
		chanbuf_str(&cb, want);
		if (chan_send(a, i % 7, i * 3, -1, &cb) == -1)
			exit(2);
	}
	chanbuf_free(&cb);
	ok = 1;
	for (i = 0; i < 5000; i++) {
		if (transfer(a, b, &m, &err) != 1) {
			ok = 0;
			break;
		}
		snprintf(want, sizeof(want), "message %u", i);
		s = NULL;
		if (m.type != i % 7 || m.peerid != i * 3 ||
		    chanmsg_u32(&m, &v) == -1 || v != i ||
		    chanmsg_str(&m, &s) == -1 || s == NULL ||
		    strcmp(s, want) != 0 || chanmsg_end(&m) == -1)
			ok = 0;
		free(s);
		chanmsg_clear(&m);
		if (!ok)
			break;
	}
	CHECK(ok);
	CHECK(i == 5000);
	CHECK(transfer(a, b, &m, &err) == 0);
	chan_free(a);
	chan_free(b);
}

static void
test_fd_pass(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	char		 buf[8];
	uint32_t	 v;
	int		 p[2], fd, flags;

	mkpair(&a, &b);
	if (pipe_nb(p) == -1)
		exit(2);
	chanbuf_init(&cb);
	chanbuf_u32(&cb, 77);
	CHECK(chan_send(a, MSG_HELLO, 9, p[1], &cb) == 0);
	chanbuf_free(&cb);
	CHECK(transfer(a, b, &m, &err) == 1);
	CHECK(m.type == MSG_HELLO && m.peerid == 9);
	CHECK(m.flags == CHAN_F_FD);
	CHECK(m.fd >= 0);
	CHECK(chanmsg_u32(&m, &v) == 0 && v == 77 && chanmsg_end(&m) == 0);
	flags = fcntl(m.fd, F_GETFD);
	CHECK(flags != -1 && (flags & FD_CLOEXEC) != 0);
	fd = chanmsg_take_fd(&m);
	CHECK(m.fd == -1);
	chanmsg_clear(&m);
	CHECK(fd_open(fd));	/* clear leaves a taken descriptor alone */
	CHECK(write(fd, "hi", 2) == 2);
	close(fd);
	memset(buf, 0, sizeof(buf));
	CHECK(read(p[0], buf, sizeof(buf)) == 2 && memcmp(buf, "hi", 2) == 0);
	/* EOF: the sender closed its copy once it was sent. */
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	chan_free(a);
	chan_free(b);
}

/* Messages without a descriptor, one with, and more without, all in one
 * read: only the flagged one gets it. */
static void
test_fd_glued(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	char		 buf[4];
	uint32_t	 i, v;
	size_t		 total = 0;
	int		 p[2], fd;

	mkpair(&a, &b);
	if (pipe_nb(p) == -1)
		exit(2);
	chanbuf_init(&cb);
	for (i = 0; i < 6; i++) {
		chanbuf_reset(&cb);
		chanbuf_u32(&cb, i);
		CHECK(chan_send(a, i == 3 ? MSG_HELLO : 10 + i, i,
		    i == 3 ? p[1] : -1, &cb) == 0);
		total += CHAN_HDR_SIZE + 4;
	}
	chanbuf_free(&cb);
	CHECK(chan_flush(a) == 0);
	CHECK(chan_read(b) == (ssize_t)total);
	for (i = 0; i < 6; i++) {
		CHECK(chan_get(b, &m, &err) == 1);
		CHECK(m.type == (i == 3 ? MSG_HELLO : 10 + i));
		CHECK(chanmsg_u32(&m, &v) == 0 && v == i);
		if (i == 3) {
			CHECK(m.flags == CHAN_F_FD && m.fd >= 0);
			fd = chanmsg_take_fd(&m);
			CHECK(write(fd, "x", 1) == 1);
			close(fd);
		} else
			CHECK(m.flags == 0 && m.fd == -1);
		chanmsg_clear(&m);
	}
	CHECK(chan_get(b, &m, &err) == 0);
	CHECK(read(p[0], buf, sizeof(buf)) == 1 && buf[0] == 'x');
	close(p[0]);
	chan_free(a);
	chan_free(b);
}

/*
 * Seen from a raw peer: a message with a descriptor begins its own write, so
 * a read exactly as long as the message before it brings no descriptor, and
 * two messages with descriptors never share one.
 */
static void
test_fd_send_boundaries(void)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(8 * sizeof(int))];
	}		 cbuf;
	struct chan	*c;
	struct chanbuf	 cb;
	struct msghdr	 mh;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	uint8_t		 buf[256];
	ssize_t		 n;
	int		 raw, p[2], q[2], fd, nfd, k;

	c = mkraw(&raw);
	if (pipe_nb(p) == -1 || pipe_nb(q) == -1)
		exit(2);
	chanbuf_init(&cb);
	chanbuf_u32(&cb, 1);
	CHECK(chan_send(c, 10, 0, -1, &cb) == 0);	/* 20 bytes */
	CHECK(chan_send(c, MSG_HELLO, 0, p[1], &cb) == 0); /* 20 bytes, fd */
	CHECK(chan_send(c, 11, 0, -1, &cb) == 0);	/* 20 bytes */
	CHECK(chan_send(c, MSG_HELLO, 0, q[1], &cb) == 0); /* 20 bytes, fd */
	chanbuf_free(&cb);
	CHECK(chan_flush(c) == 0);

	for (k = 0; k < 3; k++) {
		memset(&mh, 0, sizeof(mh));
		memset(&cbuf, 0, sizeof(cbuf));
		iov.iov_base = buf;
		/* First exactly the message before the descriptor. */
		iov.iov_len = k == 0 ? 20 : sizeof(buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(raw, &mh, MSG_CMSG_CLOEXEC);
		nfd = 0;
		fd = -1;
		for (cmsg = CMSG_FIRSTHDR(&mh); cmsg != NULL;
		    cmsg = CMSG_NXTHDR(&mh, cmsg)) {
			if (cmsg->cmsg_type != SCM_RIGHTS)
				continue;
			nfd += (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
		}
		if (k == 0) {
			CHECK(n == 20 && buf[3] == 10);
			CHECK(nfd == 0);
		} else if (k == 1) {
			/* The HELLO carries the fd; type 11 may follow it. */
			CHECK(n == 40 && buf[3] == MSG_HELLO && buf[23] == 11);
			CHECK(nfd == 1);
		} else {
			CHECK(n == 20 && buf[3] == MSG_HELLO);
			CHECK(nfd == 1);
		}
		if (nfd > 0)
			close(fd);
	}
	close(p[0]);
	close(q[0]);
	chan_free(c);
	close(raw);
}

/* The raw bytes of three messages written one byte at a time: each one
 * comes out exactly when its last byte is in, and not before. */
static void
test_split_reads(void)
{
	struct chan	*c;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		 wire[128], u8;
	size_t		 len, ends[3], i;
	uint32_t	 u32;
	char		*s, buf[4];
	int		 raw, p[2], next, r, fd, ok_zero = 1;

	c = mkraw(&raw);
	if (pipe_nb(p) == -1)
		exit(2);
	chanbuf_init(&cb);
	chanbuf_u32(&cb, 0xaabbccdd);
	chanbuf_str(&cb, "hey");
	len = raw_msg(wire, 1, 100, 0, &cb);
	ends[0] = len;
	chanbuf_reset(&cb);
	chanbuf_u8(&cb, 9);
	len += raw_msg(wire + len, MSG_HELLO, 200, CHAN_F_FD, &cb);
	ends[1] = len;
	len += raw_msg(wire + len, 3, 300, 0, NULL);
	ends[2] = len;
	chanbuf_free(&cb);

	next = 0;
	for (i = 0; i < len; i++) {
		/* The descriptor rides on the first byte of message 2. */
		if (i == ends[0])
			CHECK(send_fds(raw, wire + i, 1, &p[1], 1) == 1);
		else
			CHECK(write(raw, wire + i, 1) == 1);
		CHECK(chan_read(c) == 1);
		while ((r = chan_get(c, &m, &err)) == 1) {
			CHECK(next < 3 && i + 1 == ends[next]);
			switch (next) {
			case 0:
				CHECK(m.type == 1 && m.peerid == 100);
				CHECK(m.fd == -1);
				CHECK(chanmsg_u32(&m, &u32) == 0 &&
				    u32 == 0xaabbccdd);
				s = NULL;
				CHECK(chanmsg_str(&m, &s) == 0);
				CHECK_STR(s, "hey");
				free(s);
				break;
			case 1:
				CHECK(m.type == MSG_HELLO && m.peerid == 200);
				CHECK(m.flags == CHAN_F_FD && m.fd >= 0);
				CHECK(chanmsg_u8(&m, &u8) == 0 && u8 == 9);
				fd = chanmsg_take_fd(&m);
				CHECK(write(fd, "z", 1) == 1);
				close(fd);
				break;
			case 2:
				CHECK(m.type == 3 && m.peerid == 300);
				CHECK(m.len == 0 && m.fd == -1);
				break;
			}
			CHECK(chanmsg_end(&m) == 0);
			chanmsg_clear(&m);
			next++;
		}
		if (r != 0)
			ok_zero = 0;
	}
	CHECK(ok_zero);
	CHECK(next == 3);
	close(p[1]);
	CHECK(read(p[0], buf, sizeof(buf)) == 1 && buf[0] == 'z');
	close(p[0]);
	chan_free(c);
	close(raw);
}

/* More than the socket holds, with descriptors among partial writes. */
static void
test_split_writes(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		*pat;
	uint32_t	 u32, i;
	size_t		 sizes[4] = { 300000, 10, 200000, 5 };
	char		 buf[4];
	int		 pipes[4][2], withfd[4] = { 0, 1, 1, 0 };
	int		 sz = 4096, r, got = 0, pend = 0, flushes = 0, fd, ok;

	mkpair(&a, &b);
	CHECK(setsockopt(chan_fd(a), SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)) == 0);
	CHECK(setsockopt(chan_fd(b), SOL_SOCKET, SO_RCVBUF, &sz,
	    sizeof(sz)) == 0);
	if ((pat = malloc(300000)) == NULL)
		exit(2);
	chanbuf_init(&cb);
	for (i = 0; i < 4; i++) {
		memset(pat, 'a' + i, sizes[i]);
		pat[0] = '<';
		pat[sizes[i] - 1] = '>';
		chanbuf_reset(&cb);
		chanbuf_bytes(&cb, pat, sizes[i]);
		pipes[i][0] = pipes[i][1] = -1;
		if (withfd[i] && pipe_nb(pipes[i]) == -1)
			exit(2);
		CHECK(chan_send(a, withfd[i] ? MSG_HELLO : 10 + i, i,
		    pipes[i][1], &cb) == 0);
	}
	chanbuf_free(&cb);

	for (;;) {
		r = chan_flush(a);
		flushes++;
		if (r == 1)
			pend++;
		CHECK(r != -1);
		drain(b);
		while (chan_get(b, &m, &err) == 1) {
			i = (uint32_t)got++;
			memset(pat, 'a' + i, sizes[i]);
			pat[0] = '<';
			pat[sizes[i] - 1] = '>';
			ok = m.type == (withfd[i] ? MSG_HELLO : 10 + i) &&
			    m.peerid == i && chanmsg_u32(&m, &u32) == 0 &&
			    u32 == sizes[i] && m.len - m.rpos == sizes[i] &&
			    memcmp(m.data + m.rpos, pat, sizes[i]) == 0;
			CHECK(ok);
			if (withfd[i]) {
				CHECK(m.fd >= 0);
				fd = chanmsg_take_fd(&m);
				CHECK(write(fd, "w", 1) == 1);
				close(fd);
				CHECK(read(pipes[i][0], buf, 4) == 1);
				/* Only the one that was sent: EOF now. */
				CHECK(read(pipes[i][0], buf, 4) == 0);
				close(pipes[i][0]);
			} else
				CHECK(m.fd == -1);
			chanmsg_clear(&m);
		}
		if (r != 1 || flushes > 100000)
			break;
	}
	CHECK(pend > 0);
	CHECK(flushes > 2);
	CHECK(got == 4);
	CHECK(chan_pending(a) == 0);
	free(pat);
	chan_free(a);
	chan_free(b);
}

/* One header written raw; chan_get's verdict, and it stays -1. */
static int
raw_header_case(uint32_t type, uint32_t len, uint32_t flags, uint32_t *gottype)
{
	struct chan	*c;
	struct chanmsg	 m;
	const char	*err = NULL;
	uint8_t		 hdr[CHAN_HDR_SIZE];
	int		 raw, r;

	c = mkraw(&raw);
	raw_hdr(hdr, type, len, 1, flags);
	if (write(raw, hdr, sizeof(hdr)) != sizeof(hdr))
		exit(2);
	drain(c);
	r = chan_get(c, &m, &err);
	if (r == -1) {
		CHECK(err != NULL && *err != '\0');
		CHECK(m.data == NULL && m.fd == -1);
		CHECK(chan_get(c, &m, &err) == -1);
	}
	if (r == 1 && gottype != NULL)
		*gottype = m.type;
	chanmsg_clear(&m);
	chan_free(c);
	close(raw);
	return r;
}

static void
test_malformed(void)
{
	uint32_t	raw_header_type;

	CHECK(raw_header_case(1, 15, 0, NULL) == -1);
	CHECK(raw_header_case(1, 0, 0, NULL) == -1);
	CHECK(raw_header_case(1, CHAN_MAX_MSG + 1, 0, NULL) == -1);
	CHECK(raw_header_case(1, UINT32_MAX, 0, NULL) == -1);
	CHECK(raw_header_case(1, 16, 0x2, NULL) == -1);
	CHECK(raw_header_case(1, 16, 0x80000000u, NULL) == -1);
	CHECK(raw_header_case(1, 16, CHAN_F_FD | 0x4, NULL) == -1);
	/* The limits themselves are fine. */
	CHECK(raw_header_case(1, 16, 0, NULL) == 1);
	CHECK(raw_header_case(1, CHAN_MAX_MSG, 0, NULL) == 0);
	/* An unknown type is for the caller to judge. */
	raw_header_type = 0;
	CHECK(raw_header_case(0xffffffffu, 16, 0, &raw_header_type) == 1);
	CHECK(raw_header_type == 0xffffffffu);
}

static void
test_truncated_eof(void)
{
	struct chan	*c;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		 wire[100];
	int		 raw, sv[2];

	c = mkraw(&raw);
	memset(wire, 'q', sizeof(wire));
	raw_hdr(wire, 1, sizeof(wire), 0, 0);
	CHECK(write(raw, wire, 66) == 66);
	close(raw);
	CHECK(chan_read(c) == 66);
	CHECK(chan_get(c, &m, &err) == 0);
	CHECK(chan_read(c) == 0);
	CHECK(chan_get(c, &m, &err) == 0);
	CHECK(chan_read(c) == 0);
	/* After EOF nothing more is read, even from a socket that now has
	 * bytes under the same number. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		exit(2);
	CHECK(write(sv[1], wire + 66, 34) == 34);
	CHECK(dup2(sv[0], chan_fd(c)) == chan_fd(c));
	close(sv[0]);
	close(sv[1]);
	CHECK(chan_read(c) == 0);
	CHECK(chan_get(c, &m, &err) == 0);
	chan_free(c);

	/* A partial header, then EOF. */
	c = mkraw(&raw);
	CHECK(write(raw, wire, 10) == 10);
	close(raw);
	CHECK(chan_read(c) == 10);
	CHECK(chan_get(c, &m, &err) == 0);
	CHECK(chan_read(c) == 0);
	CHECK(chan_get(c, &m, &err) == 0);
	chan_free(c);
}

static void
test_readers(void)
{
	static const uint8_t	 past_end[] = {
		1, 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e'
	};
	static const uint8_t	 with_nul[] = { 1, 0, 0, 0, 3, 'a', 0, 'b' };
	static const uint8_t	 marker[] = { 2, 0, 0, 0, 0 };
	static const uint8_t	 short_len[] = { 1, 0, 0 };
	static const uint8_t	 absent[] = { 0 };
	static const uint8_t	 empty[] = { 1, 0, 0, 0, 0 };
	static const uint8_t	 good[] = { 1, 0, 0, 0, 2, 'o', 'k' };
	static const uint8_t	 seven[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct chanmsg		 m;
	uint64_t		 u64;
	int64_t			 i64;
	double			 d;
	uint32_t		 u32;
	uint8_t			 u8;
	char			*s;
	int			 p[2], fd;

	/* The buffer holds five bytes of string but the payload ends after
	 * three of them. */
	mkmsg(&m, past_end, sizeof(past_end));
	m.len -= 2;
	s = (char *)1;
	CHECK(chanmsg_str(&m, &s) == -1 && s == NULL);
	CHECK(m.rpos == 0);
	chanmsg_clear(&m);

	mkmsg(&m, with_nul, sizeof(with_nul));
	CHECK(chanmsg_str(&m, &s) == -1 && s == NULL);
	chanmsg_clear(&m);

	mkmsg(&m, marker, sizeof(marker));
	CHECK(chanmsg_str(&m, &s) == -1 && s == NULL);
	chanmsg_clear(&m);

	mkmsg(&m, short_len, sizeof(short_len));
	CHECK(chanmsg_str(&m, &s) == -1);
	chanmsg_clear(&m);

	mkmsg(&m, NULL, 0);
	CHECK(chanmsg_str(&m, &s) == -1);
	CHECK(chanmsg_u8(&m, &u8) == -1);
	CHECK(chanmsg_end(&m) == 0);
	chanmsg_clear(&m);

	mkmsg(&m, absent, sizeof(absent));
	s = (char *)1;
	CHECK(chanmsg_str(&m, &s) == 0 && s == NULL);
	CHECK(chanmsg_end(&m) == 0);
	chanmsg_clear(&m);

	mkmsg(&m, empty, sizeof(empty));
	CHECK(chanmsg_str(&m, &s) == 0 && s != NULL && *s == '\0');
	free(s);
	CHECK(chanmsg_end(&m) == 0);
	chanmsg_clear(&m);

	mkmsg(&m, good, sizeof(good));
	CHECK(chanmsg_str(&m, &s) == 0);
	CHECK_STR(s, "ok");
	free(s);
	CHECK(chanmsg_end(&m) == 0);
	chanmsg_clear(&m);

	/* Leftover bytes. */
	mkmsg(&m, seven, 2);
	CHECK(chanmsg_u8(&m, &u8) == 0 && u8 == 1);
	CHECK(chanmsg_end(&m) == -1);
	CHECK(chanmsg_u8(&m, &u8) == 0 && u8 == 2);
	CHECK(chanmsg_end(&m) == 0);
	CHECK(chanmsg_u8(&m, &u8) == -1);
	chanmsg_clear(&m);

	/* Short integers. */
	mkmsg(&m, seven, 3);
	CHECK(chanmsg_u32(&m, &u32) == -1);
	CHECK(m.rpos == 0);
	chanmsg_clear(&m);
	mkmsg(&m, seven, 4);
	CHECK(chanmsg_u32(&m, &u32) == 0 && u32 == 0x01020304);
	chanmsg_clear(&m);
	mkmsg(&m, seven, 7);
	CHECK(chanmsg_u64(&m, &u64) == -1);
	CHECK(chanmsg_i64(&m, &i64) == -1);
	CHECK(chanmsg_f64(&m, &d) == -1);
	CHECK(chanmsg_end(&m) == -1);
	chanmsg_clear(&m);

	/* clear closes a descriptor not taken, and can be called again. */
	if (pipe(p) == -1)
		exit(2);
	mkmsg(&m, NULL, 0);
	m.fd = p[0];
	chanmsg_clear(&m);
	CHECK(!fd_open(p[0]));
	CHECK(m.fd == -1 && m.data == NULL && m.len == 0 && m.rpos == 0);
	chanmsg_clear(&m);
	mkmsg(&m, NULL, 0);
	m.fd = p[1];
	fd = chanmsg_take_fd(&m);
	CHECK(fd == p[1] && m.fd == -1);
	CHECK(chanmsg_take_fd(&m) == -1);
	chanmsg_clear(&m);
	CHECK(fd_open(fd));
	close(fd);
}

static void
test_unexpected_fd(void)
{
	struct chan	*c;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		 wire[2 * CHAN_HDR_SIZE];
	int		 raw, p[2], before, fd;

	/* A message not flagged, with a descriptor. */
	c = mkraw(&raw);
	if (pipe(p) == -1)
		exit(2);
	raw_hdr(wire, 1, CHAN_HDR_SIZE, 0, 0);
	CHECK(send_fds(raw, wire, CHAN_HDR_SIZE, &p[0], 1) == CHAN_HDR_SIZE);
	close(p[0]);
	close(p[1]);
	before = count_fds();
	CHECK(chan_read(c) == CHAN_HDR_SIZE);
	CHECK(count_fds() == before + 1);
	err = NULL;
	CHECK(chan_get(c, &m, &err) == -1);
	CHECK_STR(err, "unexpected descriptor");
	CHECK(m.fd == -1 && m.data == NULL);
	CHECK(count_fds() == before);
	CHECK(chan_get(c, &m, &err) == -1);
	chan_free(c);
	close(raw);

	/* A descriptor glued to the bytes of an earlier message in one write:
	 * the flagged message takes it, the other one never does. */
	c = mkraw(&raw);
	if (pipe(p) == -1)
		exit(2);
	raw_hdr(wire, 2, CHAN_HDR_SIZE, 0, 0);
	raw_hdr(wire + CHAN_HDR_SIZE, MSG_HELLO, CHAN_HDR_SIZE, 0, CHAN_F_FD);
	CHECK(send_fds(raw, wire, sizeof(wire), &p[1], 1) == sizeof(wire));
	close(p[1]);
	drain(c);
	CHECK(chan_get(c, &m, &err) == 1 && m.type == 2 && m.fd == -1);
	chanmsg_clear(&m);
	CHECK(chan_get(c, &m, &err) == 1 && m.type == MSG_HELLO &&
	    m.fd >= 0);
	fd = chanmsg_take_fd(&m);
	CHECK(fd_open(fd));
	close(fd);
	chanmsg_clear(&m);
	close(p[0]);
	chan_free(c);
	close(raw);
}

static void
test_flagged_without_fd(void)
{
	struct chan	*c;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		 wire[CHAN_HDR_SIZE];
	int		 raw, p[2];

	/* None at all. */
	c = mkraw(&raw);
	raw_hdr(wire, 1, CHAN_HDR_SIZE, 0, CHAN_F_FD);
	CHECK(write(raw, wire, sizeof(wire)) == sizeof(wire));
	drain(c);
	err = NULL;
	CHECK(chan_get(c, &m, &err) == -1);
	CHECK_STR(err, "message says it carries a descriptor but none came "
	    "with it");
	chan_free(c);
	close(raw);

	/* Two flagged messages, one descriptor (with the first). */
	c = mkraw(&raw);
	if (pipe(p) == -1)
		exit(2);
	CHECK(send_fds(raw, wire, sizeof(wire), &p[1], 1) == sizeof(wire));
	CHECK(write(raw, wire, sizeof(wire)) == sizeof(wire));
	close(p[1]);
	drain(c);
	CHECK(chan_get(c, &m, &err) == 1 && m.fd >= 0);
	chanmsg_clear(&m);
	err = NULL;
	CHECK(chan_get(c, &m, &err) == -1 && err != NULL);
	close(p[0]);
	chan_free(c);
	close(raw);

	/* The descriptor comes with bytes after the flagged message's
	 * first byte: too late. */
	c = mkraw(&raw);
	if (pipe(p) == -1)
		exit(2);
	raw_hdr(wire, 1, CHAN_HDR_SIZE, 0, CHAN_F_FD);
	CHECK(write(raw, wire, 1) == 1);
	CHECK(chan_read(c) == 1);
	CHECK(send_fds(raw, wire + 1, sizeof(wire) - 1, &p[1], 1) ==
	    sizeof(wire) - 1);
	close(p[1]);
	drain(c);
	err = NULL;
	CHECK(chan_get(c, &m, &err) == -1 && err != NULL);
	close(p[0]);
	chan_free(c);
	close(raw);
}

/*
 * A descriptor on a message whose type carries none (every type but
 * HELLO) makes it malformed: not handed out with the descriptor closed
 * behind the reader's back, and not sent in the first place.
 */
static void
test_fd_not_expected(void)
{
	static const uint32_t	 types[] = {
		MSG_INSTANCE, MSG_INSTANCE_GONE, MSG_LOG_LINES,
		MSG_LOG_HISTORY, MSG_MEMORY, MSG_REPLY, MSG_ASSET, MSG_READY,
		MSG_LOG, MSG_CREATE, MSG_UPDATE, MSG_DELETE, MSG_START,
		MSG_STOP, MSG_RESTART, MSG_HISTORY, 0, 0xffffffffu
	};
	struct chan	*a, *b, *c;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		 wire[CHAN_HDR_SIZE + 4];
	char		 buf[4];
	size_t		 i;
	int		 raw, p[2], before;

	CHECK(proto_takes_fd(MSG_HELLO));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		CHECK(!proto_takes_fd(types[i]));

		c = mkraw(&raw);
		if (pipe(p) == -1)
			exit(2);
		raw_hdr(wire, types[i], sizeof(wire), 7, CHAN_F_FD);
		memset(wire + CHAN_HDR_SIZE, 0, 4);
		CHECK(send_fds(raw, wire, sizeof(wire), &p[1], 1) ==
		    sizeof(wire));
		close(p[1]);
		before = count_fds();
		drain(c);
		err = NULL;
		CHECK(chan_get(c, &m, &err) == -1);
		CHECK_STR(err, "descriptor on a message that carries none");
		CHECK(m.fd == -1 && m.data == NULL);
		/* Sticky: the channel is done. */
		CHECK(chan_get(c, &m, &err) == -1);
		chan_free(c);
		CHECK(count_fds() == before - 1);
		/* The only copy of the write end went with the channel. */
		CHECK(read(p[0], buf, sizeof(buf)) == 0);
		close(p[0]);
		close(raw);
	}

	/* The sending side refuses it, and the descriptor is closed. */
	mkpair(&a, &b);
	if (pipe(p) == -1)
		exit(2);
	chanbuf_init(&cb);
	chanbuf_u32(&cb, 1);
	errno = 0;
	CHECK(chan_send(a, MSG_INSTANCE, 0, p[1], &cb) == -1 &&
	    errno == EINVAL);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	CHECK(chan_pending(a) == 0);
	/* HELLO may. */
	if (pipe(p) == -1)
		exit(2);
	CHECK(chan_send(a, MSG_HELLO, 0, p[1], &cb) == 0);
	chanbuf_free(&cb);
	CHECK(transfer(a, b, &m, &err) == 1);
	CHECK(m.type == MSG_HELLO && m.fd >= 0);
	chanmsg_clear(&m);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	chan_free(a);
	chan_free(b);
}

static void
test_ctrunc(void)
{
	struct chan	*c;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		 wire[CHAN_HDR_SIZE];
	int		 raw, fds[8], i, before;

	c = mkraw(&raw);
	for (i = 0; i < 8; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			exit(2);
	raw_hdr(wire, 1, CHAN_HDR_SIZE, 0, CHAN_F_FD);
	CHECK(send_fds(raw, wire, sizeof(wire), fds, 8) == sizeof(wire));
	for (i = 0; i < 8; i++)
		close(fds[i]);
	before = count_fds();
	errno = 0;
	CHECK(chan_read(c) == -1 && errno == EBADMSG);
	CHECK(count_fds() == before);
	err = NULL;
	CHECK(chan_get(c, &m, &err) == -1 && err != NULL);
	chan_free(c);
	close(raw);
}

static void
test_io_errors(void)
{
	struct chan	*a, *b;

	/* Nothing there: the socket was made non-blocking. */
	mkpair(&a, &b);
	errno = 0;
	CHECK(chan_read(b) == -1 && errno == EAGAIN);
	CHECK((fcntl(chan_fd(b), F_GETFL) & O_NONBLOCK) != 0);

	/* Peer gone: EPIPE, and no SIGPIPE kills us. */
	chan_free(b);
	CHECK(chan_send_empty(a, 1, 1) == 0);
	errno = 0;
	CHECK(chan_flush(a) == -1 && errno == EPIPE);
	CHECK(chan_pending(a) == CHAN_HDR_SIZE);
	chan_free(a);

	CHECK(chan_new(-1) == NULL);
}

/* chan_free closes descriptors never sent and never claimed. */
static void
test_free_closes(void)
{
	struct chan	*a, *b;
	char		 buf[4];
	int		 p[2], before;

	mkpair(&a, &b);
	if (pipe_nb(p) == -1)
		exit(2);
	CHECK(chan_send(a, 1, 0, p[1], NULL) == 0);
	chan_free(a);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	chan_free(b);

	mkpair(&a, &b);
	if (pipe_nb(p) == -1)
		exit(2);
	CHECK(chan_send(a, 1, 0, p[1], NULL) == 0);
	CHECK(chan_flush(a) == 0);
	before = count_fds();
	CHECK(chan_read(b) == CHAN_HDR_SIZE);
	CHECK(count_fds() == before + 1);
	chan_free(b);
	CHECK(count_fds() == before - 1);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	chan_free(a);
}

/*
 * A reader that never takes its messages: the input stops growing at a
 * maximal message plus one read, then everything comes out intact.
 */
static void
test_input_cap(void)
{
	struct chan	*a, *b;
	struct chanbuf	 cb;
	struct chanmsg	 m;
	const char	*err;
	uint8_t		*big;
	uint32_t	 u32;
	size_t		 n = CHAN_MAX_MSG - CHAN_HDR_SIZE - 4, total = 0;
	ssize_t		 r;
	long		 i;
	int		 k, got = 0, full = 0, ok = 1;

	mkpair(&a, &b);
	if ((big = malloc(n)) == NULL)
		exit(2);
	chanbuf_init(&cb);
	for (k = 0; k < 3; k++) {
		memset(big, 'A' + k, n);
		chanbuf_reset(&cb);
		chanbuf_bytes(&cb, big, n);
		CHECK(chan_send(a, k, 0, -1, &cb) == 0);
	}
	chanbuf_free(&cb);

	for (i = 0; i < 10000000 && !full; i++) {
		if (chan_flush(a) == -1)
			break;
		r = chan_read(b);
		if (r > 0)
			total += (size_t)r;
		else if (r == -1 && errno == ENOBUFS)
			full = 1;
		else if (r != -1 || errno != EAGAIN)
			break;
	}
	CHECK(full);
	CHECK(total > CHAN_MAX_MSG && total <= CHAN_MAX_MSG + 64 * 1024);

	for (i = 0; i < 10000000 && got < 3; i++) {
		while (got < 3 && chan_get(b, &m, &err) == 1) {
			memset(big, 'A' + got, n);
			if (m.type != (uint32_t)got ||
			    chanmsg_u32(&m, &u32) == -1 || u32 != n ||
			    m.len - m.rpos != n ||
			    memcmp(m.data + m.rpos, big, n) != 0)
				ok = 0;
			chanmsg_clear(&m);
			got++;
		}
		if (chan_flush(a) == -1)
			break;
		r = chan_read(b);
		if (r == 0 || (r == -1 && errno != EAGAIN))
			break;
	}
	CHECK(ok);
	CHECK(got == 3);
	CHECK(chan_pending(a) == 0);
	free(big);
	chan_free(a);
	chan_free(b);
}

/* chanmsg_bytes: any byte, NUL included, read in place; short input refused. */
static void
test_bytes_reader(void)
{
	static const char	 raw[] = { 'a', '\0', 'b' };
	struct chan		*a, *b;
	struct chanbuf		 cb;
	struct chanmsg		 m;
	const uint8_t		*p;
	const char		*err;
	size_t			 len;

	mkpair(&a, &b);
	chanbuf_init(&cb);
	chanbuf_bytes(&cb, raw, sizeof(raw));
	chanbuf_bytes(&cb, "", 0);
	CHECK(chan_send(a, 9, 1, -1, &cb) == 0);
	CHECK(transfer(a, b, &m, &err) == 1);
	CHECK(chanmsg_bytes(&m, &p, &len) == 0 && len == 3 &&
	    memcmp(p, raw, 3) == 0);
	CHECK(chanmsg_bytes(&m, &p, &len) == 0 && len == 0);
	CHECK(chanmsg_bytes(&m, &p, &len) == -1);
	CHECK(chanmsg_end(&m) == 0);
	chanmsg_clear(&m);
	/* A length beyond the payload. */
	chanbuf_reset(&cb);
	chanbuf_u32(&cb, 100);
	chanbuf_u8(&cb, 'x');
	CHECK(chan_send(a, 9, 2, -1, &cb) == 0);
	CHECK(transfer(a, b, &m, &err) == 1);
	CHECK(chanmsg_bytes(&m, &p, &len) == -1);
	CHECK(m.rpos == 0);
	chanmsg_clear(&m);
	chanbuf_free(&cb);
	chan_free(a);
	chan_free(b);
}

int
main(void)
{
	int	start;

	/* A test that would block forever fails instead. */
	alarm(300);
	start = count_fds();
	CHECK(start > 0);

	test_wire_format();
	test_roundtrip();
	test_max_size();
	test_bad_send();
	test_many();
	test_fd_pass();
	test_fd_glued();
	test_fd_send_boundaries();
	test_split_reads();
	test_split_writes();
	test_malformed();
	test_truncated_eof();
	test_readers();
	test_bytes_reader();
	test_unexpected_fd();
	test_flagged_without_fd();
	test_fd_not_expected();
	test_ctrunc();
	test_io_errors();
	test_free_closes();
	test_input_cap();

	CHECK(count_fds() == start);
	T_DONE();
}
