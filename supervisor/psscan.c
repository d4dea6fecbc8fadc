/* psscan.c: the process table from /proc/PID/stat. */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "psscan.h"

/* Deeper than any real tree; ends a walk through a table read mid-change. */
#define PSSCAN_MAX_DEPTH	4096

int
psscan_read(pid_t pid, struct psent *e)
{
	char		 path[64], buf[1024], *p;
	ssize_t		 n;
	int		 fd, ppid, pgid, sid;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	memset(e, 0, sizeof(*e));
	if (sscanf(p + 1, " %c %d %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s "
	    "%*s %*s %*s %*s %*s %*s %llu", &e->state, &ppid, &pgid, &sid,
	    &e->start) != 5)
		return -1;
	e->pid = pid;
	e->ppid = ppid;
	e->pgid = pgid;
	e->sid = sid;
	return 0;
}

static int
psscan_cmp(const void *a, const void *b)
{
	const struct psent	*x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int
psscan_push(struct pstable *t, size_t *cap, const struct psent *e)
{
	struct psent	*v;
	size_t		 ncap;

	if (t->n == *cap) {
		ncap = *cap != 0 ? *cap * 2 : 256;
		if ((v = reallocarray(t->v, ncap, sizeof(*v))) == NULL)
			return -1;
		t->v = v;
		*cap = ncap;
	}
	t->v[t->n++] = *e;
	return 0;
}

int
psscan_all(struct pstable *t)
{
	DIR		*d;
	struct dirent	*de;
	struct psent	 e;
	size_t		 cap = 0;
	int		 saved;

	t->v = NULL;
	t->n = 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		/* Gone since the listing: nothing to record. */
		if (psscan_read((pid_t)strtol(de->d_name, NULL, 10), &e) == -1)
			continue;
		if (psscan_push(t, &cap, &e) == -1) {
			saved = errno;
			closedir(d);
			psscan_free(t);
			errno = saved;
			return -1;
		}
	}
	closedir(d);
	if (t->n > 0)
		qsort(t->v, t->n, sizeof(*t->v), psscan_cmp);
	return 0;
}

void
psscan_free(struct pstable *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct psent *
psscan_find(const struct pstable *t, pid_t pid)
{
	struct psent	 key;

	if (t->n == 0)
		return NULL;
	key.pid = pid;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), psscan_cmp);
}

const struct psent *
psscan_top(const struct pstable *t, const struct psent *e, pid_t root)
{
	int	 depth;

	for (depth = 0; e != NULL && depth < PSSCAN_MAX_DEPTH; depth++) {
		if (e->pid == root || e->pid <= 1)
			return NULL;
		if (e->ppid == root)
			return e;
		e = psscan_find(t, e->ppid);
	}
	return NULL;
}
