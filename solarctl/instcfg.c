/*
 * instcfg.c: the InstanceConfig that create and update send, from a base
 * (the current config, or --file) with the config flags applied, checked
 * with the daemon's own validation (common/instance.h) before it is sent.
 * Numbers from flags go in as text: the server's lax rules read "4" and
 * "1_000" the same way, so a flag means what it would mean in JSON.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "instance.h"
#include "pyjson.h"
#include "solarctl.h"
#include "strbuf.h"

enum kind {
	K_TEXT,		/* a string, numbers included */
	K_NULLABLE,	/* "" is null */
	K_PORT,		/* "auto" and "" are null */
	K_TRUE,
	K_FALSE
};

static const struct cfield {
	int		 flag;
	const char	*field;
	enum kind	 kind;
} cfields[] = {
	{ CF_MODEL, "model", K_TEXT },
	{ CF_ALIAS, "alias", K_TEXT },
	{ CF_API_KEY, "api_key", K_TEXT },
	{ CF_THREADS, "threads", K_TEXT },
	{ CF_CTX_SIZE, "ctx_size", K_TEXT },
	{ CF_TEMP, "temp", K_TEXT },
	{ CF_TOP_P, "top_p", K_TEXT },
	{ CF_TOP_K, "top_k", K_TEXT },
	{ CF_MIN_P, "min_p", K_TEXT },
	{ CF_N_GPU_LAYERS, "n_gpu_layers", K_TEXT },
	{ CF_HOST, "host", K_TEXT },
	{ CF_PORT, "port", K_PORT },
	{ CF_CHAT_TEMPLATE_FILE, "chat_template_file", K_NULLABLE },
	{ CF_SPECIAL, "special", K_TRUE },
	{ CF_NO_SPECIAL, "special", K_FALSE },
};
#define NCFIELDS	(sizeof(cfields) / sizeof(cfields[0]))

static json_t	*value_of(enum kind, const char *);
static json_t	*load_file(const char *);
static int	 apply(struct cfgedit *, json_t *);
static void	 print_entry(const json_t *);
static void	 warn_unknown(const char *, const json_t *, const json_t *);

void
instcfg_init(struct cfgedit *e)
{
	memset(e, 0, sizeof(*e));
	e->set = json_object();
	e->envops = json_array();
}

void
instcfg_free(struct cfgedit *e)
{
	json_decref(e->set);
	json_decref(e->extra);
	json_decref(e->envops);
	memset(e, 0, sizeof(*e));
}

static json_t *
value_of(enum kind kind, const char *arg)
{
	switch (kind) {
	case K_TRUE:
		return json_true();
	case K_FALSE:
		return json_false();
	case K_NULLABLE:
		return *arg == '\0' ? json_null() : json_string(arg);
	case K_PORT:
		return *arg == '\0' || strcmp(arg, "auto") == 0 ?
		    json_null() : json_string(arg);
	default:
		return json_string(arg);
	}
}

