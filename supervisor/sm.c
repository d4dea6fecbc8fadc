/*
 * sm.c: the state machine of an instance (SPEC section 5): a start saved
 * before its child runs, attempts and their retries, readiness, stalls,
 * crashes and the back-off of automatic restarts, stops with SIGTERM then
 * SIGKILL (readiness is ready.c).  Each change is pushed to apid at once and saved soon.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "child.h"
#include "inst_priv.h"
#include "log.h"
#include "logring.h"
#include "modeldirs.h"
#include "ports.h"
#include "probe.h"
#include "store.h"
#include "sup.h"

extern char **environ;

static void	sm_record(struct sinst *, enum rec_kind);

static void
sm_set_error(struct sinst *si, const char *msg)
{
	free(si->inst.error_message);
	si->inst.error_message = msg != NULL ? strdup(msg) : NULL;
}

/* A change solar-host made by itself: pushed now, saved soon. */
void
sm_changed(struct sinst *si)
{
	ship_instance(si);
	if (!si->is->shutting_down)
		store_save(si->is->store, NULL, NULL);
}

/* --- timers ------------------------------------------------------------ */

static void
sm_on_stable(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;

	(void)fd;
	(void)what;
	si->crashes = 0;
	if (si->inst.retry_count != 0) {
		si->inst.retry_count = 0;
		sm_changed(si);
	}
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

void
sm_init(struct sinst *si)
{
	struct event_base	*base = si->is->sup->base;

	si->probe = probe_new(base, ready_on_probe, si);
	si->ev_retry = evtimer_new(base, sm_on_retry, si);
	si->ev_stall = evtimer_new(base, sm_on_stall, si);
	si->ev_poll = evtimer_new(base, ready_on_poll, si);
	si->ev_kill = evtimer_new(base, sm_on_kill, si);
	si->ev_stable = evtimer_new(base, sm_on_stable, si);
	if (si->probe == NULL || si->ev_retry == NULL || si->ev_stall == NULL ||
	    si->ev_poll == NULL || si->ev_kill == NULL || si->ev_stable == NULL)
		fatalx("sinst_new: cannot create events");
}

void
sm_fini(struct sinst *si)
{
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
}

/* --- an attempt -------------------------------------------------------- */

/*
 * What must hold before a child may run.  A config.json entry may predate
 * ALLOW_EXTRA_ARGS=false or the allowlists, and a link under MODEL_DIRS
 * may have been swapped since the create: then no attempt can succeed,
 * and *final says that none is retried.  The port, or 0 with err.
 */
static int
sm_check(struct sinst *si, char **model, char **tmpl, int *final, char *err,
    size_t errlen)
{
	struct settings	*s = &si->is->sup->settings;
	const char	*why, *field;
	char		 path_err[960];

	*final = 1;
	if ((why = inst_config_check(&si->inst.config,
	    s->allow_extra_args)) != NULL) {
		snprintf(err, errlen, "%s", why);
		return 0;
	}
	if (modeldirs_config(s->model_dirs, &si->inst.config, 1, model, tmpl,
	    &field, path_err, sizeof(path_err)) == -1) {
		snprintf(err, errlen, "%s %s", field, path_err);
		return 0;
	}
	*final = 0;
	return ports_choose(si->inst.config.host, (int)si->inst.config.port,
	    si->inst.port, s->start_port, sinst_port_taken, si, err, errlen);
}

/* The child of this attempt, on the paths that were checked; -1 with err. */
static int
sm_spawn(struct sinst *si, char *model, char *tmpl, char *err, size_t errlen)
{
	struct sup		*sup = si->is->sup;
	struct child_logs	 logs;
	struct inst_config	 run;

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
	    &run, si->inst.port, &logs, ready_on_line, si, err, errlen);
	return si->child != NULL ? 0 : -1;
}

/* Nothing ran, so nothing will be reaped: this attempt ends here. */
static void
sm_attempt_failed(struct sinst *si, const char *err, int final)
{
	struct timeval	 retry = { RETRY_DELAY_S, 0 };

	log_warnx("instance %s: %s", si->inst.id, err);
	si->inst.retry_count++;
	sm_set_error(si, err);
	if (!final &&
	    si->inst.retry_count < si->is->sup->settings.max_retries) {
		evtimer_add(si->ev_retry, &retry);
		waiters_arm(si);
		sm_changed(si);
		return;
	}
	si->inst.status = INST_FAILED;
	sm_changed(si);
	waiters_answer(si, WAIT_START);
}

