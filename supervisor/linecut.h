/*
 * linecut.h: a child's output cut into lines for the API (SPEC section 5):
 * at '\n', or every 64 KiB for a longer line (cut and continued), trailing
 * whitespace and '\r' removed, bytes that are not UTF-8 replaced by U+FFFD.
 */
#ifndef SOLAR_LINECUT_H
#define SOLAR_LINECUT_H

#include <stddef.h>

#define LINECUT_MAX	(64 * 1024)
#define LINECUT_MIN	256		/* the first buffer */
#define LINECUT_KEEP	4096		/* larger ones go when empty */

typedef void (*linecut_fn)(const char *line, size_t len, void *arg);

/* Only the start of a line that a read left unfinished is kept here; the
 * buffer grows to what it holds, up to LINECUT_MAX. */
struct linecut {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 cut;		/* part of this line was handed out */
};

void	linecut_init(struct linecut *);
/* Feed output; cb gets every line completed by it (NUL-terminated, valid
 * UTF-8, without its '\n'). */
void	linecut_feed(struct linecut *, const char *, size_t, linecut_fn, void *);
/* At end of output: the unfinished last line, if any.  The linecut is then
 * empty, holds no memory, and may be fed again. */
void	linecut_flush(struct linecut *, linecut_fn, void *);
/* Drop the unfinished line, if any, and the memory held. */
void	linecut_free(struct linecut *);

#endif