int
instcfg_flag(struct cfgedit *e, int flag, const char *arg, char *err,
    size_t errlen)
{
	const char	*eq;
	json_t		*v;
	size_t		 i;

	if (e->set == NULL || e->envops == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->used = 1;
	for (i = 0; i < NCFIELDS; i++) {
		if (cfields[i].flag != flag)
			continue;
		/* json_string() refuses what is not UTF-8. */
		if ((v = value_of(cfields[i].kind, arg)) == NULL ||
		    json_object_set_new(e->set, cfields[i].field, v) == -1) {
			snprintf(err, errlen, "%s: not UTF-8", arg);
			return -1;
		}
		return 0;
	}
	switch (flag) {
	case CF_EXTRA_ARG:
	case CF_NO_EXTRA_ARGS:
		if (e->extra == NULL && (e->extra = json_array()) == NULL)
			break;
		if (flag == CF_NO_EXTRA_ARGS)
			return 0;
		if (json_array_append_new(e->extra, json_string(arg)) == -1) {
			snprintf(err, errlen, "%s: not UTF-8", arg);
			return -1;
		}
		return 0;
	case CF_ENV:
		/* NAME=VALUE sets, a bare NAME removes. */
		if ((eq = strchr(arg, '=')) == NULL)
			eq = arg + strlen(arg);
		if (eq == arg) {
			snprintf(err, errlen, "%s: NAME=VALUE expected", arg);
			return -1;
		}
		v = json_pack("[s#o]", arg, (int)(eq - arg), *eq == '=' ?
		    json_string(eq + 1) : json_null());
		if (v == NULL || json_array_append_new(e->envops, v) == -1) {
			snprintf(err, errlen, "%s: not UTF-8", arg);
			return -1;
		}
		return 0;
	case CF_NO_ENV:
		e->clear_env = 1;
		return 0;
	case CF_FILE:
		if (e->file != NULL) {
			snprintf(err, errlen, "--file given twice");
			return -1;
		}
		e->file = arg;
		return 0;
	default:
		snprintf(err, errlen, "unknown config flag");
		return -1;
	}
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* A config from a file ("-": stdin): an InstanceConfig, or any object
 * holding one as "config" (a request body, or an Instance). */
static json_t *
load_file(const char *path)
{
	struct pyjson_error	 perr;
	enum pyjson_result	 r;
	struct strbuf		 sb;
	FILE			*fp;
	json_t			*v = NULL, *cfg = NULL;
	char			 buf[8192];
	size_t			 n;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "solarctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 &&
	    sb.len <= CTL_BODY_MAX)
		strbuf_add(&sb, buf, n);
	if (ferror(fp))
		fprintf(stderr, "solarctl: %s: %s\n", path, strerror(errno));
	else if (sb.len > CTL_BODY_MAX)
		fprintf(stderr, "solarctl: %s: bigger than %d bytes\n", path,
		    CTL_BODY_MAX);
	else if (sb.failed)
		fprintf(stderr, "solarctl: out of memory\n");
	else if ((r = pyjson_load(sb.data != NULL ? sb.data : "", sb.len, &v,
	    &perr)) == PYJSON_SYNTAX)
		fprintf(stderr, "solarctl: %s:%zu:%zu: %s\n", path, perr.line,
		    perr.column, perr.msg);
	else if (r == PYJSON_TOO_DEEP)
		fprintf(stderr, "solarctl: %s: nested too deeply\n", path);
	else if (r == PYJSON_NOT_UTF8)
		fprintf(stderr, "solarctl: %s: not UTF-8\n", path);
	else if (r != PYJSON_OK)
		fprintf(stderr, "solarctl: out of memory\n");
	else if (json_is_object(json_object_get(v, "config")))
		cfg = json_incref(json_object_get(v, "config"));
	else if (json_is_object(v))
		cfg = json_incref(v);
	else
		fprintf(stderr, "solarctl: %s: not a JSON object\n", path);
	json_decref(v);
	strbuf_free(&sb);
	if (fp != stdin)
		fclose(fp);
	return cfg;
}

static int
apply(struct cfgedit *e, json_t *cfg)
{
	json_t		*env, *op, *val;
	const char	*name;
	size_t		 i;

	if (json_object_update(cfg, e->set) == -1)
		return -1;
	if (e->extra != NULL &&
	    json_object_set(cfg, "extra_args", e->extra) == -1)
		return -1;
	if (!e->clear_env && json_array_size(e->envops) == 0)
		return 0;
	env = json_object_get(cfg, "env");
	if (e->clear_env || !json_is_object(env))
		env = json_object();
	else
		env = json_copy(env);
	if (env == NULL)
		return -1;
	json_array_foreach(e->envops, i, op) {
		name = json_string_value(json_array_get(op, 0));
		val = json_array_get(op, 1);
		if (json_is_null(val))
			json_object_del(env, name);
		else if (json_object_set(env, name, val) == -1) {
			json_decref(env);
			return -1;
		}
	}
	return json_object_set_new(cfg, "env", env);
}

/* One 422 entry as "field: message (got input)". */
static void
print_entry(const json_t *entry)
{
	struct strbuf	 sb;
	const json_t	*loc, *input, *part;
	const char	*msg, *type;
	size_t		 i;

	strbuf_init(&sb);
	type = json_string_value(json_object_get(entry, "type"));
	loc = json_object_get(entry, "loc");
	for (i = 2; i < json_array_size(loc); i++) {
		part = json_array_get(loc, i);
		if (json_is_integer(part))
			strbuf_addf(&sb, "[%lld]",
			    (long long)json_integer_value(part));
		else
			strbuf_addf(&sb, "%s%s", i > 2 ? "." : "",
			    json_string_value(part) != NULL ?
			    json_string_value(part) : "?");
	}
	if (sb.len == 0)
		strbuf_adds(&sb, "config");
	msg = json_string_value(json_object_get(entry, "msg"));
	strbuf_addf(&sb, ": %s", msg != NULL ? msg : "invalid");
	input = json_object_get(entry, "input");
	if (input != NULL && !json_is_object(input) &&
	    (type == NULL || strcmp(type, "missing") != 0)) {
		strbuf_adds(&sb, " (got ");
		pyjson_dump_compact(&sb, input);
		strbuf_addc(&sb, ')');
	}
	if (!sb.failed)
		fprintf(stderr, "solarctl: invalid config: %s\n", sb.data);
	strbuf_free(&sb);
}

/* A file's fields that the model does not know are ignored, as the
 * server ignores them: say so, a typo would otherwise go unnoticed. */
static void
warn_unknown(const char *path, const json_t *given, const json_t *known)
{
	const char	*k;
	json_t		*v;

	json_object_foreach((json_t *)given, k, v) {
		if (json_object_get(known, k) == NULL &&
		    strcmp(k, "extra_args") != 0 && strcmp(k, "env") != 0)
			fprintf(stderr, "solarctl: %s: unknown field \"%s\" "
			    "ignored\n", path, k);
	}
}

char *
instcfg_body(struct cfgedit *e, const json_t *base, size_t *len, int *rc)
{
	struct inst_config	 cfg;
	struct strbuf		 sb;
	json_t			*obj, *body = NULL, *detail = NULL, *out;
	json_t			*entry;
	char			*text = NULL;
	size_t			 i;

	*rc = EXIT_FAIL;
	if (e->file != NULL) {
		if ((obj = load_file(e->file)) == NULL) {
			*rc = EXIT_USAGE;
			return NULL;
		}
	} else if (base != NULL)
		obj = json_deep_copy(base);
	else
		obj = json_object();
	if (obj == NULL || apply(e, obj) == -1 ||
	    (body = json_pack("{s:O}", "config", obj)) == NULL) {
		fprintf(stderr, "solarctl: out of memory\n");
		json_decref(obj);
		return NULL;
	}
	if (inst_config_from_request(body, 1, &cfg, &detail) == -1) {
		json_array_foreach(detail, i, entry)
			print_entry(entry);
		if (json_array_size(detail) == 0)
			fprintf(stderr, "solarctl: invalid config\n");
		json_decref(detail);
		json_decref(body);
		json_decref(obj);
		*rc = EXIT_USAGE;
		return NULL;
	}
	json_decref(body);
	out = inst_config_to_json(&cfg);
	inst_config_free(&cfg);
	if (out != NULL && e->file != NULL)
		warn_unknown(e->file, obj, out);
	json_decref(obj);
	if (out == NULL || (body = json_pack("{s:o}", "config", out)) ==
	    NULL) {
		fprintf(stderr, "solarctl: out of memory\n");
		return NULL;
	}
	strbuf_init(&sb);
	pyjson_dump_compact(&sb, body);
	json_decref(body);
	*len = sb.len;
	if ((text = strbuf_steal(&sb)) == NULL)
		fprintf(stderr, "solarctl: out of memory\n");
	else
		*rc = EXIT_OK;
	strbuf_free(&sb);
	return text;
}
