/*
 * instance_valid.c: request bodies ({"config": InstanceConfig}) checked
 * the way the original's pydantic 2 did it in lax mode: the same
 * coercions and the same 422 entries, measured against pydantic-core.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* _GNU_SOURCE: strndup() under -std=c11 */
#endif

#include <sys/types.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fmt.h"
#include "instance.h"
#include "instance_rules.h"
#include "utf8.h"

/* Python's limit on int strings, which pydantic-core's parser applies. */
#define PY_INT_MAX_DIGITS	4300

/* Outcome of a lax coercion, named after pydantic's error types. */
enum coerce {
	C_OK,
	C_TYPE,
	C_PARSING,
	C_FROM_FLOAT,
	C_SIZE,
	C_NOMEM
};

enum sprob {
	S_OK,
	S_SHORT,
	S_LONG,
	S_NUL
};

/* One request being validated. */
struct vctx {
	json_t			*detail;
	struct inst_config	*cfg;		/* filled as fields pass */
	int			 allow_extra;
	int			 nomem;
};

static uint32_t	 cp_get(const unsigned char *, size_t, size_t *);
static int	 rust_space(uint32_t);
static void	 trim(const char **, size_t *);
static enum sprob str_problem(const char *, size_t, int64_t, int64_t);
static void	 py_bound(double, char *, size_t);
static enum coerce json_int(const char *, size_t, int64_t *);
static ssize_t	 clean_int(const char *, size_t, char *);
static enum coerce parse_int(const char *, size_t, int64_t *);
static int	 rust_f64(const char *, size_t, double *);
static enum coerce parse_float(const char *, size_t, double *);
static enum coerce coerce_int(const json_t *, int64_t *);
static enum coerce coerce_float(const json_t *, double *);
static enum coerce coerce_bool(const json_t *, int *);
static json_t	*need(struct vctx *, json_t *);
static json_t	*loc_field(struct vctx *, const char *);
static json_t	*loc_index(struct vctx *, const char *, size_t);
static json_t	*loc_key(struct vctx *, const char *, const char *, size_t);
static void	 add(struct vctx *, const char *, json_t *, const char *,
		    const json_t *, json_t *);
static void	 add_value_error(struct vctx *, json_t *, const char *,
		    const json_t *);
static void	 add_sprob(struct vctx *, json_t *, enum sprob, int64_t,
		    int64_t, const json_t *);
static char	*dupn(struct vctx *, const char *, size_t);
static void	 v_str(struct vctx *, const struct inst_field *,
		    const json_t *);
static void	 v_int(struct vctx *, const struct inst_field *,
		    const json_t *);
static void	 v_float(struct vctx *, const struct inst_field *,
		    const json_t *);
static void	 v_bool(struct vctx *, const struct inst_field *,
		    const json_t *);
static void	 v_list(struct vctx *, const struct inst_field *,
		    const json_t *);
static void	 v_env(struct vctx *, const struct inst_field *,
		    const json_t *);

/* One code point of s and its length.  The text came from JSON, so it
 * is UTF-8: taking a single byte is only there to make progress. */
static uint32_t
cp_get(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t	cp;
	int		k;

	if ((k = utf8_decode(s, n, &cp)) == -1) {
		*len = 1;
		return s[0];
	}
	*len = (size_t)k;
	return cp;
}

/* pydantic-core trims with Rust's char::is_whitespace, not str.strip(). */
static int
rust_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

static void
trim(const char **sp, size_t *np)
{
	const unsigned char	*s = (const unsigned char *)*sp;
	size_t			 n = *np, len, start;

	while (n > 0 && rust_space(cp_get(s, n, &len))) {
		s += len;
		n -= len;
	}
	while (n > 0) {
		start = utf8_floor((const char *)s, n - 1);
		if (!rust_space(cp_get(s + start, n - start, &len)))
			break;
		n = start;
	}
	*sp = (const char *)s;
	*np = n;
}

/* pydantic checks the length first and runs our NUL validator after. */
static enum sprob
str_problem(const char *s, size_t n, int64_t min, int64_t max)
{
	size_t	chars = utf8_chars(s, n);

	if (chars < (uint64_t)min)
		return S_SHORT;
	if (chars > (uint64_t)max)
		return S_LONG;
	if (memchr(s, '\0', n) != NULL)
		return S_NUL;
	return S_OK;
}

