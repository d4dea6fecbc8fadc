/*
 * fuzz_headscan.c: request-head bytes through headscan.c, whole, cut
 * into pieces whose sizes the first byte chooses, and as an evbuffer of
 * one chain a piece: the verdicts agree, and a head ends at the first
 * empty line after the request line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "headscan.h"

/* The verdict worked out the slow way: a blank line after a line. */
static int
fh_reference(const uint8_t *s, size_t len, int *nul)
{
	size_t	 i, start = 0;
	int	 started = 0;

	*nul = 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0')
			*nul = 1;
		if (s[i] != '\n')
			continue;
		/* The line is s[start..i), less a '\r' at its end. */
		if (i - start == 0 || (i - start == 1 && s[start] == '\r')) {
			if (started)
				return 1;
		} else
			started = 1;
		start = i + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct headscan	 whole, cut, chained;
	struct evbuffer	*buf;
	size_t		 piece, off, k, end = 0;
	int		 e1, e2 = 0, e3, eref, nul, nulseen;

	if (size == 0)
		return 0;
	piece = data[0] % 16 + 1;
	data++;
	size--;
	headscan_reset(&whole);
	e1 = headscan_feed(&whole, data, size);
	headscan_reset(&cut);
	if ((buf = evbuffer_new()) == NULL)
		abort();
	for (off = 0; off < size; off += k) {
		k = size - off < piece ? size - off : piece;
		if (!e2 && (e2 = headscan_feed(&cut, data + off, k)))
			end = off + k;
		evbuffer_add_reference(buf, data + off, k, NULL, NULL);
	}
	headscan_reset(&chained);
	e3 = headscan_buffer(&chained, buf, 0);
	evbuffer_free(buf);
	if (e1 != e2 || e1 != e3 || whole.nul != chained.nul)
		abort();
	/* Up to where the head ended (or all of it), as the slow way says. */
	eref = fh_reference(data, e2 ? end : size, &nul);
	nulseen = cut.nul;
	if (eref != e2 || (!e2 && nul != nulseen))
		abort();
	return 0;
}
