/*
 * test_sm.c: the instance state machine (SPEC section 5) without a process:
 * children, probes, socket owners, the store and apid are fakes linked in
 * place of child.c, probe.c, sockowner.c, store.c and apidproc.c, and the
 * timers are fired by hand after their delay is checked (the fake clock).
 */
#include <sys/types.h>
#include <sys/time.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "channel.h"
#include "child.h"
#include "inst_priv.h"
#include "logring.h"
#include "probe.h"
#include "sockowner.h"
#include "store.h"
#include "sup.h"
#include "t.h"

#define ID		"0b6f2c1e-8d3a-4c5b-9e7f-1a2b3c4d5e6f"
#define EXITED(n)	(((n) & 0xff) << 8)
#define KILLED(sig)	((sig) & 0x7f)

/* --- fakes: child.h ---------------------------------------------------- */

struct child {
	pid_t		 pid;
	child_line_fn	 fn;
	void		*arg;
};

static pid_t	 next_pid = 1000;
static int	 n_starts;
static int	 fail_starts;	/* child_start fails while set */
static int	 last_signal;

struct child *
child_start(struct event_base *base, const char *program, char *const envp[],
    const struct inst_config *c, int port, const struct child_logs *logs,
    child_line_fn fn, void *arg, char *err, size_t errlen)
{
	struct child	*ch;

	(void)base;
	(void)program;
	(void)envp;
	(void)c;
	(void)port;
	(void)logs;
	if (fail_starts) {
		snprintf(err, errlen, "cannot run llama-server: no such file");
		return NULL;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		abort();
	ch->pid = next_pid++;
	ch->fn = fn;
	ch->arg = arg;
	n_starts++;
	return ch;
}

pid_t
child_pid(const struct child *ch)
{
	return ch->pid;
}

void
child_signal(struct child *ch, int sig)
{
	(void)ch;
	last_signal = sig;
}

void
child_drain(struct child *ch)
{
	(void)ch;
}

void
child_reopen_log(struct child *ch)
{
	(void)ch;
}

void
child_free(struct child *ch)
{
	free(ch);
}

/* --- fakes: probe.h, sockowner.h ---------------------------------------- */

struct probe {
	probe_fn	 fn;
	void		*arg;
	int		 busy;
	int		 starts;
};

struct probe *
probe_new(struct event_base *base, probe_fn fn, void *arg)
{
	struct probe	*p;

	(void)base;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		abort();
	p->fn = fn;
	p->arg = arg;
	return p;
}

int
probe_start(struct probe *p, const char *host, int port)
{
	(void)host;
	(void)port;
	p->busy = 1;
	p->starts++;
	return 0;
}

int
probe_busy(const struct probe *p)
{
	return p->busy;
}

void
probe_cancel(struct probe *p)
{
	p->busy = 0;
}

void
probe_free(struct probe *p)
{
	free(p);
}

int
sockowner_check(pid_t pid, const char *host, int port, char *err,
    size_t errlen)
{
	(void)pid;
	(void)host;
	(void)port;
	(void)err;
	(void)errlen;
	return 1;
}

/* --- fakes: store.h (saves complete when the test says) ------------------ */

struct pending_save {
	store_done_fn	 done;
	void		*arg;
};

static struct pending_save	 saves[256];
static int			 n_saves;
static int			 store_dummy;

struct store *
store_new(struct event_base *base, const char *path, store_build_fn fn,
    void *arg)
{
	(void)base;
	(void)path;
	(void)fn;
	(void)arg;
	return (struct store *)&store_dummy;
}

void
store_free(struct store *st)
{
	(void)st;
}

void
store_save(struct store *st, store_done_fn done, void *arg)
{
	(void)st;
	if (done == NULL)
		return;
	if (n_saves == (int)(sizeof(saves) / sizeof(saves[0])))
		abort();
	saves[n_saves].done = done;
	saves[n_saves].arg = arg;
	n_saves++;
}

void
store_forget(struct store *st, void *arg)
{
	int	 i;

	(void)st;
	for (i = 0; i < n_saves; i++)
		if (saves[i].arg == arg)
			saves[i].done = NULL;
}

int
store_save_now(struct store *st, char *err, size_t errlen)
{
	(void)st;
	(void)err;
	(void)errlen;
	return 0;
}

/* The write that covers every save asked for so far: ok (NULL) or err. */
static void
flush(const char *err)
{
	struct pending_save	 now[256];
	int			 i, n = n_saves;

	memcpy(now, saves, sizeof(now[0]) * (size_t)n);
	n_saves = 0;
	for (i = 0; i < n; i++)
		if (now[i].done != NULL)
			now[i].done(err, now[i].arg);
}

/* --- fakes: apidproc (replies are read back) ---------------------------- */

static int		 n_replies;
static uint32_t		 reply_peer;
static uint32_t		 reply_outcome;
static char		 reply_message[1024];
static enum inst_status	 reply_status;

int
apidproc_send(struct apidproc *ap, uint32_t type, uint32_t peerid,
    const struct chanbuf *b)
{
	struct chanmsg		 m;
	struct msg_reply	 r;

	(void)ap;
	if (type != MSG_REPLY)
		return 0;
	memset(&m, 0, sizeof(m));
	m.data = (uint8_t *)b->sb.data;
	m.len = b->sb.len;
	m.fd = -1;
	n_replies++;
	reply_peer = peerid;
	if (proto_reply_decode(&m, &r) == -1)
		abort();
	reply_outcome = r.outcome;
	snprintf(reply_message, sizeof(reply_message), "%s",
	    r.message != NULL ? r.message : "");
	if (r.inst != NULL)
		reply_status = r.inst->status;
	proto_reply_free(&r);
	return 0;
}

unsigned int
apidproc_generation(const struct apidproc *ap)
{
	(void)ap;
	return 1;
}

int
apidproc_alive(const struct apidproc *ap)
{
	(void)ap;
	return 1;
}

size_t
apidproc_pending(const struct apidproc *ap)
{
	(void)ap;
	return 0;
}

/* --- the test's own helpers --------------------------------------------- */

static struct sup	 sup;

/* Seconds until ev fires, or -1 when it is not armed. */
static double
due(struct event *ev)
{
	struct timeval	 at, now;

	if (!evtimer_pending(ev, &at))
		return -1;
	gettimeofday(&now, NULL);
	return (double)(at.tv_sec - now.tv_sec) +
	    (double)(at.tv_usec - now.tv_usec) / 1e6;
}

#define CHECK_DUE(ev, s) do {						\
	double t_d = due(ev);						\
	CHECK(t_d > (s) - 0.5 && t_d <= (s) + 0.01);			\
} while (0)

