/* test_pyjson.c: pyjson_load and the writers against Python's json. */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pyjson.h"
#include "strbuf.h"
#include "t.h"

/* A literal and its length, so that inputs may hold NUL bytes. */
#define S(x)	x, sizeof(x) - 1
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define PROPNAME	"Expecting property name enclosed in double quotes"

struct bad {
	const char	*in;
	size_t		 len;
	size_t		 pos;	/* as JSONDecodeError has them */
	size_t		 line;
	size_t		 col;
	const char	*msg;
};

struct good {
	const char	*in;
	size_t		 len;
	const char	*want;	/* json.dumps(json.loads(in)) */
};

static char	*compact_of(const char *, size_t, enum pyjson_result *);
static char	*pretty_of(const char *, size_t);
static char	*nested(const char *, const char *, const char *, int);
static char	*read_file(const char *, size_t *);
static void	 test_errors(void);
static void	 test_not_utf8(void);
static void	 test_compact(void);
static void	 test_pretty(void);
static void	 test_types(void);
static void	 test_depth(void);
static void	 test_writers(void);
static void	 test_locale(void);
static void	*failing_malloc(size_t);
static void	 test_nomem(void);
static void	 test_fixture(int, char **);

/* Parse and write compact; NULL when the parse fails (*rc says why). */
static char *
compact_of(const char *in, size_t len, enum pyjson_result *rc)
{
	struct pyjson_error	 err;
	struct strbuf		 sb;
	json_t			*v;

	if ((*rc = pyjson_load(in, len, &v, &err)) != PYJSON_OK)
		return NULL;
	strbuf_init(&sb);
	pyjson_dump_compact(&sb, v);
	json_decref(v);
	return strbuf_steal(&sb);
}

static char *
pretty_of(const char *in, size_t len)
{
	struct pyjson_error	 err;
	struct strbuf		 sb;
	json_t			*v;

	if (pyjson_load(in, len, &v, &err) != PYJSON_OK)
		return NULL;
	strbuf_init(&sb);
	pyjson_dump_pretty(&sb, v);
	json_decref(v);
	return strbuf_steal(&sb);
}

/* open repeated n times, then mid, then close n times. */
static char *
nested(const char *open, const char *mid, const char *close, int n)
{
	struct strbuf	sb;
	int		i;

	strbuf_init(&sb);
	for (i = 0; i < n; i++)
		strbuf_adds(&sb, open);
	strbuf_adds(&sb, mid);
	for (i = 0; i < n; i++)
		strbuf_adds(&sb, close);
	return strbuf_steal(&sb);
}

static char *
read_file(const char *path, size_t *lenp)
{
	struct strbuf	 sb;
	FILE		*f;
	char		 buf[4096];
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(f))
		sb.failed = 1;
	fclose(f);
	*lenp = sb.len;
	return strbuf_steal(&sb);
}

