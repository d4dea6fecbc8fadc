/*
 * instances.c: the single source of truth for instance state.  Every
 * change goes through here: requests from apid, a child's lines, its
 * readiness, its exit, timers.  Each change is pushed to apid (INSTANCE)
 * at once and saved; a client's request is answered only once the change
 * it caused is in config.json.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "child.h"
#include "instances.h"
#include "json.h"
#include "log.h"
#include "logring.h"
#include "modeldirs.h"
#include "ports.h"
#include "probe.h"
#include "sockowner.h"
#include "proto.h"
#include "store.h"
#include "sup.h"
#include "timefmt.h"
#include "uuid.h"

#define START_ANSWER_S		2	/* a start answers by then, whatever it is */
#define RETRY_DELAY_S		1	/* before another attempt of a start */
#define BACKOFF_MAX_S		60	/* between automatic restarts */
#define STABLE_S		600	/* running this long: retry_count is 0 again */
#define POLL_INTERVAL_MS	1000	/* readiness probe when the child is quiet */
#define SHIP_CHAN_CAP		(1024 * 1024)	/* unsent to apid: live lines wait */
#define SHIP_BATCH_BYTES	(64 * 1024)
#define HISTORY_CHUNK_BYTES	(1024 * 1024)

extern char **environ;

enum wait_kind {
	WAIT_START,		/* start or restart: running, failed, or 2 s */
	WAIT_STOP,		/* the child has exited */
};

struct sinst;

/* A client waiting for an instance to get somewhere. */
struct waiter {
	TAILQ_ENTRY(waiter)	 entry;
	struct sinst		*si;
	enum wait_kind		 kind;
	uint32_t		 peerid;
	unsigned int		 gen;		/* of the apid that asked */
	struct event		*ev_timeout;	/* WAIT_START only */
	int			 recorded;	/* its start is in config.json */
};
TAILQ_HEAD(waiters, waiter);

/* How to take a client's change back when it cannot be saved. */
enum undo_kind {
	UNDO_NONE = 0,
	UNDO_CREATE,		/* remove the new instance */
	UNDO_UPDATE,		/* put the old config back */
	UNDO_DELETE,		/* put the instance back where it was */
};

/* An answer waiting for the save that makes it true. */
struct reply {
	TAILQ_ENTRY(reply)	 entry;
	struct instances	*is;
	uint32_t		 peerid;
	unsigned int		 gen;
	enum reply_outcome	 outcome;
	char			*message;
	char			*field;		/* REPLY_INVALID: loc and input */
	char			*input;
	struct instance		 inst;
	int			 has_inst;
	enum undo_kind		 undo;
	struct inst_config	 old_config;	/* UNDO_UPDATE */
	struct sinst		*deleted;	/* UNDO_DELETE, until saved */
	size_t			 position;	/* UNDO_DELETE */
	int			 recorded;	/* a later failed save leaves it true */
};
TAILQ_HEAD(replies, reply);

/* A start from stopped or failed waits for config.json to say starting. */
enum rec_kind {
	REC_NONE = 0,
	REC_START,		/* asked for by a client */
	REC_RESTART,		/* automatic, after a crash */
};

/* What such a start changed: put back when it cannot be saved. */
struct sm_before {
	enum inst_status	 status;
	int			 port;
	pid_t			 pid;
	int64_t			 retry_count;
	int			 crashes;
	int			 restart_pending;
	char			 started_at[TIMEFMT_LEN];
	char			*error_message;
};

struct sinst {
	TAILQ_ENTRY(sinst)	 entry;
	struct instances	*is;
	struct instance		 inst;
	struct child		*child;
	struct probe		*probe;
	int			 probe_again;
	int			 start_after_stop;
	int			 stalled;
	int			 not_owner;	/* said: its port answers for another */
	int			 crashes;	/* automatic restarts in a row */
	enum rec_kind		 recording;	/* starting, not yet saved */
	struct sm_before	 before;
	uint64_t		 attempt_seq;	/* first line of this attempt */
	struct logring		*ring;
	uint64_t		 sent_seq;	/* next line apid has not had */
	struct event		*ev_retry;	/* next attempt, or automatic restart */
	struct event		*ev_stall;
	struct event		*ev_poll;
	struct event		*ev_kill;
	struct event		*ev_stable;
	struct waiters		 waiters;
};
TAILQ_HEAD(sinsts, sinst);

struct instances {
	struct sup		*sup;
	struct store		*store;
	struct sinsts		 list;
	struct replies		 replies;
	struct event		*ev_ship;	/* lines to send, once per loop turn */
	int			 shutting_down;
};

static void	sm_attempt(struct sinst *);
static void	sm_record(struct sinst *, enum rec_kind);
static int	running_like(const struct sinst *);
static void	instances_on_ship(evutil_socket_t, short, void *);
static int	ship_lines(struct sinst *);
static struct sinst *sinst_find(struct instances *, const char *);
static void	sm_answer_waiters(struct sinst *, enum wait_kind);

static void
now_utc_z(char *buf, size_t len)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	timefmt_utc_z(&tv, buf, len);
}

static void
set_error(struct sinst *si, const char *msg)
{
	free(si->inst.error_message);
	si->inst.error_message = msg != NULL ? strdup(msg) : NULL;
}

