/* test_probe.c: the probe against in-process servers of every behaviour. */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "probe.h"
#include "t.h"

/* Built with the same value as probe.c (the test build shortens it). */
#ifndef PROBE_TIMEOUT_MS
#define PROBE_TIMEOUT_MS	2000
#endif

enum mode {
	ANSWER,		/* all of reply at once */
	ANSWER_CLOSE,	/* all of reply, then the close */
	SPLIT,		/* reply in two writes, apart in time */
	SILENT,		/* read the request, never answer */
	HANGUP,		/* read the request, close */
};

struct server {
	struct event_base	*base;
	enum mode		 mode;
	const char		*reply;
	size_t			 split;	/* SPLIT: size of the first write */
	int			 lfd;
	int			 cfd;
	struct event		*ev_accept;
	struct event		*ev_conn;
	struct event		*ev_later;
	char			 req[1024];
	size_t			 reqlen;
	int			 accepted;
	int			 requests;	/* whole requests read */
};

struct result {
	int		 count;
	int		 status;
	struct probe	*p;		/* for callbacks that use it */
	const char	*host;
	int		 port;
	int		 again;		/* restarts left */
};

static struct event_base *base;
static int	have_ipv6;

static int	unused_port(void);
static void	put(int, const char *, size_t);
static int	server_port(const struct server *);
static void	server_init(struct server *, const char *, enum mode,
		    const char *);
static void	server_close_conn(struct server *);
static void	server_free(struct server *);
static void	server_on_accept(evutil_socket_t, short, void *);
static void	server_on_read(evutil_socket_t, short, void *);
static void	server_on_later(evutil_socket_t, short, void *);
static void	on_deadline(evutil_socket_t, short, void *);
static int	run_until(const int *, int, int);
static void	run_for(int);
static void	record(int, void *);
static void	record_and_restart(int, void *);
static void	record_and_free(int, void *);
static int	probe_once(const char *, int, struct server *);
static int	request_is(const struct server *, const char *, int);

static void	test_answers(void);
static void	test_host_mapping(void);
static void	test_refused(void);
static void	test_timeout(void);
static void	test_busy(void);
static void	test_cancel(void);
static void	test_from_callback(void);
static void	test_bad_start(void);

/* A loopback port with nothing on it: refused when connected to. */
static int
unused_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("unused_port");
		exit(2);
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Replies are small; a short write would be a broken test. */
static void
put(int fd, const char *s, size_t len)
{
	if (write(fd, s, len) != (ssize_t)len) {
		perror("server write");
		exit(2);
	}
}

static void
server_init(struct server *s, const char *addr, enum mode mode,
    const char *reply)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 on = 1;

	memset(s, 0, sizeof(*s));
	memset(&ss, 0, sizeof(ss));
	s->base = base;
	s->mode = mode;
	s->reply = reply;
	s->cfd = -1;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		len = sizeof(*sin6);
	} else
		exit(2);
	if ((s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1 ||
	    bind(s->lfd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(s->lfd, 16) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &len) == -1) {
		perror("server_init");
		exit(2);
	}
	s->ev_accept = event_new(base, s->lfd, EV_READ | EV_PERSIST,
	    server_on_accept, s);
	s->ev_later = evtimer_new(base, server_on_later, s);
	if (s->ev_accept == NULL || s->ev_later == NULL ||
	    event_add(s->ev_accept, NULL) == -1)
		exit(2);
}

static int
server_port(const struct server *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(s->lfd, (struct sockaddr *)&ss, &len) == -1)
		exit(2);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void
server_close_conn(struct server *s)
{
	if (s->ev_conn != NULL)
		event_free(s->ev_conn);
	s->ev_conn = NULL;
	if (s->cfd != -1)
		close(s->cfd);
	s->cfd = -1;
	evtimer_del(s->ev_later);
}

static void
server_free(struct server *s)
{
	server_close_conn(s);
	event_free(s->ev_accept);
	event_free(s->ev_later);
	close(s->lfd);
}

static void
server_on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	int		 cfd;

	(void)what;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1)
		return;
	s->accepted++;
	/* One client at a time is all these tests need. */
	server_close_conn(s);
	s->cfd = cfd;
	s->reqlen = 0;
	s->ev_conn = event_new(s->base, cfd, EV_READ | EV_PERSIST,
	    server_on_read, s);
	if (s->ev_conn == NULL || event_add(s->ev_conn, NULL) == -1)
		exit(2);
}