static void
test_errors(void)
{
	/* Every row from CPython 3.11's json.loads (strict=True). */
	static const struct bad	table[] = {
		{ S("{\"config\":"), 10, 1, 11, "Expecting value" },
		{ S(""), 0, 1, 1, "Expecting value" },
		{ S("   "), 3, 1, 4, "Expecting value" },
		{ S(" \t\n\r"), 4, 2, 2, "Expecting value" },
		{ S("{\"a\":1,}"), 7, 1, 8, PROPNAME },
		{ S("[1,]"), 3, 1, 4, "Expecting value" },
		{ S("{\"a\" 1}"), 5, 1, 6, "Expecting ':' delimiter" },
		{ S("[1 2]"), 3, 1, 4, "Expecting ',' delimiter" },
		{ S("{1:2}"), 1, 1, 2, PROPNAME },
		{ S("\"abc"), 0, 1, 1, "Unterminated string starting at" },
		{ S("tru"), 0, 1, 1, "Expecting value" },
		{ S("1 2"), 2, 1, 3, "Extra data" },
		{ S("-"), 0, 1, 1, "Expecting value" },
		{ S("01"), 1, 1, 2, "Extra data" },
		{ S("1."), 1, 1, 2, "Extra data" },
		{ S(".5"), 0, 1, 1, "Expecting value" },
		{ S("-01"), 2, 1, 3, "Extra data" },
		{ S("1e"), 1, 1, 2, "Extra data" },
		{ S("1e+"), 1, 1, 2, "Extra data" },
		{ S("1E-"), 1, 1, 2, "Extra data" },
		{ S("1.5e"), 3, 1, 4, "Extra data" },
		{ S("1.e5"), 1, 1, 2, "Extra data" },
		{ S("+1"), 0, 1, 1, "Expecting value" },
		{ S("- 1"), 0, 1, 1, "Expecting value" },
		{ S("--1"), 0, 1, 1, "Expecting value" },
		{ S("0x10"), 1, 1, 2, "Extra data" },
		{ S("1_000"), 1, 1, 2, "Extra data" },
		{ S("{"), 1, 1, 2, PROPNAME },
		{ S("["), 1, 1, 2, "Expecting value" },
		{ S("{\"a\""), 4, 1, 5, "Expecting ':' delimiter" },
		{ S("{\"a\":"), 5, 1, 6, "Expecting value" },
		{ S("{\"a\":1"), 6, 1, 7, "Expecting ',' delimiter" },
		{ S("{\"a\":1,"), 7, 1, 8, PROPNAME },
		{ S("[1"), 2, 1, 3, "Expecting ',' delimiter" },
		{ S("[1,"), 3, 1, 4, "Expecting value" },
		{ S("]"), 0, 1, 1, "Expecting value" },
		{ S("}"), 0, 1, 1, "Expecting value" },
		{ S(","), 0, 1, 1, "Expecting value" },
		{ S(":"), 0, 1, 1, "Expecting value" },
		{ S("{\"a\":1}}"), 7, 1, 8, "Extra data" },
		{ S("[1]]"), 3, 1, 4, "Extra data" },
		{ S("[] []"), 3, 1, 4, "Extra data" },
		{ S("nul"), 0, 1, 1, "Expecting value" },
		{ S("nulll"), 4, 1, 5, "Extra data" },
		{ S("True"), 0, 1, 1, "Expecting value" },
		{ S("NAN"), 0, 1, 1, "Expecting value" },
		{ S("nan"), 0, 1, 1, "Expecting value" },
		{ S("inf"), 0, 1, 1, "Expecting value" },
		{ S("-Inf"), 0, 1, 1, "Expecting value" },
		{ S("-Infinit"), 0, 1, 1, "Expecting value" },
		{ S("Infinit"), 0, 1, 1, "Expecting value" },
		{ S("Na"), 0, 1, 1, "Expecting value" },
		{ S("fals"), 0, 1, 1, "Expecting value" },
		{ S("'a'"), 0, 1, 1, "Expecting value" },
		{ S("{'a':1}"), 1, 1, 2, PROPNAME },
		{ S("\"a\nb\""), 2, 1, 3, "Invalid control character at" },
		{ S("\"a\x00\""), 2, 1, 3, "Invalid control character at" },
		{ S("\"\x1f\""), 1, 1, 2, "Invalid control character at" },
		{ S("\"a\x7f"), 0, 1, 1, "Unterminated string starting at" },
		{ S("\"\\x\""), 1, 1, 2, "Invalid \\escape" },
		{ S("\"\\"), 0, 1, 1, "Unterminated string starting at" },
		{ S("\"\\\""), 0, 1, 1, "Unterminated string starting at" },
		{ S("\"\\u12\""), 2, 1, 3, "Invalid \\uXXXX escape" },
		{ S("\"\\u123\""), 2, 1, 3, "Invalid \\uXXXX escape" },
		{ S("\"\\u1234"), 2, 1, 3, "Invalid \\uXXXX escape" },
		{ S("\"\\u12G4\""), 2, 1, 3, "Invalid \\uXXXX escape" },
		{ S("\"\\uD83D\\u12\""), 8, 1, 9, "Invalid \\uXXXX escape" },
		{ S("\"\\uD83D\\uZZZZ  \""),
		    8, 1, 9, "Invalid \\uXXXX escape" },
		{ S("\"\\uD83D\\uDE0"), 8, 1, 9, "Invalid \\uXXXX escape" },
		{ S("\"\\'\""), 1, 1, 2, "Invalid \\escape" },
		{ S("\"\\U0041\""), 1, 1, 2, "Invalid \\escape" },
		{ S("\"\\a\""), 1, 1, 2, "Invalid \\escape" },
		{ S("\"\\\n\""), 1, 1, 2, "Invalid \\escape" },
		{ S("\"\xc3\xa9\\q\""), 2, 1, 3, "Invalid \\escape" },
		{ S("[\"\xc3\xa9\", \"\xf0\x9f\x98\x80\", x]"),
		    11, 1, 12, "Expecting value" },
		{ S("{\"\xc3\xa9\xf0\x9f\x98\x80\": 1 2}"),
		    9, 1, 10, "Expecting ',' delimiter" },
		{ S("\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\n"),
		    3, 1, 4, "Invalid control character at" },
		{ S("\n\n  [1,\n   2\n   3]"),
		    16, 5, 4, "Expecting ',' delimiter" },
		{ S("[\r\n1,\r\n]"), 7, 3, 1, "Expecting value" },
		{ S("{\"a\":1}\n\n x"), 10, 3, 2, "Extra data" },
		{ S("[1]\xc2\xa0"), 3, 1, 4, "Extra data" },
		{ S("\xc2\xa0" "1"), 0, 1, 1, "Expecting value" },
		{ S("\x0c" "1"), 0, 1, 1, "Expecting value" },
		{ S("1\x0c"), 1, 1, 2, "Extra data" },
		{ S("[1,\x0b" "2]"), 3, 1, 4, "Expecting value" },
		{ S("\xef\xbb\xbf{}"),
		    0, 1, 1, "Unexpected UTF-8 BOM (decode using utf-8-sig)" },
		{ S("\xef\xbb\xbf"),
		    0, 1, 1, "Unexpected UTF-8 BOM (decode using utf-8-sig)" },
		{ S(" \xef\xbb\xbf" "1"), 1, 1, 2, "Expecting value" },
		{ S("{\"a\":1 \"b\":2}"), 7, 1, 8, "Expecting ',' delimiter" },
		{ S("{\"a\":1, \"b\"}"), 11, 1, 12, "Expecting ':' delimiter" },
		{ S("{\"a\":[1,2}"), 9, 1, 10, "Expecting ',' delimiter" },
		{ S("[{\"a\":1]"), 7, 1, 8, "Expecting ',' delimiter" },
		{ S("{\"a\":{\"b\":[1,{\"c\":}]}}"),
		    18, 1, 19, "Expecting value" },
		{ S("[1,,2]"), 3, 1, 4, "Expecting value" },
		{ S("[,]"), 1, 1, 2, "Expecting value" },
		{ S("{,}"), 1, 1, 2, PROPNAME },
		{ S("{\"a\":1,,\"b\":2}"), 7, 1, 8, PROPNAME },
		{ S("\"abc\"def"), 5, 1, 6, "Extra data" },
		{ S("123abc"), 3, 1, 4, "Extra data" },
		{ S("1.5.5"), 3, 1, 4, "Extra data" },
		{ S("-0.0."), 4, 1, 5, "Extra data" },
		{ S("1e5e5"), 3, 1, 4, "Extra data" },
		{ S("[-]"), 1, 1, 2, "Expecting value" },
		{ S("[-a]"), 1, 1, 2, "Expecting value" },
		{ S("{\"\":}"), 4, 1, 5, "Expecting value" },
		{ S("\"\\ud800"), 2, 1, 3, "Invalid \\uXXXX escape" },
		{ S("[1, 2, 3"), 8, 1, 9, "Expecting ',' delimiter" },
		{ S("{\"x\": \"\\u00e9\\"),
		    6, 1, 7, "Unterminated string starting at" },
		{ S("nullx"), 4, 1, 5, "Extra data" },
		{ S("truefalse"), 4, 1, 5, "Extra data" },
		{ S(" 1 x"), 3, 1, 4, "Extra data" },
		{ S("\"\t\""), 1, 1, 2, "Invalid control character at" },
		{ S("[\t1\t]x"), 5, 1, 6, "Extra data" },
	};
	struct pyjson_error	 err;
	enum pyjson_result	 rc;
	json_t			*v;
	size_t			 i;
	int			 ok;

	for (i = 0; i < NITEMS(table); i++) {
		v = (json_t *)&err;	/* must come back NULL */
		rc = pyjson_load(table[i].in, table[i].len, &v, &err);
		ok = rc == PYJSON_SYNTAX && v == NULL &&
		    err.pos == table[i].pos && err.line == table[i].line &&
		    err.column == table[i].col &&
		    strcmp(err.msg, table[i].msg) == 0;
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  row %zu: rc %d, %zu %zu:%zu \"%s\", "
			    "want %zu %zu:%zu \"%s\"\n", i, rc, err.pos,
			    err.line, err.column, err.msg, table[i].pos,
			    table[i].line, table[i].col, table[i].msg);
		if (v != NULL && v != (json_t *)&err)
			json_decref(v);
	}
}