/* --- talking to apid ------------------------------------------------ */

static void
publish(struct sinst *si)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	instance_encode(&b, &si->inst);
	(void)apidproc_send(si->is->sup->apid, MSG_INSTANCE, 0, &b);
	chanbuf_free(&b);
}

static void
publish_gone(struct instances *is, const char *id)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	chanbuf_str(&b, id);
	(void)apidproc_send(is->sup->apid, MSG_INSTANCE_GONE, 0, &b);
	chanbuf_free(&b);
}

static void	sinst_free(struct sinst *);

static void
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
		if ((si = sinst_find(is, r->inst.id)) == NULL ||
		    running_like(si))
			break;
		TAILQ_REMOVE(&is->list, si, entry);
		publish_gone(is, si->inst.id);
		sinst_free(si);
		break;
	case UNDO_UPDATE:
		if ((si = sinst_find(is, r->inst.id)) == NULL ||
		    running_like(si))
			break;
		inst_config_free(&si->inst.config);
		si->inst.config = r->old_config;
		inst_config_init(&r->old_config);
		r->undo = UNDO_NONE;
		publish(si);
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
		publish(si);
		break;
	}
	/* What the store writes next no longer has the change. */
	store_save(is->store, NULL, NULL);
}

static void
reply_send(struct reply *r)
{
	struct chanbuf	 b;

	if (r->gen != apidproc_generation(r->is->sup->apid))
		return;		/* asked by an apid that is gone */
	chanbuf_init(&b);
	chanbuf_u32(&b, r->outcome);
	chanbuf_str(&b, r->message);
	chanbuf_u8(&b, r->has_inst);
	if (r->has_inst)
		instance_encode(&b, &r->inst);
	if (r->outcome == REPLY_INVALID) {
		chanbuf_str(&b, r->field);
		chanbuf_str(&b, r->input);
	}
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
static struct reply *
answer(struct instances *is, unsigned int gen, uint32_t peerid,
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
static void
answer_invalid(struct instances *is, unsigned int gen, uint32_t peerid,
    const char *field, const char *input, const char *why)
{
	struct reply	*r;

	r = answer(is, gen, peerid, REPLY_INVALID, why, NULL);
	if ((r->field = strdup(field)) == NULL ||
	    (r->input = strdup(input)) == NULL)
		fatal("answer");
}

/* A change solar-host made by itself: pushed now, saved soon. */
static void
changed(struct sinst *si)
{
	publish(si);
	if (!si->is->shutting_down)
		store_save(si->is->store, NULL, NULL);
}

/* --- waiters ---------------------------------------------------------- */

static void
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
	r = answer(si->is, w->gen, w->peerid, outcome, msg, &si->inst);
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
static void
waiters_arm(struct sinst *si)
{
	struct waiter	*w;
	struct timeval	 tv = { START_ANSWER_S, 0 };

	TAILQ_FOREACH(w, &si->waiters, entry)
		if (w->kind == WAIT_START && w->ev_timeout != NULL &&
		    !evtimer_pending(w->ev_timeout, NULL))
			evtimer_add(w->ev_timeout, &tv);
}

static void
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

static void
sm_answer_waiters(struct sinst *si, enum wait_kind kind)
{
	struct waiter	*w, *tmp;

	TAILQ_FOREACH_SAFE(w, &si->waiters, entry, tmp)
		if (w->kind == kind)
			waiter_done(w);
}

/* --- ports ------------------------------------------------------------ */

static int
port_held(struct sinst *self, int port)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &self->is->list, entry) {
		if (si == self || si->inst.port != port)
			continue;
		if (si->inst.status == INST_STARTING ||
		    si->inst.status == INST_RUNNING ||
		    si->inst.status == INST_STOPPING)
			return 1;
	}
	return 0;
}

/* An explicit port that is the API's or another live instance's: why. */
static int
port_conflict(struct sinst *self, int port, char *buf, size_t len)
{
	struct sinst	*si;

	if (port == self->is->sup->settings.port) {
		snprintf(buf, len, "port %d is the API's port", port);
		return 1;
	}
	TAILQ_FOREACH(si, &self->is->list, entry) {
		if (si != self && si->inst.port == port && running_like(si)) {
			snprintf(buf, len, "port %d is held by instance %s",
			    port, si->inst.id);
			return 1;
		}
	}
	return 0;
}

/* The port of this attempt, or 0 with the reason in err. */
static int
port_choose(struct sinst *si, char *err, size_t errlen)
{
	const char	*host = si->inst.config.host;
	int		 p, api = si->is->sup->settings.port;

	if ((p = (int)si->inst.config.port) != 0) {
		if (port_conflict(si, p, err, errlen))
			return 0;
		/* Probed as assigned ones are: a foreign holder is named. */
		if (!ports_free(host, p)) {
			snprintf(err, errlen, "port %d is already in use on %s",
			    p, host);
			return 0;
		}
		return p;
	}
	if (si->inst.port != 0 && si->inst.port != api &&
	    !port_held(si, si->inst.port) && ports_free(host, si->inst.port))
		return si->inst.port;
	for (p = si->is->sup->settings.start_port; p <= 65535; p++)
		if (p != api && !port_held(si, p) && ports_free(host, p))
			return p;
	snprintf(err, errlen, "no free port from %d up",
	    si->is->sup->settings.start_port);
	return 0;
}

