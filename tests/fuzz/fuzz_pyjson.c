/* fuzz_pyjson.c: bodies and config.json through parser, validator, writers. */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "instance.h"
#include "pyjson.h"
#include "log.h"
#include "strbuf.h"

static void	fj_quiet(int, const char *, void *);
static int	fj_equal(const json_t *, const json_t *);
static void	fj_stable(const json_t *, int);
static void	fj_request(const json_t *, int);
static void	fj_store(const json_t *);

/* config.json loading warns about values out of range; keep them quiet. */
static void
fj_quiet(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)msg;
	(void)arg;
}

/*
 * json_equal, but for keys that hold "\u0000": jansson 2.14 compares
 * objects by NUL-terminated key and would call such objects different.
 */
static int
fj_equal(const json_t *a, const json_t *b)
{
	json_t		*ma = (json_t *)a, *item;
	const char	*key;
	size_t		 i, keylen;

	if (a == NULL || b == NULL || json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_keylen_foreach(ma, key, keylen, item)
			if (!fj_equal(item, json_object_getn(b, key, keylen)))
				return 0;
		return 1;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!fj_equal(json_array_get(a, i),
			    json_array_get(b, i)))
				return 0;
		return 1;
	default:
		return json_equal(a, b);
	}
}

/*
 * What a writer prints reads back as the same value and prints the same
 * again: the API and config.json rely on both writers being read by the
 * one parser.
 */
static void
fj_stable(const json_t *v, int pretty)
{
	struct pyjson_error	 err;
	struct strbuf		 a, b;
	json_t			*back;

	strbuf_init(&a);
	strbuf_init(&b);
	if (pretty)
		pyjson_dump_pretty(&a, v);
	else
		pyjson_dump_compact(&a, v);
	if (a.failed)
		goto done;
	if (pyjson_load(a.data, a.len, &back, &err) != PYJSON_OK)
		abort();
	if (!fj_equal(back, v))
		abort();
	if (pretty)
		pyjson_dump_pretty(&b, back);
	else
		pyjson_dump_compact(&b, back);
	if (!b.failed && (b.len != a.len || memcmp(a.data, b.data, a.len) != 0))
		abort();
	json_decref(back);
 done:
	strbuf_free(&a);
	strbuf_free(&b);
}

/*
 * A body as POST /instances reads it.  A config the validator accepts
 * passes the supervisor's check, and its JSON, sent back as a body, gives
 * the same config again.
 */
static void
fj_request(const json_t *body, int allow_extra)
{
	struct inst_config	 cfg, again;
	struct strbuf		 sb;
	json_t			*detail = NULL, *j, *j2, *wrap;

	if (inst_config_from_request(body, allow_extra, &cfg, &detail) == -1) {
		if (detail != NULL) {
			if (!json_is_array(detail) ||
			    json_array_size(detail) == 0)
				abort();
			strbuf_init(&sb);
			pyjson_dump_compact(&sb, detail);
			strbuf_free(&sb);
			json_decref(detail);
		}
		return;
	}
	if (detail != NULL)
		abort();
	if (inst_config_check(&cfg, allow_extra) != NULL)
		abort();
	if ((j = inst_config_to_json(&cfg)) == NULL)
		abort();
	fj_stable(j, 0);
	fj_stable(j, 1);
	if ((wrap = json_pack("{s:O}", "config", j)) == NULL)
		abort();
	if (inst_config_from_request(wrap, allow_extra, &again, &detail) == -1)
		abort();
	if ((j2 = inst_config_to_json(&again)) == NULL || !fj_equal(j, j2))
		abort();
	json_decref(j2);
	json_decref(wrap);
	json_decref(j);
	inst_config_free(&again);
	inst_config_free(&cfg);
}

/* A config.json as the store reads it, entry by entry. */
static void
fj_store(const json_t *root)
{
	struct instance	 in;
	struct strbuf	 sb;
	const json_t	*list, *item;
	json_t		*j;
	char		 why[512];
	size_t		 i;

	list = json_is_object(root) ?
	    json_object_get(root, "instances") : NULL;
	if (!json_is_array(list)) {
		/* A lone entry still exercises the decoder. */
		if (!json_is_object(root))
			return;
		list = NULL;
	}
	for (i = 0; list == NULL ? i < 1 : i < json_array_size(list); i++) {
		item = list == NULL ? root : json_array_get(list, i);
		if (!json_is_object(item))
			continue;
		if (instance_from_json(item, &in, why, sizeof(why)) == -1) {
			if (memchr(why, '\0', sizeof(why)) == NULL)
				abort();
			continue;
		}
		if ((j = instance_to_json(&in)) != NULL) {
			strbuf_init(&sb);
			pyjson_dump_pretty(&sb, j);
			strbuf_free(&sb);
			json_decref(j);
		}
		instance_free(&in);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 init;
	struct pyjson_error	 err;
	json_t			*v;

	if (!init) {
		log_set_sink(fj_quiet, NULL);
		init = 1;
	}
	if (size == 0) {
		/* No body at all. */
		fj_request(NULL, 1);
		return 0;
	}
	switch (pyjson_load((const char *)data, size, &v, &err)) {
	case PYJSON_OK:
		break;
	case PYJSON_SYNTAX:
		if (err.line < 1 || err.column < 1 || err.pos > size ||
		    memchr(err.msg, '\0', sizeof(err.msg)) == NULL ||
		    err.msg[0] == '\0')
			abort();
		return 0;
	default:
		return 0;
	}
	fj_stable(v, 0);
	fj_stable(v, 1);
	fj_request(v, 0);
	fj_request(v, 1);
	fj_store(v);
	json_decref(v);
	return 0;
}
