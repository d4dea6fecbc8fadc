/*
 * proctree.c: no process descended from an instance's child outlives it.
 *
 * The supervisor is a child subreaper: whatever a child leaves behind is
 * reparented to us, not to init, so the whole of it stays in our tree.
 * A sweep reads the process table and gives each process below us to the
 * instance that claims it: the nearest process on its chain of parents
 * that is a child (a "leader"), or one already held for that child, or
 * whose process group or session is the leader's.  Each is held by a
 * pidfd, so a later signal never reaches a process that merely got the
 * number of a dead one.  When a leader exits (seen before it is reaped,
 * while its zombie keeps the number of its process group), its group is
 * killed and every process held for it; sweeps every PT_ENDING_MS kill
 * what still comes (orphans being reparented, forks in flight) until
 * nothing is left.  A process below us that no live instance claims and
 * that is not one of our helpers has escaped: it is killed at once.
 *
 * The state is this module's own: child.c (spawn, signals) and main.c
 * (reaping, exit) both reach it, and there is one tree per supervisor.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "proctree.h"
#include "psscan.h"

#define PT_SWEEP_MS	2000	/* while children live: who belongs to whom */
#define PT_ENDING_MS	100	/* while an exited child's processes die */
#define PT_GIVEUP_S	10	/* then say which ones would not die */
#define PT_MAX_PIDFDS	512	/* beyond: held by number and start time */

struct ptmember {
	TAILQ_ENTRY(ptmember)	 entry;
	pid_t			 pid;
	unsigned long long	 start;
	int			 pidfd;		/* -1: none */
	int			 seen;		/* in the last sweep */
};
TAILQ_HEAD(ptmembers, ptmember);

struct ptgroup {
	TAILQ_ENTRY(ptgroup)	 entry;
	pid_t			 leader;	/* 0: the number may be reused */
	int			 ended;		/* the leader has exited */
	struct timespec		 ended_at;
	struct ptmembers	 members;
};
TAILQ_HEAD(ptgroups, ptgroup);

enum pt_claim {
	CLAIM_NONE,		/* not below us */
	CLAIM_GROUP,
	CLAIM_SPARED,		/* apid, the sampler */
	CLAIM_ORPHAN,		/* below us, claimed by no one: escaped */
};

static struct {
	struct event_base	*base;
	struct event		*ev_sweep;
	pid_t			 self;
	proctree_spare_fn	 spare;
	void			*arg;
	struct ptgroups		 groups;
	int			 npidfds;
} pt = { .groups = TAILQ_HEAD_INITIALIZER(pt.groups) };

static void	pt_sweep(void);

/* --- pidfds ------------------------------------------------------------ */

