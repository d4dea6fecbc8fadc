/*
 * chanfield.c: the fields of a channel message's payload, composed into a
 * strbuf capped at CHAN_MAX_MSG (struct chanbuf) and read back with strict
 * length checks (struct chanmsg).  Only common/proto.c calls the field
 * functions.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "channel.h"

static int	chanmsg_get(struct chanmsg *, void *, size_t);

void
chanbuf_init(struct chanbuf *b)
{
	strbuf_init_max(&b->sb, CHAN_MAX_MSG);
}

void
chanbuf_free(struct chanbuf *b)
{
	strbuf_free(&b->sb);
}

void
chanbuf_reset(struct chanbuf *b)
{
	strbuf_reset(&b->sb);
}

void
chanbuf_u8(struct chanbuf *b, uint8_t v)
{
	strbuf_add(&b->sb, &v, 1);
}

void
chanbuf_u32(struct chanbuf *b, uint32_t v)
{
	uint8_t	p[4];

	be32enc(p, v);
	strbuf_add(&b->sb, p, sizeof(p));
}

void
chanbuf_u64(struct chanbuf *b, uint64_t v)
{
	uint8_t	p[8];

	be32enc(p, (uint32_t)(v >> 32));
	be32enc(p + 4, (uint32_t)v);
	strbuf_add(&b->sb, p, sizeof(p));
}

void
chanbuf_i64(struct chanbuf *b, int64_t v)
{
	chanbuf_u64(b, (uint64_t)v);
}

void
chanbuf_f64(struct chanbuf *b, double v)
{
	uint64_t	u;

	memcpy(&u, &v, sizeof(u));
	chanbuf_u64(b, u);
}

void
chanbuf_bytes(struct chanbuf *b, const void *p, size_t n)
{
	/* A longer one fails the buffer (EMSGSIZE) below, before its length
	 * could be truncated to 32 bits. */
	if (n <= CHAN_MAX_MSG)
		chanbuf_u32(b, (uint32_t)n);
	strbuf_add(&b->sb, p, n);
}

void
chanbuf_str(struct chanbuf *b, const char *s)
{
	if (s == NULL) {
		chanbuf_u8(b, 0);
		return;
	}
	chanbuf_u8(b, 1);
	chanbuf_bytes(b, s, strlen(s));
}

void
chanmsg_init(struct chanmsg *msg)
{
	msg->type = 0;
	msg->peerid = 0;
	msg->flags = 0;
	msg->fd = -1;
	msg->data = NULL;
	msg->len = 0;
	msg->rpos = 0;
}

static int
chanmsg_get(struct chanmsg *msg, void *p, size_t n)
{
	if (msg->rpos > msg->len || n > msg->len - msg->rpos)
		return -1;
	if (n > 0)
		memcpy(p, msg->data + msg->rpos, n);
	msg->rpos += n;
	return 0;
}

int
chanmsg_u8(struct chanmsg *msg, uint8_t *v)
{
	return chanmsg_get(msg, v, 1);
}

int
chanmsg_u32(struct chanmsg *msg, uint32_t *v)
{
	uint8_t	p[4];

	if (chanmsg_get(msg, p, sizeof(p)) == -1)
		return -1;
	*v = be32dec(p);
	return 0;
}

int
chanmsg_u64(struct chanmsg *msg, uint64_t *v)
{
	uint8_t	p[8];

	if (chanmsg_get(msg, p, sizeof(p)) == -1)
		return -1;
	*v = be64dec(p);
	return 0;
}

int
chanmsg_i64(struct chanmsg *msg, int64_t *v)
{
	uint64_t	u;

	if (chanmsg_u64(msg, &u) == -1)
		return -1;
	/* Two's complement back without relying on an
	 * implementation-defined conversion. */
	if (u <= INT64_MAX)
		*v = (int64_t)u;
	else
		*v = -(int64_t)(UINT64_MAX - u) - 1;
	return 0;
}

int
chanmsg_f64(struct chanmsg *msg, double *v)
{
	uint64_t	u;

	if (chanmsg_u64(msg, &u) == -1)
		return -1;
	memcpy(v, &u, sizeof(*v));
	return 0;
}

/* A failed read leaves rpos where it was. */
int
chanmsg_str(struct chanmsg *msg, char **out)
{
	size_t		 rpos = msg->rpos;
	uint32_t	 n;
	uint8_t		 present;
	char		*s;

	*out = NULL;
	if (chanmsg_u8(msg, &present) == -1)
		goto fail;
	if (present == 0)
		return 0;
	if (present != 1 || chanmsg_u32(msg, &n) == -1 ||
	    n > msg->len - msg->rpos)
		goto fail;
	if (n > 0 && memchr(msg->data + msg->rpos, '\0', n) != NULL)
		goto fail;
	if ((s = malloc((size_t)n + 1)) == NULL)
		goto fail;
	if (n > 0)
		memcpy(s, msg->data + msg->rpos, n);
	s[n] = '\0';
	msg->rpos += n;
	*out = s;
	return 0;

 fail:
	msg->rpos = rpos;
	return -1;
}

/* Bytes written by chanbuf_bytes, in place: valid until the message is cleared. */
int
chanmsg_bytes(struct chanmsg *msg, const uint8_t **p, size_t *len)
{
	size_t		 rpos = msg->rpos;
	uint32_t	 n;

	if (chanmsg_u32(msg, &n) == -1 || n > msg->len - msg->rpos) {
		msg->rpos = rpos;
		return -1;
	}
	*p = msg->data + msg->rpos;
	*len = n;
	msg->rpos += n;
	return 0;
}

int
chanmsg_end(const struct chanmsg *msg)
{
	return msg->rpos == msg->len ? 0 : -1;
}

int
chanmsg_take_fd(struct chanmsg *msg)
{
	int	fd = msg->fd;

	msg->fd = -1;
	return fd;
}

void
chanmsg_clear(struct chanmsg *msg)
{
	free(msg->data);
	if (msg->fd != -1)
		close(msg->fd);
	chanmsg_init(msg);
}