/* --- the child ------------------------------------------------------- */

static void
sm_probe(struct sinst *si)
{
	if (si->child == NULL || si->inst.status != INST_STARTING)
		return;
	if (probe_busy(si->probe)) {
		si->probe_again = 1;
		return;
	}
	if (probe_start(si->probe, si->inst.config.host, si->inst.port) == -1)
		log_warn("instance %s: readiness probe", si->inst.id);
}

static void
sm_on_line(const char *line, size_t len, void *arg)
{
	struct sinst	*si = arg;
	struct timeval	 tv = { si->is->sup->settings.start_stall_s, 0 };

	struct timeval	 now;

	gettimeofday(&now, NULL);
	logring_push(si->ring, &now, line, len);
	/*
	 * Lines go to apid once this turn of reading is over, but one turn
	 * reads up to a megabyte: more than the ring may hold.  Half full
	 * of unsent lines (by count or bytes), it ships them now rather
	 * than overwrite them.
	 */
	if (logring_next_seq(si->ring) - si->sent_seq >=
	    (uint64_t)(si->is->sup->settings.log_buffer_size + 1) / 2 ||
	    logring_bytes_from(si->ring, si->sent_seq) >=
	    (size_t)si->is->sup->settings.log_buffer_bytes / 2)
		(void)ship_lines(si);
	event_active(si->is->ev_ship, EV_TIMEOUT, 0);
	if (si->inst.status == INST_STARTING && si->child != NULL) {
		evtimer_add(si->ev_stall, &tv);
		/* The "listening" line comes right after the model loads. */
		sm_probe(si);
	}
}

static void
sm_on_stable(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;

	(void)fd;
	(void)what;
	si->crashes = 0;
	if (si->inst.retry_count != 0) {
		si->inst.retry_count = 0;
		changed(si);
	}
}

static void
sm_ready(struct sinst *si)
{
	struct timeval	 tv = { STABLE_S, 0 };

	si->inst.status = INST_RUNNING;
	now_utc_z(si->inst.started_at, sizeof(si->inst.started_at));
	set_error(si, NULL);
	evtimer_del(si->ev_stall);
	evtimer_del(si->ev_poll);
	evtimer_add(si->ev_stable, &tv);
	log_info("instance %s (%s) running on port %d, pid %ld", si->inst.id,
	    si->inst.config.alias, si->inst.port, (long)si->inst.pid);
	changed(si);
	sm_answer_waiters(si, WAIT_START);
}

/* A 200 counts only from a socket the child's own processes hold. */
static int
sm_owns_port(struct sinst *si)
{
	char	 err[256];

	if (sockowner_check(child_pid(si->child), si->inst.config.host,
	    si->inst.port, err, sizeof(err)) == 1)
		return 1;
	if (!si->not_owner)
		log_warnx("instance %s: port %d answers, but not for it: %s",
		    si->inst.id, si->inst.port, err);
	si->not_owner = 1;
	return 0;
}

static void
sm_on_probe(int status, void *arg)
{
	struct sinst	*si = arg;

	if (si->inst.status != INST_STARTING || si->child == NULL)
		return;
	if (status == 200 && sm_owns_port(si)) {
		sm_ready(si);
		return;
	}
	if (si->probe_again) {
		si->probe_again = 0;
		sm_probe(si);
	}
}

static void
sm_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;
	struct timeval	 tv = { 0, POLL_INTERVAL_MS * 1000 };

	(void)fd;
	(void)what;
	if (si->inst.status != INST_STARTING || si->child == NULL)
		return;
	sm_probe(si);
	evtimer_add(si->ev_poll, &tv);
}

static void
sm_on_stall(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;

	(void)fd;
	(void)what;
	if (si->inst.status != INST_STARTING || si->child == NULL)
		return;
	log_warnx("instance %s: no output and not ready for %d s; killing it",
	    si->inst.id, si->is->sup->settings.start_stall_s);
	si->stalled = 1;
	child_signal(si->child, SIGKILL);
}

static void
sm_on_kill(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;

	(void)fd;
	(void)what;
	if (si->child == NULL)
		return;
	log_warnx("instance %s: still running %d s after SIGTERM; SIGKILL",
	    si->inst.id, si->is->sup->settings.stop_timeout_s);
	child_signal(si->child, SIGKILL);
}

static void
sm_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;

	(void)fd;
	(void)what;
	if (si->is->shutting_down || si->child != NULL ||
	    si->recording != REC_NONE)
		return;
	if (si->inst.status == INST_FAILED)
		sm_record(si, REC_RESTART);	/* after a crash */
	else
		sm_attempt(si);		/* another attempt: starting is saved */
}