/* The fake clock: ev's time has come. */
static void
fire(struct event *ev)
{
	if (ev == NULL) {
		fprintf(stderr, "no timer to fire\n");
		exit(1);
	}
	CHECK(evtimer_pending(ev, NULL));
	event_active(ev, EV_TIMEOUT, 1);
	event_base_loop(sup.base, EVLOOP_NONBLOCK);
}

static void
request(struct instances *is, uint32_t type, uint32_t peerid, const char *id)
{
	switch (type) {
	case MSG_DELETE:
		instances_delete(is, peerid, id);
		break;
	case MSG_START:
		instances_start(is, peerid, id);
		break;
	case MSG_STOP:
		instances_stop(is, peerid, id);
		break;
	case MSG_RESTART:
		instances_restart(is, peerid, id);
		break;
	default:
		fprintf(stderr, "no such request %u\n", type);
		exit(1);
	}
}

static void
emit(struct sinst *si, const char *line)
{
	if (si->child == NULL) {
		fprintf(stderr, "no child to print \"%s\"\n", line);
		exit(1);
	}
	si->child->fn(line, strlen(line), si->child->arg);
}

static void
answer_probe(struct sinst *si, int status)
{
	CHECK(si->probe->busy);
	si->probe->busy = 0;
	si->probe->fn(status, si->probe->arg);
}

/* A list of one stopped instance. */
static struct instances *
one(int max_retries)
{
	struct instance	*inst;

	if ((inst = calloc(1, sizeof(*inst))) == NULL)
		abort();
	inst_config_init(&inst->config);
	inst->config.model = strdup("/models/m.gguf");
	inst->config.alias = strdup("m");
	inst->config.host = strdup("127.0.0.1");
	inst->config.api_key = strdup("ik");
	strlcpy(inst->id, ID, sizeof(inst->id));
	strlcpy(inst->created_at, "2026-01-01T00:00:00.000Z",
	    sizeof(inst->created_at));
	sup.settings.max_retries = max_retries;
	n_saves = n_replies = 0;
	last_signal = 0;
	fail_starts = 0;
	return instances_new(&sup, inst, 1);
}

