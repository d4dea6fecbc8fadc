/*
 * logring.h: an instance's last LOG_BUFFER_SIZE output lines, each with
 * its seq and time: the only copy, kept across API process restarts, from
 * which history and live lines are sent to apid.
 */
#ifndef SOLAR_LOGRING_H
#define SOLAR_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct timeval;
struct logring;

/* At most cap lines, in an area of at most max_bytes (records of the
 * text and 13 bytes more). */
struct logring	*logring_new(size_t cap, size_t max_bytes);
void		 logring_free(struct logring *);
/* Append a line, read at tv; it gets the next seq.  The oldest lines go
 * when cap are held or the new one would not fit in max_bytes. */
void		 logring_push(struct logring *, const struct timeval *tv,
		    const char *text, size_t len);
uint64_t	 logring_next_seq(const struct logring *);	/* seq of the next line */
uint64_t	 logring_first_seq(const struct logring *);	/* oldest held */
/* The text of line seq (NUL-terminated), or NULL when it is no longer (or
 * not yet) held; valid until the next push. */
const char	*logring_get(const struct logring *, uint64_t seq);
/* The time and text of line seq: 0, or -1 when it is not held.  The text
 * (NUL-terminated, len bytes before the NUL) is valid until the next push. */
int		 logring_line(const struct logring *, uint64_t seq,
		    struct timeval *tv, const char **text, size_t *len);

/* Bytes allocated for the lines held (for tests and accounting). */
size_t		 logring_memory(const struct logring *);
/* About the bytes the lines from seq on take (the waste at the area's end
 * may be counted): cheap, for deciding when to ship. */
size_t		 logring_bytes_from(const struct logring *, uint64_t seq);

#endif
