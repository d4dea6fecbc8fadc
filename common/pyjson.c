/* pyjson.c: JSON read and written the way Python's json module does it. */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fmt.h"
#include "pyjson.h"
#include "strbuf.h"
#include "utf8.h"

/* Keys holding "\u0000" need the length-aware object calls of 2.14. */
#if JANSSON_VERSION_HEX < 0x020e00
#error "jansson 2.14 or later is needed"
#endif

/* Parser state; every offset in it counts bytes, converted only on error. */
struct jp {
	const unsigned char	*s;
	size_t			 len;
	size_t			 pos;
	struct strbuf		 str;	/* for strings with escapes */
	enum pyjson_result	 rc;
	size_t			 errpos;
	const char		*msg;
};

static int	jp_fail(struct jp *, size_t, const char *);
static int	jp_nomem(struct jp *);
static void	jp_ws(struct jp *);
static int	jp_hex4(const unsigned char *, uint32_t *);
static int	jp_string(struct jp *, struct strbuf *, const char **,
		    size_t *);
static int	jp_number(struct jp *, json_t **);
static json_t	*jp_real(const char *, size_t);
static int	jp_word(struct jp *, const char *);
static int	jp_value(struct jp *, int, json_t **);
static int	jp_array(struct jp *, int, json_t **);
static int	jp_object(struct jp *, int, json_t **);
static void	jw_value(struct strbuf *, const json_t *, int, int);
static void	jw_indent(struct strbuf *, int);

static int
jp_fail(struct jp *jp, size_t pos, const char *msg)
{
	jp->rc = PYJSON_SYNTAX;
	jp->errpos = pos;
	jp->msg = msg;
	return -1;
}

static int
jp_nomem(struct jp *jp)
{
	jp->rc = PYJSON_NOMEM;
	jp->errpos = jp->pos;
	jp->msg = "out of memory";
	return -1;
}

/* Python's whitespace is these four only; a form feed or NBSP is not. */
static void
jp_ws(struct jp *jp)
{
	while (jp->pos < jp->len && (jp->s[jp->pos] == ' ' ||
	    jp->s[jp->pos] == '\t' || jp->s[jp->pos] == '\n' ||
	    jp->s[jp->pos] == '\r'))
		jp->pos++;
}

static int
jp_hex4(const unsigned char *p, uint32_t *out)
{
	uint32_t	c = 0;
	int		i;

	for (i = 0; i < 4; i++) {
		c <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			c |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			c |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			c |= p[i] - 'A' + 10;
		else
			return -1;
	}
	*out = c;
	return 0;
}

/*
 * The string whose opening quote is at jp->pos.  The result points into the
 * input when there is no escape, else into sb (reset first).  The checks
 * come in the order of CPython's scanstring_unicode, so that the first error
 * found is the one Python reports.
 */
static int
jp_string(struct jp *jp, struct strbuf *sb, const char **outp, size_t *outn)
{
	const unsigned char	*s = jp->s;
	size_t			 begin = jp->pos, end, next;
	size_t			 len = jp->len;
	uint32_t		 c, c2;
	char			 u[UTF8_MAX];
	int			 escaped = 0;

	end = begin + 1;
	for (;;) {
		for (next = end; next < len; next++) {
			if (s[next] == '"' || s[next] == '\\')
				break;
			if (s[next] <= 0x1f)
				return jp_fail(jp, next,
				    "Invalid control character at");
		}
		if (next == len)
			return jp_fail(jp, begin,
			    "Unterminated string starting at");
		if (s[next] == '"' && !escaped) {
			*outp = (const char *)s + begin + 1;
			*outn = next - begin - 1;
			jp->pos = next + 1;
			return 0;
		}
		if (!escaped) {
			strbuf_reset(sb);
			escaped = 1;
		}
		strbuf_add(sb, s + end, next - end);
		if (s[next] == '"') {
			if (sb->failed)
				return jp_nomem(jp);
			*outp = sb->data;
			*outn = sb->len;
			jp->pos = next + 1;
			return 0;
		}
		/* A backslash at next. */
		if (next + 1 == len)
			return jp_fail(jp, begin,
			    "Unterminated string starting at");
		c = s[next + 1];
		if (c != 'u') {
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			default:
				return jp_fail(jp, next, "Invalid \\escape");
			}
			strbuf_addc(sb, (char)c);
			end = next + 2;
			continue;
		}
		/* Python wants a character after the four digits, hence >=. */
		end = next + 6;
		if (end >= len || jp_hex4(s + next + 2, &c) == -1)
			return jp_fail(jp, next + 1, "Invalid \\uXXXX escape");
		if (c >= 0xd800 && c <= 0xdbff && end + 6 < len &&
		    s[end] == '\\' && s[end + 1] == 'u') {
			if (jp_hex4(s + end + 2, &c2) == -1)
				return jp_fail(jp, end + 1,
				    "Invalid \\uXXXX escape");
			if (c2 >= 0xdc00 && c2 <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (c2 - 0xdc00);
				end += 6;
			}
		}
		/* Python keeps a lone surrogate; UTF-8 cannot carry one. */
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;
		strbuf_add(sb, u, utf8_encode(c, u));
	}
}