/* A bound as pydantic's messages print it: 2 for 2.0, 0.5 for 0.5. */
static void
py_bound(double d, char *buf, size_t len)
{
	if (d > -1e16 && d < 1e16 && (double)(int64_t)d == d)
		snprintf(buf, len, "%.0f", d);
	else
		fmt_double(d, buf, len);
}

/*
 * The whole of s as a JSON integer, pydantic-core's first reading of a
 * string: -?(0|[1-9][0-9]*).  Like its parser, it gives up on more than
 * 4300 characters of sign and digits before it looks at what follows.
 * Values beyond int64 saturate, which fails every range of ours the way
 * the big int would.
 */
static enum coerce
json_int(const char *s, size_t n, int64_t *out)
{
	const char	*p = s, *end = s + n;
	uint64_t	 mag = 0, d;
	int		 neg = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || *p < '0' || *p > '9')
		return C_PARSING;
	if (*p == '0')
		p++;
	else
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if ((size_t)(p + 1 - s) > PY_INT_MAX_DIGITS)
				return C_SIZE;
			d = (uint64_t)(*p - '0');
			mag = mag > (UINT64_MAX - d) / 10 ? UINT64_MAX :
			    mag * 10 + d;
		}
	if (p != end)
		return C_PARSING;
	if (!neg)
		*out = mag > INT64_MAX ? INT64_MAX : (int64_t)mag;
	else if (mag > (uint64_t)INT64_MAX)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return C_OK;
}

/*
 * pydantic-core's second reading of an int string, measured and matched
 * case by case: trimmed, a '+' dropped, a '-' set aside, leading zeros
 * (and underscores among them) dropped, a fraction of zeros dropped, then
 * single underscores between characters dropped.  The result goes into
 * buf (n + 1 bytes); its length, or -1 when nothing is left to try.
 */
static ssize_t
clean_int(const char *s, size_t n, char *buf)
{
	const size_t	 before = n;
	const char	*dot;
	size_t		 i, len = 0;
	int		 neg = 0, under;

	trim(&s, &n);
	if (n > 0 && s[0] == '+') {
		if (n > 1 && s[1] == '-')
			return -1;
		s++;
		n--;
	}
	if (n > 0 && s[0] == '-') {
		if (n > 1 && (s[1] == '-' || s[1] == '+'))
			return -1;
		neg = 1;
		s++;
		n--;
	}
	if (n == 0)
		return -1;
	if (s[0] == '0') {
		for (i = 1; i < n; i++) {
			if (s[i] == '0' || s[i] == '_')
				continue;
			if ((s[i] >= '1' && s[i] <= '9') || s[i] == '-')
				break;
			if (s[i] == '.') {
				i--;	/* keeps "0.0" a number */
				break;
			}
			return -1;
		}
		if (i == n)
			i = n - 1;	/* the last zero, or an underscore */
		s += i;
		n -= i;
	} else if (!((s[0] >= '1' && s[0] <= '9') || s[0] == '-'))
		return -1;
	if ((dot = memchr(s, '.', n)) != NULL && dot + 1 < s + n) {
		for (i = dot + 1 - s; i < n && s[i] == '0'; i++)
			;
		if (i == n)
			n = dot - s;
	}
	under = n > 0 && s[0] != '_' && s[n - 1] != '_' &&
	    memchr(s, '_', n) != NULL;
	for (i = 0; under && i + 1 < n; i++)
		if (s[i] == '_' && s[i + 1] == '_')
			under = 0;
	if (!under && n == before)
		return -1;
	if (neg)
		buf[len++] = '-';
	for (i = 0; i < n; i++)
		if (!under || s[i] != '_')
			buf[len++] = s[i];
	return (ssize_t)len;
}

/* An int from a string, read as pydantic-core reads it: first as it is,
 * then cleaned. */
static enum coerce
parse_int(const char *s, size_t n, int64_t *out)
{
	enum coerce	 r;
	char		*buf;
	ssize_t		 len;

	if ((r = json_int(s, n, out)) != C_PARSING)
		return r;
	if ((buf = malloc(n + 1)) == NULL)
		return C_NOMEM;
	if ((len = clean_int(s, n, buf)) == -1 ||
	    json_int(buf, (size_t)len, out) != C_OK)
		r = C_PARSING;
	else
		r = C_OK;
	free(buf);
	return r;
}

