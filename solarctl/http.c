/*
 * http.c: one REST request through libevent's HTTP client, on a
 * connection of its own.  libevent says only that a connection failed,
 * not why: a failure is then retraced with a plain connect(2) to name the
 * reason (refused, unreachable, unknown host).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "solarctl.h"

#define DIAG_TIMEOUT_MS	5000

struct call {
	struct event_base	*base;
	int			 answered;
	int			 timed_out;
	int			 too_big;
	int			 nomem;
	struct http_resp	*resp;
};

static void	errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	http_done(struct evhttp_request *, void *);
static void	http_error(enum evhttp_request_error, void *);
static int	connect_one(const struct addrinfo *, int, int *);
static void	http_why(const struct target *, int, char *, size_t);

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
http_error(enum evhttp_request_error e, void *arg)
{
	struct call	*c = arg;

	if (e == EVREQ_HTTP_TIMEOUT)
		c->timed_out = 1;
	else if (e == EVREQ_HTTP_DATA_TOO_LONG)
		c->too_big = 1;
}

/* The request is freed by libevent after this returns: copy its body. */
static void
http_done(struct evhttp_request *req, void *arg)
{
	struct call	*c = arg;
	struct evbuffer	*in;
	size_t		 len;

	event_base_loopexit(c->base, NULL);
	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		return;
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if ((c->resp->body = malloc(len + 1)) == NULL) {
		c->nomem = 1;
		return;
	}
	evbuffer_copyout(in, c->resp->body, len);
	c->resp->body[len] = '\0';
	c->resp->len = len;
	c->resp->status = evhttp_request_get_response_code(req);
	c->answered = 1;
}

/* 0 connected, else an errno; within ms milliseconds. */
static int
connect_one(const struct addrinfo *ai, int ms, int *fdp)
{
	struct pollfd	 pfd;
	socklen_t	 slen;
	int		 fd, e = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		e = errno;
		if (e == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, ms) <= 0)
				e = ETIMEDOUT;
			else {
				slen = sizeof(e);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
				    &slen) == -1)
					e = errno;
			}
		}
	}
	*fdp = fd;
	return e;
}

/* Why no answer came: the first address's reason, or a dropped line. */
static void
http_why(const struct target *t, int timeout_s, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	char		 port[16];
	int		 r, e = 0, fd, ms;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", t->port);
	if ((r = getaddrinfo(t->host, port, &hints, &res)) != 0) {
		errf(err, errlen, "cannot connect to %s: %s", t->url,
		    gai_strerror(r));
		return;
	}
	ms = timeout_s * 1000 < DIAG_TIMEOUT_MS ? timeout_s * 1000 :
	    DIAG_TIMEOUT_MS;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = -1;
		e = connect_one(ai, ms, &fd);
		if (fd != -1)
			close(fd);
		if (e == 0)
			break;
	}
	freeaddrinfo(res);
	if (e != 0)
		errf(err, errlen, "cannot connect to %s: %s", t->url,
		    strerror(e));
	else
		errf(err, errlen, "%s closed the connection without an "
		    "answer", t->url);
}

int
http_request(struct ctl *ctl, enum http_method method, const char *path,
    const char *body, size_t len, struct http_resp *resp, char *err,
    size_t errlen)
{
	static const enum evhttp_cmd_type cmds[] = {
		EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_PUT,
		EVHTTP_REQ_DELETE
	};
	struct evhttp_connection *evcon;
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	struct call		 c;
	char			*uri = NULL, clen[32];
	int			 rc = -1;

	memset(resp, 0, sizeof(*resp));
	memset(&c, 0, sizeof(c));
	c.base = ctl->base;
	c.resp = resp;
	if (asprintf(&uri, "%s%s", ctl->t.prefix, path) == -1) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	/* A NULL resolver: the name is looked up, blocking, at connect. */
	evcon = evhttp_connection_base_new(ctl->base, NULL, ctl->t.host,
	    (unsigned short)ctl->t.port);
	if (evcon == NULL || (req = evhttp_request_new(http_done, &c)) ==
	    NULL) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	evhttp_connection_set_timeout(evcon, ctl->timeout_s);
	evhttp_connection_set_retries(evcon, 0);
	evhttp_request_set_error_cb(req, http_error);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", ctl->t.hosthdr);
	evhttp_add_header(h, "User-Agent", "solarctl/" PACKAGE_VERSION);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "Connection", "close");
	if (ctl->t.key != NULL)
		evhttp_add_header(h, "X-API-Key", ctl->t.key);
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	}
	/* Said even when empty: a POST without it may wait for a body. */
	if (method != HTTP_GET) {
		snprintf(clen, sizeof(clen), "%zu", body != NULL ? len : 0);
		evhttp_add_header(h, "Content-Length", clen);
	}
	/* On failure libevent has freed req. */
	if (evhttp_make_request(evcon, req, cmds[method], uri) == -1) {
		errf(err, errlen, "cannot send a request to %s", ctl->t.url);
		goto out;
	}
	event_base_dispatch(ctl->base);
	if (c.answered)
		rc = 0;
	else if (c.timed_out)
		errf(err, errlen, "%s did not answer within %d s", ctl->t.url,
		    ctl->timeout_s);
	else if (c.too_big)
		errf(err, errlen, "the answer of %s is too big", ctl->t.url);
	else if (c.nomem)
		errf(err, errlen, "out of memory");
	else
		http_why(&ctl->t, ctl->timeout_s, err, errlen);
out:
	if (evcon != NULL)
		evhttp_connection_free(evcon);
	free(uri);
	return rc;
}

void
http_resp_free(struct http_resp *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}
