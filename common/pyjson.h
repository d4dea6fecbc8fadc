/*
 * pyjson.h: JSON as the original (Python's json module) reads and writes it,
 * under our pyjson_ prefix so that it never reads as jansson's json_ API
 * (pyjson_load and pyjson_dump_* after Python's json.loads and json.dumps).
 * The parser gives Python's error positions and phrases, which the API
 * returns in its json_invalid entries; the writers print floats the way
 * Python does (fmt.h) and strings either as UTF-8 (HTTP bodies) or with
 * \uXXXX escapes (config.json, like json.dump with ensure_ascii).
 */
#ifndef SOLAR_PYJSON_H
#define SOLAR_PYJSON_H

#include <stddef.h>

#include <jansson.h>

#include "strbuf.h"

#define PYJSON_MAX_DEPTH	64

enum pyjson_result {
	PYJSON_OK = 0,
	PYJSON_SYNTAX,		/* not JSON: err has Python's position and phrase */
	PYJSON_TOO_DEEP,	/* nesting deeper than PYJSON_MAX_DEPTH */
	PYJSON_NOT_UTF8,	/* bytes that are not UTF-8 */
	PYJSON_NOMEM,
};

struct pyjson_error {
	size_t	 pos;		/* offset in characters (code points), as Python counts */
	size_t	 line;		/* 1-based line of pos */
	size_t	 column;	/* 1-based column of pos, in characters */
	char	 msg[80];	/* "Expecting value", "Expecting ',' delimiter", ... */
};

/*
 * Parse text of len bytes.  Python's json.loads rules: any value at top
 * level, whitespace around it, NaN, Infinity and -Infinity accepted (they
 * become the strings "NaN", "Infinity", "-Infinity", since jansson cannot
 * hold them), duplicate keys keep the last value, \u escapes with surrogate
 * pairs (a lone surrogate becomes U+FFFD), "\u0000" allowed inside strings,
 * raw control characters inside strings refused.  Integers beyond int64
 * become reals.  On PYJSON_OK *out is the new value (caller json_decref's).
 */
enum pyjson_result pyjson_load(const char *text, size_t len, json_t **out,
	    struct pyjson_error *err);

/* Compact: no spaces, UTF-8 as is, key order kept. */
void	pyjson_dump_compact(struct strbuf *, const json_t *);
/* Python's json.dump(v, indent=2): ", " never at line ends, ": " between
 * key and value, "[]" and "{}" for empty containers, every non-ASCII
 * character as \uXXXX (surrogate pairs above U+FFFF), no final newline. */
void	pyjson_dump_pretty(struct strbuf *, const json_t *);
/* One string literal with its quotes; ascii selects \uXXXX escaping. */
void	pyjson_dump_string(struct strbuf *, const char *, size_t, int ascii);
/* A float the way both writers print it (1.0, 0.05, 1e-05). */
void	pyjson_dump_real(struct strbuf *, double);

#endif