/* A real from the number text; Python's inf on overflow, spelt as a string. */
static json_t *
jp_real(const char *p, size_t n)
{
	char		 small[64], *buf, *w, *end;
	const char	*dp;
	size_t		 dplen, i, need;
	double		 d;
	json_t		*v;

	/* strtod follows LC_NUMERIC; give it the point it expects. */
	dp = localeconv()->decimal_point;
	if (dp == NULL || *dp == '\0')
		dp = ".";
	dplen = strlen(dp);
	if (n > (SIZE_MAX - 1) / dplen)
		return NULL;
	need = n * dplen + 1;
	if (need <= sizeof(small))
		buf = small;
	else if ((buf = malloc(need)) == NULL)
		return NULL;
	w = buf;
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			memcpy(w, dp, dplen);
			w += dplen;
		} else
			*w++ = p[i];
	}
	*w = '\0';
	d = strtod(buf, &end);
	if (buf != small)
		free(buf);
	if (isinf(d))
		v = json_string(d < 0 ? "-Infinity" : "Infinity");
	else
		v = json_real(d);
	return v;
}

/*
 * Python's NUMBER_RE, (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?: a part
 * that does not match whole is left for the caller to call extra data.
 */
static int
jp_number(struct jp *jp, json_t **out)
{
	const unsigned char	*s = jp->s;
	size_t			 start = jp->pos, i = jp->pos;
	size_t			 len = jp->len;
	size_t			 j, ndig;
	uint64_t		 u;
	int			 isreal = 0, neg = 0;

	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	} else if (i < len && s[i] == '0')
		i++;
	else
		return jp_fail(jp, start, "Expecting value");
	ndig = i - start - neg;
	if (i + 1 < len && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
		isreal = 1;
		i += 2;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i + 1 < len && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (s[j] == '-' || s[j] == '+')
			j++;
		if (j < len && s[j] >= '0' && s[j] <= '9') {
			isreal = 1;
			while (j < len && s[j] >= '0' && s[j] <= '9')
				j++;
			i = j;
		}
	}
	jp->pos = i;
	/* 19 digits may overflow int64, 18 never do; beyond, a real. */
	if (!isreal && ndig <= 19) {
		u = 0;
		for (j = start + neg; j < i; j++)
			u = u * 10 + (s[j] - '0');
		if (u <= (uint64_t)LLONG_MAX)
			*out = json_integer(neg ? -(json_int_t)u :
			    (json_int_t)u);
		else if (neg && u == (uint64_t)LLONG_MAX + 1)
			*out = json_integer(LLONG_MIN);
		else
			*out = jp_real((const char *)s + start, i - start);
	} else
		*out = jp_real((const char *)s + start, i - start);
	if (*out == NULL)
		return jp_nomem(jp);
	return 0;
}

/* 1 when the literal word sits at jp->pos in full. */
static int
jp_word(struct jp *jp, const char *w)
{
	size_t	n = strlen(w);

	return jp->len - jp->pos >= n && memcmp(jp->s + jp->pos, w, n) == 0;
}