static void
test_not_utf8(void)
{
	static const struct good	bad[] = {
		{ S("\"\xc0\xaf\""), NULL },		/* overlong '/' */
		{ S("\"\xc1\xbf\""), NULL },
		{ S("\"\xe0\x80\xaf\""), NULL },
		{ S("\"\xe0\x9f\xbf\""), NULL },
		{ S("\"\xf0\x80\x80\xaf\""), NULL },
		{ S("\"\xf0\x8f\xbf\xbf\""), NULL },
		{ S("\"\xed\xa0\x80\""), NULL },	/* U+D800 */
		{ S("\"\xed\xbf\xbf\""), NULL },	/* U+DFFF */
		{ S("\"\xf4\x90\x80\x80\""), NULL },	/* U+110000 */
		{ S("\"\xf5\x80\x80\x80\""), NULL },
		{ S("\"\xff\""), NULL },
		{ S("\"\xfe\""), NULL },
		{ S("\"\x80\""), NULL },		/* lone continuation */
		{ S("\"\xc3\""), NULL },		/* cut short */
		{ S("\"\xe2\x82\""), NULL },
		{ S("\"\xf0\x9f\x98\""), NULL },
		{ S("\"\xc3\x28\""), NULL },
		{ S("\xc3"), NULL },			/* cut by the end */
		{ S("[1,,\xff]"),
		    NULL },		/* the syntax error comes first */
		{ S("\xef\xbb\xbf\xff"), NULL },	/* so does the BOM */
	};
	static const struct good	fine[] = {
		{ S("\"\xc2\x80\""), "\"\xc2\x80\"" },
		{ S("\"\xed\x9f\xbf\""), "\"\xed\x9f\xbf\"" },
		{ S("\"\xee\x80\x80\""), "\"\xee\x80\x80\"" },
		{ S("\"\xef\xbf\xbf\""), "\"\xef\xbf\xbf\"" },
		{ S("\"\xf4\x8f\xbf\xbf\""), "\"\xf4\x8f\xbf\xbf\"" },
	};
	struct pyjson_error	 err;
	enum pyjson_result	 rc;
	json_t			*v;
	char			*s;
	size_t			 i;

	for (i = 0; i < NITEMS(bad); i++) {
		rc = pyjson_load(bad[i].in, bad[i].len, &v, &err);
		CHECK(rc == PYJSON_NOT_UTF8 && v == NULL);
		if (rc != PYJSON_NOT_UTF8)
			fprintf(stderr, "  row %zu: rc %d\n", i, rc);
		if (rc == PYJSON_OK)
			json_decref(v);
	}
	/* For config.json messages: where the bad byte is, in characters. */
	rc = pyjson_load(S("{\"\xc3\xa9\": 1,\n \"x\": \"\xff\"}"), &v, &err);
	CHECK(rc == PYJSON_NOT_UTF8 && err.pos == 16 && err.line == 2 &&
	    err.column == 8);

	for (i = 0; i < NITEMS(fine); i++) {
		s = compact_of(fine[i].in, fine[i].len, &rc);
		CHECK_STR(s, fine[i].want);
		free(s);
	}
}

