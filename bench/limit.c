/*
 * limit.c: the yardstick of the API benchmarks, the limit of solar-host's
 * own stack: a minimal libevent evhttp server, single-threaded as apid is,
 * that serves fixed bodies from memory, set up as a best-case evhttp
 * server is: TCP_NODELAY on the listening socket (accepted sockets inherit
 * it on Linux) and bufferevents whose single write is not capped at
 * libevent's 16 KiB.  The bodies are files read at start, captured from
 * the daemon by bench/run.sh:
 *
 *   GET /health            HEALTH
 *   GET /instances         LIST
 *   GET /instances/<any>   ONE
 *   POST /instances        CREATED  (the answer to a create)
 *   DELETE /instances/<any> DELETED (the answer to a delete)
 *
 * usage: limit -p port HEALTH LIST ONE CREATED DELETED
 * It listens on 127.0.0.1 only and runs until SIGTERM or SIGINT.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

enum { B_HEALTH, B_LIST, B_ONE, B_CREATED, B_DELETED, B_COUNT };

struct body {
	char	*data;
	size_t	 len;
};

static struct body	 bodies[B_COUNT];

static int
slurp(const char *path, struct body *b)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		perror(path);
		return -1;
	}
	if ((b->data = malloc((size_t)st.st_size + 1)) == NULL)
		return -1;
	while (off < (size_t)st.st_size &&
	    (n = read(fd, b->data + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	b->len = off;
	return 0;
}

static void
serve(struct evhttp_request *req, const struct body *b)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	/* By reference: no copy of the body at all. */
	evbuffer_add_reference(out, b->data, b->len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
	const char		*uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);
	static const char	 pfx[] = "/instances/";

	(void)arg;
	if (m == EVHTTP_REQ_GET && strcmp(uri, "/health") == 0)
		serve(req, &bodies[B_HEALTH]);
	else if (m == EVHTTP_REQ_GET && strcmp(uri, "/instances") == 0)
		serve(req, &bodies[B_LIST]);
	else if (m == EVHTTP_REQ_POST && strcmp(uri, "/instances") == 0)
		serve(req, &bodies[B_CREATED]);
	else if (strncmp(uri, pfx, sizeof(pfx) - 1) == 0 &&
	    m == EVHTTP_REQ_GET)
		serve(req, &bodies[B_ONE]);
	else if (strncmp(uri, pfx, sizeof(pfx) - 1) == 0 &&
	    m == EVHTTP_REQ_DELETE)
		serve(req, &bodies[B_DELETED]);
	else
		evhttp_send_error(req, 404, NULL);
}

/* Each connection's bufferevent: one write for the whole answer. */
static struct bufferevent *
new_bev(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;

	(void)arg;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bufferevent_set_max_single_write(bev, EV_SSIZE_MAX);
	return bev;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*ev_term, *ev_int;
	int			 ch, fd, i, on = 1, port = 0;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != B_COUNT || port <= 0 || port > 65535)
		goto usage;
	for (i = 0; i < B_COUNT; i++)
		if (slurp(argv[i], &bodies[i]) == -1)
			return 1;
	signal(SIGPIPE, SIG_IGN);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 511) == -1) {
		perror("limit: listen");
		return 1;
	}
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL)
		return 1;
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE);
	evhttp_set_bevcb(http, new_bev, NULL);
	evhttp_set_gencb(http, dispatch, NULL);
	if (evhttp_accept_socket(http, fd) == -1)
		return 1;
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	event_base_dispatch(base);
	event_free(ev_term);
	event_free(ev_int);
	evhttp_free(http);
	event_base_free(base);
	for (i = 0; i < B_COUNT; i++)
		free(bodies[i].data);
	return 0;

usage:
	fprintf(stderr, "usage: limit -p port HEALTH LIST ONE CREATED "
	    "DELETED\n");
	return 2;
}