/*
 * Rust's f64 grammar, which pydantic-core uses: a sign, then inf,
 * infinity or nan in any case, or digits with an optional point and
 * exponent.  strtod() rounds correctly, as Rust does; nothing in
 * solar-host changes LC_NUMERIC from "C".
 */
static int
rust_f64(const char *s, size_t n, double *out)
{
	char	buf[64], *big = NULL, *p, *end;
	size_t	digits = 0;
	int	neg = 0, ok = 0;

	if (memchr(s, '\0', n) != NULL)
		return 0;
	if (n < sizeof(buf))
		p = buf;
	else if ((p = big = malloc(n + 1)) == NULL)
		return -1;
	memcpy(p, s, n);
	p[n] = '\0';
	s = p;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
		*out = neg ? -INFINITY : INFINITY;
		ok = 1;
		goto done;
	}
	if (strcasecmp(p, "nan") == 0) {
		*out = NAN;
		ok = 1;
		goto done;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0)
		goto done;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			goto done;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		goto done;
	/* Overflow gives an infinity and underflow zero, as in Rust. */
	*out = strtod(s, &end);
	ok = *end == '\0';

 done:
	free(big);
	return ok;
}

/*
 * A float from a string as pydantic-core reads one, measured: the trimmed
 * string as it is, else the untrimmed one with its underscores dropped
 * (none leading, trailing or doubled), so " 1_0" is refused.
 */
static enum coerce
parse_float(const char *s, size_t n, double *out)
{
	const char	*t = s;
	char		*buf;
	size_t		 tn = n, i, len = 0;
	int		 r;

	trim(&t, &tn);
	if ((r = rust_f64(t, tn, out)) != 0)
		return r == 1 ? C_OK : C_NOMEM;
	if (n == 0 || memchr(s, '_', n) == NULL || s[0] == '_' ||
	    s[n - 1] == '_')
		return C_PARSING;
	if ((buf = malloc(n)) == NULL)
		return C_NOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] != '_')
			buf[len++] = s[i];
		else if (s[i + 1] == '_') {
			free(buf);
			return C_PARSING;
		}
	}
	r = rust_f64(buf, len, out);
	free(buf);
	return r == 1 ? C_OK : r == 0 ? C_PARSING : C_NOMEM;
}

/* jansson holds no infinity or NaN, so a real is always finite here. */
static enum coerce
coerce_int(const json_t *j, int64_t *out)
{
	double	d;

	switch (json_typeof(j)) {
	case JSON_INTEGER:
		*out = json_integer_value(j);
		return C_OK;
	case JSON_TRUE:
		*out = 1;
		return C_OK;
	case JSON_FALSE:
		*out = 0;
		return C_OK;
	case JSON_REAL:
		d = json_real_value(j);
		/* Past 2**53 every double is whole, so this order gives
		 * pydantic-core's answers; it refuses -2**63 as well. */
		if (d >= 0x1p63 || d <= -0x1p63)
			return C_SIZE;
		if ((double)(int64_t)d != d)
			return C_FROM_FLOAT;
		*out = (int64_t)d;
		return C_OK;
	case JSON_STRING:
		return parse_int(json_string_value(j), json_string_length(j),
		    out);
	default:
		return C_TYPE;
	}
}

static enum coerce
coerce_float(const json_t *j, double *out)
{
	switch (json_typeof(j)) {
	case JSON_INTEGER:
		*out = (double)json_integer_value(j);
		return C_OK;
	case JSON_REAL:
		*out = json_real_value(j);
		return C_OK;
	case JSON_TRUE:
		*out = 1.0;
		return C_OK;
	case JSON_FALSE:
		*out = 0.0;
		return C_OK;
	case JSON_STRING:
		return parse_float(json_string_value(j), json_string_length(j),
		    out);
	default:
		return C_TYPE;
	}
}

/* Measured: a whole float is read as an int (2.0 fails to parse), any
 * other float is the wrong type (0.5 is bool_type); strings are not
 * trimmed. */