/* One attempt at starting the child; status starting. */
static void
sm_attempt(struct sinst *si)
{
	struct sup	*sup = si->is->sup;
	struct timeval	 stall = { sup->settings.start_stall_s, 0 };
	struct timeval	 poll = { 0, POLL_INTERVAL_MS * 1000 };
	struct timeval	 retry = { RETRY_DELAY_S, 0 };
	struct child_logs logs;
	struct inst_config run;
	const char	*why, *field;
	char		 err[1024], path_err[960], *model = NULL, *tmpl = NULL;
	int		 port, final = 0;

	evtimer_del(si->ev_retry);
	si->stalled = 0;
	si->not_owner = 0;
	si->probe_again = 0;
	si->attempt_seq = logring_next_seq(si->ring);
	si->inst.status = INST_STARTING;
	si->inst.pid = 0;
	si->inst.started_at[0] = '\0';
	/*
	 * A config.json entry may predate ALLOW_EXTRA_ARGS=false or the
	 * allowlists, and a link under MODEL_DIRS may have been swapped
	 * since the create: no attempt can succeed, so none is retried.
	 */
	final = 1;
	if ((why = inst_config_check(&si->inst.config,
	    sup->settings.allow_extra_args)) != NULL) {
		snprintf(err, sizeof(err), "%s", why);
		goto failed;
	}
	if (modeldirs_config(sup->settings.model_dirs, &si->inst.config, 1,
	    &model, &tmpl, &field, path_err, sizeof(path_err)) == -1) {
		snprintf(err, sizeof(err), "%s %s", field, path_err);
		goto failed;
	}
	final = 0;
	if ((port = port_choose(si, err, sizeof(err))) == 0)
		goto failed;
	si->inst.port = port;
	/* The child opens what was checked, not what a link says later. */
	run = si->inst.config;
	if (model != NULL)
		run.model = model;
	if (tmpl != NULL)
		run.chat_template_file = tmpl;
	logs.dir = sup->settings.log_dir;
	logs.max_bytes = (off_t)sup->settings.log_file_max_mb * 1024 * 1024;
	logs.keep = sup->settings.log_file_keep;
	si->child = child_start(sup->base, sup->settings.llama_server, environ,
	    &run, port, &logs, sm_on_line, si, err, sizeof(err));
	free(model);
	free(tmpl);
	model = tmpl = NULL;
	if (si->child == NULL)
		goto failed;
	si->inst.pid = child_pid(si->child);
	evtimer_add(si->ev_stall, &stall);
	evtimer_add(si->ev_poll, &poll);
	log_info("instance %s (%s): started pid %ld on port %d", si->inst.id,
	    si->inst.config.alias, (long)si->inst.pid, port);
	waiters_arm(si);
	changed(si);
	return;
 failed:
	/* Nothing ran, so nothing will be reaped: this attempt ends here. */
	free(model);
	free(tmpl);
	log_warnx("instance %s: %s", si->inst.id, err);
	si->inst.retry_count++;
	set_error(si, err);
	if (!final && si->inst.retry_count < sup->settings.max_retries) {
		evtimer_add(si->ev_retry, &retry);
		waiters_arm(si);
		changed(si);
		return;
	}
	si->inst.status = INST_FAILED;
	changed(si);
	sm_answer_waiters(si, WAIT_START);
}

/* A fresh count of attempts. */
static void
sm_reset(struct sinst *si)
{
	evtimer_del(si->ev_retry);
	si->crashes = 0;
	si->inst.retry_count = 0;
	set_error(si, NULL);
}

/* 1 s, 2 s, 4 s ... at most 60 s before the automatic restart. */
static void
sm_backoff(struct sinst *si, int crashes)
{
	struct timeval	 tv = { 0, 0 };

	tv.tv_sec = 1L << (crashes < 6 ? crashes : 6);
	if (tv.tv_sec > BACKOFF_MAX_S)
		tv.tv_sec = BACKOFF_MAX_S;
	evtimer_add(si->ev_retry, &tv);
	log_info("instance %s: restarting in %ld s", si->inst.id,
	    (long)tv.tv_sec);
}

static void
sm_fail_waiters(struct sinst *si, const char *err)
{
	struct waiter	*w, *tmp;

	TAILQ_FOREACH_SAFE(w, &si->waiters, entry, tmp)
		if (w->kind == WAIT_START) {
			answer(si->is, w->gen, w->peerid, REPLY_ERROR, err,
			    &si->inst);
			waiter_free(w);
		}
}

static void
sm_recorded(const char *err, void *arg)
{
	struct sinst		*si = arg;
	struct sm_before	*b = &si->before;
	struct waiter		*w;
	enum rec_kind		 kind = si->recording;

	if (kind == REC_NONE)
		return;		/* stopped meanwhile */
	si->recording = REC_NONE;
	if (err == NULL) {
		TAILQ_FOREACH(w, &si->waiters, entry)
			w->recorded = w->kind == WAIT_START;
		if (!si->is->shutting_down)
			sm_attempt(si);
		return;
	}
	log_warnx("instance %s: not started, as it cannot be saved",
	    si->inst.id);
	si->inst.status = b->status;
	si->inst.port = b->port;
	si->inst.pid = b->pid;
	si->inst.retry_count = b->retry_count;
	si->crashes = b->crashes;
	memcpy(si->inst.started_at, b->started_at, sizeof(b->started_at));
	free(si->inst.error_message);
	si->inst.error_message = b->error_message;
	b->error_message = NULL;
	publish(si);
	/* An automatic restart waits for a store that can record it. */
	if (kind == REC_RESTART || b->restart_pending)
		sm_backoff(si, si->crashes > 0 ? si->crashes - 1 : 0);
	sm_fail_waiters(si, err);
}

