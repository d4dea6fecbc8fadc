/*
 * sockowner.c: whose is the listening socket on a port?  The kernel's
 * tables (/proc/net/tcp and tcp6) give the inode of each listening
 * socket; a process holds it when one of its descriptors in /proc/PID/fd
 * reads "socket:[INODE]".
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "proctree.h"
#include "sockowner.h"

#define SO_MAX_LISTENERS	64	/* SO_REUSEPORT may give several */
#define TCP_LISTEN		0x0A	/* the kernel's TCP_LISTEN state */

struct listeners {
	unsigned long	 inode[SO_MAX_LISTENERS];
	int		 held[SO_MAX_LISTENERS];
	size_t		 n;
};

struct target {
	int		 family;
	struct in_addr	 v4;
	struct in6_addr	 v6;
};

/* The kernel prints each 32-bit word of an address as it lies in memory. */
static int
hex_words(const char *hex, uint32_t *w, size_t nwords)
{
	char	 word[9], *end;
	size_t	 i;

	if (strlen(hex) != nwords * 8)
		return -1;
	for (i = 0; i < nwords; i++) {
		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		w[i] = (uint32_t)strtoul(word, &end, 16);
		if (*end != '\0')
			return -1;
	}
	return 0;
}

/* May a connection to t land on a socket bound to this address? */
static int
reachable(const struct target *t, int v6, const uint32_t *w)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (!v6) {
		memcpy(&a4, w, sizeof(a4));
		return t->family == AF_INET && (a4.s_addr == INADDR_ANY ||
		    a4.s_addr == t->v4.s_addr);
	}
	memcpy(&a6, w, sizeof(a6));
	/* A dual-stack wildcard takes IPv4 connections too. */
	if (IN6_IS_ADDR_UNSPECIFIED(&a6))
		return 1;
	if (t->family == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a6, &t->v6);
	return IN6_IS_ADDR_V4MAPPED(&a6) &&
	    memcmp(&a6.s6_addr[12], &t->v4, 4) == 0;
}

static int
read_table(const char *path, int v6, const struct target *t, int port,
    struct listeners *ls, char *err, size_t errlen)
{
	FILE		*f;
	char		 line[512], hex[40];
	uint32_t	 w[4];
	unsigned int	 lport, st;
	unsigned long	 inode;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;	/* no IPv6 in this kernel */
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x "
		    "%x %*x:%*x %*x:%*x %*x %*u %*d %lu", hex, &lport, &st,
		    &inode) != 4)
			continue;	/* the heading */
		if (st != TCP_LISTEN || (int)lport != port ||
		    hex_words(hex, w, v6 ? 4 : 1) == -1 ||
		    !reachable(t, v6, w) || ls->n == SO_MAX_LISTENERS)
			continue;
		ls->inode[ls->n] = inode;
		ls->held[ls->n++] = 0;
	}
	fclose(f);
	return 0;
}

/* Mark the listeners that pid holds. */
static void
mark_held(pid_t pid, struct listeners *ls)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[64], link[384], target[64];
	unsigned long	 inode;
	ssize_t		 n;
	size_t		 i;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return;		/* gone: it holds nothing */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, de->d_name);
		if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		for (i = 0; i < ls->n; i++)
			if (ls->inode[i] == inode)
				ls->held[i] = 1;
	}
	closedir(d);
}

int
sockowner_owned(const char *addr, int port, const pid_t *pids, size_t npids,
    char *err, size_t errlen)
{
	struct listeners	 ls;
	struct target		 t;
	size_t			 i;

	memset(&t, 0, sizeof(t));
	if (inet_pton(AF_INET, addr, &t.v4) == 1)
		t.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &t.v6) == 1)
		t.family = AF_INET6;
	else {
		snprintf(err, errlen, "%s is not an address", addr);
		return -1;
	}
	ls.n = 0;
	if (read_table("/proc/net/tcp", 0, &t, port, &ls, err, errlen) == -1 ||
	    read_table("/proc/net/tcp6", 1, &t, port, &ls, err, errlen) == -1)
		return -1;
	if (ls.n == 0) {
		snprintf(err, errlen, "nothing listens on port %d", port);
		return 0;
	}
	for (i = 0; i < npids; i++)
		mark_held(pids[i], &ls);
	for (i = 0; i < ls.n; i++) {
		if (!ls.held[i]) {
			snprintf(err, errlen, "the socket listening on port %d "
			    "(inode %lu) is not the child's", port,
			    ls.inode[i]);
			return 0;
		}
	}
	return 1;
}

int
sockowner_check(pid_t leader, const char *host, int port, char *err,
    size_t errlen)
{
	pid_t	*pids;
	size_t	 n;
	int	 rc;

	if (proctree_pids(leader, &pids, &n) == -1) {
		snprintf(err, errlen, "cannot read the process table: %s",
		    strerror(errno));
		return -1;
	}
	rc = sockowner_owned(probe_target(host), port, pids, n, err, errlen);
	free(pids);
	return rc;
}
