/* fmt.c: doubles printed as Python's repr() prints them (SPEC section 3). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* Decimal digits and exponent of one correctly rounded conversion. */
struct fmt_digits {
	char	digits[24];	/* significant digits only, no point */
	int	ndigits;
	int	exp10;		/* exponent of the first digit */
};

static int	fmt_try(double, int, int, struct fmt_digits *);
static int	fmt_bump(char *);
static int	fmt_split(const char *, struct fmt_digits *);
static size_t	fmt_layout(int, const struct fmt_digits *, char *);

/*
 * Print x (finite, positive) with prec significant digits, the last one
 * raised by one when bump is set; 1 when the text reads back as exactly x.
 * "%.*e" with prec - 1 gives the same digits as "%.*g" with prec, and
 * always in the one form that fmt_split reads.
 */
static int
fmt_try(double x, int prec, int bump, struct fmt_digits *fd)
{
	char	 buf[64];
	char	*end;
	double	 back;
	int	 n;

	n = snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	if (bump && fmt_bump(buf) == -1)
		return 0;
	/* Read back in the same locale snprintf wrote in. */
	back = strtod(buf, &end);
	if (*end != '\0' || memcmp(&back, &x, sizeof(x)) != 0)
		return 0;
	return fmt_split(buf, fd);
}

/* Add one to the last digit before the exponent; -1 when all are nines. */
static int
fmt_bump(char *s)
{
	char	*p;

	if ((p = strchr(s, 'e')) == NULL)
		return -1;
	while (p > s) {
		p--;
		if (*p < '0' || *p > '9')
			continue;
		if (*p != '9') {
			(*p)++;
			return 0;
		}
		*p = '0';
	}
	return -1;
}

/*
 * Take "d.ddde+XX" apart.  Whatever sits between the first digit and the
 * rest is the locale's decimal point ('.' or ','); it is skipped, never
 * copied, so the output does not depend on the locale.
 */
static int
fmt_split(const char *s, struct fmt_digits *fd)
{
	char	*end;
	long	 e;

	fd->ndigits = 0;
	for (; *s != '\0' && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (fd->ndigits >= (int)sizeof(fd->digits) - 1)
			return 0;
		fd->digits[fd->ndigits++] = *s;
	}
	if (*s != 'e' || fd->ndigits == 0)
		return 0;
	e = strtol(s + 1, &end, 10);
	if (*end != '\0' || e < -400 || e > 400)
		return 0;
	fd->exp10 = (int)e;
	/* Trailing zeros are not significant; keep at least one digit. */
	while (fd->ndigits > 1 && fd->digits[fd->ndigits - 1] == '0')
		fd->ndigits--;
	fd->digits[fd->ndigits] = '\0';
	return 1;
}

/* Python's layout of the digits; out needs FMT_DOUBLE_LEN bytes. */
static size_t
fmt_layout(int neg, const struct fmt_digits *fd, char *out)
{
	size_t	 len = 0;
	int	 e = fd->exp10, i, ae;

	if (neg)
		out[len++] = '-';
	if (e < -4 || e >= 16) {
		/* 1e-05, 1.5e+16: a lone digit gets no ".0". */
		out[len++] = fd->digits[0];
		if (fd->ndigits > 1) {
			out[len++] = '.';
			for (i = 1; i < fd->ndigits; i++)
				out[len++] = fd->digits[i];
		}
		out[len++] = 'e';
		out[len++] = e < 0 ? '-' : '+';
		ae = e < 0 ? -e : e;
		if (ae >= 100)
			out[len++] = '0' + ae / 100;
		out[len++] = '0' + ae / 10 % 10;
		out[len++] = '0' + ae % 10;
	} else if (e < 0) {
		/* 0.0001: leading zeros after the point. */
		out[len++] = '0';
		out[len++] = '.';
		for (i = -1; i > e; i--)
			out[len++] = '0';
		for (i = 0; i < fd->ndigits; i++)
			out[len++] = fd->digits[i];
	} else {
		/* Integer part padded with zeros, then ".0" when whole. */
		for (i = 0; i <= e; i++)
			out[len++] = i < fd->ndigits ? fd->digits[i] : '0';
		out[len++] = '.';
		if (fd->ndigits <= e + 1)
			out[len++] = '0';
		for (i = e + 1; i < fd->ndigits; i++)
			out[len++] = fd->digits[i];
	}
	out[len] = '\0';
	return len;
}

int
fmt_double(double x, char *buf, size_t size)
{
	struct fmt_digits	 fd;
	char			 tmp[FMT_DOUBLE_LEN];
	const char		*s;
	size_t			 len;
	int			 neg, prec, e2, ok = 0;

	if (size == 0)
		return 0;
	neg = signbit(x) != 0;
	if (isnan(x))
		s = "nan";
	else if (isinf(x))
		s = neg ? "-inf" : "inf";
	else if (x == 0)
		s = neg ? "-0.0" : "0.0";
	else {
		x = fabs(x);
		if (x >= DBL_MIN) {
			/*
			 * Fifteen digits never name two normal doubles
			 * (DBL_DIG), so when they read back they are also the
			 * shortest once trailing zeros go; 17 always read back.
			 * Above a power of two the gap to the next double is
			 * twice the one below, so the 16 digits that read back
			 * may be the next ones up rather than the nearest.
			 */
			for (prec = 15; prec <= 17 && !ok; prec++) {
				ok = fmt_try(x, prec, 0, &fd);
				if (!ok && prec == 16 && frexp(x, &e2) == 0.5)
					ok = fmt_try(x, prec, 1, &fd);
			}
		} else {
			/*
			 * Subnormals carry fewer digits: search from one up,
			 * or 5e-324 would come out as 4.94065645841247e-324.
			 */
			for (prec = 1; prec <= 17 && !ok; prec++)
				ok = fmt_try(x, prec, 0, &fd);
		}
		if (!ok)
			s = "nan";	/* not reached with a working libc */
		else {
			fmt_layout(neg, &fd, tmp);
			s = tmp;
		}
	}
	len = strlen(s);
	if (len >= size)
		len = size - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return (int)len;
}