/*
 * A start from stopped or failed: saved as starting before the child runs,
 * so that no process runs that config.json does not know of, and a start
 * that cannot be saved is a 500 with nothing changed.
 */
static void
sm_record(struct sinst *si, enum rec_kind kind)
{
	struct sm_before	*b = &si->before;

	free(b->error_message);
	b->status = si->inst.status;
	b->port = si->inst.port;
	b->pid = si->inst.pid;
	b->retry_count = si->inst.retry_count;
	b->crashes = si->crashes;
	b->restart_pending = evtimer_pending(si->ev_retry, NULL);
	memcpy(b->started_at, si->inst.started_at, sizeof(b->started_at));
	b->error_message = NULL;
	if (si->inst.error_message != NULL &&
	    (b->error_message = strdup(si->inst.error_message)) == NULL)
		fatal("sm_record");
	if (kind == REC_START)
		sm_reset(si);
	si->inst.status = INST_STARTING;
	si->recording = kind;
	publish(si);
	store_save(si->is->store, sm_recorded, si);
}

/* A start asked for by a client: a fresh count of attempts. */
static void
sm_start(struct sinst *si)
{
	sm_record(si, REC_START);
}

static void
sm_stop_child(struct sinst *si)
{
	struct timeval	 tv = { si->is->sup->settings.stop_timeout_s, 0 };

	si->inst.status = INST_STOPPING;
	evtimer_del(si->ev_stall);
	evtimer_del(si->ev_poll);
	evtimer_del(si->ev_stable);
	probe_cancel(si->probe);
	child_signal(si->child, SIGTERM);
	evtimer_add(si->ev_kill, &tv);
}

static void
exit_text(struct sinst *si, int status, char *buf, size_t len)
{
	uint64_t	 next = logring_next_seq(si->ring);
	const char	*last = NULL;

	/* The child's last line, from the ring: none if it printed nothing. */
	if (next > si->attempt_seq)
		last = logring_get(si->ring, next - 1);
	if (si->stalled)
		snprintf(buf, len, "no output and not ready for %d s",
		    si->is->sup->settings.start_stall_s);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else if (last != NULL && last[0] != '\0')
		snprintf(buf, len, "exited with status %d: %s",
		    WEXITSTATUS(status), last);
	else
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
}

static void
sm_exited(struct sinst *si, int status)
{
	struct sup	*sup = si->is->sup;
	struct timeval	 retry = { RETRY_DELAY_S, 0 };
	char		 msg[1024];

	child_drain(si->child);
	child_free(si->child);
	si->child = NULL;
	probe_cancel(si->probe);
	evtimer_del(si->ev_stall);
	evtimer_del(si->ev_poll);
	evtimer_del(si->ev_kill);
	evtimer_del(si->ev_stable);
	exit_text(si, status, msg, sizeof(msg));
	log_info("instance %s (%s): pid %ld %s", si->inst.id,
	    si->inst.config.alias, (long)si->inst.pid, msg);
	si->inst.pid = 0;
	if (si->is->shutting_down)
		return;		/* config.json keeps the status it had */

	switch (si->inst.status) {
	case INST_STOPPING:
		si->inst.status = INST_STOPPED;
		si->inst.started_at[0] = '\0';
		changed(si);
		sm_answer_waiters(si, WAIT_STOP);
		if (si->start_after_stop) {
			si->start_after_stop = 0;
			sm_start(si);
		} else
			sm_answer_waiters(si, WAIT_START);
		break;
	case INST_STARTING:
		si->inst.retry_count++;
		set_error(si, msg);
		if (si->inst.retry_count < sup->settings.max_retries) {
			evtimer_add(si->ev_retry, &retry);
			changed(si);
			break;
		}
		si->inst.status = INST_FAILED;
		changed(si);
		sm_answer_waiters(si, WAIT_START);
		break;
	case INST_RUNNING:
		si->inst.retry_count++;
		set_error(si, msg);
		si->inst.status = INST_FAILED;
		si->inst.started_at[0] = '\0';
		if (si->inst.retry_count < sup->settings.max_retries)
			sm_backoff(si, si->crashes++);
		changed(si);
		break;
	default:
		changed(si);
		break;
	}
}

/* --- the list --------------------------------------------------------- */

static struct sinst *
sinst_new(struct instances *is, struct instance *inst)
{
	struct sinst	*si;
	struct event_base *base = is->sup->base;

	if ((si = calloc(1, sizeof(*si))) == NULL)
		fatal("sinst_new");
	si->is = is;
	si->inst = *inst;	/* takes the strings */
	TAILQ_INIT(&si->waiters);
	if ((si->ring = logring_new(is->sup->settings.log_buffer_size,
	    is->sup->settings.log_buffer_bytes)) == NULL)
		fatal("sinst_new: log ring");
	si->probe = probe_new(base, sm_on_probe, si);
	si->ev_retry = evtimer_new(base, sm_on_retry, si);
	si->ev_stall = evtimer_new(base, sm_on_stall, si);
	si->ev_poll = evtimer_new(base, sm_on_poll, si);
	si->ev_kill = evtimer_new(base, sm_on_kill, si);
	si->ev_stable = evtimer_new(base, sm_on_stable, si);
	if (si->probe == NULL || si->ev_retry == NULL || si->ev_stall == NULL ||
	    si->ev_poll == NULL || si->ev_kill == NULL || si->ev_stable == NULL)
		fatalx("sinst_new: cannot create events");
	TAILQ_INSERT_TAIL(&is->list, si, entry);
	return si;
}

