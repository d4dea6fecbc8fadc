/*
 * fmt.h: numbers printed the way Python prints them (SPEC section 3):
 * the shortest of 15, 16, 17 significant digits that reads back to the same
 * double, ".0" on whole numbers, scientific form when the exponent is below
 * -4 or at least 16, with a signed exponent of at least two digits.
 */
#ifndef SOLAR_FMT_H
#define SOLAR_FMT_H

#include <stddef.h>

#define FMT_DOUBLE_LEN	32

/* Writes "1.0", "0.05", "1e-05", "1e+16", "inf", "nan", ...  Returns the
 * length written (always < FMT_DOUBLE_LEN). */
int	fmt_double(double, char *, size_t);

#endif
