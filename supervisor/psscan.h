/*
 * psscan.h: a picture of the process table from /proc: for each process
 * its parent, process group, session, state and start time (which tells
 * a process from a later one that got the same number).
 */
#ifndef SOLAR_PSSCAN_H
#define SOLAR_PSSCAN_H

#include <sys/types.h>

#include <stddef.h>

struct psent {
	pid_t			 pid;
	pid_t			 ppid;
	pid_t			 pgid;
	pid_t			 sid;
	char			 state;		/* 'Z': a zombie */
	unsigned long long	 start;		/* clock ticks after boot */
};

struct pstable {
	struct psent	*v;		/* sorted by pid */
	size_t		 n;
};

/* One process; -1 when it is gone (or /proc cannot be read). */
int		 psscan_read(pid_t, struct psent *);
/* Every process; -1 with errno set when /proc cannot be listed. */
int		 psscan_all(struct pstable *);
void		 psscan_free(struct pstable *);
const struct psent *psscan_find(const struct pstable *, pid_t);
/* The child of root on e's chain of parents (e itself, when root is its
 * parent); NULL when e does not descend from root. */
const struct psent *psscan_top(const struct pstable *, const struct psent *,
		    pid_t root);

#endif
