/*
 * linecut.h: a child's output cut into lines for the API (SPEC section 5):
 * at '\n', or every 64 KiB for a longer line (cut and continued), trailing
 * whitespace and '\r' removed, bytes that are not UTF-8 replaced by U+FFFD.
 */
#ifndef SOLAR_LINECUT_H
#define SOLAR_LINECUT_H

#include <stddef.h>

#define LINECUT_MAX	(64 * 1024)

typedef void (*linecut_fn)(const char *line, size_t len, void *arg);

struct linecut {
	char	 buf[LINECUT_MAX];
	size_t	 len;
};

void	linecut_init(struct linecut *);
/* Feed output; cb gets every line completed by it (NUL-terminated, valid
 * UTF-8, without its '\n'). */
void	linecut_feed(struct linecut *, const char *, size_t, linecut_fn, void *);
/* At end of output: the unfinished last line, if any. */
void	linecut_flush(struct linecut *, linecut_fn, void *);

#endif