static void
sinst_free(struct sinst *si)
{
	struct waiter	*w;

	while ((w = TAILQ_FIRST(&si->waiters)) != NULL)
		waiter_free(w);
	if (si->is->store != NULL)
		store_forget(si->is->store, si);
	free(si->before.error_message);
	if (si->child != NULL) {
		child_signal(si->child, SIGKILL);
		child_free(si->child);
	}
	probe_free(si->probe);
	event_free(si->ev_retry);
	event_free(si->ev_stall);
	event_free(si->ev_poll);
	event_free(si->ev_kill);
	event_free(si->ev_stable);
	logring_free(si->ring);
	instance_free(&si->inst);
	free(si);
}

static struct sinst *
sinst_find(struct instances *is, const char *id)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &is->list, entry)
		if (strcmp(si->inst.id, id) == 0)
			return si;
	return NULL;
}

struct instances *
instances_new(struct sup *sup, struct instance *loaded, size_t n)
{
	struct instances	*is;
	size_t			 i;

	if ((is = calloc(1, sizeof(*is))) == NULL)
		fatal("instances_new");
	is->sup = sup;
	TAILQ_INIT(&is->list);
	TAILQ_INIT(&is->replies);
	if ((is->ev_ship = event_new(sup->base, -1, 0, instances_on_ship,
	    is)) == NULL)
		fatalx("instances_new: event_new");
	for (i = 0; i < n; i++)
		sinst_new(is, &loaded[i]);
	free(loaded);
	if ((is->store = store_new(sup->base, sup->settings.config_file,
	    instances_build, is)) == NULL)
		fatal("store_new");
	return is;
}

void
instances_free(struct instances *is)
{
	struct sinst	*si;
	struct reply	*r;

	if (is == NULL)
		return;
	while ((r = TAILQ_FIRST(&is->replies)) != NULL) {
		TAILQ_REMOVE(&is->replies, r, entry);
		store_forget(is->store, r);
		reply_free(r);
	}
	while ((si = TAILQ_FIRST(&is->list)) != NULL) {
		TAILQ_REMOVE(&is->list, si, entry);
		sinst_free(si);
	}
	store_free(is->store);
	event_free(is->ev_ship);
	free(is);
}

void
instances_build(struct strbuf *sb, void *arg)
{
	struct instances	*is = arg;
	struct sinst		*si;
	json_t			*root, *list;

	root = json_object();
	list = json_array();
	if (root == NULL || list == NULL ||
	    json_object_set_new(root, "instances", list) == -1) {
		sb->failed = 1;
		json_decref(root);
		return;
	}
	TAILQ_FOREACH(si, &is->list, entry)
		if (json_array_append_new(list, instance_to_json(&si->inst)) ==
		    -1)
			sb->failed = 1;
	json_write_pretty(sb, root);
	json_decref(root);
}

void
instances_boot(struct instances *is, int missing)
{
	struct sinst	*si;
	char		 err[1024];
	int		 dirty = missing;

	TAILQ_FOREACH(si, &is->list, entry) {
		switch (si->inst.status) {
		case INST_STOPPING:
			si->inst.status = INST_STOPPED;
			dirty = 1;
			/* FALLTHROUGH */
		case INST_STOPPED:
		case INST_FAILED:
			si->inst.pid = 0;
			si->inst.started_at[0] = '\0';
			break;
		case INST_RUNNING:
		case INST_STARTING:
			log_info("instance %s (%s) was %s: starting it",
			    si->inst.id, si->inst.config.alias,
			    inst_status_name(si->inst.status));
			/* config.json says so already. */
			sm_reset(si);
			sm_attempt(si);
			dirty = 1;
			break;
		}
	}
	/* Creates config.json on first start; a failure here is fatal. */
	if (dirty && store_save_now(is->store, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

void
instances_snapshot(struct instances *is)
{
	struct sinst	*si;

	/* A new apid asks for the history it wants; live lines start now. */
	TAILQ_FOREACH(si, &is->list, entry) {
		si->sent_seq = logring_next_seq(si->ring);
		publish(si);
	}
}

/*
 * Live lines go to apid while its channel has room; the rest wait in the
 * rings, where the oldest are overwritten (apid sees the gap in seq).
 */
void
instances_ship(struct instances *is)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &is->list, entry)
		if (ship_lines(si) == -1)
			break;
}

/* An instance's unsent lines, while the channel has room; -1 when not. */
static int
ship_lines(struct sinst *si)
{
	struct apidproc	*ap = si->is->sup->apid;
	struct chanbuf	 b;
	int		 rc = 0;

	chanbuf_init(&b);
	while (si->sent_seq < logring_next_seq(si->ring)) {
		if (!apidproc_alive(ap) ||
		    apidproc_pending(ap) >= SHIP_CHAN_CAP) {
			rc = -1;
			break;
		}
		chanbuf_reset(&b);
		chanbuf_str(&b, si->inst.id);
		si->sent_seq = logring_encode(si->ring, si->sent_seq,
		    SHIP_BATCH_BYTES, &b);
		if (apidproc_send(ap, MSG_LOG_LINES, 0, &b) == -1) {
			rc = -1;
			break;
		}
	}
	chanbuf_free(&b);
	return rc;
}

static void
instances_on_ship(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	instances_ship(arg);
}

/* HISTORY: the held lines from seq since, in chunks, the last one marked. */
static void
req_history(struct instances *is, uint32_t peerid, const char *id,
    uint64_t since)
{
	struct sinst	*si = sinst_find(is, id);
	struct chanbuf	 b;
	uint64_t	 from = since, end;

	chanbuf_init(&b);
	do {
		chanbuf_reset(&b);
		chanbuf_str(&b, id);
		end = si != NULL ? logring_next_seq(si->ring) : 0;
		if (si == NULL || from >= end) {
			chanbuf_u8(&b, 1);
			chanbuf_u64(&b, from);
			chanbuf_u32(&b, 0);
			from = end;
		} else {
			/* Is this chunk the last?  Only the encoder knows. */
			size_t	 mark = b.len;

			chanbuf_u8(&b, 0);
			from = logring_encode(si->ring, from,
			    HISTORY_CHUNK_BYTES, &b);
			if (from >= end && !b.failed)
				b.data[mark] = 1;
		}
		if (apidproc_send(is->sup->apid, MSG_LOG_HISTORY, peerid,
		    &b) == -1)
			break;
	} while (si != NULL && from < end);
	chanbuf_free(&b);
}

int
instances_reaped(struct instances *is, pid_t pid, int status)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &is->list, entry) {
		if (si->child != NULL && child_pid(si->child) == pid) {
			sm_exited(si, status);
			return 1;
		}
	}
	return 0;
}

