/*
 * strbuf.c: a growable, always NUL-terminated byte string that fails once,
 * optionally capped at a maximum size.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define STRBUF_MINCAP	64

static int	strbuf_grow(struct strbuf *, size_t);

void
strbuf_init(struct strbuf *sb)
{
	/* One byte stays for the NUL. */
	strbuf_init_max(sb, SIZE_MAX - 1);
}

void
strbuf_init_max(struct strbuf *sb, size_t max)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max < SIZE_MAX - 1 ? max : SIZE_MAX - 1;
	sb->failed = 0;
}

/* The maximum stays so that a freed buffer can be used again as it was. */
void
strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	strbuf_init_max(sb, sb->max);
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = 0;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

/*
 * Make room for more bytes plus the NUL.  Once an append has failed the
 * buffer stays failed: appending after a hole would give content that looks
 * whole but is not.
 */
static int
strbuf_grow(struct strbuf *sb, size_t more)
{
	size_t	 need, cap, limit;
	char	*p;

	if (sb->failed)
		return -1;
	if (more > sb->max - sb->len) {
		sb->failed = EMSGSIZE;
		return -1;
	}
	need = sb->len + more + 1;
	if (need <= sb->cap)
		return 0;
	limit = sb->max + 1;
	cap = sb->cap < STRBUF_MINCAP ? STRBUF_MINCAP : sb->cap;
	while (cap < need) {
		/* Doubling keeps appends amortised O(1). */
		if (cap > limit / 2) {
			cap = limit;
			break;
		}
		cap *= 2;
	}
	if (cap > limit)
		cap = limit;
	if ((p = realloc(sb->data, cap)) == NULL) {
		sb->failed = ENOMEM;
		return -1;
	}
	if (sb->data == NULL)
		p[0] = '\0';
	sb->data = p;
	sb->cap = cap;
	return 0;
}

void
strbuf_add(struct strbuf *sb, const void *p, size_t n)
{
	if (strbuf_grow(sb, n) == -1)
		return;
	if (n > 0)
		memcpy(sb->data + sb->len, p, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list	ap;
	size_t	room;
	int	n;

	if (strbuf_grow(sb, 0) == -1)
		return;
	room = sb->cap - sb->len;
	va_start(ap, fmt);
	n = vsnprintf(sb->data + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->data[sb->len] = '\0';
		sb->failed = errno != 0 ? errno : EOVERFLOW;
		return;
	}
	if ((size_t)n >= room) {
		/* It did not fit: the first attempt only measured it. */
		sb->data[sb->len] = '\0';
		if (strbuf_grow(sb, (size_t)n) == -1)
			return;
		va_start(ap, fmt);
		n = vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= sb->cap - sb->len) {
			sb->data[sb->len] = '\0';
			sb->failed = EOVERFLOW;
			return;
		}
	}
	sb->len += (size_t)n;
}

char *
strbuf_steal(struct strbuf *sb)
{
	char	*s;

	if (sb->failed) {
		strbuf_free(sb);
		return NULL;
	}
	/* An untouched buffer still gives the caller a string to free. */
	if (sb->data == NULL)
		s = strdup("");
	else
		s = sb->data;
	strbuf_init_max(sb, sb->max);
	return s;
}
