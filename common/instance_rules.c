/*
 * instance_rules.c: the rules of SPEC section 3 that every config obeys,
 * as one table shared by request validation (instance_valid.c) and
 * config.json loading (instance.c), and the supervisor's second check of
 * a config that came over the channel.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fmt.h"
#include "instance.h"
#include "instance_rules.h"
#include "utf8.h"

#define OFF(m)		offsetof(struct inst_config, m)
#define CHECK_MSG_LEN	320	/* "extra_args[255] " and a flag's refusal */

/* In SPEC section 3's order, which is the order of the 422 entries. */
const struct inst_field inst_fields[] = {
	{ "model", INST_FK_STR, OFF(model), INST_FF_REQUIRED,
	    1, INST_STR_MAX, 0, 0 },
	{ "alias", INST_FK_STR, OFF(alias), INST_FF_REQUIRED,
	    1, INST_STR_MAX, 0, 0 },
	{ "threads", INST_FK_INT, OFF(threads), 0, 1, 1024, 0, 0 },
	{ "n_gpu_layers", INST_FK_INT, OFF(n_gpu_layers), 0, 0, 100000, 0, 0 },
	{ "temp", INST_FK_FLOAT, OFF(temp), 0, 0, 0, 0.0, 2.0 },
	{ "top_p", INST_FK_FLOAT, OFF(top_p), 0, 0, 0, 0.0, 1.0 },
	{ "top_k", INST_FK_INT, OFF(top_k), 0, 0, INT32_MAX, 0, 0 },
	{ "min_p", INST_FK_FLOAT, OFF(min_p), 0, 0, 0, 0.0, 1.0 },
	{ "ctx_size", INST_FK_INT, OFF(ctx_size), 0, 0, INT32_MAX, 0, 0 },
	{ "chat_template_file", INST_FK_STR, OFF(chat_template_file),
	    INST_FF_NULLABLE, 0, INST_STR_MAX, 0, 0 },
	{ "host", INST_FK_STR, OFF(host), INST_FF_HOST, 0, 0, 0, 0 },
	{ "port", INST_FK_INT, OFF(port), INST_FF_NULLABLE, 1, 65535, 0, 0 },
	{ "api_key", INST_FK_STR, OFF(api_key), INST_FF_REQUIRED,
	    1, INST_STR_MAX, 0, 0 },
	{ "special", INST_FK_BOOL, OFF(special), 0, 0, 0, 0, 0 },
	{ "extra_args", INST_FK_LIST, OFF(extra_args), 0,
	    0, INST_STR_MAX, 0, 0 },
	{ "env", INST_FK_ENV, OFF(env), 0, 0, INST_STR_MAX, 0, 0 },
};
const size_t inst_nfields = sizeof(inst_fields) / sizeof(inst_fields[0]);

static int	 walk_str(const struct inst_field *, const char *, const char *,
		    inst_walk_fn, void *);
static int	 check_cb(const char *, const char *, void *);

/* One accessor for reading and for filling a field: keeping the config
 * const where it is only read is up to the caller. */
void *
inst_field_ptr(const struct inst_config *c, const struct inst_field *f)
{
	return (char *)(uintptr_t)c + f->off;
}

/* The literal forms only: nothing here may resolve a name. */
int
inst_host_ok(const char *s, size_t n)
{
	unsigned char	addr[sizeof(struct in6_addr)];

	if (memchr(s, '\0', n) != NULL)
		return 0;
	return strcmp(s, "localhost") == 0 ||
	    inet_pton(AF_INET, s, addr) == 1 ||
	    inet_pton(AF_INET6, s, addr) == 1;
}

/* jansson 2.14 keeps keys with NUL inside; older ones cannot hold them. */
size_t
inst_iter_keylen(void *it)
{
#if JANSSON_VERSION_HEX >= 0x020e00
	return json_object_iter_key_len(it);
#else
	return strlen(json_object_iter_key(it));
#endif
}

/* A string field or item of a decoded config; 0 when fn said stop. */
static int
walk_str(const struct inst_field *f, const char *what, const char *s,
    inst_walk_fn fn, void *arg)
{
	char	why[64];
	size_t	chars;

	if (s == NULL)
		return (f->flags & INST_FF_NULLABLE) ? 1 :
		    fn(what, "is missing", arg);
	if (!utf8_valid(s, strlen(s)))
		return fn(what, "must be UTF-8", arg);
	if (f->flags & INST_FF_HOST)
		return inst_host_ok(s, strlen(s)) ? 1 :
		    fn(what, "must be an IP address or localhost", arg);
	chars = utf8_chars(s, strlen(s));
	if (chars >= (uint64_t)f->min && chars <= (uint64_t)f->max)
		return 1;
	if (f->min == 0)
		snprintf(why, sizeof(why), "must be at most %lld characters",
		    (long long)f->max);
	else
		snprintf(why, sizeof(why), "must be %lld to %lld characters",
		    (long long)f->min, (long long)f->max);
	return fn(what, why, arg);
}

