/*
 * instance.c: the instance model of SPEC section 3 in memory, as JSON in
 * the original's field order, and read back from config.json (proto.c
 * carries it over the channel).  The rules a config obeys are in
 * instance_rules.c; request bodies are checked in instance_valid.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* _GNU_SOURCE: strdup() under -std=c11 */
#endif

#include <sys/types.h>
#include <sys/time.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "instance.h"
#include "instance_rules.h"
#include "log.h"
#include "timefmt.h"
#include "uuid.h"

/* Longer strings cannot travel (instance_decode()). */
#define STR_BYTES_MAX	((size_t)INST_STR_MAX * 4)
_Static_assert(STR_BYTES_MAX == 16384, "j_strwhy() names 16384");

static const char *const status_names[] = {
	"stopped",
	"starting",
	"running",
	"stopping",
	"failed",
};
#define NSTATUS	(sizeof(status_names) / sizeof(status_names[0]))

static void	 instance_init(struct instance *);
static int	 dupstr(char **, const char *);
static json_t	*jstr(const char *);
static int	 oset(json_t *, const char *, json_t *);
static int	 warn_cb(const char *, const char *, void *);
static int	 jerr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 j_int(const json_t *, int64_t *);
static const char *j_strwhy(const json_t *, size_t, char **);
static int	 j_stamp(const json_t *, char *);
static int	 j_field(const struct inst_field *, const json_t *,
		    struct inst_config *, char *, size_t);

const char *
inst_status_name(enum inst_status st)
{
	if ((unsigned int)st >= NSTATUS)
		return "unknown";
	return status_names[st];
}

int
inst_status_parse(const char *s, enum inst_status *out)
{
	size_t	i;

	for (i = 0; i < NSTATUS; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum inst_status)i;
			return 0;
		}
	}
	return -1;
}

void
inst_config_init(struct inst_config *c)
{
	c->model = NULL;
	c->alias = NULL;
	c->threads = 1;
	c->n_gpu_layers = 999;
	c->temp = 1.0;
	c->top_p = 1.0;
	c->top_k = 0;
	c->min_p = 0.0;
	c->ctx_size = 131072;
	c->chat_template_file = NULL;
	c->host = NULL;
	c->port = 0;
	c->api_key = NULL;
	c->special = 0;
	c->extra_args = NULL;
	c->n_extra_args = 0;
	c->env = NULL;
	c->n_env = 0;
}

/* Arrays may hold NULL items: decoding and copying fill them in place. */
void
inst_config_free(struct inst_config *c)
{
	size_t	i;

	free(c->model);
	free(c->alias);
	free(c->chat_template_file);
	free(c->host);
	free(c->api_key);
	for (i = 0; i < c->n_extra_args; i++)
		free(c->extra_args[i]);
	free(c->extra_args);
	for (i = 0; i < c->n_env; i++) {
		free(c->env[i].name);
		free(c->env[i].value);
	}
	free(c->env);
	inst_config_init(c);
}