static void
server_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;
	struct timeval	 tv = { 0, 50 * 1000 };
	ssize_t		 n;

	(void)what;
	n = read(fd, s->req + s->reqlen, sizeof(s->req) - 1 - s->reqlen);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		server_close_conn(s);
		return;
	}
	s->reqlen += (size_t)n;
	s->req[s->reqlen] = '\0';
	if (strstr(s->req, "\r\n\r\n") == NULL)
		return;
	s->requests++;
	switch (s->mode) {
	case ANSWER:
		put(fd, s->reply, strlen(s->reply));
		break;
	case ANSWER_CLOSE:
		put(fd, s->reply, strlen(s->reply));
		server_close_conn(s);
		break;
	case SPLIT:
		put(fd, s->reply, s->split);
		evtimer_add(s->ev_later, &tv);
		break;
	case SILENT:
		break;
	case HANGUP:
		server_close_conn(s);
		break;
	}
}

static void
server_on_later(evutil_socket_t fd, short what, void *arg)
{
	struct server	*s = arg;

	(void)fd;
	(void)what;
	if (s->cfd != -1)
		put(s->cfd, s->reply + s->split, strlen(s->reply) - s->split);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop until *v reaches want, at most ms; 1 when it did. */
static int
run_until(const int *v, int want, int ms)
{
	struct event	*ev;
	struct timeval	 tv;
	int		 expired = 0;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if ((ev = evtimer_new(base, on_deadline, &expired)) == NULL ||
	    evtimer_add(ev, &tv) == -1)
		exit(2);
	while (*v < want && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return *v >= want;
}

/* Run the loop for ms, to see that nothing more happens in that time. */
static void
run_for(int ms)
{
	int	never = 0;

	(void)run_until(&never, 1, ms);
}

static void
record(int status, void *arg)
{
	struct result	*r = arg;

	r->count++;
	r->status = status;
}

static void
record_and_restart(int status, void *arg)
{
	struct result	*r = arg;

	record(status, arg);
	if (r->again > 0) {
		r->again--;
		if (probe_start(r->p, r->host, r->port) != 0)
			r->again = -100;
	}
}

static void
record_and_free(int status, void *arg)
{
	struct result	*r = arg;

	record(status, arg);
	probe_free(r->p);
	r->p = NULL;
}

/* One probe of host:port, run to its callback; its status, or -100
 * when the callback did not come exactly once in time. */
static int
probe_once(const char *host, int port, struct server *s)
{
	struct result	 r;
	struct probe	*p;
	long		 t0;
	int		 rc;

	memset(&r, 0, sizeof(r));
	if ((p = probe_new(base, record, &r)) == NULL)
		exit(2);
	t0 = now_ms();
	rc = probe_start(p, host, port);
	CHECK(rc == 0);
	/* Never from inside probe_start. */
	CHECK(r.count == 0);
	CHECK(probe_busy(p));
	if (!run_until(&r.count, 1, PROBE_TIMEOUT_MS + 3000)) {
		probe_free(p);
		return -100;
	}
	CHECK(now_ms() - t0 < PROBE_TIMEOUT_MS + 1000);
	CHECK(!probe_busy(p));
	/* Let the server see the close; no second callback comes. */
	if (s != NULL)
		run_for(20);
	CHECK(r.count == 1);
	probe_free(p);
	return r.count == 1 ? r.status : -100;
}

static int
request_is(const struct server *s, const char *hostport, int port)
{
	char	want[256];

	snprintf(want, sizeof(want), "GET /health HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Connection: close\r\n\r\n", hostport, port);
	if (strcmp(s->req, want) != 0) {
		fprintf(stderr, "request was \"%s\"\n", s->req);
		return 0;
	}
	return 1;
}

static void
test_answers(void)
{
	static const struct {
		enum mode	 mode;
		const char	*reply;
		size_t		 split;
		int		 want;
	} table[] = {
		{ ANSWER, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n"
		    "{\"status\":\"ok\"}", 0, 200 },
		{ ANSWER, "HTTP/1.1 503 Service Unavailable\r\n"
		    "Content-Length: 77\r\n\r\n{\"error\":{\"message\":"
		    "\"Loading model\",\"type\":\"unavailable_error\","
		    "\"code\":503}}", 0, 503 },
		{ ANSWER, "HTTP/1.0 404 Not Found\r\n\r\n", 0, 404 },
		{ ANSWER, "HTTP/1.1 200\r\n\r\n", 0, 200 },
		{ ANSWER_CLOSE, "HTTP/1.1 200", 0, 200 },
		{ SPLIT, "HTTP/1.1 200 OK\r\n\r\n", 10, 200 },
		{ SPLIT, "HTTP/1.1 503 Service Unavailable\r\n\r\n", 3, 503 },
		{ SPLIT, "HTTP/1.1 200 OK\r\n\r\n", 12, 200 },
		{ SPLIT, "HTTP/1.1 2000 OK\r\n\r\n", 12, -1 },
		{ ANSWER, "SSH-2.0-OpenSSH_9.6\r\n", 0, -1 },
		{ ANSWER, "HTTP/1.1 2000 OK\r\n\r\n", 0, -1 },
		{ ANSWER_CLOSE, "HTTP/1.1 20", 0, -1 },
		{ ANSWER_CLOSE, "", 0, -1 },
		{ ANSWER, "HTTP/2.0 200 OK\r\n\r\n", 0, -1 },
		{ ANSWER, "HTTP/1.1 099 Odd\r\n\r\n", 0, -1 },
		{ HANGUP, NULL, 0, -1 },
	};
	struct server	s;
	size_t		i;
	int		got;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		server_init(&s, "127.0.0.1", table[i].mode, table[i].reply);
		s.split = table[i].split;
		got = probe_once("127.0.0.1", server_port(&s), &s);
		CHECK(got == table[i].want);
		if (got != table[i].want)
			fprintf(stderr, "  case %zu: got %d\n", i, got);
		CHECK(s.requests == 1);
		CHECK(request_is(&s, "127.0.0.1", server_port(&s)));
		server_free(&s);
	}
}

static void
test_host_mapping(void)
{
	static const char *const v4[] = { "0.0.0.0", "localhost" };
	struct server	s;
	size_t		i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		server_init(&s, "127.0.0.1", ANSWER, "HTTP/1.1 200 OK\r\n\r\n");
		CHECK(probe_once(v4[i], server_port(&s), &s) == 200);
		CHECK(request_is(&s, "127.0.0.1", server_port(&s)));
		server_free(&s);
	}
	if (!have_ipv6)
		return;
	server_init(&s, "::1", ANSWER, "HTTP/1.1 200 OK\r\n\r\n");
	CHECK(probe_once("::", server_port(&s), &s) == 200);
	CHECK(request_is(&s, "[::1]", server_port(&s)));
	server_free(&s);

	server_init(&s, "::1", ANSWER, "HTTP/1.1 503 x\r\n\r\n");
	CHECK(probe_once("::1", server_port(&s), &s) == 503);
	CHECK(request_is(&s, "[::1]", server_port(&s)));
	server_free(&s);
}

