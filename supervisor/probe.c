/*
 * probe.c: the readiness probe: GET /health and its status code.  The
 * rest of the answer is read and dropped up to the server's close (or a
 * bound), since closing with unread bytes would reset the connection,
 * which a server that logs its client errors reports on every start.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "probe.h"

#ifndef PROBE_TIMEOUT_MS
#define PROBE_TIMEOUT_MS	2000
#endif

/* "HTTP/1.1 200" and the byte after it, which shows the code is whole. */
#define PROBE_STATUS_LEN	13
/* Past this much of an answer, drop the connection anyway. */
#define PROBE_DRAIN_MAX		65536

enum probe_state {
	PROBE_IDLE = 0,
	PROBE_CONNECTING,
	PROBE_SENDING,
	PROBE_READING,
	PROBE_DRAINING,		/* the status is known: reading to the end */
	PROBE_FAILED,		/* waiting for the loop to report -1 */
};

struct probe {
	struct event_base	*base;
	probe_fn		 cb;
	void			*arg;
	enum probe_state	 state;
	int			 fd;
	struct event		*ev_io;
	struct event		*ev_timer;	/* timeout, or -1 */
	char			 req[256];
	size_t			 reqlen;
	size_t			 reqoff;
	char			 resp[PROBE_STATUS_LEN];
	size_t			 resplen;
	int			 status;	/* once DRAINING */
	size_t			 drained;
};

static void	probe_reset(struct probe *);
static void	probe_finish(struct probe *, int);
static int	probe_watch(struct probe *, short);
static int	probe_parse(const char *, size_t, int);
static void	probe_on_io(evutil_socket_t, short, void *);
static void	probe_on_timer(evutil_socket_t, short, void *);
static void	probe_send(struct probe *);
static void	probe_read(struct probe *);
static void	probe_drain(struct probe *);

struct probe *
probe_new(struct event_base *base, probe_fn cb, void *arg)
{
	struct probe	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	p->cb = cb;
	p->arg = arg;
	p->fd = -1;
	if ((p->ev_timer = evtimer_new(base, probe_on_timer, p)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

/* Back to idle: the socket, its event and the timer all released. */
static void
probe_reset(struct probe *p)
{
	if (p->ev_io != NULL)
		event_free(p->ev_io);
	p->ev_io = NULL;
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	evtimer_del(p->ev_timer);
	p->state = PROBE_IDLE;
	p->reqlen = p->reqoff = p->resplen = 0;
}

/* Reset before the callback, which may start the next probe or free p;
 * p is not touched after it. */
static void
probe_finish(struct probe *p, int status)
{
	probe_reset(p);
	p->cb(status, p->arg);
}

/* Wait for the socket to become readable or writable, never both. */
static int
probe_watch(struct probe *p, short what)
{
	if (p->ev_io != NULL)
		event_free(p->ev_io);
	p->ev_io = event_new(p->base, p->fd, what | EV_PERSIST, probe_on_io,
	    p);
	if (p->ev_io == NULL || event_add(p->ev_io, NULL) == -1)
		return -1;
	return 0;
}

/*
 * The status code of "HTTP/1.x NNN" followed by a space or the line end
 * (or by the end of the stream); -2 while more bytes could still make
 * it one; -1 when they never will.
 */
static int
probe_parse(const char *s, size_t len, int eof)
{
	static const char	 pat[] = "HTTP/1.d ddd";
	size_t			 i;
	int			 code;

	for (i = 0; i < len && i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return -1;
	if (len < sizeof(pat) - 1)
		return eof ? -1 : -2;
	if (len > sizeof(pat) - 1 && s[12] != ' ' && s[12] != '\r' &&
	    s[12] != '\n')
		return -1;
	if (len == sizeof(pat) - 1 && !eof)
		return -2;
	code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (code < 100 || code > 599)
		return -1;
	return code;
}

static void
probe_send(struct probe *p)
{
	ssize_t	n;

	n = send(p->fd, p->req + p->reqoff, p->reqlen - p->reqoff,
	    MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			probe_finish(p, -1);
		return;
	}
	p->reqoff += (size_t)n;
	if (p->reqoff < p->reqlen)
		return;
	p->state = PROBE_READING;
	if (probe_watch(p, EV_READ) == -1)
		probe_finish(p, -1);
}

static void
probe_read(struct probe *p)
{
	ssize_t	n;
	int	status;

	n = read(p->fd, p->resp + p->resplen, sizeof(p->resp) - p->resplen);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			probe_finish(p, -1);
		return;
	}
	p->resplen += (size_t)n;
	status = probe_parse(p->resp, p->resplen, n == 0);
	if (status == -2)
		return;
	if (status == -1 || n == 0) {
		probe_finish(p, status);
		return;
	}
	p->status = status;
	p->drained = 0;
	p->state = PROBE_DRAINING;
	probe_drain(p);
}

/* The rest of the answer, dropped, until the server closes. */
static void
probe_drain(struct probe *p)
{
	char	 buf[4096];
	ssize_t	 n;

	for (;;) {
		n = read(p->fd, buf, sizeof(buf));
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n > 0 && (p->drained += (size_t)n) <= PROBE_DRAIN_MAX)
			continue;
		/* The end, an error, or too much: the status stands. */
		probe_finish(p, p->status);
		return;
	}
}

static void
probe_on_io(evutil_socket_t fd, short what, void *arg)
{
	struct probe	*p = arg;
	socklen_t	 len;
	int		 soerr;

	(void)what;
	switch (p->state) {
	case PROBE_CONNECTING:
		len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1 ||
		    soerr != 0) {
			probe_finish(p, -1);
			return;
		}
		p->state = PROBE_SENDING;
		probe_send(p);
		break;
	case PROBE_SENDING:
		probe_send(p);
		break;
	case PROBE_READING:
		probe_read(p);
		break;
	case PROBE_DRAINING:
		probe_drain(p);
		break;
	default:
		break;
	}
}

/* The deadline passed (an answer whose status came stands), or a failure
 * at start is reported. */
static void
probe_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct probe	*p = arg;

	(void)fd;
	(void)what;
	probe_finish(p, p->state == PROBE_DRAINING ? p->status : -1);
}