static enum coerce
coerce_bool(const json_t *j, int *out)
{
	static const char *const yes[] = { "1", "on", "t", "true", "y", "yes" };
	static const char *const no[] = { "0", "off", "f", "false", "n", "no" };
	const char	*s;
	size_t		 i, n;
	int64_t		 v;
	double		 d;

	switch (json_typeof(j)) {
	case JSON_TRUE:
		*out = 1;
		return C_OK;
	case JSON_FALSE:
		*out = 0;
		return C_OK;
	case JSON_INTEGER:
		v = json_integer_value(j);
		break;
	case JSON_REAL:
		d = json_real_value(j);
		if (d >= 0x1p63 || d <= -0x1p63 || (double)(int64_t)d != d)
			return C_TYPE;
		v = (int64_t)d;
		break;
	case JSON_STRING:
		s = json_string_value(j);
		n = json_string_length(j);
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strlen(yes[i]) == n &&
			    strncasecmp(s, yes[i], n) == 0) {
				*out = 1;
				return C_OK;
			}
			if (strlen(no[i]) == n &&
			    strncasecmp(s, no[i], n) == 0) {
				*out = 0;
				return C_OK;
			}
		}
		return C_PARSING;
	default:
		return C_TYPE;
	}
	if (v != 0 && v != 1)
		return C_PARSING;
	*out = (int)v;
	return C_OK;
}

/* Marks the request out of memory when a builder returned NULL. */
static json_t *
need(struct vctx *v, json_t *j)
{
	if (j == NULL)
		v->nomem = 1;
	return j;
}

static json_t *
loc_field(struct vctx *v, const char *name)
{
	return need(v, json_pack("[sss]", "body", "config", name));
}

static json_t *
loc_index(struct vctx *v, const char *name, size_t i)
{
	return need(v, json_pack("[sssI]", "body", "config", name,
	    (json_int_t)i));
}

static json_t *
loc_key(struct vctx *v, const char *name, const char *key, size_t keylen)
{
	return need(v, json_pack("[ssss%]", "body", "config", name, key,
	    keylen));
}

/*
 * Appends {type, loc, msg, input[, ctx]}; loc and ctx (NULL: none) are
 * taken over.  input is the caller's value, shared by reference: the body
 * outlives the answer built from it, and nothing changes it.
 */
static void
add(struct vctx *v, const char *type, json_t *loc, const char *msg,
    const json_t *input, json_t *ctx)
{
	json_t	*e, *in;
	int	 bad;

	if (v->nomem || loc == NULL || (e = json_object()) == NULL) {
		v->nomem = 1;
		json_decref(loc);
		json_decref(ctx);
		return;
	}
	in = input == NULL ? json_null() :
	    json_incref((json_t *)(uintptr_t)input);
	/* Each set takes its value over, failing or not. */
	bad = json_object_set_new(e, "type", json_string(type)) == -1;
	bad |= json_object_set_new(e, "loc", loc) == -1;
	bad |= json_object_set_new(e, "msg", json_string(msg)) == -1;
	bad |= json_object_set_new(e, "input", in) == -1;
	if (ctx != NULL)
		bad |= json_object_set_new(e, "ctx", ctx) == -1;
	if (bad) {
		json_decref(e);
		v->nomem = 1;
	} else if (json_array_append_new(v->detail, e) == -1)
		v->nomem = 1;
}

/* pydantic's value_error: our validators' messages, with ctx.error. */
static void
add_value_error(struct vctx *v, json_t *loc, const char *why,
    const json_t *input)
{
	char	msg[INST_WHY_LEN + 16];

	snprintf(msg, sizeof(msg), "Value error, %s", why);
	add(v, "value_error", loc, msg, input,
	    need(v, json_pack("{ss}", "error", why)));
}

static void
add_sprob(struct vctx *v, json_t *loc, enum sprob p, int64_t min,
    int64_t max, const json_t *input)
{
	char	msg[96];

	switch (p) {
	case S_SHORT:
		snprintf(msg, sizeof(msg),
		    "String should have at least %lld character%s",
		    (long long)min, min == 1 ? "" : "s");
		add(v, "string_too_short", loc, msg, input,
		    need(v, json_pack("{sI}", "min_length", (json_int_t)min)));
		break;
	case S_LONG:
		snprintf(msg, sizeof(msg),
		    "String should have at most %lld character%s",
		    (long long)max, max == 1 ? "" : "s");
		add(v, "string_too_long", loc, msg, input,
		    need(v, json_pack("{sI}", "max_length", (json_int_t)max)));
		break;
	case S_NUL:
		add_value_error(v, loc, INST_MSG_NUL, input);
		break;
	case S_OK:
		json_decref(loc);
		break;
	}
}