static void
test_compact(void)
{
	/* want: json.dumps(json.loads(in), ensure_ascii=False,
	 * separators=(",", ":")) after our documented substitutions. */
	static const struct good	table[] = {
		{ S("{\"a\":1,\"b\":[1,2.5,\"x\"],\"c\":null,\"d\":true}"),
		    "{\"a\":1,\"b\":[1,2.5,\"x\"],\"c\":null,\"d\":true}" },
		{ S(" {\"a\" : 1 , \"b\" : [ ] , \"c\" : { } } "),
		    "{\"a\":1,\"b\":[],\"c\":{}}" },
		{ S("[true,false,null]"), "[true,false,null]" },
		{ S("0"), "0" },
		{ S("-0"), "0" },
		{ S("-0.0"), "-0.0" },
		{ S("0.0"), "0.0" },
		{ S("1.0"), "1.0" },
		{ S("1E2"), "100.0" },
		{ S("1e-7"), "1e-07" },
		{ S("1.5e+300"), "1.5e+300" },
		{ S("0.1"), "0.1" },
		{ S("0.05"), "0.05" },
		{ S("1e16"), "1e+16" },
		{ S("12345678901234567890"), "1.2345678901234567e+19" },
		{ S("9223372036854775807"), "9223372036854775807" },
		{ S("-9223372036854775808"), "-9223372036854775808" },
		{ S("9223372036854775808"), "9.223372036854776e+18" },
		{ S("-9223372036854775809"), "-9.223372036854776e+18" },
		{ S("1e400"), "\"Infinity\"" },
		{ S("-1e400"), "\"-Infinity\"" },
		{ S("1e-400"), "0.0" },
		{ S("NaN"), "\"NaN\"" },
		{ S("Infinity"), "\"Infinity\"" },
		{ S("-Infinity"), "\"-Infinity\"" },
		{ S("[NaN,Infinity,-Infinity]"),
		    "[\"NaN\",\"Infinity\",\"-Infinity\"]" },
		{ S("\"\\u00e9\\u20ac\\ud83d\\ude00\""),
		    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ S("\"\\ud83d\""), "\"\xef\xbf\xbd\"" },
		{ S("\"\\ude00\""), "\"\xef\xbf\xbd\"" },
		{ S("\"\\ud83d\\u0041\""), "\"\xef\xbf\xbd" "A\"" },
		{ S("\"\\ud83dx\""), "\"\xef\xbf\xbdx\"" },
		{ S("\"\\ud83d\\ud83d\\ude00\""),
		    "\"\xef\xbf\xbd\xf0\x9f\x98\x80\"" },
		{ S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
		    "\"\\\"\\\\/\\b\\f\\n\\r\\t\"" },
		{ S("\"\\u0000\\u0001\\u001f\\u007f\\u0080\""),
		    "\"\\u0000\\u0001\\u001f\x7f\xc2\x80\"" },
		{ S("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\""),
		    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"" },
		{ S("\"\\u00E9\""), "\"\xc3\xa9\"" },
		{ S("{\"a\":1,\"b\":2,\"a\":3}"), "{\"a\":3,\"b\":2}" },
		{ S("{\"b\":1,\"a\":2}"), "{\"b\":1,\"a\":2}" },
		{ S("{\"k\":{\"k\":{\"k\":[]}}}"),
		    "{\"k\":{\"k\":{\"k\":[]}}}" },
		{ S("\"\xe2\x80\xa8\xe2\x80\xa9\""),
		    "\"\xe2\x80\xa8\xe2\x80\xa9\"" },
		{ S("{\"\\u0000\":1}"), "{\"\\u0000\":1}" },
		{ S("\"a\\u0000b\""), "\"a\\u0000b\"" },
		{ S("[[[[]]]]"), "[[[[]]]]" },
		{ S("\t\n\r 7 \r\n\t"), "7" },
		{ S("{\"\":\"\"}"), "{\"\":\"\"}" },
		{ S("-12.5e-3"), "-0.0125" },
		{ S("1.7976931348623157e308"), "1.7976931348623157e+308" },
		{ S("5e-324"), "5e-324" },
	};
	enum pyjson_result	 rc;
	char			*s;
	size_t			 i;

	for (i = 0; i < NITEMS(table); i++) {
		s = compact_of(table[i].in, table[i].len, &rc);
		CHECK_STR(s, table[i].want);
		if (s == NULL)
			fprintf(stderr, "  row %zu: rc %d\n", i, rc);
		free(s);
	}
}

