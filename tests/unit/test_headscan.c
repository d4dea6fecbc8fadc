/*
 * test_headscan.c: the end of a request head found in its bytes, whole or
 * in pieces of any size, with "\r\n" or "\n", blank lines before the
 * request line skipped, and NUL bytes noted; and the same from an
 * evbuffer of many chains.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "headscan.h"
#include "t.h"

/* Fed in pieces of n bytes: 1 when the head ended. */
static int
ends_in_pieces(const char *s, size_t len, size_t n, int *nul)
{
	struct headscan	 h;
	size_t		 off, k;
	int		 end = 0;

	headscan_reset(&h);
	for (off = 0; off < len && !end; off += k) {
		k = len - off < n ? len - off : n;
		end = headscan_feed(&h, s + off, k);
	}
	*nul = h.nul;
	return end;
}

/* The verdict, the same byte by byte and in pieces of every size; -1 if not. */
static int
ends(const char *s, size_t len, int *nul)
{
	size_t	 n;
	int	 first, nul1, e;

	first = ends_in_pieces(s, len, 1, nul);
	for (n = 2; n <= len + 1; n++) {
		e = ends_in_pieces(s, len, n, &nul1);
		if (e != first || nul1 != *nul)
			return -1;
	}
	return first;
}

static void
free_ref(const void *data, size_t len, void *extra)
{
	(void)len;
	(void)extra;
	free((void *)data);
}

#define ENDS(lit, want_end, want_nul) do {				\
	int	 t_nul = -1;						\
	int	 t_e = ends(lit, sizeof(lit) - 1, &t_nul);		\
	CHECK(t_e == (want_end));					\
	CHECK(t_nul == (want_nul));					\
} while (0)

int
main(void)
{
	struct evbuffer	*buf;
	struct headscan	 h;
	char		 line[64];
	int		 i;

	ENDS("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1, 0);
	ENDS("GET / HTTP/1.1\nHost: x\n\n", 1, 0);
	ENDS("GET / HTTP/1.1\r\nHost: x\n\r\n", 1, 0);
	ENDS("GET / HTTP/1.1\r\n\r\n", 1, 0);
	ENDS("GET / HTTP/1.1\r\nHost: x\r\n", 0, 0);
	ENDS("GET / HTTP/1.1\r\nHost: x\r\n\r", 0, 0);
	ENDS("", 0, 0);
	/* Blank lines first do not end anything. */
	ENDS("\r\n\r\n\n\r\n", 0, 0);
	ENDS("\r\n\r\nGET / HTTP/1.1\r\n\r\n", 1, 0);
	/* "\r\r\n" is a line holding "\r", not a blank one. */
	ENDS("GET / HTTP/1.1\r\n\r\r\n", 0, 0);
	/* NUL bytes, in a value, a name, at a line's start. */
	ENDS("GET / HTTP/1.1\r\nX-API-Key: k\0junk\r\n\r\n", 1, 1);
	ENDS("GET / HTTP/1.1\r\nX\0: k\r\n\r\n", 1, 1);
	ENDS("GET / HTTP/1.1\r\n\0X: k\r\n\r\n", 1, 1);
	ENDS("\0GET / HTTP/1.1\r\n\r\n", 1, 1);
	ENDS("GET / HTTP/1.1\r\nHost: x\r\n", 0, 0);

	/* Bytes after the end are not looked at: a body's NUL is no matter. */
	headscan_reset(&h);
	CHECK(headscan_feed(&h, "GET / HTTP/1.1\r\n\r\n\0", 19) == 1);
	CHECK(h.nul == 0);

	/* An evbuffer of many small chains, from an offset. */
	CHECK((buf = evbuffer_new()) != NULL);
	evbuffer_add(buf, "junk", 4);
	for (i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "%sX-%d: v\r\n",
		    i == 0 ? "GET / HTTP/1.1\r\n" : "", i);
		/* Separate chains: a reference each. */
		evbuffer_add_reference(buf, strdup(line), strlen(line),
		    free_ref, NULL);
	}
	headscan_reset(&h);
	CHECK(headscan_buffer(&h, buf, 4) == 0);
	evbuffer_add_reference(buf, "\r\n", 2, NULL, NULL);
	headscan_reset(&h);
	CHECK(headscan_buffer(&h, buf, 4) == 1);
	CHECK(h.nul == 0);
	headscan_reset(&h);
	CHECK(headscan_buffer(&h, buf, 100000) == 0);
	evbuffer_free(buf);
	T_DONE();
}
