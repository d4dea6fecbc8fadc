/*
 * requests.c: apid's requests (CREATE, UPDATE, DELETE, START, STOP,
 * RESTART, HISTORY), decoded by apidproc.c: judged again (apid is the
 * less trusted side), and turned into changes of the list or of the
 * state machine.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "inst_priv.h"
#include "log.h"
#include "modeldirs.h"
#include "sup.h"
#include "uuid.h"

/*
 * What only the supervisor can judge of a create or update: the store's
 * size (MAX_INSTANCES) and where the paths lead (MODEL_DIRS).  1: it
 * answered the refusal.
 */
static int
req_refuse_config(struct instances *is, unsigned int gen, uint32_t peerid,
    const struct inst_config *cfg, int create)
{
	struct sup	*sup = is->sup;
	struct sinst	*si;
	struct reply	*r;
	const char	*field, *path;
	char		 err[1024];
	long		 n = 0;

	if (create) {
		TAILQ_FOREACH(si, &is->list, entry)
			n++;
		TAILQ_FOREACH(r, &is->replies, entry)
			if (r->deleted != NULL)
				n++;	/* it comes back if its save fails */
		if (n >= sup->settings.max_instances) {
			snprintf(err, sizeof(err), "Too many instances: this "
			    "host keeps at most %d (MAX_INSTANCES); delete "
			    "one first", sup->settings.max_instances);
			reply_answer(is, gen, peerid, REPLY_LIMIT, err, NULL);
			return 1;
		}
	}
	if (modeldirs_config(sup->settings.model_dirs, cfg, 0, NULL, NULL,
	    &field, err, sizeof(err)) == -1) {
		path = strcmp(field, "model") == 0 ? cfg->model :
		    cfg->chat_template_file;
		reply_invalid(is, gen, peerid, field, path, err);
		return 1;
	}
	return 0;
}

/* A config can never run on the API's port: refused when it is given. */
static int
req_api_port(struct instances *is, unsigned int gen, uint32_t peerid,
    const struct inst_config *cfg)
{
	char	 msg[64];

	if (cfg->port == 0 || (int)cfg->port != is->sup->settings.port)
		return 0;
	snprintf(msg, sizeof(msg), "port %d is the API's port", (int)cfg->port);
	reply_answer(is, gen, peerid, REPLY_PORT_CONFLICT, msg, NULL);
	return 1;
}

/* An explicit port that another live instance holds, or the API's. */
static int
req_start_refused(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si)
{
	char	 msg[128];

	if (si->inst.config.port == 0 ||
	    !sinst_port_taken((int)si->inst.config.port, msg, sizeof(msg), si))
		return 0;
	reply_answer(is, gen, peerid, REPLY_PORT_CONFLICT, msg, &si->inst);
	return 1;
}

static void
req_create(struct instances *is, unsigned int gen, uint32_t peerid,
    struct inst_config *cfg)
{
	struct instance	 inst;
	struct sinst	*si;
	const char	*why;

	if ((why = inst_config_check(cfg,
	    is->sup->settings.allow_extra_args)) != NULL) {
		reply_answer(is, gen, peerid, REPLY_ERROR, why, NULL);
		inst_config_free(cfg);
		return;
	}
	if (req_refuse_config(is, gen, peerid, cfg, 1) ||
	    req_api_port(is, gen, peerid, cfg)) {
		inst_config_free(cfg);
		return;
	}
	memset(&inst, 0, sizeof(inst));
	uuid_v4(inst.id);
	inst.config = *cfg;	/* takes the strings */
	inst_config_init(cfg);
	inst.status = INST_STOPPED;
	instances_now(inst.created_at, sizeof(inst.created_at));
	si = sinst_new(is, &inst);
	log_info("instance %s (%s) created", si->inst.id, si->inst.config.alias);
	ship_instance(si);
	reply_answer(is, gen, peerid, REPLY_OK, NULL, &si->inst)->undo =
	    UNDO_CREATE;
}

static void
req_update(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si, struct inst_config *cfg)
{
	struct inst_config	 old;
	struct reply		*r;
	const char		*why;

	if (sinst_live(si)) {
		reply_answer(is, gen, peerid, REPLY_CONFLICT, NULL, &si->inst);
		return;
	}
	if ((why = inst_config_check(cfg,
	    is->sup->settings.allow_extra_args)) != NULL) {
		reply_answer(is, gen, peerid, REPLY_ERROR, why, NULL);
		return;
	}
	if (req_refuse_config(is, gen, peerid, cfg, 0) ||
	    req_api_port(is, gen, peerid, cfg))
		return;
	evtimer_del(si->ev_retry);	/* a failed one's pending restart */
	old = si->inst.config;
	si->inst.config = *cfg;
	inst_config_init(cfg);
	ship_instance(si);
	r = reply_answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
	r->undo = UNDO_UPDATE;
	r->old_config = old;
}

