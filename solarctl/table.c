/*
 * table.c: columns of text aligned for a terminal, a header row first.
 * Widths count characters (UTF-8 code points), not bytes; the last
 * column is not padded.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solarctl.h"
#include "utf8.h"

#define TABLE_GAP	2

struct table {
	size_t	  ncols;
	size_t	  nrows;	/* the header included */
	size_t	  cap;
	char	**cells;	/* nrows * ncols */
	size_t	 *width;
};

static size_t	text_width(const char *);

static size_t
text_width(const char *s)
{
	return utf8_chars(s, strlen(s));
}

struct table *
table_new(size_t ncols, const char *const *headers)
{
	struct table	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	if ((t->width = calloc(ncols, sizeof(*t->width))) == NULL ||
	    table_add(t, headers) == -1) {
		table_free(t);
		return NULL;
	}
	return t;
}

int
table_add(struct table *t, const char *const *cells)
{
	char	**grown;
	size_t	  i, w, base;

	if (t->nrows == t->cap) {
		grown = reallocarray(t->cells, (t->cap + 8) * t->ncols,
		    sizeof(*t->cells));
		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->cap += 8;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		if ((t->cells[base + i] = strdup(cells[i])) == NULL) {
			while (i-- > 0)
				free(t->cells[base + i]);
			return -1;
		}
	}
	for (i = 0; i < t->ncols; i++)
		if ((w = text_width(t->cells[base + i])) > t->width[i])
			t->width[i] = w;
	t->nrows++;
	return 0;
}

void
table_print(const struct table *t, FILE *fp)
{
	const char	*cell;
	size_t		 r, i, pad;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			cell = t->cells[r * t->ncols + i];
			fputs(cell, fp);
			if (i + 1 == t->ncols)
				break;
			pad = t->width[i] - text_width(cell) + TABLE_GAP;
			while (pad-- > 0)
				fputc(' ', fp);
		}
		fputc('\n', fp);
	}
}

void
table_free(struct table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}
