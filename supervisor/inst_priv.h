/*
 * inst_priv.h: what the files behind instances.h share, and no one else:
 * the instance list (instances.c), the state machine (sm.c) and its
 * readiness probes (ready.c), the replies held until a save and the
 * clients waiting for an instance (replies.c), what goes to apid about
 * instances (ship.c), and apid's requests (requests.c).
 *
 * The state machine reaches processes and sockets only through child.h,
 * probe.h and sockowner.h, and apid only through apidproc_*() of sup.h:
 * tests/unit/test_sm.c links fakes of those, and of store.h, in their
 * place, and fires the timers of struct sinst itself.  That is the whole
 * seam; nothing here is indirect for the sake of the test.
 */
#ifndef SOLAR_INST_PRIV_H
#define SOLAR_INST_PRIV_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "instance.h"
#include "instances.h"
#include "proto.h"
#include "timefmt.h"

#define START_ANSWER_S		2	/* a start answers by then, whatever it is */
#define RETRY_DELAY_S		1	/* before another attempt of a start */
#define BACKOFF_MAX_S		60	/* between automatic restarts */
#define STABLE_S		600	/* running this long: retry_count is 0 again */
#define POLL_INTERVAL_MS	1000	/* readiness probe when the child is quiet */

struct event;
struct sinst;

enum wait_kind {
	WAIT_START,		/* start or restart: running, failed, or 2 s */
	WAIT_STOP,		/* the child has exited */
};

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
	struct msg_line		*batch;		/* the lines of one message to apid */
	size_t			 batch_cap;
	int			 shutting_down;
};

/* instances.c: the list. */
struct sinst	*sinst_new(struct instances *, struct instance *);
void		 sinst_free(struct sinst *);
struct sinst	*sinst_find(struct instances *, const char *id);
/* starting, running or stopping: a child runs or will, on its port */
int		 sinst_live(const struct sinst *);
/* 1 with why when port is the API's or another live instance's
 * (ports_taken_fn; arg is the instance asking). */
int		 sinst_port_taken(int port, char *why, size_t whylen, void *arg);
void		 instances_now(char *buf, size_t len);

/* sm.c: the state machine of SPEC section 5. */
void		 sm_init(struct sinst *);	/* its probe and timers */
void		 sm_fini(struct sinst *);
void		 sm_attempt(struct sinst *);
void		 sm_reset(struct sinst *);
void		 sm_start(struct sinst *);
void		 sm_stop_child(struct sinst *);
void		 sm_exited(struct sinst *, int status);
void		 sm_shutdown(struct sinst *);
void		 sm_changed(struct sinst *);

/* ready.c: the readiness of a starting child. */
void		 ready_on_line(const char *, size_t, void *);	/* child_line_fn */
void		 ready_on_probe(int status, void *);		/* probe_fn */
void		 ready_on_poll(evutil_socket_t, short, void *);

/* replies.c: answers held until a save, and the waiters of deferred ones. */
struct reply	*reply_answer(struct instances *, unsigned int gen,
		    uint32_t peerid, enum reply_outcome, const char *message,
		    const struct instance *);
void		 reply_invalid(struct instances *, unsigned int gen,
		    uint32_t peerid, const char *field, const char *input,
		    const char *why);
void		 reply_free(struct reply *);
void		 waiter_add(struct sinst *, enum wait_kind, unsigned int gen,
		    uint32_t peerid);
void		 waiter_free(struct waiter *);
void		 waiters_arm(struct sinst *);
void		 waiters_answer(struct sinst *, enum wait_kind);
void		 waiters_fail(struct sinst *, const char *err);

/* ship.c: instances and their lines to apid. */
void		 ship_instance(struct sinst *);
void		 ship_gone(struct instances *, const char *id);
/* After a line went into the ring. */
void		 ship_pushed(struct sinst *);
void		 ship_history(struct instances *, uint32_t peerid,
		    const char *id, uint64_t since);
void		 ship_on_turn(evutil_socket_t, short, void *);

#endif
