/*
 * request.c: HTTP requests waiting for the supervisor.  Each gets a
 * request id that travels as the message's peer id; the REPLY with that
 * id completes it, turned into the original's status and body.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "apid.h"
#include "cache.h"
#include "http_reply.h"
#include "instance.h"
#include "pyjson.h"
#include "log.h"
#include "proto.h"
#include "request.h"
#include "strbuf.h"
#include "sup.h"

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint32_t		 id;
	enum api_op		 op;
	struct evhttp_request	*req;
};
TAILQ_HEAD(pendings, pending);

static struct pendings	 pendings = TAILQ_HEAD_INITIALIZER(pendings);
static uint32_t		 next_id = 1;

static const char *
op_verb(enum api_op op)
{
	switch (op) {
	case OP_CREATE: return "created";
	case OP_UPDATE: return "updated";
	case OP_DELETE: return "deleted";
	case OP_START: return "started";
	case OP_STOP: return "stopped";
	case OP_RESTART: return "restarted";
	}
	return "changed";
}

int
request_send(struct apid *a, struct evhttp_request *req, enum api_op op,
    uint32_t type, const struct chanbuf *b)
{
	struct pending	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->id = next_id++;
	if (next_id == 0)
		next_id = 1;
	p->op = op;
	p->req = req;
	/* Listed first: a channel that breaks while sending answers it too. */
	TAILQ_INSERT_TAIL(&pendings, p, entry);
	if (sup_send(a, type, p->id, b) == -1) {
		TAILQ_REMOVE(&pendings, p, entry);
		free(p);
		return -1;
	}
	return 0;
}

static void
reply_ok(struct pending *p, const struct instance *inst)
{
	struct strbuf	 sb;
	char		*json;
	size_t		 len;

	if ((json = instance_json(inst, &len)) == NULL) {
		http_reply_detail(p->req, 500, "out of memory");
		return;
	}
	strbuf_init(&sb);
	strbuf_adds(&sb, "{\"instance\":");
	strbuf_add(&sb, json, len);
	strbuf_addf(&sb, ",\"message\":\"Instance %s %s successfully\"}",
	    inst->id, op_verb(p->op));
	free(json);
	if (sb.failed)
		http_reply_detail(p->req, 500, "out of memory");
	else
		http_reply_jsonn(p->req, 200, sb.data, sb.len);
	strbuf_free(&sb);
}

static void
reply_failed(struct pending *p, const char *message)
{
	char	*detail;

	if (asprintf(&detail, "Failed to start instance: %s",
	    message != NULL ? message : "unknown error") == -1) {
		http_reply_detail(p->req, 500, "out of memory");
		return;
	}
	http_reply_detail(p->req, 500, detail);
	free(detail);
}

/* The supervisor judged a field apid cannot (a path against MODEL_DIRS):
 * the same value_error entry apid's own validation would give. */
static void
reply_invalid(struct pending *p, const char *why, const char *field,
    const char *input)
{
	json_t	*detail;
	char	*msg;

	if (why == NULL || field == NULL || input == NULL) {
		http_reply_detail(p->req, 500, "malformed refusal");
		return;
	}
	if (asprintf(&msg, "Value error, %s", why) == -1) {
		http_reply_detail(p->req, 500, "out of memory");
		return;
	}
	detail = json_pack("[{s:s, s:[sss], s:s, s:s, s:{s:s}}]",
	    "type", "value_error", "loc", "body", "config", field,
	    "msg", msg, "input", input, "ctx", "error", why);
	free(msg);
	if (detail == NULL) {
		http_reply_detail(p->req, 500, "out of memory");
		return;
	}
	http_reply_422(p->req, detail);
	json_decref(detail);
}

static void
reply_complete(struct pending *p, uint32_t outcome, const char *message,
    const struct instance *inst, const char *field, const char *input)
{
	switch (outcome) {
	case REPLY_OK:
		if (inst == NULL)
			http_reply_detail(p->req, 500, "no instance in reply");
		else
			reply_ok(p, inst);
		break;
	case REPLY_NOT_FOUND:
		http_reply_detail(p->req, 404, "Instance not found");
		break;
	case REPLY_CONFLICT:
		http_reply_detail(p->req, 400, p->op == OP_DELETE ?
		    "Cannot delete running instance. Stop it first." :
		    "Cannot update running instance. Stop it first.");
		break;
	case REPLY_FAILED:
		reply_failed(p, message);
		break;
	case REPLY_INVALID:
		reply_invalid(p, message, field, input);
		break;
	case REPLY_LIMIT:
		http_reply_detail(p->req, 409, message != NULL ? message :
		    "Too many instances");
		break;
	case REPLY_PORT_CONFLICT:
		http_reply_detail(p->req, 409, message != NULL ? message :
		    "Port conflict");
		break;
	default:
		http_reply_detail(p->req, 500, message != NULL ? message :
		    "Internal Server Error");
		break;
	}
}

void
request_reply(struct apid *a, uint32_t id, const struct msg_reply *r)
{
	struct pending	*p;

	(void)a;
	TAILQ_FOREACH(p, &pendings, entry)
		if (p->id == id)
			break;
	if (p == NULL) {
		log_warnx("reply to an unknown request %u", id);
		return;
	}
	TAILQ_REMOVE(&pendings, p, entry);
	reply_complete(p, r->outcome, r->message, r->inst, r->field,
	    r->input);
	free(p);
}

/* The supervisor is gone: nobody will answer. */
void
request_fail_all(struct apid *a)
{
	struct pending	*p;

	(void)a;
	while ((p = TAILQ_FIRST(&pendings)) != NULL) {
		TAILQ_REMOVE(&pendings, p, entry);
		http_reply_detail(p->req, 503, "Service Unavailable");
		free(p);
	}
}
