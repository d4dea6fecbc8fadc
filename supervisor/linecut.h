/*
 * linecut.h: a child's output cut into lines for the API (SPEC section 5):
 * at '\n', trailing whitespace and '\r' removed, bytes that are not UTF-8
 * replaced by U+FFFD.  A line longer than LINECUT_MAX bytes as stored
 * (after that repair) is cut, between characters, into pieces of at most
 * LINECUT_MAX bytes: each piece but the last ends with " …" and each
 * but the first begins with "… ", so that a reader can join them.
 */
#ifndef SOLAR_LINECUT_H
#define SOLAR_LINECUT_H

#include <stddef.h>

#define LINECUT_MAX	(16 * 1024)
#define LINECUT_SLACK	64	/* blanks past LINECUT_MAX that may yet be
				 * trailing, held before a cut */
#define LINECUT_CAP	(LINECUT_MAX + LINECUT_SLACK + 1)	/* the most held */
#define LINECUT_MIN	256		/* the first buffer */
#define LINECUT_KEEP	4096		/* larger ones go when empty */
#define LINECUT_MARK_END	" \xe2\x80\xa6"	/* a piece goes on */
#define LINECUT_MARK_START	"\xe2\x80\xa6 "	/* a piece continues one */
#define LINECUT_MARK_LEN	4

typedef void (*linecut_fn)(const char *line, size_t len, void *arg);

/* Only the line being read is kept here, already decoded, in a buffer
 * that grows to what it holds, up to LINECUT_CAP bytes. */
struct linecut {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 cut;		/* part of this line was handed out */
	unsigned char	 seq[4];	/* a UTF-8 sequence not finished yet */
	size_t		 nseq;
	size_t		 need;		/* continuation bytes it needs */
	unsigned char	 lo, hi;	/* the range of its next byte */
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