static char *
dupn(struct vctx *v, const char *s, size_t n)
{
	char	*d;

	if ((d = strndup(s, n)) == NULL)
		v->nomem = 1;
	return d;
}

static void
v_str(struct vctx *v, const struct inst_field *f, const json_t *j)
{
	char		**dst = inst_field_ptr(v->cfg, f);
	const char	 *s;
	size_t		  n;
	enum sprob	  p;

	if (json_is_null(j) && (f->flags & INST_FF_NULLABLE))
		return;
	if (!json_is_string(j)) {
		add(v, "string_type", loc_field(v, f->name),
		    "Input should be a valid string", j, NULL);
		return;
	}
	s = json_string_value(j);
	n = json_string_length(j);
	if (f->flags & INST_FF_HOST) {
		if (memchr(s, '\0', n) != NULL)
			add_value_error(v, loc_field(v, f->name),
			    INST_MSG_NUL, j);
		else if (!inst_host_ok(s, n))
			add_value_error(v, loc_field(v, f->name),
			    INST_MSG_HOST, j);
		else
			*dst = dupn(v, s, n);
		return;
	}
	if ((p = str_problem(s, n, f->min, f->max)) != S_OK)
		add_sprob(v, loc_field(v, f->name), p, f->min, f->max, j);
	else
		*dst = dupn(v, s, n);
}

static void
v_int(struct vctx *v, const struct inst_field *f, const json_t *j)
{
	int64_t		*dst = inst_field_ptr(v->cfg, f), n = 0;
	const char	*type, *msg;
	char		 buf[96];

	if (json_is_null(j) && (f->flags & INST_FF_NULLABLE))
		return;
	switch (coerce_int(j, &n)) {
	case C_OK:
		if (n > f->max) {
			snprintf(buf, sizeof(buf),
			    "Input should be less than or equal to %lld",
			    (long long)f->max);
			add(v, "less_than_equal", loc_field(v, f->name), buf, j,
			    need(v, json_pack("{sI}", "le",
			    (json_int_t)f->max)));
		} else if (n < f->min) {
			snprintf(buf, sizeof(buf),
			    "Input should be greater than or equal to %lld",
			    (long long)f->min);
			add(v, "greater_than_equal", loc_field(v, f->name), buf,
			    j, need(v, json_pack("{sI}", "ge",
			    (json_int_t)f->min)));
		} else
			*dst = n;
		return;
	case C_TYPE:
		type = "int_type";
		msg = "Input should be a valid integer";
		break;
	case C_PARSING:
		type = "int_parsing";
		msg = "Input should be a valid integer, unable to parse string "
		    "as an integer";
		break;
	case C_FROM_FLOAT:
		type = "int_from_float";
		msg = "Input should be a valid integer, got a number with a "
		    "fractional part";
		break;
	case C_SIZE:
		type = "int_parsing_size";
		msg = "Unable to parse input string as an integer, exceeded "
		    "maximum size";
		break;
	default:
		v->nomem = 1;
		return;
	}
	add(v, type, loc_field(v, f->name), msg, j, NULL);
}

/* pydantic checks le before ge, so NaN fails as less_than_equal. */
static void
v_float(struct vctx *v, const struct inst_field *f, const json_t *j)
{
	double	*dst = inst_field_ptr(v->cfg, f), d = 0;
	char	 bound[FMT_DOUBLE_LEN], buf[96];

	switch (coerce_float(j, &d)) {
	case C_OK:
		break;
	case C_TYPE:
		add(v, "float_type", loc_field(v, f->name),
		    "Input should be a valid number", j, NULL);
		return;
	case C_PARSING:
		add(v, "float_parsing", loc_field(v, f->name),
		    "Input should be a valid number, unable to parse string "
		    "as a number", j, NULL);
		return;
	default:
		v->nomem = 1;
		return;
	}
	if (!(d <= f->fmax)) {
		py_bound(f->fmax, bound, sizeof(bound));
		snprintf(buf, sizeof(buf),
		    "Input should be less than or equal to %s", bound);
		add(v, "less_than_equal", loc_field(v, f->name), buf, j,
		    need(v, json_pack("{sf}", "le", f->fmax)));
	} else if (!(d >= f->fmin)) {
		py_bound(f->fmin, bound, sizeof(bound));
		snprintf(buf, sizeof(buf),
		    "Input should be greater than or equal to %s", bound);
		add(v, "greater_than_equal", loc_field(v, f->name), buf, j,
		    need(v, json_pack("{sf}", "ge", f->fmin)));
	} else
		*dst = d;
}

