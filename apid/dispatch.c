/*
 * dispatch.c: each message from the supervisor, to the module whose job
 * it is.  Nothing but HELLO comes before apid serves.  The few messages
 * that only change apid's picture of the instances are handled here.
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

static int
dispatch_instance(struct apid *a, struct chanmsg *m)
{
	struct instance	 inst;
	int		 rc;

	memset(&inst, 0, sizeof(inst));
	if (instance_decode(m, &inst) == -1)
		return -1;
	rc = chanmsg_end(m) == -1 ? -1 : 0;
	if (rc == 0 && cache_put(a->cache, &inst) == -1)
		log_warnx("instance %s: out of memory", inst.id);
	instance_free(&inst);
	return rc;
}

static int
dispatch_instance_gone(struct apid *a, struct chanmsg *m)
{
	char	*id = NULL;

	if (chanmsg_str(m, &id) == -1 || id == NULL || chanmsg_end(m) == -1) {
		free(id);
		return -1;
	}
	wss_instance_gone(id);
	cache_remove(a->cache, id);
	free(id);
	return 0;
}

static int
dispatch_memory(struct apid *a, struct chanmsg *m)
{
	char	*json = NULL;

	if (chanmsg_str(m, &json) == -1 || chanmsg_end(m) == -1) {
		free(json);
		return -1;
	}
	free(a->memory_json);
	a->memory_json = json;	/* NULL: neither VRAM nor RAM could be read */
	return 0;
}

int
dispatch_message(struct apid *a, struct chanmsg *m)
{
	if (m->type != MSG_HELLO && !a->serving)
		return -1;
	switch (m->type) {
	case MSG_HELLO:
		return hello_message(a, m);
	case MSG_INSTANCE:
		return dispatch_instance(a, m);
	case MSG_INSTANCE_GONE:
		return dispatch_instance_gone(a, m);
	case MSG_REPLY:
		return request_reply(a, m);
	case MSG_LOG_LINES:
		return logship_lines(a, m);
	case MSG_LOG_HISTORY:
		return logship_history(a, m);
	case MSG_MEMORY:
		return dispatch_memory(a, m);
	case MSG_ASSET:
		return docs_asset_message(m);
	default:
		return -1;
	}
}
