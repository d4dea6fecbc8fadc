/* fuzz_channel.c: a peer's bytes through the channel and instance decoders. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "channel.h"
#include "fuzz.h"
#include "instance.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "strbuf.h"

/* A bound on send and read turns; any input needs far fewer. */
#define FC_MAX_ROUNDS	65536

static void	fc_quiet(int, const char *, void *);
static void	fc_readers(struct chanmsg *, uint32_t);
static void	fc_config(struct chanmsg *);
static void	fc_instance(struct chanmsg *);
static void	fc_dispatch(struct chanmsg *);
static void	fc_payload(const uint8_t *, size_t, uint32_t);
static ssize_t	fc_send(int, const uint8_t *, size_t, int);
static int	fc_lowest_fd(void);
static void	fc_stream(uint8_t, const uint8_t *, size_t);

static int	fc_nullfd = -1;	/* what travels as a descriptor */

/* Nothing here should log; if something does, not on the terminal. */
static void
fc_quiet(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)msg;
	(void)arg;
}

/*
 * Walk the payload with the typed readers in an order taken from prog
 * (a message's type and peer id, or a payload's first bytes), two bits a
 * step, as a dispatch function reading some message would.  A failed
 * read of a string or of bytes must leave rpos where it was.
 */
static void
fc_readers(struct chanmsg *m, uint32_t prog)
{
	const uint8_t	*bytes;
	char		*s;
	double		 d;
	int64_t		 i64;
	uint64_t	 u64;
	uint32_t	 u32;
	size_t		 len, rpos;
	uint8_t		 u8;
	int		 step, r;

	for (step = 0; step < 16; step++) {
		rpos = m->rpos;
		switch ((prog >> (2 * step)) & 3) {
		case 0:
			s = NULL;
			r = chanmsg_str(m, &s);
			if (r == 0 && s != NULL && strlen(s) > m->len)
				abort();
			free(s);
			break;
		case 1:
			r = chanmsg_bytes(m, &bytes, &len);
			if (r == 0 && (bytes < m->data ||
			    bytes + len > m->data + m->len))
				abort();
			break;
		case 2:
			r = chanmsg_u8(m, &u8) == -1 ||
			    chanmsg_u32(m, &u32) == -1 ? -1 : 0;
			break;
		default:
			r = chanmsg_i64(m, &i64) == -1 ||
			    chanmsg_f64(m, &d) == -1 ||
			    chanmsg_u64(m, &u64) == -1 ? -1 : 0;
			break;
		}
		if (m->rpos > m->len)
			abort();
		if (r == -1) {
			/* Only the multi-field steps may stop part way. */
			if (((prog >> (2 * step)) & 3) < 2 && m->rpos != rpos)
				abort();
			break;
		}
	}
	(void)chanmsg_end(m);
}

/* An accepted config encodes to exactly the bytes it came from. */
static void
fc_config(struct chanmsg *m)
{
	struct inst_config	 c;
	struct chanbuf		 b;
	struct strbuf		 sb;
	json_t			*j;
	size_t			 start = m->rpos;

	if (inst_config_decode(m, &c) == -1)
		return;
	(void)inst_config_check(&c, 0);
	(void)inst_config_check(&c, 1);
	chanbuf_init(&b);
	inst_config_encode(&b, &c);
	if (b.failed || b.len != m->rpos - start ||
	    memcmp(b.data, m->data + start, b.len) != 0)
		abort();
	chanbuf_free(&b);
	if ((j = inst_config_to_json(&c)) != NULL) {
		strbuf_init(&sb);
		json_write_compact(&sb, j);
		strbuf_free(&sb);
		json_decref(j);
	}
	inst_config_free(&c);
}

/* An accepted instance survives another trip through the channel form. */
static void
fc_instance(struct chanmsg *m)
{
	struct instance	 in, again;
	struct chanbuf	 b1, b2;
	struct chanmsg	 m2;
	struct strbuf	 sb;
	json_t		*j;

	if (instance_decode(m, &in) == -1)
		return;
	chanbuf_init(&b1);
	instance_encode(&b1, &in);
	if (b1.failed)
		abort();
	memset(&m2, 0, sizeof(m2));
	m2.fd = -1;
	m2.data = b1.data;
	m2.len = b1.len;
	if (instance_decode(&m2, &again) == -1 || chanmsg_end(&m2) == -1)
		abort();
	chanbuf_init(&b2);
	instance_encode(&b2, &again);
	if (b2.failed || b2.len != b1.len ||
	    memcmp(b2.data, b1.data, b1.len) != 0)
		abort();
	chanbuf_free(&b2);
	chanbuf_free(&b1);
	instance_free(&again);
	if ((j = instance_to_json(&in)) != NULL) {
		strbuf_init(&sb);
		json_write_compact(&sb, j);
		json_write_pretty(&sb, j);
		strbuf_free(&sb);
		json_decref(j);
	}
	instance_free(&in);
}