int
instances_running(const struct instances *is)
{
	struct sinst	*si;
	int		 n = 0;

	TAILQ_FOREACH(si, &is->list, entry)
		if (si->child != NULL)
			n++;
	return n;
}

void
instances_reopen_logs(struct instances *is)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &is->list, entry)
		if (si->child != NULL)
			child_reopen_log(si->child);
}

int
instances_shutdown(struct instances *is)
{
	struct sinst	*si;
	struct timeval	 tv = { is->sup->settings.stop_timeout_s, 0 };

	is->shutting_down = 1;
	TAILQ_FOREACH(si, &is->list, entry) {
		evtimer_del(si->ev_retry);
		evtimer_del(si->ev_stall);
		evtimer_del(si->ev_poll);
		probe_cancel(si->probe);
		if (si->child == NULL)
			continue;
		child_signal(si->child, SIGTERM);
		evtimer_add(si->ev_kill, &tv);
	}
	return instances_running(is);
}

/* --- requests from apid ----------------------------------------------- */

static int
running_like(const struct sinst *si)
{
	return si->inst.status == INST_STARTING ||
	    si->inst.status == INST_RUNNING ||
	    si->inst.status == INST_STOPPING;
}

/*
 * What only the supervisor can judge of a create or update: the store's
 * size (MAX_INSTANCES) and where the paths lead (MODEL_DIRS).  1: it
 * answered the refusal.
 */
static int
instances_refuse_config(struct instances *is, unsigned int gen,
    uint32_t peerid, const struct inst_config *cfg, int create)
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
			answer(is, gen, peerid, REPLY_LIMIT, err, NULL);
			return 1;
		}
	}
	if (modeldirs_config(sup->settings.model_dirs, cfg, 0, NULL, NULL,
	    &field, err, sizeof(err)) == -1) {
		path = strcmp(field, "model") == 0 ? cfg->model :
		    cfg->chat_template_file;
		answer_invalid(is, gen, peerid, field, path, err);
		return 1;
	}
	return 0;
}

/* A config can never run on the API's port: refused when it is given. */
static int
api_port_refused(struct instances *is, unsigned int gen, uint32_t peerid,
    const struct inst_config *cfg)
{
	char	 msg[64];

	if (cfg->port == 0 || (int)cfg->port != is->sup->settings.port)
		return 0;
	snprintf(msg, sizeof(msg), "port %d is the API's port", (int)cfg->port);
	answer(is, gen, peerid, REPLY_PORT_CONFLICT, msg, NULL);
	return 1;
}

/* An explicit port that another live instance holds, or the API's. */
static int
start_refused(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si)
{
	char	 msg[128];

	if (si->inst.config.port == 0 ||
	    !port_conflict(si, (int)si->inst.config.port, msg, sizeof(msg)))
		return 0;
	answer(is, gen, peerid, REPLY_PORT_CONFLICT, msg, &si->inst);
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
		answer(is, gen, peerid, REPLY_ERROR, why, NULL);
		inst_config_free(cfg);
		return;
	}
	if (instances_refuse_config(is, gen, peerid, cfg, 1) ||
	    api_port_refused(is, gen, peerid, cfg)) {
		inst_config_free(cfg);
		return;
	}
	memset(&inst, 0, sizeof(inst));
	uuid_v4(inst.id);
	inst.config = *cfg;	/* takes the strings */
	inst_config_init(cfg);
	inst.status = INST_STOPPED;
	now_utc_z(inst.created_at, sizeof(inst.created_at));
	si = sinst_new(is, &inst);
	log_info("instance %s (%s) created", si->inst.id, si->inst.config.alias);
	publish(si);
	answer(is, gen, peerid, REPLY_OK, NULL, &si->inst)->undo = UNDO_CREATE;
}