/* The value at jp->pos; depth is that of the container holding it. */
static int
jp_value(struct jp *jp, int depth, json_t **out)
{
	const char	*p;
	size_t		 n;

	*out = NULL;
	if (jp->pos >= jp->len)
		return jp_fail(jp, jp->pos, "Expecting value");
	switch (jp->s[jp->pos]) {
	case '"':
		if (jp_string(jp, &jp->str, &p, &n) == -1)
			return -1;
		if ((*out = json_stringn_nocheck(p, n)) == NULL)
			return jp_nomem(jp);
		return 0;
	case '[':
		return jp_array(jp, depth + 1, out);
	case '{':
		return jp_object(jp, depth + 1, out);
	case 'n':
		if (jp_word(jp, "null")) {
			jp->pos += 4;
			*out = json_null();
			return 0;
		}
		break;
	case 't':
		if (jp_word(jp, "true")) {
			jp->pos += 4;
			*out = json_true();
			return 0;
		}
		break;
	case 'f':
		if (jp_word(jp, "false")) {
			jp->pos += 5;
			*out = json_false();
			return 0;
		}
		break;
	case 'N':
		if (jp_word(jp, "NaN")) {
			jp->pos += 3;
			*out = json_string("NaN");
			return *out == NULL ? jp_nomem(jp) : 0;
		}
		break;
	case 'I':
		if (jp_word(jp, "Infinity")) {
			jp->pos += 8;
			*out = json_string("Infinity");
			return *out == NULL ? jp_nomem(jp) : 0;
		}
		break;
	case '-':
		if (jp_word(jp, "-Infinity")) {
			jp->pos += 9;
			*out = json_string("-Infinity");
			return *out == NULL ? jp_nomem(jp) : 0;
		}
		break;
	default:
		break;
	}
	return jp_number(jp, out);
}

static int
jp_array(struct jp *jp, int depth, json_t **out)
{
	json_t	*a, *v;

	if (depth > PYJSON_MAX_DEPTH) {
		jp->rc = PYJSON_TOO_DEEP;
		jp->errpos = jp->pos;
		jp->msg = "Too deeply nested";
		return -1;
	}
	if ((a = json_array()) == NULL)
		return jp_nomem(jp);
	jp->pos++;
	jp_ws(jp);
	if (jp->pos < jp->len && jp->s[jp->pos] == ']') {
		jp->pos++;
		*out = a;
		return 0;
	}
	for (;;) {
		if (jp_value(jp, depth, &v) == -1)
			goto fail;
		if (json_array_append_new(a, v) == -1) {
			jp_nomem(jp);
			goto fail;
		}
		jp_ws(jp);
		if (jp->pos < jp->len && jp->s[jp->pos] == ']')
			break;
		if (jp->pos >= jp->len || jp->s[jp->pos] != ',') {
			jp_fail(jp, jp->pos, "Expecting ',' delimiter");
			goto fail;
		}
		jp->pos++;
		jp_ws(jp);
	}
	jp->pos++;
	*out = a;
	return 0;
fail:
	json_decref(a);
	return -1;
}

static int
jp_object(struct jp *jp, int depth, json_t **out)
{
	struct strbuf	 keybuf;
	json_t		*o, *v;
	const char	*key;
	size_t		 keylen;

	if (depth > PYJSON_MAX_DEPTH) {
		jp->rc = PYJSON_TOO_DEEP;
		jp->errpos = jp->pos;
		jp->msg = "Too deeply nested";
		return -1;
	}
	if ((o = json_object()) == NULL)
		return jp_nomem(jp);
	/* The key must outlive the parse of its value, which reuses jp->str. */
	strbuf_init(&keybuf);
	jp->pos++;
	jp_ws(jp);
	if (jp->pos < jp->len && jp->s[jp->pos] == '}') {
		jp->pos++;
		*out = o;
		return 0;
	}
	for (;;) {
		if (jp->pos >= jp->len || jp->s[jp->pos] != '"') {
			jp_fail(jp, jp->pos, "Expecting property name "
			    "enclosed in double quotes");
			goto fail;
		}
		if (jp_string(jp, &keybuf, &key, &keylen) == -1)
			goto fail;
		jp_ws(jp);
		if (jp->pos >= jp->len || jp->s[jp->pos] != ':') {
			jp_fail(jp, jp->pos, "Expecting ':' delimiter");
			goto fail;
		}
		jp->pos++;
		jp_ws(jp);
		if (jp_value(jp, depth, &v) == -1)
			goto fail;
		/* Like a dict: a repeated key keeps its place. */
		if (json_object_setn_new_nocheck(o, key, keylen, v) == -1) {
			jp_nomem(jp);
			goto fail;
		}
		jp_ws(jp);
		if (jp->pos < jp->len && jp->s[jp->pos] == '}')
			break;
		if (jp->pos >= jp->len || jp->s[jp->pos] != ',') {
			jp_fail(jp, jp->pos, "Expecting ',' delimiter");
			goto fail;
		}
		jp->pos++;
		jp_ws(jp);
	}
	jp->pos++;
	strbuf_free(&keybuf);
	*out = o;
	return 0;
fail:
	strbuf_free(&keybuf);
	json_decref(o);
	return -1;
}