/* As the two dispatch functions read the messages that carry instances. */
static void
fc_dispatch(struct chanmsg *m)
{
	char	*id;

	switch (m->type) {
	case MSG_INSTANCE:
		fc_instance(m);
		break;
	case MSG_CREATE:
		fc_config(m);
		break;
	case MSG_UPDATE:
		if (chanmsg_str(m, &id) == 0) {
			free(id);
			fc_config(m);
		}
		break;
	default:
		if (m->type & 1)
			fc_instance(m);
		else
			fc_config(m);
		break;
	}
	(void)chanmsg_end(m);
}

/* One payload through every reader, each from the start. */
static void
fc_payload(const uint8_t *data, size_t len, uint32_t prog)
{
	struct chanmsg	m;

	memset(&m, 0, sizeof(m));
	m.fd = -1;
	/* An empty payload is NULL, as chan_get gives it. */
	if (len > 0) {
		if ((m.data = malloc(len)) == NULL)
			return;
		memcpy(m.data, data, len);
	}
	m.len = len;
	fc_readers(&m, prog);
	m.rpos = 0;
	fc_config(&m);
	m.rpos = 0;
	fc_instance(&m);
	chanmsg_clear(&m);
}

/* One piece of the stream, with a descriptor riding on its first byte. */
static ssize_t
fc_send(int sock, const uint8_t *p, size_t n, int withfd)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 mh;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	int		 fd;

	iov.iov_base = (void *)p;
	iov.iov_len = n;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (withfd) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		fd = fc_nullfd;
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/* The lowest free descriptor: it moves up when a descriptor leaks. */
static int
fc_lowest_fd(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	close(fd);
	return fd;
}

/*
 * The bytes as a peer's stream, sent in pieces and read back between them.
 * ctl picks the size of the pieces (low bits) and which of them carry a
 * descriptor (high bits, none when 0), so that descriptors arrive with
 * the messages that claim one, with others, or alone.  No descriptor may
 * outlive the channel.
 */
static void
fc_stream(uint8_t ctl, const uint8_t *data, size_t size)
{
	struct chanmsg	 m;
	struct chan	*c;
	const char	*errstr;
	size_t		 off = 0, piece, npiece = 0;
	ssize_t		 n;
	int		 sv[2], r, rounds, done = 0, rerr, lowest, fdevery, fd;

	lowest = fc_lowest_fd();
	piece = 1 + (size_t)(ctl & 0x0f) * 23;
	fdevery = ctl >> 4;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		abort();
	if ((c = chan_new(sv[0])) == NULL)
		abort();
	for (rounds = 0; rounds < FC_MAX_ROUNDS && !done; rounds++) {
		if (off < size) {
			n = fc_send(sv[1], data + off, size - off < piece ?
			    size - off : piece, fdevery != 0 &&
			    npiece % (size_t)fdevery == 0);
			if (n > 0) {
				off += (size_t)n;
				npiece++;
			} else if (n == -1 && errno != EAGAIN && errno != EINTR)
				abort();
		} else if (sv[1] != -1) {
			close(sv[1]);
			sv[1] = -1;
		}
		rerr = chan_read(c) == -1 && errno != EAGAIN;
		while ((r = chan_get(c, &m, &errstr)) == 1) {
			if ((m.fd != -1) != ((m.flags & CHAN_F_FD) != 0) ||
			    (m.len != 0 && m.data == NULL))
				abort();
			fc_readers(&m, m.type ^ m.peerid);
			m.rpos = 0;
			fc_dispatch(&m);
			/* Taken or left, the descriptor is closed once. */
			if ((m.type & 2) && (fd = chanmsg_take_fd(&m)) != -1)
				close(fd);
			chanmsg_clear(&m);
		}
		chanmsg_clear(&m);
		if (r == -1) {
			if (errstr == NULL)
				abort();
			break;
		}
		if (rerr)
			break;
		if (sv[1] == -1 && chan_read(c) == 0)
			done = 1;
	}
	if (sv[1] != -1)
		close(sv[1]);
	chan_free(c);
	if (fc_lowest_fd() != lowest)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	init;
	uint32_t	prog = 0;
	size_t		i;

	if (!init) {
		log_set_sink(fc_quiet, NULL);
		if ((fc_nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			abort();
		init = 1;
	}
	for (i = 0; i < size && i < 4; i++)
		prog = prog << 8 | data[i];
	fc_payload(data, size, prog);
	if (size > 0)
		fc_stream(data[0], data + 1, size - 1);
	return 0;
}
