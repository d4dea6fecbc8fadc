/* fuzz_channel.c: a peer's bytes through the channel and every decoder of
 * proto.c. */
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
#include "pyjson.h"
#include "log.h"
#include "proto.h"
#include "strbuf.h"

/* A bound on send and read turns; any input needs far fewer. */
#define FC_MAX_ROUNDS	65536

static void	fc_quiet(int, const char *, void *);
static void	fc_readers(struct chanmsg *, uint32_t);
static void	fc_json(json_t *);
static int	fc_trip(struct chanmsg *, uint32_t, struct chanbuf *);
static void	fc_check(struct chanmsg *, uint32_t);
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

/* Every message type, for payloads whose type is not one of them. */
static const uint32_t fc_types[] = {
	MSG_HELLO, MSG_INSTANCE, MSG_INSTANCE_GONE, MSG_LOG_LINES,
	MSG_LOG_HISTORY, MSG_MEMORY, MSG_REPLY, MSG_ASSET, MSG_READY, MSG_LOG,
	MSG_CREATE, MSG_UPDATE, MSG_DELETE, MSG_START, MSG_STOP, MSG_RESTART,
	MSG_HISTORY,
};
#define FC_NTYPES	(sizeof(fc_types) / sizeof(fc_types[0]))

/* What is decoded goes out as JSON too, as apid would show it. */
static void
fc_json(json_t *j)
{
	struct strbuf	 sb;

	if (j == NULL)
		return;
	strbuf_init(&sb);
	pyjson_dump_compact(&sb, j);
	pyjson_dump_pretty(&sb, j);
	strbuf_free(&sb);
	json_decref(j);
}

/*
 * Decode m as a message of type with proto.c's decoder and encode what
 * came out into b: 0, or -1 when the decoder refused it (or the type is
 * none of ours).
 */
static int
fc_trip(struct chanmsg *m, uint32_t type, struct chanbuf *b)
{
	struct msg_hello	 h;
	struct instance		 in;
	struct msg_id		 id;
	struct msg_log_lines	 ll;
	struct msg_memory	 mem;
	struct msg_reply	 r;
	struct msg_asset	 as;
	struct msg_log		 lg;
	struct inst_config	 c;
	struct msg_update	 up;
	struct msg_history	 hi;

	switch (type) {
	case MSG_HELLO:
		if (proto_hello_decode(m, &h) == -1)
			return -1;
		proto_hello_encode(b, &h);
		proto_hello_free(&h);
		return 0;
	case MSG_INSTANCE:
		if (proto_instance_decode(m, &in) == -1)
			return -1;
		proto_instance_encode(b, &in);
		fc_json(instance_to_json(&in));
		instance_free(&in);
		return 0;
	case MSG_INSTANCE_GONE:
	case MSG_DELETE:
	case MSG_START:
	case MSG_STOP:
	case MSG_RESTART:
		if (proto_id_decode(m, &id) == -1)
			return -1;
		proto_id_encode(b, id.id);
		proto_id_free(&id);
		return 0;
	case MSG_LOG_LINES:
	case MSG_LOG_HISTORY:
		if (proto_log_lines_decode(m, &ll,
		    type == MSG_LOG_HISTORY) == -1)
			return -1;
		proto_log_lines_encode(b, &ll, type == MSG_LOG_HISTORY);
		proto_log_lines_free(&ll);
		return 0;
	case MSG_MEMORY:
		if (proto_memory_decode(m, &mem) == -1)
			return -1;
		proto_memory_encode(b, &mem);
		return 0;
	case MSG_REPLY:
		if (proto_reply_decode(m, &r) == -1)
			return -1;
		proto_reply_encode(b, &r);
		if (r.inst != NULL)
			fc_json(instance_to_json(r.inst));
		proto_reply_free(&r);
		return 0;
	case MSG_ASSET:
		if (proto_asset_decode(m, &as) == -1)
			return -1;
		proto_asset_encode(b, as.name, as.data, as.len);
		proto_asset_free(&as);
		return 0;
	case MSG_READY:
		return proto_ready_decode(m);
	case MSG_LOG:
		if (proto_log_decode(m, &lg) == -1)
			return -1;
		proto_log_encode(b, &lg);
		proto_log_free(&lg);
		return 0;
	case MSG_CREATE:
		if (proto_create_decode(m, &c) == -1)
			return -1;
		(void)inst_config_check(&c, 0);
		(void)inst_config_check(&c, 1);
		proto_create_encode(b, &c);
		fc_json(inst_config_to_json(&c));
		inst_config_free(&c);
		return 0;
	case MSG_UPDATE:
		if (proto_update_decode(m, &up) == -1)
			return -1;
		proto_update_encode(b, up.id, &up.config);
		proto_update_free(&up);
		return 0;
	case MSG_HISTORY:
		if (proto_history_decode(m, &hi) == -1)
			return -1;
		proto_history_encode(b, &hi);
		proto_history_free(&hi);
		return 0;
	}
	return -1;
}

/*
 * A payload the decoder of type accepts encodes to bytes that it accepts
 * again and that encode the same: nothing is lost or made up on the way.
 * A decoder that refuses leaves nothing behind (the leak checker sees it).
 */
static void
fc_check(struct chanmsg *m, uint32_t type)
{
	struct chanbuf	 b1, b2;
	struct chanmsg	 m2;

	chanbuf_init(&b1);
	chanbuf_init(&b2);
	if (fc_trip(m, type, &b1) == 0) {
		if (b1.sb.failed)
			abort();
		memset(&m2, 0, sizeof(m2));
		m2.fd = -1;
		m2.type = type;
		m2.data = (uint8_t *)b1.sb.data;
		m2.len = b1.sb.len;
		if (fc_trip(&m2, type, &b2) == -1 || b2.sb.failed ||
		    b2.sb.len != b1.sb.len ||
		    (b1.sb.len > 0 &&
		    memcmp(b2.sb.data, b1.sb.data, b1.sb.len) != 0))
			abort();
	}
	chanbuf_free(&b2);
	chanbuf_free(&b1);
}

/* As the two dispatch functions decode: by the message's type, or for a
 * type of no message, by one picked from it. */
static void
fc_dispatch(struct chanmsg *m)
{
	size_t	 i;

	for (i = 0; i < FC_NTYPES; i++)
		if (fc_types[i] == m->type)
			break;
	fc_check(m, i < FC_NTYPES ? m->type : fc_types[m->type % FC_NTYPES]);
}

/* One payload through every reader, each from the start. */
static void
fc_payload(const uint8_t *data, size_t len, uint32_t prog)
{
	struct chanmsg	m;
	size_t		i;

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
	for (i = 0; i < FC_NTYPES; i++) {
		m.rpos = 0;
		fc_check(&m, fc_types[i]);
	}
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