enum pyjson_result
pyjson_load(const char *text, size_t len, json_t **out,
    struct pyjson_error *err)
{
	struct jp	 jp;
	json_t		*v = NULL;
	size_t		 i, col, bad;

	*out = NULL;
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->line = 1;
		err->column = 1;
	}
	memset(&jp, 0, sizeof(jp));
	jp.s = (const unsigned char *)text;
	jp.len = len;
	jp.rc = PYJSON_OK;
	strbuf_init(&jp.str);
	/* Python decodes the whole body before it parses any of it. */
	if ((bad = utf8_check(jp.s, len)) != len) {
		jp.rc = PYJSON_NOT_UTF8;
		jp.errpos = bad;
		jp.msg = "Invalid UTF-8";
	} else if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		jp_fail(&jp, 0,
		    "Unexpected UTF-8 BOM (decode using utf-8-sig)");
	else {
		jp_ws(&jp);
		if (jp_value(&jp, 0, &v) == 0) {
			jp_ws(&jp);
			if (jp.pos != jp.len) {
				json_decref(v);
				v = NULL;
				jp_fail(&jp, jp.pos, "Extra data");
			}
		}
	}
	strbuf_free(&jp.str);
	if (jp.rc == PYJSON_OK) {
		*out = v;
		return PYJSON_OK;
	}
	if (err != NULL) {
		/* Python counts characters: skip UTF-8 continuation bytes. */
		col = 0;
		for (i = 0; i < jp.errpos && i < len; i++) {
			if (UTF8_IS_CONT(jp.s[i]))
				continue;
			err->pos++;
			col++;
			if (jp.s[i] == '\n') {
				err->line++;
				col = 0;
			}
		}
		err->column = col + 1;
		snprintf(err->msg, sizeof(err->msg), "%s", jp.msg);
	}
	return jp.rc;
}

void
pyjson_dump_real(struct strbuf *sb, double d)
{
	char	buf[FMT_DOUBLE_LEN];
	int	n;

	/* jansson holds no such real; these are json.dump's spellings. */
	if (isnan(d))
		strbuf_adds(sb, "NaN");
	else if (isinf(d))
		strbuf_adds(sb, d < 0 ? "-Infinity" : "Infinity");
	else {
		n = fmt_double(d, buf, sizeof(buf));
		strbuf_add(sb, buf, (size_t)n);
	}
}

/*
 * The escapes of Python's encode_basestring(_ascii): the short forms for
 * five controls, \u00XX in lowercase for the other controls, and with ascii
 * everything outside ' '..'~' as \uXXXX, a surrogate pair above U+FFFF.
 */
