/*
 * replies.c: the answers to apid's requests, each held until the save that
 * makes it true (and undone when that save fails), and the clients waiting
 * for an instance to start or stop before they get theirs.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "channel.h"
#include "inst_priv.h"
#include "log.h"
#include "store.h"
#include "sup.h"

void
reply_free(struct reply *r)
{
	free(r->message);
	free(r->field);
	free(r->input);
	if (r->has_inst)
		instance_free(&r->inst);
	if (r->undo == UNDO_UPDATE)
		inst_config_free(&r->old_config);
	if (r->deleted != NULL)
		sinst_free(r->deleted);
	free(r);
}

/* The change could not be saved: as if it had never been asked for. */
static void
reply_undo(struct reply *r)
{
	struct instances	*is = r->is;
	struct sinst		*si, *at;
	size_t			 i = 0;

	switch (r->undo) {
	case UNDO_NONE:
		break;
	case UNDO_CREATE:
		if ((si = sinst_find(is, r->inst.id)) == NULL || sinst_live(si))
			break;
		TAILQ_REMOVE(&is->list, si, entry);
		ship_gone(is, si->inst.id);
		sinst_free(si);
		break;
	case UNDO_UPDATE:
		if ((si = sinst_find(is, r->inst.id)) == NULL || sinst_live(si))
			break;
		inst_config_free(&si->inst.config);
		si->inst.config = r->old_config;
		inst_config_init(&r->old_config);
		r->undo = UNDO_NONE;
		ship_instance(si);
		break;
	case UNDO_DELETE:
		si = r->deleted;
		r->deleted = NULL;
		TAILQ_FOREACH(at, &is->list, entry)
			if (i++ == r->position)
				break;
		if (at != NULL)
			TAILQ_INSERT_BEFORE(at, si, entry);
		else
			TAILQ_INSERT_TAIL(&is->list, si, entry);
		ship_instance(si);
		break;
	}
	/* What the store writes next no longer has the change. */
	store_save(is->store, NULL, NULL);
}

static void
reply_send(struct reply *r)
{
	struct msg_reply	 msg;
	struct chanbuf		 b;

	if (r->gen != apidproc_generation(r->is->sup->apid))
		return;		/* asked by an apid that is gone */
	msg.outcome = r->outcome;
	msg.message = r->message;
	msg.inst = r->has_inst ? &r->inst : NULL;
	msg.field = r->field;
	msg.input = r->input;
	chanbuf_init(&b);
	proto_reply_encode(&b, &msg);
	(void)apidproc_send(r->is->sup->apid, MSG_REPLY, r->peerid, &b);
	chanbuf_free(&b);
}

static void
reply_saved(const char *err, void *arg)
{
	struct reply	*r = arg;

	TAILQ_REMOVE(&r->is->replies, r, entry);
	if (err != NULL && r->outcome == REPLY_OK && !r->recorded) {
		r->outcome = REPLY_ERROR;
		free(r->message);
		r->message = strdup(err);
		reply_undo(r);
	}
	reply_send(r);
	reply_free(r);
}

/* Answer once the current state is on disk. */
struct reply *
reply_answer(struct instances *is, unsigned int gen, uint32_t peerid,
    enum reply_outcome outcome, const char *message,
    const struct instance *inst)
{
	struct reply	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("answer");
	r->is = is;
	r->gen = gen;
	r->peerid = peerid;
	r->outcome = outcome;
	if (message != NULL && (r->message = strdup(message)) == NULL)
		fatal("answer");
	if (inst != NULL) {
		if (instance_copy(&r->inst, inst) == -1)
			fatal("answer");
		r->has_inst = 1;
	}
	TAILQ_INSERT_TAIL(&is->replies, r, entry);
	store_save(is->store, reply_saved, r);
	return r;
}

/* A 422 only the supervisor can give: a path checked against MODEL_DIRS. */
void
reply_invalid(struct instances *is, unsigned int gen, uint32_t peerid,
    const char *field, const char *input, const char *why)
{
	struct reply	*r;

	r = reply_answer(is, gen, peerid, REPLY_INVALID, why, NULL);
	if ((r->field = strdup(field)) == NULL ||
	    (r->input = strdup(input)) == NULL)
		fatal("answer");
}

/* --- waiters ---------------------------------------------------------- */

void
waiter_free(struct waiter *w)
{
	TAILQ_REMOVE(&w->si->waiters, w, entry);
	if (w->ev_timeout != NULL)
		event_free(w->ev_timeout);
	free(w);
}

static void
waiter_done(struct waiter *w)
{
	struct sinst		*si = w->si;
	enum reply_outcome	 outcome = REPLY_OK;
	struct reply		*r;
	char			*msg = NULL;

	if (w->kind == WAIT_START && si->inst.status == INST_FAILED) {
		outcome = REPLY_FAILED;
		msg = si->inst.error_message;
	}
	r = reply_answer(si->is, w->gen, w->peerid, outcome, msg, &si->inst);
	/* The start is saved: a child the store knows of is no 500. */
	r->recorded = w->recorded && (si->inst.status == INST_STARTING ||
	    si->inst.status == INST_RUNNING);
	waiter_free(w);
}

static void
waiter_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	waiter_done(arg);
}

/* Arm the 2 s answer of the start waiters once the start has begun. */
void
waiters_arm(struct sinst *si)
{
	struct waiter	*w;
	struct timeval	 tv = { START_ANSWER_S, 0 };

	TAILQ_FOREACH(w, &si->waiters, entry)
		if (w->kind == WAIT_START && w->ev_timeout != NULL &&
		    !evtimer_pending(w->ev_timeout, NULL))
			evtimer_add(w->ev_timeout, &tv);
}

void
waiter_add(struct sinst *si, enum wait_kind kind, unsigned int gen,
    uint32_t peerid)
{
	struct waiter	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("waiter_add");
	w->si = si;
	w->kind = kind;
	w->gen = gen;
	w->peerid = peerid;
	if (kind == WAIT_START && (w->ev_timeout = evtimer_new(
	    si->is->sup->base, waiter_on_timeout, w)) == NULL)
		fatalx("waiter_add: evtimer_new");
	TAILQ_INSERT_TAIL(&si->waiters, w, entry);
}

void
waiters_answer(struct sinst *si, enum wait_kind kind)
{
	struct waiter	*w, *tmp;

	TAILQ_FOREACH_SAFE(w, &si->waiters, entry, tmp)
		if (w->kind == kind)
			waiter_done(w);
}

/* The start could not be saved: a 500, whatever the instance is now. */
void
waiters_fail(struct sinst *si, const char *err)
{
	struct waiter	*w, *tmp;

	TAILQ_FOREACH_SAFE(w, &si->waiters, entry, tmp)
		if (w->kind == WAIT_START) {
			reply_answer(si->is, w->gen, w->peerid, REPLY_ERROR, err,
			    &si->inst);
			waiter_free(w);
		}
}
