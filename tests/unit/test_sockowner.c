/*
 * test_sockowner.c: whose listening socket a probe reaches: the holder's
 * own, a wildcard, another address, SO_REUSEPORT twins, IPv6; and, with
 * proctree, a socket a grandchild holds counts for its leader, and the
 * grandchild dies when the leader exits.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "proctree.h"
#include "sockowner.h"
#include "t.h"

static pid_t	 kids[16];
static int	 nkids;

/* A listening TCP socket on addr:port (0: any), or -1. */
static int
listen_on(const char *addr, int port, int reuseport, int *gotport)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
		return -1;
	if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof(on)) == -1) || bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 4) == -1) {
		close(fd);
		return -1;
	}
	if (gotport != NULL) {
		len = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &len);
		*gotport = ntohs(ss.ss_family == AF_INET ? s4->sin_port :
		    s6->sin6_port);
	}
	return fd;
}

/* A child that keeps what it inherited and waits to be killed. */
static pid_t
keeper(void)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(2);
	}
	if (pid == 0)
		for (;;)
			pause();
	kids[nkids++] = pid;
	return pid;
}

static int
owned(const char *addr, int port, pid_t a, pid_t b)
{
	pid_t	 pids[2] = { a, b };
	char	 err[256];

	return sockowner_owned(addr, port, pids, b == 0 ? 1 : 2, err,
	    sizeof(err));
}

static void
test_basic(void)
{
	char	 err[256];
	pid_t	 self = getpid(), other = keeper();
	int	 fd, port;

	fd = listen_on("127.0.0.1", 0, 0, &port);
	CHECK(fd != -1);
	CHECK(owned("127.0.0.1", port, self, 0) == 1);
	CHECK(owned("127.0.0.1", port, other, 0) == 0);
	CHECK(owned("127.0.0.1", port, other, self) == 1);
	/* A probe of another address does not reach it. */
	CHECK(owned("127.0.0.2", port, self, 0) == 0);
	close(fd);
	CHECK(sockowner_owned("127.0.0.1", port, &self, 1, err,
	    sizeof(err)) == 0);
	CHECK(strstr(err, "nothing listens") != NULL);
	CHECK(sockowner_owned("no-address", port, &self, 1, err,
	    sizeof(err)) == -1);
}

static void
test_wildcard_and_neighbours(void)
{
	pid_t	 self = getpid(), holder;
	int	 fd, fd2, port;

	/* 0.0.0.0 held by a child only: the child's, not ours. */
	fd = listen_on("0.0.0.0", 0, 0, &port);
	CHECK(fd != -1);
	holder = keeper();
	close(fd);
	CHECK(owned("127.0.0.1", port, holder, 0) == 1);
	CHECK(owned("127.0.0.1", port, self, 0) == 0);

	/* A foreign listener on another address of the same port is not
	 * where a probe of 127.0.0.1 lands. */
	fd = listen_on("127.0.0.1", 0, 0, &port);
	CHECK(fd != -1);
	holder = keeper();
	close(fd);
	fd2 = listen_on("127.0.0.2", port, 0, NULL);
	CHECK(fd2 != -1);
	CHECK(owned("127.0.0.1", port, holder, 0) == 1);
	CHECK(owned("127.0.0.2", port, holder, 0) == 0);
	close(fd2);
}

/* SO_REUSEPORT twins: the kernel picks either; both must be the child's. */
static void
test_reuseport(void)
{
	pid_t	 self = getpid(), holder;
	int	 fd, fd2, port;

	fd = listen_on("127.0.0.1", 0, 1, &port);
	CHECK(fd != -1);
	holder = keeper();
	close(fd);
	fd2 = listen_on("127.0.0.1", port, 1, NULL);
	CHECK(fd2 != -1);
	CHECK(owned("127.0.0.1", port, holder, 0) == 0);
	CHECK(owned("127.0.0.1", port, holder, self) == 1);
	close(fd2);
}

static void
test_ipv6(void)
{
	pid_t	 self = getpid(), other = keeper();
	int	 fd, port;

	if ((fd = listen_on("::1", 0, 0, &port)) == -1) {
		fprintf(stderr, "test_sockowner: no IPv6 loopback, skipped\n");
		return;
	}
	CHECK(owned("::1", port, self, 0) == 1);
	CHECK(owned("127.0.0.1", port, self, 0) == 0);
	close(fd);
	/* A dual-stack wildcard takes connections to 127.0.0.1 too. */
	if ((fd = listen_on("::", 0, 0, &port)) != -1) {
		CHECK(owned("127.0.0.1", port, self, 0) == 1);
		CHECK(owned("::1", port, other, 0) == 0);
		close(fd);
	}
}

/*
 * A leader in its own session whose grandchild holds the socket: it counts
 * for the leader, not for a stranger; when the leader exits, the
 * grandchild (reparented to us, the subreaper) is killed.
 */
static void
test_tree(void)
{
	struct event_base	*base = event_base_new();
	siginfo_t		 info;
	char			 err[256], c;
	pid_t			 leader, stranger, gc;
	int			 fd, port, p[2], status;

	CHECK(base != NULL);
	CHECK(proctree_init(base, NULL, NULL, err, sizeof(err)) == 0);
	fd = listen_on("127.0.0.1", 0, 0, &port);
	CHECK(fd != -1 && pipe(p) == 0);
	if ((leader = fork()) == 0) {
		(void)setsid();
		if (fork() == 0)
			for (;;)
				pause();
		close(fd);
		(void)write(p[1], "", 1);
		for (;;)
			pause();
	}
	close(fd);
	CHECK(read(p[0], &c, 1) == 1);
	stranger = keeper();
	proctree_add(leader);
	proctree_add(stranger);
	CHECK(sockowner_check(leader, "0.0.0.0", port, err, sizeof(err)) == 1);
	CHECK(sockowner_check(stranger, "0.0.0.0", port, err,
	    sizeof(err)) == 0);

	kill(leader, SIGKILL);
	memset(&info, 0, sizeof(info));
	CHECK(waitid(P_PID, leader, &info, WEXITED | WNOWAIT) == 0);
	proctree_exiting(leader);
	CHECK(waitpid(leader, &status, 0) == leader);
	/* The grandchild is ours now, and killed: it is reaped here. */
	alarm(10);
	gc = waitpid(-1, &status, 0);
	alarm(0);
	CHECK(gc > 0 && gc != stranger && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL);
	CHECK(sockowner_check(stranger, "0.0.0.0", port, err,
	    sizeof(err)) == 0);
	proctree_finish(2000);
	nkids = 0;		/* proctree_finish killed them all */
	close(p[0]);
	close(p[1]);
	event_base_free(base);
}

int
main(void)
{
	int	 i;

	test_basic();
	test_wildcard_and_neighbours();
	test_reuseport();
	test_ipv6();
	for (i = 0; i < nkids; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	nkids = 0;
	test_tree();
	T_DONE();
}