static void
test_pretty(void)
{
	/* want: json.dumps(json.loads(in), indent=2) */
	static const struct good	table[] = {
		{ S("{\"a\":1,\"b\":[1,2.5,\"x\"],\"c\":null,\"d\":true}"),
		    "{\n"
		    "  \"a\": 1,\n"
		    "  \"b\": [\n"
		    "    1,\n"
		    "    2.5,\n"
		    "    \"x\"\n"
		    "  ],\n"
		    "  \"c\": null,\n"
		    "  \"d\": true\n"
		    "}" },
		{ S("[]"),
		    "[]" },
		{ S("{}"),
		    "{}" },
		{ S("[[]]"),
		    "[\n  []\n]" },
		{ S("[{}]"),
		    "[\n  {}\n]" },
		{ S("{\"a\":[],\"b\":{},\"c\":[{}],\"d\":{\"e\":[]}}"),
		    "{\n"
		    "  \"a\": [],\n"
		    "  \"b\": {},\n"
		    "  \"c\": [\n"
		    "    {}\n"
		    "  ],\n"
		    "  \"d\": {\n"
		    "    \"e\": []\n"
		    "  }\n"
		    "}" },
		{ S("[[[1]],[[]],[{\"x\":{}}]]"),
		    "[\n"
		    "  [\n"
		    "    [\n"
		    "      1\n"
		    "    ]\n"
		    "  ],\n"
		    "  [\n"
		    "    []\n"
		    "  ],\n"
		    "  [\n"
		    "    {\n"
		    "      \"x\": {}\n"
		    "    }\n"
		    "  ]\n"
		    "]" },
		{ S("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"
		    "\\u0000\\u001f\\n\""),
		    "\"\\u00e9\\u20ac\\ud83d\\ude00\\u007f"
		    "\\u0000\\u001f\\n\"" },
		{ S("{\"\xc3\xa9\":\"\\ud83d\\ude00\","
		    "\"\\u00ff\":[\"\xc3\xbf\"]}"),
		    "{\n"
		    "  \"\\u00e9\": \"\\ud83d\\ude00\",\n"
		    "  \"\\u00ff\": [\n"
		    "    \"\\u00ff\"\n"
		    "  ]\n"
		    "}" },
		{ S("[0.1,1e-05,1e16,1e22,-0.0,100.0,123456789.125,2.5e-7,"
		    "1.7976931348623157e308,5e-324]"),
		    "[\n"
		    "  0.1,\n"
		    "  1e-05,\n"
		    "  1e+16,\n"
		    "  1e+22,\n"
		    "  -0.0,\n"
		    "  100.0,\n"
		    "  123456789.125,\n"
		    "  2.5e-07,\n"
		    "  1.7976931348623157e+308,\n"
		    "  5e-324\n"
		    "]" },
		{ S("[1,-1,0,9223372036854775807]"),
		    "[\n  1,\n  -1,\n  0,\n  9223372036854775807\n]" },
		{ S("{\"nested\":{\"deeper\":{\"deepest\":[1,[2,[3]]]}}}"),
		    "{\n"
		    "  \"nested\": {\n"
		    "    \"deeper\": {\n"
		    "      \"deepest\": [\n"
		    "        1,\n"
		    "        [\n"
		    "          2,\n"
		    "          [\n"
		    "            3\n"
		    "          ]\n"
		    "        ]\n"
		    "      ]\n"
		    "    }\n"
		    "  }\n"
		    "}" },
		{ S("null"),
		    "null" },
		{ S("true"),
		    "true" },
		{ S("\"x\""),
		    "\"x\"" },
		{ S("1.5"),
		    "1.5" },
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < NITEMS(table); i++) {
		s = pretty_of(table[i].in, table[i].len);
		CHECK_STR(s, table[i].want);
		free(s);
	}
}