static void
v_bool(struct vctx *v, const struct inst_field *f, const json_t *j)
{
	int	*dst = inst_field_ptr(v->cfg, f), b = 0;

	switch (coerce_bool(j, &b)) {
	case C_OK:
		*dst = b;
		break;
	case C_PARSING:
		add(v, "bool_parsing", loc_field(v, f->name),
		    "Input should be a valid boolean, unable to interpret "
		    "input", j, NULL);
		break;
	default:
		add(v, "bool_type", loc_field(v, f->name),
		    "Input should be a valid boolean", j, NULL);
		break;
	}
}

/* Measured: too many items is the only error pydantic reports then. */
static void
v_list(struct vctx *v, const struct inst_field *f, const json_t *j)
{
	const json_t	*item;
	enum sprob	 p;
	size_t		 i, n, bad = 0;
	char		 msg[96], why[INST_WHY_LEN];

	if (!json_is_array(j)) {
		add(v, "list_type", loc_field(v, f->name),
		    "Input should be a valid list", j, NULL);
		return;
	}
	if ((n = json_array_size(j)) > INST_LIST_MAX) {
		snprintf(msg, sizeof(msg), "List should have at most %d items "
		    "after validation, not %zu", INST_LIST_MAX, n);
		add(v, "too_long", loc_field(v, f->name), msg, j,
		    need(v, json_pack("{sssisI}", "field_type", "List",
		    "max_length", INST_LIST_MAX, "actual_length",
		    (json_int_t)n)));
		return;
	}
	for (i = 0; i < n; i++) {
		item = json_array_get(j, i);
		if (!json_is_string(item)) {
			bad++;
			add(v, "string_type", loc_index(v, f->name, i),
			    "Input should be a valid string", item, NULL);
		} else if ((p = str_problem(json_string_value(item),
		    json_string_length(item), f->min, f->max)) != S_OK) {
			bad++;
			add_sprob(v, loc_index(v, f->name, i), p, f->min,
			    f->max, item);
		} else if (inst_arg_refused(json_string_value(item), why,
		    sizeof(why)) != NULL) {
			bad++;
			add_value_error(v, loc_index(v, f->name, i), why,
			    item);
		}
	}
	if (bad > 0 || n == 0)
		return;
	/* Our own after-validator: it runs only on a valid list. */
	if (!v->allow_extra) {
		add_value_error(v, loc_field(v, f->name), INST_MSG_DISABLED, j);
		return;
	}
	if ((v->cfg->extra_args = calloc(n, sizeof(char *))) == NULL) {
		v->nomem = 1;
		return;
	}
	v->cfg->n_extra_args = n;
	for (i = 0; i < n; i++) {
		item = json_array_get(j, i);
		v->cfg->extra_args[i] = dupn(v, json_string_value(item),
		    json_string_length(item));
	}
}

/* Measured: unlike a list, a dictionary's items are checked first and
 * its length only when they all pass. */
