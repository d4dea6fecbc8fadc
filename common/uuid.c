/* uuid.c: random version 4 UUIDs for instance ids (SPEC section 3). */
#include <stdlib.h>

#include <sodium.h>

#include "uuid.h"

void
uuid_v4(char out[UUID_STRLEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 b[16];
	size_t			 i;
	int			 n = 0;

	/*
	 * Idempotent and cheap after the first call.  Without it there is no
	 * good randomness, and an id must never be guessed or repeat.
	 */
	if (sodium_init() == -1)
		abort();
	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant, 10xx */
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[b[i] >> 4];
		out[n++] = hex[b[i] & 0x0f];
	}
	out[n] = '\0';
}

int
uuid_valid(const char *s)
{
	int	i;

	if (s == NULL)
		return 0;
	/* Only ever lowercase: ids are compared as strings. */
	for (i = 0; i < UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[UUID_STRLEN] == '\0';
}