/* One attempt at starting the child; status starting. */
void
sm_attempt(struct sinst *si)
{
	struct timeval	 stall = { si->is->sup->settings.start_stall_s, 0 };
	struct timeval	 poll = { 0, POLL_INTERVAL_MS * 1000 };
	char		 err[1024], *model = NULL, *tmpl = NULL;
	int		 port, final, rc;

	evtimer_del(si->ev_retry);
	si->stalled = 0;
	si->not_owner = 0;
	si->probe_again = 0;
	si->attempt_seq = logring_next_seq(si->ring);
	si->inst.status = INST_STARTING;
	si->inst.pid = 0;
	si->inst.started_at[0] = '\0';
	if ((port = sm_check(si, &model, &tmpl, &final, err,
	    sizeof(err))) == 0) {
		free(model);
		free(tmpl);
		sm_attempt_failed(si, err, final);
		return;
	}
	si->inst.port = port;
	rc = sm_spawn(si, model, tmpl, err, sizeof(err));
	free(model);
	free(tmpl);
	if (rc == -1) {
		sm_attempt_failed(si, err, 0);
		return;
	}
	si->inst.pid = child_pid(si->child);
	evtimer_add(si->ev_stall, &stall);
	evtimer_add(si->ev_poll, &poll);
	log_info("instance %s (%s): started pid %ld on port %d", si->inst.id,
	    si->inst.config.alias, (long)si->inst.pid, port);
	waiters_arm(si);
	sm_changed(si);
}

/* A fresh count of attempts. */
void
sm_reset(struct sinst *si)
{
	evtimer_del(si->ev_retry);
	si->crashes = 0;
	si->inst.retry_count = 0;
	sm_set_error(si, NULL);
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

/* --- a start saved before it runs --------------------------------------- */

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
	ship_instance(si);
	/* An automatic restart waits for a store that can record it. */
	if (kind == REC_RESTART || b->restart_pending)
		sm_backoff(si, si->crashes > 0 ? si->crashes - 1 : 0);
	waiters_fail(si, err);
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
	ship_instance(si);
	store_save(si->is->store, sm_recorded, si);
}

/* A start asked for by a client: a fresh count of attempts. */
void
sm_start(struct sinst *si)
{
	sm_record(si, REC_START);
}

/* --- stops and exits --------------------------------------------------- */

void
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

/* Shutdown: SIGTERM to the child, whatever its state; nothing restarts. */
void
sm_shutdown(struct sinst *si)
{
	struct timeval	 tv = { si->is->sup->settings.stop_timeout_s, 0 };

	evtimer_del(si->ev_retry);
	evtimer_del(si->ev_stall);
	evtimer_del(si->ev_poll);
	probe_cancel(si->probe);
	if (si->child == NULL)
		return;
	child_signal(si->child, SIGTERM);
	evtimer_add(si->ev_kill, &tv);
}

static void
sm_exit_text(struct sinst *si, int status, char *buf, size_t len)
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

/* The stop asked for is done; a restart goes on to its start. */
static void
sm_stopped(struct sinst *si)
{
	si->inst.status = INST_STOPPED;
	si->inst.started_at[0] = '\0';
	sm_changed(si);
	waiters_answer(si, WAIT_STOP);
	if (si->start_after_stop) {
		si->start_after_stop = 0;
		sm_start(si);
	} else
		waiters_answer(si, WAIT_START);
}

/* Exited before ready: another attempt after 1 s, or failed. */
static void
sm_start_failed(struct sinst *si, const char *msg)
{
	struct timeval	 retry = { RETRY_DELAY_S, 0 };

	si->inst.retry_count++;
	sm_set_error(si, msg);
	if (si->inst.retry_count < si->is->sup->settings.max_retries) {
		evtimer_add(si->ev_retry, &retry);
		sm_changed(si);
		return;
	}
	si->inst.status = INST_FAILED;
	sm_changed(si);
	waiters_answer(si, WAIT_START);
}

/* Exited while running: failed, and restarted after a back-off. */
static void
sm_crashed(struct sinst *si, const char *msg)
{
	si->inst.retry_count++;
	sm_set_error(si, msg);
	si->inst.status = INST_FAILED;
	si->inst.started_at[0] = '\0';
	if (si->inst.retry_count < si->is->sup->settings.max_retries)
		sm_backoff(si, si->crashes++);
	sm_changed(si);
}

void
sm_exited(struct sinst *si, int status)
{
	char	 msg[1024];

	child_drain(si->child);
	child_free(si->child);
	si->child = NULL;
	probe_cancel(si->probe);
	evtimer_del(si->ev_stall);
	evtimer_del(si->ev_poll);
	evtimer_del(si->ev_kill);
	evtimer_del(si->ev_stable);
	sm_exit_text(si, status, msg, sizeof(msg));
	log_info("instance %s (%s): pid %ld %s", si->inst.id,
	    si->inst.config.alias, (long)si->inst.pid, msg);
	si->inst.pid = 0;
	if (si->is->shutting_down)
		return;		/* config.json keeps the status it had */
	if (si->inst.status == INST_STOPPING)
		sm_stopped(si);
	else if (si->inst.status == INST_STARTING)
		sm_start_failed(si, msg);
	else if (si->inst.status == INST_RUNNING)
		sm_crashed(si, msg);
	else
		sm_changed(si);
}
