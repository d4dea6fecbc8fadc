/*
 * strbuf.h: the one growable byte buffer, for text (JSON, config.json,
 * HTTP bodies) and for channel payloads (struct chanbuf wraps one).
 */
#ifndef SOLAR_STRBUF_H
#define SOLAR_STRBUF_H

#include <stddef.h>

struct strbuf {
	char	*data;		/* always NUL-terminated when not NULL */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* most bytes it may hold, NUL not counted */
	int	 failed;	/* errno of the first failure (ENOMEM,
				 * EMSGSIZE beyond max); content incomplete */
};

void	strbuf_init(struct strbuf *);		/* no maximum but memory */
void	strbuf_init_max(struct strbuf *, size_t max);
void	strbuf_free(struct strbuf *);		/* back to empty, max kept */
void	strbuf_reset(struct strbuf *);		/* len 0, memory kept */
void	strbuf_add(struct strbuf *, const void *, size_t);
void	strbuf_adds(struct strbuf *, const char *);
void	strbuf_addc(struct strbuf *, char);
void	strbuf_addf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*strbuf_steal(struct strbuf *);		/* the string, now the caller's; NULL if failed */

#endif
