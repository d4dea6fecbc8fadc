/*
 * ready.c: when a starting child is ready (SPEC section 5): GET /health
 * soon after each line it prints and on a slow timer, a 200 counted only
 * from a socket the child's own processes hold; then running.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <stdlib.h>

#include <event2/event.h>

#include "child.h"
#include "inst_priv.h"
#include "log.h"
#include "logring.h"
#include "probe.h"
#include "sockowner.h"
#include "sup.h"

static void
ready_probe(struct sinst *si)
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

void
ready_on_line(const char *line, size_t len, void *arg)
{
	struct sinst	*si = arg;
	struct timeval	 tv = { si->is->sup->settings.start_stall_s, 0 };
	struct timeval	 now;

	gettimeofday(&now, NULL);
	logring_push(si->ring, &now, line, len);
	ship_pushed(si);
	if (si->inst.status == INST_STARTING && si->child != NULL) {
		evtimer_add(si->ev_stall, &tv);
		/* The "listening" line comes right after the model loads. */
		ready_probe(si);
	}
}

static void
ready_now(struct sinst *si)
{
	struct timeval	 tv = { STABLE_S, 0 };

	si->inst.status = INST_RUNNING;
	instances_now(si->inst.started_at, sizeof(si->inst.started_at));
	free(si->inst.error_message);
	si->inst.error_message = NULL;
	evtimer_del(si->ev_stall);
	evtimer_del(si->ev_poll);
	evtimer_add(si->ev_stable, &tv);
	log_info("instance %s (%s) running on port %d, pid %ld", si->inst.id,
	    si->inst.config.alias, si->inst.port, (long)si->inst.pid);
	sm_changed(si);
	waiters_answer(si, WAIT_START);
}

/* A 200 counts only from a socket the child's own processes hold. */
static int
ready_owns_port(struct sinst *si)
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

void
ready_on_probe(int status, void *arg)
{
	struct sinst	*si = arg;

	if (si->inst.status != INST_STARTING || si->child == NULL)
		return;
	if (status == 200 && ready_owns_port(si)) {
		ready_now(si);
		return;
	}
	if (si->probe_again) {
		si->probe_again = 0;
		ready_probe(si);
	}
}

void
ready_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct sinst	*si = arg;
	struct timeval	 tv = { 0, POLL_INTERVAL_MS * 1000 };

	(void)fd;
	(void)what;
	if (si->inst.status != INST_STARTING || si->child == NULL)
		return;
	ready_probe(si);
	evtimer_add(si->ev_poll, &tv);
}