static void
req_delete(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si)
{
	struct sinst	*at;
	struct reply	*r;
	size_t		 position = 0;

	if (sinst_live(si)) {
		reply_answer(is, gen, peerid, REPLY_CONFLICT, NULL, &si->inst);
		return;
	}
	TAILQ_FOREACH(at, &is->list, entry) {
		if (at == si)
			break;
		position++;
	}
	TAILQ_REMOVE(&is->list, si, entry);
	ship_gone(is, si->inst.id);
	log_info("instance %s (%s) deleted", si->inst.id, si->inst.config.alias);
	/* Kept aside until the save: it may have to come back. */
	r = reply_answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
	r->undo = UNDO_DELETE;
	r->deleted = si;
	r->position = position;
}

/* A restart of a live instance: stop its child, then start. */
static void
req_restart_live(unsigned int gen, uint32_t peerid, struct sinst *si)
{
	waiter_add(si, WAIT_START, gen, peerid);
	if (si->child == NULL) {
		/* Between two attempts (starting is saved), or saving. */
		if (si->recording == REC_NONE) {
			sm_reset(si);
			sm_attempt(si);
		}
		return;
	}
	si->start_after_stop = 1;
	sm_stop_child(si);
	sm_changed(si);
}

static void
req_start(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si, int restart)
{
	/* A start of a live instance changes nothing; any other is checked. */
	if ((restart || (si->inst.status != INST_RUNNING &&
	    si->inst.status != INST_STARTING)) &&
	    req_start_refused(is, gen, peerid, si))
		return;
	switch (si->inst.status) {
	case INST_RUNNING:
	case INST_STARTING:
		if (!restart)
			reply_answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
		else
			req_restart_live(gen, peerid, si);
		return;
	case INST_STOPPING:
		si->start_after_stop = 1;
		waiter_add(si, WAIT_START, gen, peerid);
		return;
	case INST_STOPPED:
	case INST_FAILED:
		waiter_add(si, WAIT_START, gen, peerid);
		sm_start(si);
		return;
	}
}

static void
req_stop(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si)
{
	switch (si->inst.status) {
	case INST_STOPPED:
	case INST_FAILED:
		evtimer_del(si->ev_retry);	/* cancels a pending restart */
		reply_answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
		return;
	case INST_STARTING:
		if (si->child == NULL) {
			/* Between two attempts, or saving: nothing runs. */
			evtimer_del(si->ev_retry);
			si->recording = REC_NONE;
			si->inst.status = INST_STOPPED;
			sm_changed(si);
			waiters_answer(si, WAIT_START);
			reply_answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
			return;
		}
		/* FALLTHROUGH */
	case INST_RUNNING:
		si->start_after_stop = 0;
		waiter_add(si, WAIT_STOP, gen, peerid);
		sm_stop_child(si);
		sm_changed(si);
		return;
	case INST_STOPPING:
		si->start_after_stop = 0;
		waiter_add(si, WAIT_STOP, gen, peerid);
		return;
	}
}

/* What a request does to an instance that exists. */
enum req_kind {
	REQ_UPDATE,
	REQ_DELETE,
	REQ_START,
	REQ_STOP,
	REQ_RESTART,
};

/* UPDATE, DELETE, START, STOP, RESTART of instance id. */
static void
req_on_instance(struct instances *is, enum req_kind kind, uint32_t peerid,
    const char *id, struct inst_config *cfg)
{
	unsigned int	 gen = apidproc_generation(is->sup->apid);
	struct sinst	*si;

	if (is->shutting_down) {
		reply_answer(is, gen, peerid, REPLY_ERROR,
		    "solar-host is shutting down", NULL);
		return;
	}
	if ((si = sinst_find(is, id)) == NULL) {
		reply_answer(is, gen, peerid, REPLY_NOT_FOUND, NULL, NULL);
		return;
	}
	switch (kind) {
	case REQ_UPDATE:
		req_update(is, gen, peerid, si, cfg);
		break;
	case REQ_DELETE:
		req_delete(is, gen, peerid, si);
		break;
	case REQ_START:
	case REQ_RESTART:
		req_start(is, gen, peerid, si, kind == REQ_RESTART);
		break;
	case REQ_STOP:
		req_stop(is, gen, peerid, si);
		break;
	}
}

void
instances_create(struct instances *is, uint32_t peerid,
    struct inst_config *cfg)
{
	req_create(is, apidproc_generation(is->sup->apid), peerid, cfg);
}

void
instances_update(struct instances *is, uint32_t peerid, const char *id,
    struct inst_config *cfg)
{
	req_on_instance(is, REQ_UPDATE, peerid, id, cfg);
}

void
instances_delete(struct instances *is, uint32_t peerid, const char *id)
{
	req_on_instance(is, REQ_DELETE, peerid, id, NULL);
}

void
instances_start(struct instances *is, uint32_t peerid, const char *id)
{
	req_on_instance(is, REQ_START, peerid, id, NULL);
}

void
instances_stop(struct instances *is, uint32_t peerid, const char *id)
{
	req_on_instance(is, REQ_STOP, peerid, id, NULL);
}

void
instances_restart(struct instances *is, uint32_t peerid, const char *id)
{
	req_on_instance(is, REQ_RESTART, peerid, id, NULL);
}

void
instances_history(struct instances *is, uint32_t peerid, const char *id,
    uint64_t since)
{
	ship_history(is, peerid, id, since);
}