static void
req_update(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si, struct inst_config *cfg)
{
	struct inst_config	 old;
	struct reply		*r;
	const char		*why;

	if (running_like(si)) {
		answer(is, gen, peerid, REPLY_CONFLICT, NULL, &si->inst);
		return;
	}
	if ((why = inst_config_check(cfg,
	    is->sup->settings.allow_extra_args)) != NULL) {
		answer(is, gen, peerid, REPLY_ERROR, why, NULL);
		return;
	}
	if (instances_refuse_config(is, gen, peerid, cfg, 0) ||
	    api_port_refused(is, gen, peerid, cfg))
		return;
	evtimer_del(si->ev_retry);	/* a failed one's pending restart */
	old = si->inst.config;
	si->inst.config = *cfg;
	inst_config_init(cfg);
	publish(si);
	r = answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
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

	if (running_like(si)) {
		answer(is, gen, peerid, REPLY_CONFLICT, NULL, &si->inst);
		return;
	}
	TAILQ_FOREACH(at, &is->list, entry) {
		if (at == si)
			break;
		position++;
	}
	TAILQ_REMOVE(&is->list, si, entry);
	publish_gone(is, si->inst.id);
	log_info("instance %s (%s) deleted", si->inst.id, si->inst.config.alias);
	/* Kept aside until the save: it may have to come back. */
	r = answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
	r->undo = UNDO_DELETE;
	r->deleted = si;
	r->position = position;
}

static void
req_start(struct instances *is, unsigned int gen, uint32_t peerid,
    struct sinst *si, int restart)
{
	/* A start of a live instance changes nothing; any other is checked. */
	if ((restart || (si->inst.status != INST_RUNNING &&
	    si->inst.status != INST_STARTING)) &&
	    start_refused(is, gen, peerid, si))
		return;
	switch (si->inst.status) {
	case INST_RUNNING:
	case INST_STARTING:
		if (!restart) {
			answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
			return;
		}
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
		changed(si);
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
		answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
		return;
	case INST_STARTING:
		if (si->child == NULL) {
			/* Between two attempts, or saving: nothing runs. */
			evtimer_del(si->ev_retry);
			si->recording = REC_NONE;
			si->inst.status = INST_STOPPED;
			changed(si);
			sm_answer_waiters(si, WAIT_START);
			answer(is, gen, peerid, REPLY_OK, NULL, &si->inst);
			return;
		}
		/* FALLTHROUGH */
	case INST_RUNNING:
		si->start_after_stop = 0;
		waiter_add(si, WAIT_STOP, gen, peerid);
		sm_stop_child(si);
		changed(si);
		return;
	case INST_STOPPING:
		si->start_after_stop = 0;
		waiter_add(si, WAIT_STOP, gen, peerid);
		return;
	}
}

int
instances_request(struct instances *is, uint32_t type, uint32_t peerid,
    struct chanmsg *m)
{
	struct inst_config	 cfg;
	struct sinst		*si = NULL;
	char			*id = NULL;
	unsigned int		 gen = apidproc_generation(is->sup->apid);
	int			 rc = -1;

	inst_config_init(&cfg);
	if (type == MSG_CREATE) {
		if (inst_config_decode(m, &cfg) == -1 || chanmsg_end(m) == -1)
			goto out;
		req_create(is, gen, peerid, &cfg);
		rc = 0;
		goto out;
	}
	if (chanmsg_str(m, &id) == -1 || id == NULL)
		goto out;
	if (type == MSG_HISTORY) {
		uint64_t	 since;

		if (chanmsg_u64(m, &since) == -1 || chanmsg_end(m) == -1)
			goto out;
		req_history(is, peerid, id, since);
		rc = 0;
		goto out;
	}
	if (type == MSG_UPDATE && inst_config_decode(m, &cfg) == -1)
		goto out;
	if (chanmsg_end(m) == -1)
		goto out;
	rc = 0;
	if (is->shutting_down) {
		answer(is, gen, peerid, REPLY_ERROR, "solar-host is shutting down",
		    NULL);
		goto out;
	}
	if ((si = sinst_find(is, id)) == NULL) {
		answer(is, gen, peerid, REPLY_NOT_FOUND, NULL, NULL);
		goto out;
	}
	switch (type) {
	case MSG_UPDATE:
		req_update(is, gen, peerid, si, &cfg);
		break;
	case MSG_DELETE:
		req_delete(is, gen, peerid, si);
		break;
	case MSG_START:
		req_start(is, gen, peerid, si, 0);
		break;
	case MSG_RESTART:
		req_start(is, gen, peerid, si, 1);
		break;
	case MSG_STOP:
		req_stop(is, gen, peerid, si);
		break;
	default:
		rc = -1;
		break;
	}
 out:
	inst_config_free(&cfg);
	free(id);
	return rc;
}
