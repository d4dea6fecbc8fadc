/*
 * dispatch.c: each message from the supervisor, decoded whole by proto.c,
 * to the module whose job it is.  Nothing but HELLO comes before apid
 * serves.  The few messages that only change apid's picture of the
 * instances are handled here.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "api_docs.h"
#include "apid.h"
#include "cache.h"
#include "channel.h"
#include "dispatch.h"
#include "hello.h"
#include "instance.h"
#include "log.h"
#include "logship.h"
#include "proto.h"
#include "request.h"
#include "wsession.h"

static int	dispatch_hello(struct apid *, struct chanmsg *);
static void	dispatch_instance(struct apid *, const struct instance *);
static void	dispatch_instance_gone(struct apid *, const char *);

/* A peer of another version is named as such, not just as broken. */
static int
dispatch_hello(struct apid *a, struct chanmsg *m)
{
	struct msg_hello	 h;
	int			 fd, rc;

	if (a->serving)
		return -1;
	if (proto_hello_decode(m, &h) == -1) {
		if (h.version != 0 && h.version != PROTO_VERSION)
			log_warnx("protocol version %u, expected %u",
			    h.version, PROTO_VERSION);
		return -1;
	}
	if ((fd = chanmsg_take_fd(m)) == -1) {
		proto_hello_free(&h);
		return -1;
	}
	rc = hello_message(a, &h, fd);
	proto_hello_free(&h);
	return rc;
}

static void
dispatch_instance(struct apid *a, const struct instance *inst)
{
	if (cache_put(a->cache, inst) == -1)
		log_warnx("instance %s: out of memory", inst->id);
}

static void
dispatch_instance_gone(struct apid *a, const char *id)
{
	wss_instance_gone(id);
	cache_remove(a->cache, id);
}

int
dispatch_message(struct apid *a, struct chanmsg *m)
{
	struct instance		 inst;
	struct msg_id		 gone;
	struct msg_reply	 reply;
	struct msg_log_lines	 ll;
	struct msg_memory	 mem;
	struct msg_asset	 asset;
	int			 rc;

	if (m->type != MSG_HELLO && !a->serving)
		return -1;
	switch (m->type) {
	case MSG_HELLO:
		return dispatch_hello(a, m);
	case MSG_INSTANCE:
		if (proto_instance_decode(m, &inst) == -1)
			return -1;
		dispatch_instance(a, &inst);
		instance_free(&inst);
		return 0;
	case MSG_INSTANCE_GONE:
		if (proto_id_decode(m, &gone) == -1)
			return -1;
		dispatch_instance_gone(a, gone.id);
		proto_id_free(&gone);
		return 0;
	case MSG_REPLY:
		if (proto_reply_decode(m, &reply) == -1)
			return -1;
		request_reply(a, m->peerid, &reply);
		proto_reply_free(&reply);
		return 0;
	case MSG_LOG_LINES:
		if (proto_log_lines_decode(m, &ll, 0) == -1)
			return -1;
		logship_lines(a, &ll);
		proto_log_lines_free(&ll);
		return 0;
	case MSG_LOG_HISTORY:
		if (proto_log_lines_decode(m, &ll, 1) == -1)
			return -1;
		logship_history(a, m->peerid, &ll);
		proto_log_lines_free(&ll);
		return 0;
	case MSG_MEMORY:
		if (proto_memory_decode(m, &mem) == -1)
			return -1;
		a->memory = mem;	/* ok 0: neither VRAM nor RAM was read */
		return 0;
	case MSG_ASSET:
		if (proto_asset_decode(m, &asset) == -1)
			return -1;
		rc = docs_asset(asset.name, asset.data, asset.len);
		proto_asset_free(&asset);
		return rc;
	default:
		return -1;
	}
}
