/* strbuf.h: a growable byte string for building answers and files. */
#ifndef SOLAR_STRBUF_H
#define SOLAR_STRBUF_H

#include <stddef.h>

struct strbuf {
	char	*data;		/* always NUL-terminated when not NULL */
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* an allocation failed; the content is incomplete */
};

void	strbuf_init(struct strbuf *);
void	strbuf_free(struct strbuf *);
void	strbuf_reset(struct strbuf *);		/* len 0, memory kept */
void	strbuf_add(struct strbuf *, const void *, size_t);
void	strbuf_adds(struct strbuf *, const char *);
void	strbuf_addc(struct strbuf *, char);
void	strbuf_addf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*strbuf_steal(struct strbuf *);		/* the string, now the caller's; NULL if failed */

#endif