/*
 * Calls fn(what, why) for each rule of SPEC section 3 that c breaks, in
 * field order, until fn returns 0.  Returns 1 when it went through.  what
 * is NULL for the one rule that belongs to no field.
 */
int
inst_rules_walk(const struct inst_config *c, int allow_extra, inst_walk_fn fn,
    void *arg)
{
	const struct inst_field	*f;
	const char		*name;
	char			 what[96], why[96], lo[FMT_DOUBLE_LEN],
				 hi[FMT_DOUBLE_LEN], flag[INST_WHY_LEN];
	int64_t			 iv;
	double			 dv;
	size_t			 i, k;

	for (f = inst_fields; f < inst_fields + inst_nfields; f++) {
		switch (f->kind) {
		case INST_FK_STR:
			if (!walk_str(f, f->name,
			    *(char **)inst_field_ptr(c, f), fn, arg))
				return 0;
			break;
		case INST_FK_INT:
			iv = *(int64_t *)inst_field_ptr(c, f);
			if (((f->flags & INST_FF_NULLABLE) && iv == 0) ||
			    (iv >= f->min && iv <= f->max))
				break;
			snprintf(why, sizeof(why), "must be from %lld to %lld",
			    (long long)f->min, (long long)f->max);
			if (!fn(f->name, why, arg))
				return 0;
			break;
		case INST_FK_FLOAT:
			dv = *(double *)inst_field_ptr(c, f);
			if (dv >= f->fmin && dv <= f->fmax)
				break;
			fmt_double(f->fmin, lo, sizeof(lo));
			fmt_double(f->fmax, hi, sizeof(hi));
			snprintf(why, sizeof(why), "must be from %s to %s", lo,
			    hi);
			if (!fn(f->name, why, arg))
				return 0;
			break;
		case INST_FK_BOOL:
			break;
		case INST_FK_LIST:
			if (c->n_extra_args > INST_LIST_MAX &&
			    !fn(f->name, "must have at most 256 items", arg))
				return 0;
			for (i = 0; i < c->n_extra_args; i++) {
				snprintf(what, sizeof(what), "%s[%zu]",
				    f->name, i);
				if (!walk_str(f, what, c->extra_args[i], fn,
				    arg))
					return 0;
				if (c->extra_args[i] != NULL &&
				    inst_arg_refused(c->extra_args[i], flag,
				    sizeof(flag)) != NULL && !fn(what, flag, arg))
					return 0;
			}
			break;
		case INST_FK_ENV:
			if (c->n_env > INST_LIST_MAX &&
			    !fn(f->name, "must have at most 256 entries", arg))
				return 0;
			for (i = 0; i < c->n_env; i++) {
				if ((name = c->env[i].name) == NULL) {
					snprintf(what, sizeof(what), "%s[%zu]",
					    f->name, i);
					if (!fn(what, "has no name", arg))
						return 0;
					continue;
				}
				snprintf(what, sizeof(what), "%s.%s", f->name,
				    name);
				if (!inst_env_name_ok(name, strlen(name)) &&
				    !fn(what, "is not an allowed variable name",
				    arg))
					return 0;
				for (k = 0; k < i; k++)
					if (c->env[k].name != NULL &&
					    strcmp(c->env[k].name, name) == 0)
						break;
				if (k < i && !fn(what, "is given twice", arg))
					return 0;
				if (!walk_str(f, what, c->env[i].value, fn,
				    arg))
					return 0;
			}
			break;
		}
	}
	if (!allow_extra && (c->n_extra_args > 0 || c->n_env > 0) &&
	    !fn(NULL, INST_MSG_DISABLED, arg))
		return 0;
	return 1;
}

static int
check_cb(const char *what, const char *why, void *arg)
{
	char	*msg = arg;

	if (what == NULL)
		snprintf(msg, CHECK_MSG_LEN, "%s", why);
	else
		snprintf(msg, CHECK_MSG_LEN, "%s %s", what, why);
	return 0;
}

/* The supervisor runs this on every config apid sends: it trusts none. */
const char *
inst_config_check(const struct inst_config *c, int allow_extra)
{
	static char	msg[CHECK_MSG_LEN];

	return inst_rules_walk(c, allow_extra, check_cb, msg) ? NULL : msg;
}