static void
v_env(struct vctx *v, const struct inst_field *f, const json_t *j)
{
	json_t		*obj = (json_t *)(uintptr_t)j;	/* iterators want it */
	const json_t	*val;
	const char	*key;
	void		*it;
	enum sprob	 p;
	size_t		 i, n, klen, bad = 0;
	char		 msg[96];

	if (!json_is_object(j)) {
		add(v, "dict_type", loc_field(v, f->name),
		    "Input should be a valid dictionary", j, NULL);
		return;
	}
	for (it = json_object_iter(obj); it != NULL;
	    it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		klen = inst_iter_keylen(it);
		val = json_object_iter_value(it);
		if (!json_is_string(val)) {
			bad++;
			add(v, "string_type", loc_key(v, f->name, key, klen),
			    "Input should be a valid string", val, NULL);
		} else if ((p = str_problem(json_string_value(val),
		    json_string_length(val), f->min, f->max)) != S_OK) {
			bad++;
			add_sprob(v, loc_key(v, f->name, key, klen), p, f->min,
			    f->max, val);
		} else if (!inst_env_name_ok(key, klen)) {
			bad++;
			add_value_error(v, loc_key(v, f->name, key, klen),
			    INST_MSG_ENVNAME, val);
		}
	}
	n = json_object_size(j);
	if (bad > 0 || n == 0)
		return;
	if (n > INST_LIST_MAX) {
		snprintf(msg, sizeof(msg), "Dictionary should have at most %d "
		    "items after validation, not %zu", INST_LIST_MAX, n);
		add(v, "too_long", loc_field(v, f->name), msg, j,
		    need(v, json_pack("{sssisI}", "field_type", "Dictionary",
		    "max_length", INST_LIST_MAX, "actual_length",
		    (json_int_t)n)));
		return;
	}
	if (!v->allow_extra) {
		add_value_error(v, loc_field(v, f->name), INST_MSG_DISABLED, j);
		return;
	}
	if ((v->cfg->env = calloc(n, sizeof(*v->cfg->env))) == NULL) {
		v->nomem = 1;
		return;
	}
	v->cfg->n_env = n;
	for (i = 0, it = json_object_iter(obj); i < n && it != NULL;
	    i++, it = json_object_iter_next(obj, it)) {
		val = json_object_iter_value(it);
		v->cfg->env[i].name = dupn(v, json_object_iter_key(it),
		    inst_iter_keylen(it));
		v->cfg->env[i].value = dupn(v, json_string_value(val),
		    json_string_length(val));
	}
}

/*
 * On -1 with *detail NULL, memory ran out (an answer of 500, not 422).
 * FastAPI reads a body of JSON null as no body, hence body NULL or null.
 */
int
inst_config_from_request(const json_t *body, int allow_extra,
    struct inst_config *cfg, json_t **detail)
{
	static const char	 attrs[] = "Input should be a valid dictionary "
	    "or object to extract fields from";
	struct vctx		 v;
	const struct inst_field	*f;
	const json_t		*config, *j;

	inst_config_init(cfg);
	*detail = NULL;
	v.cfg = cfg;
	v.allow_extra = allow_extra;
	v.nomem = 0;
	if ((v.detail = json_array()) == NULL)
		return -1;

	if (body == NULL || json_is_null(body))
		add(&v, "missing", need(&v, json_pack("[s]", "body")),
		    "Field required", NULL, NULL);
	else if (!json_is_object(body))
		add(&v, "model_attributes_type",
		    need(&v, json_pack("[s]", "body")), attrs, body, NULL);
	else if ((config = json_object_get(body, "config")) == NULL)
		add(&v, "missing", need(&v, json_pack("[ss]", "body",
		    "config")), "Field required", body, NULL);
	else if (!json_is_object(config))
		add(&v, "model_attributes_type", need(&v, json_pack("[ss]",
		    "body", "config")), attrs, config, NULL);
	else {
		for (f = inst_fields; f < inst_fields + inst_nfields; f++) {
			if ((j = json_object_get(config, f->name)) == NULL) {
				if (f->flags & INST_FF_REQUIRED)
					add(&v, "missing",
					    loc_field(&v, f->name),
					    "Field required", config, NULL);
				continue;
			}
			switch (f->kind) {
			case INST_FK_STR:
				v_str(&v, f, j);
				break;
			case INST_FK_INT:
				v_int(&v, f, j);
				break;
			case INST_FK_FLOAT:
				v_float(&v, f, j);
				break;
			case INST_FK_BOOL:
				v_bool(&v, f, j);
				break;
			case INST_FK_LIST:
				v_list(&v, f, j);
				break;
			case INST_FK_ENV:
				v_env(&v, f, j);
				break;
			}
		}
		if (cfg->host == NULL)
			cfg->host = dupn(&v, INST_DEFAULT_HOST,
			    strlen(INST_DEFAULT_HOST));
	}

	if (v.nomem || json_array_size(v.detail) > 0) {
		inst_config_free(cfg);
		if (v.nomem)
			json_decref(v.detail);
		else
			*detail = v.detail;
		return -1;
	}
	json_decref(v.detail);
	return 0;
}