/* Start it and see it ready; the start's answer is sent. */
static struct sinst *
run(struct instances *is)
{
	struct sinst	*si = sinst_find(is, ID);

	request(is, MSG_START, 1, ID);
	flush(NULL);
	emit(si, "llama_server: listening on http://127.0.0.1");
	answer_probe(si, 200);
	flush(NULL);
	CHECK(si->inst.status == INST_RUNNING);
	return si;
}

/* --- the cases ------------------------------------------------------------ */

/* start -> starting (saved first) -> running on ready; answered once saved. */
static void
test_start_ready(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = sinst_find(is, ID);
	int			 starts = n_starts;

	request(is, MSG_START, 7, ID);
	CHECK(si->inst.status == INST_STARTING);
	CHECK(si->child == NULL);	/* not before config.json says so */
	CHECK(n_starts == starts);
	flush(NULL);
	CHECK(n_starts == starts + 1);
	CHECK(si->child != NULL && si->inst.pid == si->child->pid);
	CHECK(si->inst.port >= sup.settings.start_port);
	CHECK(si->inst.retry_count == 0);
	CHECK_DUE(si->ev_stall, sup.settings.start_stall_s);
	CHECK_DUE(si->ev_poll, 1);
	CHECK(!TAILQ_EMPTY(&si->waiters) &&
	    due(TAILQ_FIRST(&si->waiters)->ev_timeout) > START_ANSWER_S - 0.5);
	CHECK(n_replies == 0);

	emit(si, "llama_server: model loaded");
	CHECK(si->probe->starts == 1);
	answer_probe(si, 503);
	CHECK(si->inst.status == INST_STARTING);
	fire(si->ev_poll);		/* the slow timer probes too */
	CHECK(si->probe->starts == 2);
	CHECK_DUE(si->ev_poll, 1);
	answer_probe(si, 200);
	CHECK(si->inst.status == INST_RUNNING);
	CHECK(si->inst.started_at[0] != '\0');
	CHECK(si->inst.error_message == NULL);
	CHECK(due(si->ev_stall) == -1 && due(si->ev_poll) == -1);
	CHECK_DUE(si->ev_stable, STABLE_S);
	CHECK(n_replies == 0);		/* held until the save */
	flush(NULL);
	CHECK(n_replies == 1 && reply_peer == 7);
	CHECK(reply_outcome == REPLY_OK && reply_status == INST_RUNNING);

	/* A start of a running instance changes nothing. */
	request(is, MSG_START, 8, ID);
	flush(NULL);
	CHECK(n_replies == 2 && reply_peer == 8 && reply_outcome == REPLY_OK);
	CHECK(n_starts == starts + 1);
	instances_free(is);
}

/* Exits before ready: retried after 1 s, up to MAX_RETRIES, then failed. */
static void
test_start_retries(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = sinst_find(is, ID);
	int			 starts = n_starts;

	request(is, MSG_START, 3, ID);
	flush(NULL);
	emit(si, "E srv  llama_server: exiting due to model loading error");
	CHECK(instances_reaped(is, si->inst.pid, EXITED(1)) == 1);
	CHECK(si->inst.status == INST_STARTING);
	CHECK(si->inst.retry_count == 1);
	CHECK_STR(si->inst.error_message, "exited with status 1: E srv  "
	    "llama_server: exiting due to model loading error");
	CHECK(si->child == NULL && si->inst.pid == 0);
	CHECK_DUE(si->ev_retry, RETRY_DELAY_S);
	CHECK(n_replies == 0);

	fire(si->ev_retry);
	CHECK(n_starts == starts + 2);
	/* This attempt printed nothing: no last line of the one before. */
	CHECK(instances_reaped(is, si->inst.pid, EXITED(1)) == 1);
	CHECK(si->inst.status == INST_FAILED);
	CHECK(si->inst.retry_count == 2);
	CHECK_STR(si->inst.error_message, "exited with status 1");
	CHECK(due(si->ev_retry) == -1);
	flush(NULL);
	CHECK(n_replies == 1 && reply_peer == 3);
	CHECK(reply_outcome == REPLY_FAILED);
	CHECK_STR(reply_message, "exited with status 1");
	instances_free(is);
}