static void
test_refused(void)
{
	CHECK(probe_once("127.0.0.1", unused_port(), NULL) == -1);
	CHECK(probe_once("0.0.0.0", unused_port(), NULL) == -1);
	if (have_ipv6)
		CHECK(probe_once("::", unused_port(), NULL) == -1);
}

static void
test_timeout(void)
{
	struct server	s;
	long		t0, dt;

	server_init(&s, "127.0.0.1", SILENT, NULL);
	t0 = now_ms();
	CHECK(probe_once("127.0.0.1", server_port(&s), &s) == -1);
	dt = now_ms() - t0;
	CHECK(dt >= PROBE_TIMEOUT_MS - 10);
	CHECK(dt < PROBE_TIMEOUT_MS + 1000);
	CHECK(s.requests == 1);
	server_free(&s);
}

static void
test_busy(void)
{
	struct server	 s;
	struct result	 r;
	struct probe	*p;

	server_init(&s, "127.0.0.1", SPLIT, "HTTP/1.1 200 OK\r\n\r\n");
	s.split = 5;
	memset(&r, 0, sizeof(r));
	if ((p = probe_new(base, record, &r)) == NULL)
		exit(2);
	CHECK(probe_start(p, "127.0.0.1", server_port(&s)) == 0);
	CHECK(probe_busy(p));
	CHECK(probe_start(p, "127.0.0.1", server_port(&s)) == 0);
	CHECK(probe_start(p, "127.0.0.1", unused_port()) == 0);
	CHECK(run_until(&r.count, 1, PROBE_TIMEOUT_MS + 3000));
	CHECK(r.status == 200);
	/* Long enough for a second probe to end even by its timeout. */
	run_for(PROBE_TIMEOUT_MS + 200);
	CHECK(r.count == 1);
	CHECK(s.accepted == 1);
	probe_free(p);
	server_free(&s);
}

