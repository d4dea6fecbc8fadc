/*
 * json.h: JSON as the original (Python's json module) reads and writes it.
 * The parser gives Python's error positions and phrases, which the API
 * returns in its json_invalid entries; the writers print floats the way
 * Python does (fmt.h) and strings either as UTF-8 (HTTP bodies) or with
 * \uXXXX escapes (config.json, like json.dump with ensure_ascii).
 */
#ifndef SOLAR_JSON_H
#define SOLAR_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "strbuf.h"

#define JSON_MAX_DEPTH	64

enum json_parse_result {
	JSONP_OK = 0,
	JSONP_SYNTAX,		/* not JSON: err has Python's position and phrase */
	JSONP_TOO_DEEP,		/* nesting deeper than JSON_MAX_DEPTH */
	JSONP_NOT_UTF8,		/* bytes that are not UTF-8 */
	JSONP_NOMEM,
};

struct json_parse_error {
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
 * become reals.  On JSONP_OK *out is the new value (caller json_decref's).
 */
enum json_parse_result json_parse(const char *text, size_t len, json_t **out,
	    struct json_parse_error *err);

/* Compact: no spaces, UTF-8 as is, key order kept. */
void	json_write_compact(struct strbuf *, const json_t *);
/* Python's json.dump(v, indent=2): ", " never at line ends, ": " between
 * key and value, "[]" and "{}" for empty containers, every non-ASCII
 * character as \uXXXX (surrogate pairs above U+FFFF), no final newline. */
void	json_write_pretty(struct strbuf *, const json_t *);
/* One string literal with its quotes; ascii selects \uXXXX escaping. */
void	json_write_string(struct strbuf *, const char *, size_t, int ascii);
/* A float the way both writers print it (1.0, 0.05, 1e-05). */
void	json_write_real(struct strbuf *, double);

#endif