/* A child that cannot even be started fails the same way. */
static void
test_spawn_fails(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = sinst_find(is, ID);

	fail_starts = 1;
	request(is, MSG_START, 3, ID);
	flush(NULL);
	CHECK(si->inst.status == INST_STARTING && si->inst.retry_count == 1);
	CHECK_DUE(si->ev_retry, RETRY_DELAY_S);
	fire(si->ev_retry);
	CHECK(si->inst.status == INST_FAILED && si->inst.retry_count == 2);
	CHECK_STR(si->inst.error_message,
	    "cannot run llama-server: no such file");
	flush(NULL);
	CHECK(n_replies == 1 && reply_outcome == REPLY_FAILED);
	instances_free(is);
}

/* Crashes while running: back-off 1, 2, 4 ... 60 s; retry_count kept. */
static void
test_crash_backoff(void)
{
	static const int	 want[] = { 1, 2, 4, 8, 16, 32, 60, 60 };
	struct instances	*is = one(100);
	struct sinst		*si = run(is);
	size_t			 k;
	int			 port = si->inst.port;

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		CHECK(instances_reaped(is, si->inst.pid, KILLED(SIGKILL)) == 1);
		CHECK(si->inst.status == INST_FAILED);
		CHECK(si->inst.retry_count == (int64_t)k + 1);
		CHECK_STR(si->inst.error_message, "killed by signal 9");
		CHECK(si->inst.pid == 0 && si->inst.started_at[0] == '\0');
		CHECK_DUE(si->ev_retry, want[k]);
		fire(si->ev_retry);
		CHECK(si->inst.status == INST_STARTING && si->child == NULL);
		flush(NULL);		/* the restart is saved, then runs */
		CHECK(si->child != NULL);
		CHECK(si->inst.port == port);	/* its previous, still free */
		emit(si, "listening");
		answer_probe(si, 200);
		CHECK(si->inst.status == INST_RUNNING);
		CHECK(si->inst.retry_count == (int64_t)k + 1);
	}
	/* Ten minutes of running: a fresh count. */
	fire(si->ev_stable);
	CHECK(si->inst.retry_count == 0 && si->crashes == 0);
	CHECK(instances_reaped(is, si->inst.pid, KILLED(SIGSEGV)) == 1);
	CHECK_DUE(si->ev_retry, 1);
	instances_free(is);
}

/* SPEC's example with MAX_RETRIES 2: crash, restart, crash, stays failed. */
static void
test_crash_limit(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = run(is);

	CHECK(instances_reaped(is, si->inst.pid, EXITED(1)) == 1);
	CHECK(si->inst.status == INST_FAILED && si->inst.retry_count == 1);
	fire(si->ev_retry);
	flush(NULL);
	emit(si, "listening");
	answer_probe(si, 200);
	CHECK(si->inst.status == INST_RUNNING);
	CHECK(instances_reaped(is, si->inst.pid, EXITED(1)) == 1);
	CHECK(si->inst.status == INST_FAILED && si->inst.retry_count == 2);
	CHECK_STR(si->inst.error_message, "exited with status 1: listening");
	CHECK(due(si->ev_retry) == -1);
	instances_free(is);
}

/* Stop: SIGTERM, SIGKILL after STOP_TIMEOUT_S, answered once exited. */
static void
test_stop(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = run(is);
	int			 port = si->inst.port, replies = n_replies;

	request(is, MSG_STOP, 9, ID);
	CHECK(si->inst.status == INST_STOPPING);
	CHECK(last_signal == SIGTERM);
	CHECK_DUE(si->ev_kill, sup.settings.stop_timeout_s);
	flush(NULL);
	CHECK(n_replies == replies);	/* not before the child exits */
	fire(si->ev_kill);
	CHECK(last_signal == SIGKILL);
	CHECK(instances_reaped(is, si->inst.pid, KILLED(SIGKILL)) == 1);
	CHECK(si->inst.status == INST_STOPPED);
	CHECK(si->inst.pid == 0 && si->inst.started_at[0] == '\0');
	CHECK(si->inst.port == port);
	CHECK(due(si->ev_retry) == -1);
	flush(NULL);
	CHECK(n_replies == replies + 1 && reply_peer == 9);
	CHECK(reply_outcome == REPLY_OK && reply_status == INST_STOPPED);

	/* Stopped already: answered at once. */
	request(is, MSG_STOP, 10, ID);
	flush(NULL);
	CHECK(n_replies == replies + 2 && reply_status == INST_STOPPED);
	instances_free(is);
}

