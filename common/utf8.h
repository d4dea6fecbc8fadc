/*
 * utf8.h: UTF-8 read and written one way for the whole tree, strict as
 * RFC 3629 and Python's decoder take it: no overlong forms, no encoded
 * surrogates, nothing above U+10FFFF, no sequence cut short.
 */
#ifndef SOLAR_UTF8_H
#define SOLAR_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX	4		/* bytes in one character, at most */
#define UTF8_FFFD	"\xef\xbf\xbd"	/* what stands for bytes that are not */
#define UTF8_FFFD_LEN	3

/* A byte that only continues a sequence, never starts one. */
#define UTF8_IS_CONT(c)	(((unsigned char)(c) & 0xc0) == 0x80)

/* For a byte that starts a character: how many continuation bytes follow
 * (0 for ASCII), and the range the first of them must lie in.  -1 when
 * c starts none. */
int	utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi);
/* The character at s (len > 0 bytes left): its length, 1 to UTF8_MAX,
 * and *cp; -1 when s does not start a whole valid one. */
int	utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* The offset of the first byte that does not start a valid character;
 * len when all of s is UTF-8. */
size_t	utf8_check(const unsigned char *s, size_t len);
int	utf8_valid(const char *s, size_t len);
/* cp (a Unicode scalar value) into out; its length. */
size_t	utf8_encode(uint32_t cp, char out[UTF8_MAX]);
/* Code points in s, which is valid UTF-8. */
size_t	utf8_chars(const char *s, size_t len);
/* The start of the character that holds byte at of s: at itself, or the
 * lead byte before its continuation bytes, never below 0. */
size_t	utf8_floor(const char *s, size_t at);

#endif