static void
test_types(void)
{
	static const char	 in[] = "[1, 1.0, 9223372036854775808, \"s\", "
	    "NaN, 1e400, -9223372036854775808, \"a\\u0000b\", "
	    "{\"k\\u0000x\": 1, \"k\": 2}]";
	struct pyjson_error	 err;
	json_t			*v, *o;

	CHECK(pyjson_load(in, sizeof(in) - 1, &v, &err) == PYJSON_OK);
	if (v == NULL)
		return;
	CHECK(json_is_array(v) && json_array_size(v) == 9);
	CHECK(json_is_integer(json_array_get(v, 0)) &&
	    json_integer_value(json_array_get(v, 0)) == 1);
	CHECK(json_is_real(json_array_get(v, 1)) &&
	    json_real_value(json_array_get(v, 1)) == 1.0);
	CHECK(json_is_real(json_array_get(v, 2)) &&
	    json_real_value(json_array_get(v, 2)) == 9223372036854775808.0);
	CHECK_STR(json_string_value(json_array_get(v, 3)), "s");
	CHECK_STR(json_string_value(json_array_get(v, 4)), "NaN");
	CHECK_STR(json_string_value(json_array_get(v, 5)), "Infinity");
	CHECK(json_is_integer(json_array_get(v, 6)) &&
	    json_integer_value(json_array_get(v, 6)) == LLONG_MIN);
	/* NUL inside a string or a key survives, with its length. */
	CHECK(json_string_length(json_array_get(v, 7)) == 3 &&
	    memcmp(json_string_value(json_array_get(v, 7)), "a\0b", 4) == 0);
	o = json_array_get(v, 8);
	CHECK(json_object_size(o) == 2);
	CHECK(json_integer_value(json_object_getn(o, "k\0x", 3)) == 1);
	CHECK(json_integer_value(json_object_get(o, "k")) == 2);
	json_decref(v);

	/* err may be left out. */
	CHECK(pyjson_load("[", 1, &v, NULL) == PYJSON_SYNTAX && v == NULL);
	CHECK(pyjson_load("{\"a\":[]}", 8, &v, NULL) == PYJSON_OK &&
	    json_is_array(json_object_get(v, "a")));
	json_decref(v);

	/* The length bounds the text: what follows is not read. */
	CHECK(pyjson_load("12]", 2, &v, &err) == PYJSON_OK &&
	    json_integer_value(v) == 12);
	json_decref(v);
	CHECK(pyjson_load("\"ab\"", 3, &v, &err) == PYJSON_SYNTAX &&
	    strcmp(err.msg, "Unterminated string starting at") == 0);
}

static void
test_depth(void)
{
	struct pyjson_error	 err;
	enum pyjson_result	 rc;
	json_t			*v, *in;
	char			*s;
	size_t			 n;
	clock_t			 t0;
	int			 d;

	/* Exactly the limit is fine, and the innermost value is there. */
	s = nested("[", "1", "]", PYJSON_MAX_DEPTH);
	rc = pyjson_load(s, strlen(s), &v, &err);
	CHECK(rc == PYJSON_OK);
	for (d = 1, in = v; in != NULL && d < PYJSON_MAX_DEPTH; d++)
		in = json_array_get(in, 0);
	CHECK(json_integer_value(json_array_get(in, 0)) == 1);
	if (rc == PYJSON_OK)
		json_decref(v);
	free(s);

	s = nested("[", "1", "]", PYJSON_MAX_DEPTH + 1);
	rc = pyjson_load(s, strlen(s), &v, &err);
	CHECK(rc == PYJSON_TOO_DEEP && v == NULL);
	free(s);

	s = nested("{\"a\":", "1", "}", PYJSON_MAX_DEPTH);
	rc = pyjson_load(s, strlen(s), &v, &err);
	CHECK(rc == PYJSON_OK);
	if (rc == PYJSON_OK)
		json_decref(v);
	free(s);
	s = nested("{\"a\":", "1", "}", PYJSON_MAX_DEPTH + 1);
	CHECK(pyjson_load(s, strlen(s), &v, &err) == PYJSON_TOO_DEEP);
	free(s);
	s = nested("[{\"a\":", "[]", "}]", PYJSON_MAX_DEPTH / 2);
	rc = pyjson_load(s, strlen(s), &v, &err);
	CHECK(rc == PYJSON_TOO_DEEP);
	if (rc == PYJSON_OK)
		json_decref(v);
	free(s);

	/* Empty containers count too: depth is nesting, not content. */
	s = nested("[", "[]", "]", PYJSON_MAX_DEPTH - 1);
	rc = pyjson_load(s, strlen(s), &v, &err);
	CHECK(rc == PYJSON_OK);
	if (rc == PYJSON_OK)
		json_decref(v);
	free(s);
	s = nested("[", "{}", "]", PYJSON_MAX_DEPTH);
	CHECK(pyjson_load(s, strlen(s), &v, &err) == PYJSON_TOO_DEEP);
	free(s);

	/* A megabyte of '[' stops at the first bracket too many, at once. */
	n = 1024 * 1024;
	if ((s = malloc(n)) == NULL)
		abort();
	memset(s, '[', n);
	t0 = clock();
	rc = pyjson_load(s, n, &v, &err);
	CHECK(rc == PYJSON_TOO_DEEP && v == NULL);
	CHECK(err.pos == PYJSON_MAX_DEPTH && err.line == 1 &&
	    err.column == PYJSON_MAX_DEPTH + 1);
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	free(s);
}