static int
pt_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int
pt_pidfd_signal(int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
	(void)pidfd;
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

/* A pidfd for the process e describes, or -1 when it is gone (or the
 * kernel has none to give). */
static int
pt_hold(const struct psent *e)
{
	struct psent	 now;
	int		 fd;

	if ((fd = pt_pidfd_open(e->pid)) == -1)
		return -1;
	/* Opened after the scan: is it still the process the scan saw? */
	if (psscan_read(e->pid, &now) == -1 || now.start != e->start) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

/* Signal pid only if it is still the process that started at start. */
static void
pt_kill_by_number(pid_t pid, unsigned long long start, int sig)
{
	struct psent	 now;

	if (psscan_read(pid, &now) == 0 && now.start == start)
		(void)kill(pid, sig);
}

static void
pt_kill_entry(const struct psent *e, int sig)
{
	int	 fd;

	if ((fd = pt_hold(e)) != -1) {
		(void)pt_pidfd_signal(fd, sig);
		close(fd);
	} else if (errno != ESRCH)
		pt_kill_by_number(e->pid, e->start, sig);	/* no pidfd to be had */
}

/* --- groups and their members ------------------------------------------ */

static void
member_kill(struct ptmember *m, int sig)
{
	if (m->pidfd == -1 || pt_pidfd_signal(m->pidfd, sig) == -1)
		pt_kill_by_number(m->pid, m->start, sig);
}

static void
member_free(struct ptgroup *g, struct ptmember *m)
{
	TAILQ_REMOVE(&g->members, m, entry);
	if (m->pidfd != -1) {
		close(m->pidfd);
		pt.npidfds--;
	}
	free(m);
}

static struct ptmember *
member_find(struct ptgroup *g, const struct psent *e)
{
	struct ptmember	*m;

	TAILQ_FOREACH(m, &g->members, entry)
		if (m->pid == e->pid && m->start == e->start)
			return m;
	return NULL;
}

static struct ptmember *
member_add(struct ptgroup *g, const struct psent *e)
{
	struct ptmember	*m;

	if ((m = member_find(g, e)) != NULL)
		return m;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->pid = e->pid;
	m->start = e->start;
	m->pidfd = -1;
	if (pt.npidfds < PT_MAX_PIDFDS) {
		if ((m->pidfd = pt_hold(e)) == -1 && errno == ESRCH) {
			free(m);	/* it died since the scan */
			return NULL;
		}
		if (m->pidfd != -1)
			pt.npidfds++;
	}
	TAILQ_INSERT_TAIL(&g->members, m, entry);
	return m;
}

static void
group_free(struct ptgroup *g)
{
	struct ptmember	*m;

	while ((m = TAILQ_FIRST(&g->members)) != NULL)
		member_free(g, m);
	TAILQ_REMOVE(&pt.groups, g, entry);
	free(g);
}

static struct ptgroup *
group_live(pid_t leader)
{
	struct ptgroup	*g;

	TAILQ_FOREACH(g, &pt.groups, entry)
		if (!g->ended && g->leader == leader)
			return g;
	return NULL;
}

/* The group that claims this very process, by number or by membership. */
static struct ptgroup *
group_of(const struct psent *e)
{
	struct ptgroup	*g;

	TAILQ_FOREACH(g, &pt.groups, entry) {
		if (g->leader != 0 && (e->pid == g->leader ||
		    e->pgid == g->leader || e->sid == g->leader))
			return g;
		if (member_find(g, e) != NULL)
			return g;
	}
	return NULL;
}

/* Who may have e: the nearest claim on its chain of parents up to us. */
static enum pt_claim
pt_claim(const struct pstable *t, const struct psent *e,
    struct ptgroup **gp)
{
	const struct psent	*top, *cur;
	struct ptgroup		*g;

	*gp = NULL;
	if ((top = psscan_top(t, e, pt.self)) == NULL)
		return CLAIM_NONE;
	if (pt.spare != NULL && pt.spare(top->pid, pt.arg))
		return CLAIM_SPARED;
	for (cur = e; cur != NULL; cur = psscan_find(t, cur->ppid)) {
		if ((g = group_of(cur)) != NULL) {
			*gp = g;
			return CLAIM_GROUP;
		}
		if (cur == top)
			break;
	}
	return CLAIM_ORPHAN;
}

/* --- sweeps ------------------------------------------------------------ */

static void
pt_schedule(void)
{
	struct ptgroup	*g;
	struct timeval	 tv = { 0, 0 };
	int		 ms = 0;

	TAILQ_FOREACH(g, &pt.groups, entry) {
		if (g->ended) {
			ms = PT_ENDING_MS;
			break;
		}
		ms = PT_SWEEP_MS;
	}
	if (pt.ev_sweep == NULL)
		return;
	evtimer_del(pt.ev_sweep);
	if (ms == 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(pt.ev_sweep, &tv);
}

static void
pt_sweep_entry(const struct pstable *t, const struct psent *e)
{
	struct ptgroup	*g;
	struct ptmember	*m;

	switch (pt_claim(t, e, &g)) {
	case CLAIM_GROUP:
		if (!g->ended && e->pid == g->leader)
			break;
		if ((m = member_add(g, e)) != NULL)
			m->seen = 1;
		if (!g->ended)
			break;
		if (m != NULL)
			member_kill(m, SIGKILL);
		else
			pt_kill_entry(e, SIGKILL);
		break;
	case CLAIM_ORPHAN:
		log_info("process %ld left its instance; killing it",
		    (long)e->pid);
		pt_kill_entry(e, SIGKILL);
		break;
	default:
		break;
	}
}

/* Drop the members that are gone; end the groups with none left. */
static void
pt_prune(void)
{
	struct ptgroup	*g, *gtmp;
	struct ptmember	*m, *mtmp;
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	TAILQ_FOREACH_SAFE(g, &pt.groups, entry, gtmp) {
		TAILQ_FOREACH_SAFE(m, &g->members, entry, mtmp)
			if (!m->seen)
				member_free(g, m);
		if (!g->ended)
			continue;
		if (TAILQ_EMPTY(&g->members)) {
			group_free(g);
			continue;
		}
		if (now.tv_sec - g->ended_at.tv_sec >= PT_GIVEUP_S) {
			TAILQ_FOREACH(m, &g->members, entry)
				log_warnx("process %ld of an exited child does "
				    "not die", (long)m->pid);
			group_free(g);
		}
	}
}

static void
pt_sweep(void)
{
	struct pstable	 t;
	struct ptgroup	*g;
	struct ptmember	*m;
	size_t		 i;

	if (psscan_all(&t) == -1) {
		log_warn("cannot read the process table");
		pt_schedule();
		return;
	}
	TAILQ_FOREACH(g, &pt.groups, entry)
		TAILQ_FOREACH(m, &g->members, entry)
			m->seen = 0;
	for (i = 0; i < t.n; i++)
		if (t.v[i].state != 'Z' && t.v[i].state != 'X')
			pt_sweep_entry(&t, &t.v[i]);
	psscan_free(&t);
	pt_prune();
	pt_schedule();
}

static void
pt_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	pt_sweep();
}

/* --- the interface ------------------------------------------------------ */

int
proctree_init(struct event_base *base, proctree_spare_fn spare, void *arg,
    char *err, size_t errlen)
{
	pt.base = base;
	pt.self = getpid();
	pt.spare = spare;
	pt.arg = arg;
	if ((pt.ev_sweep = evtimer_new(base, pt_on_sweep, NULL)) == NULL) {
		snprintf(err, errlen, "cannot create the sweep timer");
		return -1;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		snprintf(err, errlen, "cannot become a child subreaper: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
proctree_add(pid_t leader)
{
	struct ptgroup	*g;

	/* The kernel gave out the number again: the old group is empty of
	 * it, and what it still holds it holds by pidfd. */
	TAILQ_FOREACH(g, &pt.groups, entry)
		if (g->leader == leader)
			g->leader = 0;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		log_warn("cannot follow the processes of pid %ld", (long)leader);
		return;
	}
	g->leader = leader;
	TAILQ_INIT(&g->members);
	TAILQ_INSERT_TAIL(&pt.groups, g, entry);
	pt_schedule();
}

void
proctree_signal(pid_t leader, int sig)
{
	struct ptgroup	*g;
	struct ptmember	*m;

	if (leader <= 0)
		return;
	/* The leader is alive and ours: its group's number is its own. */
	(void)kill(-leader, sig);
	if ((g = group_live(leader)) == NULL)
		return;
	/* Those that left the group (setsid) are found by a sweep. */
	pt_sweep();
	TAILQ_FOREACH(m, &g->members, entry)
		member_kill(m, sig);
}

void
proctree_exiting(pid_t pid)
{
	struct ptgroup	*g;
	struct ptmember	*m;

	if ((g = group_live(pid)) == NULL)
		return;
	(void)kill(-pid, SIGKILL);
	TAILQ_FOREACH(m, &g->members, entry)
		member_kill(m, SIGKILL);
	g->ended = 1;
	clock_gettime(CLOCK_MONOTONIC, &g->ended_at);
	pt_schedule();
}

void
proctree_sweep(void)
{
	pt_sweep();
}

int
proctree_pids(pid_t leader, pid_t **pids, size_t *n)
{
	struct pstable	 t;
	struct ptgroup	*g, *claimed;
	pid_t		*v;
	size_t		 i;

	*pids = NULL;
	*n = 0;
	if (psscan_all(&t) == -1)
		return -1;
	if ((v = calloc(t.n + 1, sizeof(*v))) == NULL) {
		psscan_free(&t);
		return -1;
	}
	v[(*n)++] = leader;
	if ((g = group_live(leader)) != NULL) {
		for (i = 0; i < t.n; i++) {
			if (t.v[i].state == 'Z' || t.v[i].pid == leader)
				continue;
			if (pt_claim(&t, &t.v[i], &claimed) == CLAIM_GROUP &&
			    claimed == g)
				v[(*n)++] = t.v[i].pid;
		}
	}
	psscan_free(&t);
	*pids = v;
	return 0;
}

/* One round of the end: SIGKILL to all below us; how many are left. */
static size_t
pt_finish_round(void)
{
	struct pstable	 t;
	size_t		 i, left = 0;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		continue;
	if (psscan_all(&t) == -1)
		return 0;
	for (i = 0; i < t.n; i++) {
		if (psscan_top(&t, &t.v[i], pt.self) == NULL)
			continue;
		/* A zombie counts: its parent is dying, or it is ours to reap. */
		left++;
		if (t.v[i].state != 'Z')
			pt_kill_entry(&t.v[i], SIGKILL);
	}
	psscan_free(&t);
	return left;
}

void
proctree_finish(int timeout_ms)
{
	struct timespec	 tick = { 0, 10 * 1000 * 1000 };
	struct ptgroup	*g;
	int		 waited;

	for (waited = 0; pt_finish_round() > 0; waited += 10) {
		if (waited >= timeout_ms) {
			log_warnx("processes are left below solar-host");
			break;
		}
		nanosleep(&tick, NULL);
	}
	while ((g = TAILQ_FIRST(&pt.groups)) != NULL)
		group_free(g);
	if (pt.ev_sweep != NULL)
		event_free(pt.ev_sweep);
	pt.ev_sweep = NULL;
}
