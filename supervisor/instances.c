/*
 * instances.c: the single source of truth for instance state, and the
 * list that holds it: each instance with its ring of lines, boot and
 * shutdown, the children reaped, and config.json's content.  The state
 * machine is sm.c, apid's requests requests.c, the held replies
 * replies.c, what goes to apid ship.c.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "child.h"
#include "inst_priv.h"
#include "pyjson.h"
#include "log.h"
#include "logring.h"
#include "store.h"
#include "sup.h"
#include "timefmt.h"

void
instances_now(char *buf, size_t len)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	timefmt_utc_z(&tv, buf, len);
}

struct sinst *
sinst_new(struct instances *is, struct instance *inst)
{
	struct sinst	*si;

	if ((si = calloc(1, sizeof(*si))) == NULL)
		fatal("sinst_new");
	si->is = is;
	si->inst = *inst;	/* takes the strings */
	TAILQ_INIT(&si->waiters);
	if ((si->ring = logring_new(is->sup->settings.log_buffer_size,
	    is->sup->settings.log_buffer_bytes)) == NULL)
		fatal("sinst_new: log ring");
	sm_init(si);
	TAILQ_INSERT_TAIL(&is->list, si, entry);
	return si;
}

void
sinst_free(struct sinst *si)
{
	struct waiter	*w;

	while ((w = TAILQ_FIRST(&si->waiters)) != NULL)
		waiter_free(w);
	if (si->is->store != NULL)
		store_forget(si->is->store, si);
	sm_fini(si);
	logring_free(si->ring);
	instance_free(&si->inst);
	free(si);
}

struct sinst *
sinst_find(struct instances *is, const char *id)
{
	struct sinst	*si;

	TAILQ_FOREACH(si, &is->list, entry)
		if (strcmp(si->inst.id, id) == 0)
			return si;
	return NULL;
}

int
sinst_live(const struct sinst *si)
{
	return si->inst.status == INST_STARTING ||
	    si->inst.status == INST_RUNNING ||
	    si->inst.status == INST_STOPPING;
}

int
sinst_port_taken(int port, char *why, size_t whylen, void *arg)
{
	struct sinst	*self = arg, *si;

	if (port == self->is->sup->settings.port) {
		snprintf(why, whylen, "port %d is the API's port", port);
		return 1;
	}
	TAILQ_FOREACH(si, &self->is->list, entry) {
		if (si != self && si->inst.port == port && sinst_live(si)) {
			snprintf(why, whylen, "port %d is held by instance %s",
			    port, si->inst.id);
			return 1;
		}
	}
	return 0;
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
	if ((is->ev_ship = event_new(sup->base, -1, 0, ship_on_turn,
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
	free(is->batch);
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
		sb->failed = ENOMEM;
		json_decref(root);
		return;
	}
	TAILQ_FOREACH(si, &is->list, entry)
		if (json_array_append_new(list, instance_to_json(&si->inst)) ==
		    -1)
			sb->failed = ENOMEM;
	pyjson_dump_pretty(sb, root);
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

	is->shutting_down = 1;
	TAILQ_FOREACH(si, &is->list, entry)
		sm_shutdown(si);
	return instances_running(is);
}