static void
test_writers(void)
{
	static const struct {
		double		 d;
		const char	*want;
	} reals[] = {
		{ 1.0, "1.0" },
		{ 0.05, "0.05" },
		{ 0.7, "0.7" },
		{ 1e-05, "1e-05" },
		{ 1e+16, "1e+16" },
		{ -0.0, "-0.0" },
		{ 123456789.0, "123456789.0" },
	};
	static const char	mixed[] =
	    "a\0b\x01\x1f\x7f\xc3\xa9\xf0\x9f\x98\x80\"\\/";
	struct strbuf	 sb;
	json_t		*o, *a;
	size_t		 i;

	strbuf_init(&sb);
	for (i = 0; i < NITEMS(reals); i++) {
		strbuf_reset(&sb);
		pyjson_dump_real(&sb, reals[i].d);
		CHECK_STR(sb.data, reals[i].want);
	}
	strbuf_reset(&sb);
	pyjson_dump_real(&sb, INFINITY);
	strbuf_addc(&sb, ' ');
	pyjson_dump_real(&sb, -INFINITY);
	strbuf_addc(&sb, ' ');
	pyjson_dump_real(&sb, NAN);
	CHECK_STR(sb.data, "Infinity -Infinity NaN");

	/* UTF-8 as is for HTTP, \u escapes for config.json. */
	strbuf_reset(&sb);
	pyjson_dump_string(&sb, mixed, sizeof(mixed) - 1, 0);
	CHECK_STR(sb.data,
	    "\"a\\u0000b\\u0001\\u001f\x7f\xc3\xa9\xf0\x9f\x98\x80\\\"\\\\/\"");
	strbuf_reset(&sb);
	pyjson_dump_string(&sb, mixed, sizeof(mixed) - 1, 1);
	CHECK_STR(sb.data, "\"a\\u0000b\\u0001\\u001f\\u007f\\u00e9"
	    "\\ud83d\\ude00\\\"\\\\/\"");
	strbuf_reset(&sb);
	pyjson_dump_string(&sb, "\b\f\n\r\t~ ", 7, 1);
	CHECK_STR(sb.data, "\"\\b\\f\\n\\r\\t~ \"");
	strbuf_reset(&sb);
	pyjson_dump_string(&sb, "\xe2\x82\xac\xef\xbf\xbf\xf4\x8f\xbf\xbf",
	    10, 1);
	CHECK_STR(sb.data, "\"\\u20ac\\uffff\\udbff\\udfff\"");
	strbuf_reset(&sb);
	pyjson_dump_string(&sb, "", 0, 1);
	CHECK_STR(sb.data, "\"\"");

	/* Values built in code: insertion order, NUL in keys and strings. */
	o = json_object();
	a = json_array();
	json_object_set_new(o, "z", json_integer(-5));
	json_object_set_new(o, "a", a);
	json_object_setn_new(o, "m\0n", 3, json_stringn("x\0y", 3));
	json_object_set_new(o, "e", json_object());
	json_array_append_new(a, json_real(0.5));
	json_array_append_new(a, json_false());
	json_array_append_new(a, json_null());
	json_array_append_new(a, json_string("\xc3\xa9"));
	json_object_set_new(o, "z", json_integer(7));
	strbuf_reset(&sb);
	pyjson_dump_compact(&sb, o);
	CHECK_STR(sb.data, "{\"z\":7,\"a\":[0.5,false,null,\"\xc3\xa9\"],"
	    "\"m\\u0000n\":\"x\\u0000y\",\"e\":{}}");
	strbuf_reset(&sb);
	pyjson_dump_pretty(&sb, o);
	CHECK_STR(sb.data, "{\n  \"z\": 7,\n  \"a\": [\n    0.5,\n    false,\n"
	    "    null,\n    \"\\u00e9\"\n  ],\n"
	    "  \"m\\u0000n\": \"x\\u0000y\",\n"
	    "  \"e\": {}\n}");
	json_decref(o);

	/* Appending goes after what is there. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "x=");
	pyjson_dump_compact(&sb, json_true());
	CHECK_STR(sb.data, "x=true");
	strbuf_free(&sb);
}

/* jansson's allocator, failing once its budget is spent. */
static long	alloc_budget;

static void *
failing_malloc(size_t n)
{
	if (alloc_budget-- <= 0)
		return NULL;
	return malloc(n);
}

/* Every allocation that fails gives PYJSON_NOMEM and frees what was built. */
static void
test_nomem(void)
{
	static const char	 in[] = "{\"a\": [1, 2.5, \"x\\n\", {\"b\": "
	    "[\"\\u00e9\", null, 123456789012345678901]}], \"c\": \"plain\", "
	    "\"a\": {\"d\": NaN, \"e\": 1e400}}";
	struct pyjson_error	 err;
	enum pyjson_result	 rc;
	json_t			*v;
	long			 n;
	int			 bad = 0, nomem = 0;

	for (n = 0; n < 10000; n++) {
		alloc_budget = n;
		json_set_alloc_funcs(failing_malloc, free);
		rc = pyjson_load(in, sizeof(in) - 1, &v, &err);
		json_set_alloc_funcs(malloc, free);
		if (rc == PYJSON_OK) {
			json_decref(v);
			break;
		}
		if (rc != PYJSON_NOMEM || v != NULL)
			bad++;
		else
			nomem++;
	}
	CHECK(rc == PYJSON_OK && bad == 0 && nomem > 10);
}

/* Numbers read the same under a locale whose decimal point is a comma. */
static void
test_locale(void)
{
	struct pyjson_error	 err;
	json_t			*v;

	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL &&
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL &&
	    setlocale(LC_NUMERIC, "de_DE") == NULL) {
		fprintf(stderr, "no decimal-comma locale; that case skipped\n");
		return;
	}
	CHECK(pyjson_load("[0.5, 1e400, 2.5e-3]", 20, &v, &err) == PYJSON_OK);
	CHECK(json_real_value(json_array_get(v, 0)) == 0.5);
	CHECK_STR(json_string_value(json_array_get(v, 1)), "Infinity");
	CHECK(json_real_value(json_array_get(v, 2)) == 2.5e-3);
	json_decref(v);
	setlocale(LC_NUMERIC, "C");
}