static int
dupstr(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

/* dst is overwritten, not freed; on failure it is left empty. */
int
inst_config_copy(struct inst_config *dst, const struct inst_config *src)
{
	size_t	i;

	inst_config_init(dst);
	if (dupstr(&dst->model, src->model) == -1 ||
	    dupstr(&dst->alias, src->alias) == -1 ||
	    dupstr(&dst->chat_template_file, src->chat_template_file) == -1 ||
	    dupstr(&dst->host, src->host) == -1 ||
	    dupstr(&dst->api_key, src->api_key) == -1)
		goto fail;
	dst->threads = src->threads;
	dst->n_gpu_layers = src->n_gpu_layers;
	dst->temp = src->temp;
	dst->top_p = src->top_p;
	dst->top_k = src->top_k;
	dst->min_p = src->min_p;
	dst->ctx_size = src->ctx_size;
	dst->port = src->port;
	dst->special = src->special;
	if (src->n_extra_args > 0) {
		dst->extra_args = calloc(src->n_extra_args,
		    sizeof(*dst->extra_args));
		if (dst->extra_args == NULL)
			goto fail;
		dst->n_extra_args = src->n_extra_args;
		for (i = 0; i < src->n_extra_args; i++)
			if (dupstr(&dst->extra_args[i],
			    src->extra_args[i]) == -1)
				goto fail;
	}
	if (src->n_env > 0) {
		if ((dst->env = calloc(src->n_env, sizeof(*dst->env))) == NULL)
			goto fail;
		dst->n_env = src->n_env;
		for (i = 0; i < src->n_env; i++)
			if (dupstr(&dst->env[i].name, src->env[i].name) == -1 ||
			    dupstr(&dst->env[i].value, src->env[i].value) == -1)
				goto fail;
	}
	return 0;

 fail:
	inst_config_free(dst);
	return -1;
}

static void
instance_init(struct instance *in)
{
	memset(in->id, 0, sizeof(in->id));
	inst_config_init(&in->config);
	in->status = INST_STOPPED;
	in->port = 0;
	in->pid = 0;
	memset(in->created_at, 0, sizeof(in->created_at));
	memset(in->started_at, 0, sizeof(in->started_at));
	in->error_message = NULL;
	in->retry_count = 0;
}

void
instance_free(struct instance *in)
{
	inst_config_free(&in->config);
	free(in->error_message);
	instance_init(in);
}

/* dst is overwritten, not freed; on failure it is left empty. */
int
instance_copy(struct instance *dst, const struct instance *src)
{
	instance_init(dst);
	if (inst_config_copy(&dst->config, &src->config) == -1)
		return -1;
	if (dupstr(&dst->error_message, src->error_message) == -1) {
		instance_free(dst);
		return -1;
	}
	memcpy(dst->id, src->id, sizeof(dst->id));
	dst->status = src->status;
	dst->port = src->port;
	dst->pid = src->pid;
	memcpy(dst->created_at, src->created_at, sizeof(dst->created_at));
	memcpy(dst->started_at, src->started_at, sizeof(dst->started_at));
	dst->retry_count = src->retry_count;
	return 0;
}

static json_t *
jstr(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

/* json_object_set_new() releases v when it fails, NULL included. */
static int
oset(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

json_t *
inst_config_to_json(const struct inst_config *c)
{
	json_t	*o, *a = NULL, *e = NULL;
	size_t	 i;

	if ((o = json_object()) == NULL)
		return NULL;
	if (oset(o, "model", jstr(c->model)) == -1 ||
	    oset(o, "alias", jstr(c->alias)) == -1 ||
	    oset(o, "threads", json_integer(c->threads)) == -1 ||
	    oset(o, "n_gpu_layers", json_integer(c->n_gpu_layers)) == -1 ||
	    oset(o, "temp", json_real(c->temp)) == -1 ||
	    oset(o, "top_p", json_real(c->top_p)) == -1 ||
	    oset(o, "top_k", json_integer(c->top_k)) == -1 ||
	    oset(o, "min_p", json_real(c->min_p)) == -1 ||
	    oset(o, "ctx_size", json_integer(c->ctx_size)) == -1 ||
	    oset(o, "chat_template_file", jstr(c->chat_template_file)) == -1 ||
	    oset(o, "host", jstr(c->host)) == -1 ||
	    oset(o, "port", c->port == 0 ? json_null() :
	    json_integer(c->port)) == -1 ||
	    oset(o, "api_key", jstr(c->api_key)) == -1 ||
	    oset(o, "special", json_boolean(c->special)) == -1)
		goto fail;
	if (c->n_extra_args > 0) {
		if ((a = json_array()) == NULL)
			goto fail;
		for (i = 0; i < c->n_extra_args; i++)
			if (json_array_append_new(a,
			    jstr(c->extra_args[i])) == -1)
				goto fail;
		if (oset(o, "extra_args", a) == -1) {
			a = NULL;
			goto fail;
		}
		a = NULL;
	}
	if (c->n_env > 0) {
		if ((e = json_object()) == NULL)
			goto fail;
		for (i = 0; i < c->n_env; i++)
			if (c->env[i].name == NULL || oset(e, c->env[i].name,
			    jstr(c->env[i].value)) == -1)
				goto fail;
		if (oset(o, "env", e) == -1) {
			e = NULL;
			goto fail;
		}
	}
	return o;

 fail:
	json_decref(a);
	json_decref(e);
	json_decref(o);
	return NULL;
}

json_t *
instance_to_json(const struct instance *in)
{
	const char	*status = inst_status_name(in->status);
	json_t		*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (oset(o, "id", json_string(in->id)) == -1 ||
	    oset(o, "config", inst_config_to_json(&in->config)) == -1 ||
	    oset(o, "status", json_string(status)) == -1 ||
	    oset(o, "port", in->port == 0 ? json_null() :
	    json_integer(in->port)) == -1 ||
	    oset(o, "pid", in->pid == 0 ? json_null() :
	    json_integer(in->pid)) == -1 ||
	    oset(o, "created_at", json_string(in->created_at)) == -1 ||
	    oset(o, "started_at", in->started_at[0] == '\0' ? json_null() :
	    json_string(in->started_at)) == -1 ||
	    oset(o, "error_message", jstr(in->error_message)) == -1 ||
	    oset(o, "retry_count", json_integer(in->retry_count)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
warn_cb(const char *what, const char *why, void *arg)
{
	log_warnx("instance %s: config.%s: %s", (const char *)arg,
	    what == NULL ? "" : what, why);
	return 1;
}

static int
jerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Python wrote ints; a whole real is taken too. */
static int
j_int(const json_t *v, int64_t *out)
{
	double	d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (d >= 0x1p63 || d < -0x1p63 || (double)(int64_t)d != d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/*
 * A string copied out, or why not.  Longer than the channel carries is
 * refused here, not merely warned about: apid could never be told of it.
 */
static const char *
j_strwhy(const json_t *v, size_t max, char **out)
{
	const char	*s = json_string_value(v);
	size_t		 n = json_string_length(v);

	*out = NULL;
	if (memchr(s, '\0', n) != NULL)
		return "contains NUL";
	if (n > max)
		return "is longer than 16384 bytes";
	if ((*out = strndup(s, n)) == NULL)
		return "out of memory";
	return NULL;
}

/* A timestamp kept byte for byte as the file has it. */
static int
j_stamp(const json_t *v, char *dst)
{
	struct timeval	tv;
	const char	*s;
	size_t		 n;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n >= TIMEFMT_LEN || strlen(s) != n ||
	    timefmt_parse(s, &tv) == -1)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* One field of a config.json config; types strict, ranges not checked. */
static int
j_field(const struct inst_field *f, const json_t *v, struct inst_config *c,
    char *err, size_t errlen)
{
	const char	*why, *orn;
	json_t		*obj;
	void		*it;
	size_t		 i, n;

	orn = (f->flags & INST_FF_NULLABLE) ? " or null" : "";
	if (v == NULL)
		return (f->flags & INST_FF_REQUIRED) ?
		    jerr(err, errlen, "config.%s: missing", f->name) : 0;
	if (json_is_null(v) && (f->flags & INST_FF_NULLABLE))
		return 0;
	switch (f->kind) {
	case INST_FK_STR:
		if (!json_is_string(v))
			return jerr(err, errlen,
			    "config.%s: must be a string%s", f->name, orn);
		if ((why = j_strwhy(v, STR_BYTES_MAX,
		    (char **)inst_field_ptr(c, f))) != NULL)
			return jerr(err, errlen, "config.%s: %s", f->name, why);
		break;
	case INST_FK_INT:
		if (j_int(v, (int64_t *)inst_field_ptr(c, f)) == -1)
			return jerr(err, errlen,
			    "config.%s: must be an integer%s", f->name, orn);
		break;
	case INST_FK_FLOAT:
		if (!json_is_number(v))
			return jerr(err, errlen, "config.%s: must be a number",
			    f->name);
		*(double *)inst_field_ptr(c, f) = json_number_value(v);
		break;
	case INST_FK_BOOL:
		if (!json_is_boolean(v))
			return jerr(err, errlen, "config.%s: must be a boolean",
			    f->name);
		*(int *)inst_field_ptr(c, f) = json_is_true(v);
		break;
	case INST_FK_LIST:
		if (!json_is_array(v))
			return jerr(err, errlen,
			    "config.%s: must be a list of strings", f->name);
		if ((n = json_array_size(v)) > INST_LIST_MAX)
			return jerr(err, errlen,
			    "config.%s: has more than %d items", f->name,
			    INST_LIST_MAX);
		if (n == 0)
			break;
		if ((c->extra_args = calloc(n, sizeof(char *))) == NULL)
			return jerr(err, errlen, "out of memory");
		c->n_extra_args = n;
		for (i = 0; i < n; i++) {
			if (!json_is_string(json_array_get(v, i)))
				return jerr(err, errlen,
				    "config.%s[%zu]: must be a string",
				    f->name, i);
			if ((why = j_strwhy(json_array_get(v, i),
			    STR_BYTES_MAX, &c->extra_args[i])) != NULL)
				return jerr(err, errlen, "config.%s[%zu]: %s",
				    f->name, i, why);
		}
		break;
	case INST_FK_ENV:
		if (!json_is_object(v))
			return jerr(err, errlen,
			    "config.%s: must be an object of strings", f->name);
		if ((n = json_object_size(v)) > INST_LIST_MAX)
			return jerr(err, errlen,
			    "config.%s: has more than %d entries", f->name,
			    INST_LIST_MAX);
		if (n == 0)
			break;
		if ((c->env = calloc(n, sizeof(*c->env))) == NULL)
			return jerr(err, errlen, "out of memory");
		c->n_env = n;
		obj = (json_t *)(uintptr_t)v;	/* iterators want it */
		for (i = 0, it = json_object_iter(obj); i < n && it != NULL;
		    i++, it = json_object_iter_next(obj, it)) {
			if (memchr(json_object_iter_key(it), '\0',
			    inst_iter_keylen(it)) != NULL)
				return jerr(err, errlen,
				    "config.%s: a name contains NUL", f->name);
			if ((c->env[i].name = strdup(json_object_iter_key(it)))
			    == NULL)
				return jerr(err, errlen, "out of memory");
			if (!json_is_string(json_object_iter_value(it)))
				return jerr(err, errlen,
				    "config.%s.%s: must be a string", f->name,
				    c->env[i].name);
			if ((why = j_strwhy(json_object_iter_value(it),
			    STR_BYTES_MAX, &c->env[i].value)) != NULL)
				return jerr(err, errlen, "config.%s.%s: %s",
				    f->name, c->env[i].name, why);
		}
		break;
	}
	return 0;
}

/*
 * Messages name the place within the entry ("config.threads: must be an
 * integer"); the caller puts the file and "instances[N]." before them.
 * An entry that is not an object has no place to name.
 */
int
instance_from_json(const json_t *j, struct instance *in, char *err,
    size_t errlen)
{
	const struct inst_field	*f;
	const json_t		*c, *v;
	const char		*why;
	struct timeval		 now;
	int64_t			 n;

	instance_init(in);

	if (!json_is_object(j))
		return jerr(err, errlen, "must be an object");
	if ((v = json_object_get(j, "id")) == NULL) {
		jerr(err, errlen, "id: missing");
		goto fail;
	}
	if (!json_is_string(v) || json_string_length(v) != UUID_STRLEN ||
	    !uuid_valid(json_string_value(v))) {
		jerr(err, errlen, "id: must be a lowercase UUID");
		goto fail;
	}
	memcpy(in->id, json_string_value(v), UUID_STRLEN + 1);

	if ((c = json_object_get(j, "config")) == NULL) {
		jerr(err, errlen, "config: missing");
		goto fail;
	}
	if (!json_is_object(c)) {
		jerr(err, errlen, "config: must be an object");
		goto fail;
	}
	for (f = inst_fields; f < inst_fields + inst_nfields; f++)
		if (j_field(f, json_object_get(c, f->name), &in->config, err,
		    errlen) == -1)
			goto fail;
	if (in->config.host == NULL &&
	    (in->config.host = strdup(INST_DEFAULT_HOST)) == NULL) {
		jerr(err, errlen, "out of memory");
		goto fail;
	}

	if ((v = json_object_get(j, "status")) != NULL &&
	    (!json_is_string(v) ||
	    inst_status_parse(json_string_value(v), &in->status) == -1)) {
		jerr(err, errlen, "status: must be one of stopped, starting, "
		    "running, stopping, failed");
		goto fail;
	}
	if ((v = json_object_get(j, "port")) != NULL && !json_is_null(v)) {
		if (j_int(v, &n) == -1 || n < 1 || n > 65535) {
			jerr(err, errlen,
			    "port: must be an integer from 1 to 65535 or null");
			goto fail;
		}
		in->port = (int)n;
	}
	if ((v = json_object_get(j, "pid")) != NULL && !json_is_null(v)) {
		if (j_int(v, &n) == -1 || n < 1 || (pid_t)n != n) {
			jerr(err, errlen, "pid: must be a process id or null");
			goto fail;
		}
		in->pid = (pid_t)n;
	}
	/* The original filled created_at in when it made an instance. */
	if ((v = json_object_get(j, "created_at")) == NULL) {
		gettimeofday(&now, NULL);
		timefmt_utc_z(&now, in->created_at, sizeof(in->created_at));
	} else if (j_stamp(v, in->created_at) == -1) {
		jerr(err, errlen, "created_at: must be a timestamp");
		goto fail;
	}
	if ((v = json_object_get(j, "started_at")) != NULL &&
	    !json_is_null(v) && j_stamp(v, in->started_at) == -1) {
		jerr(err, errlen, "started_at: must be a timestamp or null");
		goto fail;
	}
	if ((v = json_object_get(j, "error_message")) != NULL &&
	    !json_is_null(v)) {
		if (!json_is_string(v)) {
			jerr(err, errlen,
			    "error_message: must be a string or null");
			goto fail;
		}
		if ((why = j_strwhy(v, SIZE_MAX, &in->error_message)) != NULL) {
			jerr(err, errlen, "error_message: %s", why);
			goto fail;
		}
	}
	if ((v = json_object_get(j, "retry_count")) != NULL &&
	    j_int(v, &in->retry_count) == -1) {
		jerr(err, errlen, "retry_count: must be an integer");
		goto fail;
	}

	/* A file the original wrote loads even where our rules are tighter. */
	inst_rules_walk(&in->config, 1, warn_cb, in->id);
	return 0;

 fail:
	instance_free(in);
	return -1;
}