const char *
probe_target(const char *host)
{
	/* The child listens on every address; ask it on loopback. */
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "localhost") == 0)
		return "127.0.0.1";
	if (strcmp(host, "::") == 0)
		return "::1";
	return host;
}

int
probe_start(struct probe *p, const char *host, int port)
{
	struct addrinfo	 hints, *res;
	struct timeval	 tv;
	const char	*addr;
	char		 portstr[16];
	int		 n;

	if (p->state != PROBE_IDLE)
		return 0;
	if (host == NULL || port < 1 || port > 65535)
		return -1;
	addr = probe_target(host);
	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, portstr, &hints, &res) != 0)
		return -1;
	n = snprintf(p->req, sizeof(p->req), "GET /health HTTP/1.1\r\n"
	    "Host: %s%s%s:%d\r\nConnection: close\r\n\r\n",
	    res->ai_family == AF_INET6 ? "[" : "", addr,
	    res->ai_family == AF_INET6 ? "]" : "", port);
	if (n < 0 || (size_t)n >= sizeof(p->req)) {
		freeaddrinfo(res);
		return -1;
	}
	p->reqlen = (size_t)n;
	p->reqoff = p->resplen = 0;
	p->fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, res->ai_protocol);
	if (p->fd == -1) {
		freeaddrinfo(res);
		return -1;
	}
	p->state = PROBE_CONNECTING;
	if (connect(p->fd, res->ai_addr, res->ai_addrlen) == -1 &&
	    errno != EINPROGRESS && errno != EINTR) {
		/* Refused at once: still reported from the loop. */
		freeaddrinfo(res);
		close(p->fd);
		p->fd = -1;
		p->state = PROBE_FAILED;
		tv.tv_sec = 0;
		tv.tv_usec = 0;
		if (evtimer_add(p->ev_timer, &tv) == -1) {
			probe_reset(p);
			return -1;
		}
		return 0;
	}
	freeaddrinfo(res);
	tv.tv_sec = PROBE_TIMEOUT_MS / 1000;
	tv.tv_usec = (PROBE_TIMEOUT_MS % 1000) * 1000;
	if (probe_watch(p, EV_WRITE) == -1 ||
	    evtimer_add(p->ev_timer, &tv) == -1) {
		probe_reset(p);
		return -1;
	}
	return 0;
}

int
probe_busy(const struct probe *p)
{
	return p->state != PROBE_IDLE;
}

void
probe_cancel(struct probe *p)
{
	probe_reset(p);
}

void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	probe_reset(p);
	event_free(p->ev_timer);
	free(p);
}