/*
 * The original's own config.json must come back byte for byte.  The file
 * is argv[1], else under $SOLAR_FIXTURES, else beside this source file.
 */
static void
test_fixture(int argc, char **argv)
{
	static const char	 rel[] = "original/config.json";
	struct pyjson_error	 err;
	struct strbuf		 path, out;
	const char		*env, *slash;
	char			*text = NULL;
	size_t			 len = 0;
	json_t			*v;

	strbuf_init(&path);
	if (argc > 1)
		strbuf_adds(&path, argv[1]);
	if (path.len > 0)
		text = read_file(path.data, &len);
	if (text == NULL && (env = getenv("SOLAR_FIXTURES")) != NULL &&
	    *env != '\0') {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", env, rel);
		text = read_file(path.data, &len);
	}
	if (text == NULL) {
		strbuf_reset(&path);
		if ((slash = strrchr(__FILE__, '/')) != NULL)
			strbuf_add(&path, __FILE__, slash - __FILE__ + 1);
		strbuf_addf(&path, "../../../shared/fixtures/%s", rel);
		text = read_file(path.data, &len);
	}
	CHECK(text != NULL);
	if (text == NULL) {
		fprintf(stderr, "cannot read the config.json fixture (last "
		    "tried %s); give its path as argv[1] or set "
		    "SOLAR_FIXTURES\n", path.data);
		strbuf_free(&path);
		return;
	}
	CHECK(pyjson_load(text, len, &v, &err) == PYJSON_OK);
	CHECK(json_array_size(json_object_get(v, "instances")) == 2);
	strbuf_init(&out);
	pyjson_dump_pretty(&out, v);
	CHECK(out.len == len && memcmp(out.data, text, len) == 0);
	if (out.len != len || memcmp(out.data, text, len) != 0)
		fprintf(stderr, "%s: not written back as it was\n", path.data);
	json_decref(v);
	strbuf_free(&out);
	strbuf_free(&path);
	free(text);
}

int
main(int argc, char **argv)
{
	test_errors();
	test_not_utf8();
	test_compact();
	test_pretty();
	test_types();
	test_depth();
	test_writers();
	test_locale();
	test_nomem();
	test_fixture(argc, argv);
	T_DONE();
}