void
pyjson_dump_string(struct strbuf *sb, const char *str, size_t len, int ascii)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i, run, n;
	uint32_t		 c, hi, lo;
	char			 e[12];
	int			 k;

	strbuf_addc(sb, '"');
	run = 0;
	for (i = 0; i < len; i += n) {
		c = s[i];
		n = 1;
		if (c >= 0x20 && c != '"' && c != '\\' &&
		    (!ascii || c < 0x7f))
			continue;
		strbuf_add(sb, s + run, i - run);
		switch (c) {
		case '"':
			strbuf_add(sb, "\\\"", 2);
			break;
		case '\\':
			strbuf_add(sb, "\\\\", 2);
			break;
		case '\n':
			strbuf_add(sb, "\\n", 2);
			break;
		case '\r':
			strbuf_add(sb, "\\r", 2);
			break;
		case '\t':
			strbuf_add(sb, "\\t", 2);
			break;
		case '\b':
			strbuf_add(sb, "\\b", 2);
			break;
		case '\f':
			strbuf_add(sb, "\\f", 2);
			break;
		default:
			if (c >= 0x80) {
				/* A byte that is not UTF-8 shows. */
				if ((k = utf8_decode(s + i, len - i, &c)) == -1)
					c = 0xfffd;
				else
					n = (size_t)k;
			}
			if (c >= 0x10000) {
				hi = 0xd800 + ((c - 0x10000) >> 10);
				lo = 0xdc00 + ((c - 0x10000) & 0x3ff);
			} else {
				hi = c;
				lo = 0;
			}
			e[0] = '\\';
			e[1] = 'u';
			e[2] = hex[(hi >> 12) & 0xf];
			e[3] = hex[(hi >> 8) & 0xf];
			e[4] = hex[(hi >> 4) & 0xf];
			e[5] = hex[hi & 0xf];
			e[6] = '\\';
			e[7] = 'u';
			e[8] = hex[(lo >> 12) & 0xf];
			e[9] = hex[(lo >> 8) & 0xf];
			e[10] = hex[(lo >> 4) & 0xf];
			e[11] = hex[lo & 0xf];
			strbuf_add(sb, e, lo != 0 ? 12 : 6);
			break;
		}
		run = i + n;
	}
	strbuf_add(sb, s + run, len - run);
	strbuf_addc(sb, '"');
}

static void
jw_indent(struct strbuf *sb, int level)
{
	int	i;

	strbuf_addc(sb, '\n');
	for (i = 0; i < level; i++)
		strbuf_add(sb, "  ", 2);
}

/*
 * One value; pretty is json.dump(indent=2) with ensure_ascii, otherwise the
 * compact form with UTF-8 as is.  level is the indentation of v's own line.
 */
static void
jw_value(struct strbuf *sb, const json_t *v, int pretty, int level)
{
	json_t		*mv = (json_t *)v;	/* for the iterator */
	json_t		*item;
	const char	*key;
	size_t		 i, keylen;
	int		 first;

	if (v == NULL) {
		strbuf_adds(sb, "null");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) == 0) {
			strbuf_add(sb, "{}", 2);
			break;
		}
		strbuf_addc(sb, '{');
		first = 1;
		json_object_keylen_foreach(mv, key, keylen, item) {
			if (!first)
				strbuf_addc(sb, ',');
			first = 0;
			if (pretty)
				jw_indent(sb, level + 1);
			pyjson_dump_string(sb, key, keylen, pretty);
			if (pretty)
				strbuf_add(sb, ": ", 2);
			else
				strbuf_addc(sb, ':');
			jw_value(sb, item, pretty, level + 1);
		}
		if (pretty)
			jw_indent(sb, level);
		strbuf_addc(sb, '}');
		break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0) {
			strbuf_add(sb, "[]", 2);
			break;
		}
		strbuf_addc(sb, '[');
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				strbuf_addc(sb, ',');
			if (pretty)
				jw_indent(sb, level + 1);
			jw_value(sb, json_array_get(v, i), pretty, level + 1);
		}
		if (pretty)
			jw_indent(sb, level);
		strbuf_addc(sb, ']');
		break;
	case JSON_STRING:
		pyjson_dump_string(sb, json_string_value(v),
		    json_string_length(v), pretty);
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		pyjson_dump_real(sb, json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_add(sb, "true", 4);
		break;
	case JSON_FALSE:
		strbuf_add(sb, "false", 5);
		break;
	case JSON_NULL:
		strbuf_add(sb, "null", 4);
		break;
	}
}

void
pyjson_dump_compact(struct strbuf *sb, const json_t *v)
{
	jw_value(sb, v, 0, 0);
}

void
pyjson_dump_pretty(struct strbuf *sb, const json_t *v)
{
	jw_value(sb, v, 1, 0);
}