/* A stop of a failed one cancels its pending restart. */
static void
test_stop_cancels_restart(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = run(is);

	CHECK(instances_reaped(is, si->inst.pid, EXITED(1)) == 1);
	CHECK(due(si->ev_retry) > 0);
	request(is, MSG_STOP, 4, ID);
	CHECK(due(si->ev_retry) == -1);
	flush(NULL);
	CHECK(reply_outcome == REPLY_OK && reply_status == INST_FAILED);
	instances_free(is);
}

/* Neither ready nor a line for START_STALL_S: killed, counted, retried. */
static void
test_stall(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = sinst_find(is, ID);
	char			 want[64];

	request(is, MSG_START, 1, ID);
	flush(NULL);
	emit(si, "loading");
	CHECK_DUE(si->ev_stall, sup.settings.start_stall_s);
	fire(si->ev_stall);
	CHECK(last_signal == SIGKILL);
	CHECK(instances_reaped(is, si->inst.pid, KILLED(SIGKILL)) == 1);
	snprintf(want, sizeof(want), "no output and not ready for %d s",
	    sup.settings.start_stall_s);
	CHECK_STR(si->inst.error_message, want);
	CHECK(si->inst.retry_count == 1);
	CHECK_DUE(si->ev_retry, RETRY_DELAY_S);
	instances_free(is);
}

/* A big model still loading: the start answers after 2 s with starting. */
static void
test_start_answer_2s(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = sinst_find(is, ID);

	request(is, MSG_START, 5, ID);
	flush(NULL);
	CHECK(!TAILQ_EMPTY(&si->waiters));
	if (TAILQ_EMPTY(&si->waiters))
		return;
	fire(TAILQ_FIRST(&si->waiters)->ev_timeout);
	CHECK(TAILQ_EMPTY(&si->waiters));
	CHECK(n_replies == 0);
	flush(NULL);
	CHECK(n_replies == 1 && reply_peer == 5);
	CHECK(reply_outcome == REPLY_OK && reply_status == INST_STARTING);
	instances_free(is);
}

/* A start while stopping waits for the stop, then starts; both answered. */
static void
test_start_while_stopping(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = run(is);
	int			 starts = n_starts, replies = n_replies;

	request(is, MSG_STOP, 11, ID);
	request(is, MSG_START, 12, ID);
	flush(NULL);
	CHECK(n_replies == replies && si->inst.status == INST_STOPPING);
	CHECK(instances_reaped(is, si->inst.pid, EXITED(0)) == 1);
	CHECK(si->inst.status == INST_STARTING);
	CHECK(n_starts == starts);	/* the start is saved first */
	flush(NULL);
	CHECK(n_replies == replies + 1 && reply_peer == 11);
	CHECK(reply_status == INST_STOPPED);
	CHECK(n_starts == starts + 1);
	emit(si, "listening");
	answer_probe(si, 200);
	flush(NULL);
	CHECK(n_replies == replies + 2 && reply_peer == 12);
	CHECK(reply_outcome == REPLY_OK && reply_status == INST_RUNNING);
	instances_free(is);
}

/* A start config.json cannot record: a 500, and nothing has changed. */
static void
test_start_unsaved(void)
{
	struct instances	*is = one(2);
	struct sinst		*si = sinst_find(is, ID);
	int			 starts = n_starts;

	request(is, MSG_START, 2, ID);
	flush("config.json: No space left on device");
	CHECK(si->inst.status == INST_STOPPED);
	CHECK(n_starts == starts && si->child == NULL);
	flush(NULL);
	CHECK(n_replies == 1 && reply_outcome == REPLY_ERROR);
	CHECK_STR(reply_message, "config.json: No space left on device");
	instances_free(is);
}

int
main(void)
{
	settings_defaults(&sup.settings);
	sup.settings.start_stall_s = 30;
	sup.settings.stop_timeout_s = 5;
	if ((sup.base = event_base_new()) == NULL)
		return 2;
	test_start_ready();
	test_start_retries();
	test_spawn_fails();
	test_crash_backoff();
	test_crash_limit();
	test_stop();
	test_stop_cancels_restart();
	test_stall();
	test_start_answer_2s();
	test_start_while_stopping();
	test_start_unsaved();
	event_base_free(sup.base);
	settings_free(&sup.settings);
	T_DONE();
}
