/*
 * proctree.h: every process descended from an instance's child dies with
 * it.  The supervisor is a child subreaper, so orphans stay in its tree;
 * sweeps of /proc attribute each process of that tree to the instance it
 * came from (parent chain, process group, session) and hold it by a
 * pidfd; when a child exits, the rest of its processes are killed, and a
 * process that no live instance can claim is killed as escaped.
 */
#ifndef SOLAR_PROCTREE_H
#define SOLAR_PROCTREE_H

#include <sys/types.h>

#include <stddef.h>

struct event_base;

/* 1 when pid is a helper of the supervisor's own (apid, the sampler),
 * which is never swept. */
typedef int (*proctree_spare_fn)(pid_t, void *);

/* Become a subreaper and start sweeping; -1 with the reason in err. */
int	proctree_init(struct event_base *, proctree_spare_fn, void *arg,
	    char *err, size_t errlen);
/* A child just spawned: the leader of its own session and group. */
void	proctree_add(pid_t leader);
/* sig to leader's process group and to every process attributed to it. */
void	proctree_signal(pid_t leader, int sig);
/* pid has exited and is not reaped yet (its zombie keeps the number of
 * its group): if it led an instance, SIGKILL what is left of it. */
void	proctree_exiting(pid_t pid);
/* Look at /proc now (after a SIGCHLD: orphans may have come). */
void	proctree_sweep(void);
/* The leader and the live processes attributed to it, from /proc now;
 * allocated; -1 when /proc cannot be read. */
int	proctree_pids(pid_t leader, pid_t **pids, size_t *n);
/* At exit: kill whatever is left below the supervisor and reap it, for at
 * most timeout_ms. */
void	proctree_finish(int timeout_ms);

#endif
