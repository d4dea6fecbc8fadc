/*
 * cache.c: apid's read-only copy of every instance, as the supervisor
 * pushes it, kept in creation order and already encoded as JSON, so that
 * reads never wait and cost no more than a copy.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "cache.h"
#include "instance.h"
#include "pyjson.h"
#include "runtime.h"
#include "strbuf.h"

struct centry {
	TAILQ_ENTRY(centry)	 order;
	RB_ENTRY(centry)	 byid;
	char			 id[UUID_STRLEN + 1];
	enum inst_status	 status;
	char			*json;
	size_t			 jsonlen;
	struct runtime		*rt;		/* made when first needed */
};

static int
centry_cmp(const struct centry *a, const struct centry *b)
{
	return strcmp(a->id, b->id);
}

TAILQ_HEAD(corder, centry);
RB_HEAD(cbyid, centry);
/* libbsd's _STATIC forms need __unused, which it leaves undefined. */
RB_PROTOTYPE(cbyid, centry, byid, centry_cmp);
RB_GENERATE(cbyid, centry, byid, centry_cmp)

/* The list's body, shared with the responses still being written. */
struct listbody {
	unsigned int	 refs;
	size_t		 len;
	char		 data[];
};

struct cache {
	struct corder	 order;
	struct cbyid	 byid;
	size_t		 count;
	struct listbody	*list;		/* NULL: to be rebuilt on the next GET */
};

static void
listbody_unref(struct listbody *lb)
{
	if (lb != NULL && --lb->refs == 0)
		free(lb);
}

static void
cache_list_dirty(struct cache *c)
{
	listbody_unref(c->list);
	c->list = NULL;
}

struct cache *
cache_new(void)
{
	struct cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->order);
	RB_INIT(&c->byid);
	return c;
}

static void
centry_free(struct centry *e)
{
	runtime_free(e->rt);
	free(e->json);
	free(e);
}

void
cache_free(struct cache *c)
{
	struct centry	*e;

	if (c == NULL)
		return;
	cache_list_dirty(c);
	while ((e = TAILQ_FIRST(&c->order)) != NULL) {
		TAILQ_REMOVE(&c->order, e, order);
		RB_REMOVE(cbyid, &c->byid, e);
		centry_free(e);
	}
	free(c);
}

static struct centry *
cache_lookup(struct cache *c, const char *id)
{
	struct centry	 key;

	if (strlen(id) != UUID_STRLEN)
		return NULL;
	memcpy(key.id, id, UUID_STRLEN + 1);
	return RB_FIND(cbyid, &c->byid, &key);
}

char *
instance_json(const struct instance *inst, size_t *len)
{
	struct strbuf	 sb;
	json_t		*v;

	if ((v = instance_to_json(inst)) == NULL)
		return NULL;
	strbuf_init(&sb);
	pyjson_dump_compact(&sb, v);
	json_decref(v);
	*len = sb.len;
	return strbuf_steal(&sb);
}

int
cache_put(struct cache *c, const struct instance *inst)
{
	struct centry	*e;
	char		*json;
	size_t		 len;

	if ((json = instance_json(inst, &len)) == NULL)
		return -1;
	if ((e = cache_lookup(c, inst->id)) == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			free(json);
			return -1;
		}
		memcpy(e->id, inst->id, sizeof(e->id));
		TAILQ_INSERT_TAIL(&c->order, e, order);
		RB_INSERT(cbyid, &c->byid, e);
		c->count++;
	}
	free(e->json);
	e->json = json;
	e->jsonlen = len;
	cache_list_dirty(c);
	/* A child started afresh: what the old one was doing is over. */
	if (e->rt != NULL && inst->status == INST_STARTING &&
	    e->status != INST_STARTING) {
		struct timeval	 now;

		gettimeofday(&now, NULL);
		runtime_reset(e->rt, &now);
	}
	e->status = inst->status;
	return 0;
}

/* The instance's runtime state; NULL for an unknown id. */
struct runtime *
cache_runtime(struct cache *c, const char *id)
{
	struct centry	*e;

	if ((e = cache_lookup(c, id)) == NULL)
		return NULL;
	if (e->rt == NULL)
		e->rt = runtime_new(e->id);
	return e->rt;
}

void
cache_remove(struct cache *c, const char *id)
{
	struct centry	*e;

	if ((e = cache_lookup(c, id)) == NULL)
		return;
	TAILQ_REMOVE(&c->order, e, order);
	RB_REMOVE(cbyid, &c->byid, e);
	c->count--;
	centry_free(e);
	cache_list_dirty(c);
}

const char *
cache_get_json(struct cache *c, const char *id, size_t *len)
{
	struct centry	*e;

	if ((e = cache_lookup(c, id)) == NULL)
		return NULL;
	*len = e->jsonlen;
	return e->json;
}

static void
cache_list_unref_cb(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	listbody_unref(arg);
}

/*
 * Add GET /instances's body to buf by reference: built once after each
 * change, then shared by every answer until the next one.  -1 when
 * memory is short.
 */
int
cache_list_add(struct cache *c, struct evbuffer *buf)
{
	struct centry	*e;
	size_t		 len = 2;
	char		*p;

	if (c->list == NULL) {
		TAILQ_FOREACH(e, &c->order, order)
			len += e->jsonlen + 1;
		if ((c->list = malloc(sizeof(*c->list) + len)) == NULL)
			return -1;
		c->list->refs = 1;
		p = c->list->data;
		*p++ = '[';
		TAILQ_FOREACH(e, &c->order, order) {
			if (e != TAILQ_FIRST(&c->order))
				*p++ = ',';
			memcpy(p, e->json, e->jsonlen);
			p += e->jsonlen;
		}
		*p++ = ']';
		c->list->len = (size_t)(p - c->list->data);
	}
	c->list->refs++;
	if (evbuffer_add_reference(buf, c->list->data, c->list->len,
	    cache_list_unref_cb, c->list) == -1) {
		c->list->refs--;
		return -1;
	}
	return 0;
}