static void
test_cancel(void)
{
	struct server	 s;
	struct result	 r;
	struct probe	*p;

	memset(&r, 0, sizeof(r));
	if ((p = probe_new(base, record, &r)) == NULL)
		exit(2);

	/* In flight, the request sent, no answer yet. */
	server_init(&s, "127.0.0.1", SILENT, NULL);
	CHECK(probe_start(p, "127.0.0.1", server_port(&s)) == 0);
	CHECK(run_until(&s.requests, 1, 3000));
	probe_cancel(p);
	CHECK(!probe_busy(p));
	run_for(PROBE_TIMEOUT_MS + 200);
	CHECK(r.count == 0);

	/* A failure already known, its callback still to come. */
	CHECK(probe_start(p, "127.0.0.1", unused_port()) == 0);
	probe_cancel(p);
	run_for(100);
	CHECK(r.count == 0);

	/* Cancelled before the loop ran at all. */
	CHECK(probe_start(p, "127.0.0.1", server_port(&s)) == 0);
	probe_cancel(p);
	run_for(PROBE_TIMEOUT_MS + 200);
	CHECK(r.count == 0);
	server_free(&s);

	/* And usable again afterwards. */
	server_init(&s, "127.0.0.1", ANSWER, "HTTP/1.1 200 OK\r\n\r\n");
	CHECK(probe_start(p, "127.0.0.1", server_port(&s)) == 0);
	CHECK(run_until(&r.count, 1, PROBE_TIMEOUT_MS + 3000));
	CHECK(r.status == 200);

	/* Freed while in flight: no callback, nothing leaked. */
	CHECK(probe_start(p, "127.0.0.1", server_port(&s)) == 0);
	probe_free(p);
	run_for(100);
	CHECK(r.count == 1);
	server_free(&s);
}

/* The callback may start the next probe, or free the probe. */
static void
test_from_callback(void)
{
	struct server	s;
	struct result	r;

	server_init(&s, "127.0.0.1", ANSWER, "HTTP/1.1 200 OK\r\n\r\n");
	memset(&r, 0, sizeof(r));
	r.host = "127.0.0.1";
	r.port = server_port(&s);
	r.again = 2;
	if ((r.p = probe_new(base, record_and_restart, &r)) == NULL)
		exit(2);
	CHECK(probe_start(r.p, r.host, r.port) == 0);
	CHECK(run_until(&r.count, 3, 3 * PROBE_TIMEOUT_MS + 3000));
	CHECK(r.again == 0);
	CHECK(r.status == 200);
	CHECK(s.accepted == 3);
	probe_free(r.p);

	memset(&r, 0, sizeof(r));
	if ((r.p = probe_new(base, record_and_free, &r)) == NULL)
		exit(2);
	CHECK(probe_start(r.p, "127.0.0.1", server_port(&s)) == 0);
	CHECK(run_until(&r.count, 1, PROBE_TIMEOUT_MS + 3000));
	CHECK(r.p == NULL && r.status == 200);
	server_free(&s);

	/* Also when the failure was known at start. */
	memset(&r, 0, sizeof(r));
	if ((r.p = probe_new(base, record_and_free, &r)) == NULL)
		exit(2);
	CHECK(probe_start(r.p, "127.0.0.1", unused_port()) == 0);
	CHECK(run_until(&r.count, 1, PROBE_TIMEOUT_MS + 3000));
	CHECK(r.p == NULL && r.status == -1);
}

static void
test_bad_start(void)
{
	struct result	 r;
	struct probe	*p;

	memset(&r, 0, sizeof(r));
	if ((p = probe_new(base, record, &r)) == NULL)
		exit(2);
	/* Names are not looked up; a bad port is no probe. */
	CHECK(probe_start(p, "example.com", 80) == -1);
	CHECK(!probe_busy(p));
	CHECK(probe_start(p, "127.0.0.1", 0) == -1);
	CHECK(probe_start(p, "127.0.0.1", 65536) == -1);
	CHECK(!probe_busy(p));
	run_for(50);
	CHECK(r.count == 0);
	probe_free(p);
	probe_free(NULL);
}

int
main(void)
{
	struct sockaddr_in6	sin6;
	int			fds, fd;

	fds = count_fds();
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1 &&
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0)
		have_ipv6 = 1;
	else
		fprintf(stderr, "no IPv6 loopback: IPv6 cases skipped\n");
	if (fd != -1)
		close(fd);
	if ((base = event_base_new()) == NULL)
		return 2;
	test_answers();
	test_host_mapping();
	test_refused();
	test_timeout();
	test_busy();
	test_cancel();
	test_from_callback();
	test_bad_start();
	event_base_free(base);
	CHECK(count_fds() == fds);
	T_DONE();
}
