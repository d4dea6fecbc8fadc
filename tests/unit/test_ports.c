/* test_ports.c: the bind probe: held ports, host forms, TIME_WAIT. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ports.h"
#include "t.h"

static int	have_ipv6;

static int	sock_on(const char *, int, int, int);
static int	unused_port(void);
static int	in_time_wait(int);

static void	test_free(void);
static void	test_held(void);
static void	test_bad_input(void);
static void	test_time_wait(void);
static void	test_choose(void);

/* A TCP socket bound to addr:port (listening when asked), or -1. */
static int
sock_on(const char *addr, int port, int reuse, int listening)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		*sa;
	socklen_t		 salen;
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else
		return -1;
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if ((reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1) || bind(fd, sa, salen) == -1 ||
	    (listening && listen(fd, 16) == -1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A port the kernel just handed out, free again on every address. */
static int
unused_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	if ((fd = sock_on("127.0.0.1", 0, 0, 0)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("unused_port");
		exit(2);
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A 127.0.0.1:port socket in TIME_WAIT, as /proc/net/tcp lists it. */
static int
in_time_wait(int port)
{
	FILE	*f;
	char	 line[512], want[32], *p;
	int	 found = 0;

	snprintf(want, sizeof(want), " 0100007F:%04X ", port);
	if ((f = fopen("/proc/net/tcp", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* "   0: 0100007F:1F90 00000000:0000 06 ...": sl, local
		 * address, remote address, state. */
		p = strstr(line, want);
		if (p != NULL && p - line < 16 &&
		    strncmp(p + strlen(want) + 14, "06", 2) == 0)
			found = 1;
	}
	fclose(f);
	return found;
}

static void
test_free(void)
{
	int	port = unused_port();

	CHECK(ports_free("127.0.0.1", port) == 1);
	CHECK(ports_free("0.0.0.0", port) == 1);
	CHECK(ports_free("localhost", port) == 1);
	if (have_ipv6) {
		CHECK(ports_free("::", port) == 1);
		CHECK(ports_free("::1", port) == 1);
	}
}

static void
test_held(void)
{
	int	port, fd;

	/* Held on loopback: taken for loopback and for every address. */
	port = unused_port();
	fd = sock_on("127.0.0.1", port, 1, 1);
	CHECK(fd != -1);
	CHECK(ports_free("127.0.0.1", port) == 0);
	CHECK(ports_free("localhost", port) == 0);
	CHECK(ports_free("0.0.0.0", port) == 0);
	if (have_ipv6)
		CHECK(ports_free("::", port) == 0);
	close(fd);
	CHECK(ports_free("127.0.0.1", port) == 1);
	CHECK(ports_free("0.0.0.0", port) == 1);

	/* Held on every address: taken for loopback. */
	port = unused_port();
	fd = sock_on("0.0.0.0", port, 1, 1);
	CHECK(fd != -1);
	CHECK(ports_free("127.0.0.1", port) == 0);
	CHECK(ports_free("localhost", port) == 0);
	CHECK(ports_free("0.0.0.0", port) == 0);
	close(fd);

	if (!have_ipv6)
		return;
	port = unused_port();
	fd = sock_on("::1", port, 1, 1);
	CHECK(fd != -1);
	CHECK(ports_free("::1", port) == 0);
	CHECK(ports_free("::", port) == 0);
	CHECK(ports_free("127.0.0.1", port) == 1);
	close(fd);

	port = unused_port();
	fd = sock_on("::", port, 1, 1);
	CHECK(fd != -1);
	CHECK(ports_free("::", port) == 0);
	CHECK(ports_free("0.0.0.0", port) == 0);
	CHECK(ports_free("127.0.0.1", port) == 0);
	close(fd);
}

static void
test_bad_input(void)
{
	int	port = unused_port();

	CHECK(ports_free("127.0.0.1", 0) == 0);
	CHECK(ports_free("127.0.0.1", -1) == 0);
	CHECK(ports_free("127.0.0.1", 65536) == 0);
	CHECK(ports_free("", port) == 0);
	CHECK(ports_free("example.com", port) == 0);
	CHECK(ports_free("ip6-localhost", port) == 0);
	CHECK(ports_free("127.0.0.1 ", port) == 0);
	/* An address this machine does not have cannot be bound. */
	CHECK(ports_free("192.0.2.1", port) == 0);
}

/*
 * The server side closes first, as llama-server does on a stop, so its
 * end of the connection sits in TIME_WAIT on the port.
 */
static void
test_time_wait(void)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 c;
	long			 deadline;
	int			 port, lfd, cfd, afd, plain, tw;

	port = unused_port();
	lfd = sock_on("127.0.0.1", port, 1, 1);
	CHECK(lfd != -1);
	if (lfd == -1)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(cfd != -1 && connect(cfd, (struct sockaddr *)&sin,
	    sizeof(sin)) == 0);
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(afd != -1);
	close(afd);
	/* The client sees the server's FIN, then closes its end. */
	pfd.fd = cfd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1 && read(cfd, &c, 1) == 0);
	close(cfd);
	close(lfd);

	deadline = now_ms() + 5000;
	while (!(tw = in_time_wait(port)) && now_ms() < deadline)
		poll(NULL, 0, 10);
	CHECK(tw);

	/* The situation is the one that matters: without SO_REUSEADDR the
	 * port is not bindable. */
	plain = sock_on("127.0.0.1", port, 0, 0);
	CHECK(plain == -1 && errno == EADDRINUSE);
	if (plain != -1)
		close(plain);

	CHECK(ports_free("127.0.0.1", port) == 1);
	CHECK(ports_free("0.0.0.0", port) == 1);
	CHECK(ports_free("localhost", port) == 1);
}

/* ports_taken_fn over a 0-ended list of ports that are ours. */
static int
taken_in(int port, char *why, size_t whylen, void *arg)
{
	const int	*p;

	for (p = arg; *p != 0; p++)
		if (*p == port) {
			snprintf(why, whylen, "port %d is ours", port);
			return 1;
		}
	return 0;
}

/* The port of a start: its own, else its last, else the first free one. */
static void
test_choose(void)
{
	char	 err[128];
	int	 a = unused_port(), b, fd, got;
	int	 none[] = { 0 }, ours[] = { a, 0 }, top[] = { 65535, 0 };

	while ((b = unused_port()) == a)
		continue;
	CHECK(ports_choose("127.0.0.1", a, b, 1024, taken_in, none, err,
	    sizeof(err)) == a);
	CHECK(ports_choose("127.0.0.1", a, 0, 1024, taken_in, ours, err,
	    sizeof(err)) == 0);
	snprintf(err + 64, 64, "port %d is ours", a);
	CHECK_STR(err, err + 64);
	if ((fd = sock_on("127.0.0.1", b, 0, 1)) == -1) {
		perror("test_choose");
		exit(2);
	}
	CHECK(ports_choose("127.0.0.1", b, 0, 1024, taken_in, none, err,
	    sizeof(err)) == 0);
	CHECK(strstr(err, "already in use on 127.0.0.1") != NULL);
	/* Its last port, unless that is someone's now. */
	CHECK(ports_choose("127.0.0.1", 0, a, 1024, taken_in, none, err,
	    sizeof(err)) == a);
	got = ports_choose("127.0.0.1", 0, a, a, taken_in, ours, err,
	    sizeof(err));
	CHECK(got > a && got != b);
	close(fd);
	CHECK(ports_choose("127.0.0.1", 0, 0, 65535, taken_in, top, err,
	    sizeof(err)) == 0);
	CHECK_STR(err, "no free port from 65535 up");
}

int
main(void)
{
	int	fds, fd;

	fds = count_fds();
	if ((fd = sock_on("::1", 0, 0, 0)) != -1) {
		have_ipv6 = 1;
		close(fd);
	} else
		fprintf(stderr, "no IPv6 loopback: IPv6 cases skipped\n");
	test_free();
	test_held();
	test_bad_input();
	test_time_wait();
	test_choose();
	CHECK(count_fds() == fds);
	T_DONE();
}
