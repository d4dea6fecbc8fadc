/*
 * wsbench.c: WebSocket clients of WS /instances/{id}/logs for the
 * benchmarks, on the daemon's own common/ws.c.  Each client counts the
 * lines of bench/fake ("B <index> <monotonic ns> ..."), the indexes it
 * missed, and the delay from the fake's write(2) to its own receipt of
 * the frame.  Other lines (the fake's start-up lines in the history) are
 * skipped.
 *
 * usage: wsbench [-S] [-k key] [-c clients] [-n lines] [-t seconds]
 *            [-r readyfile] port path ...
 *        wsbench -i [-n lines] [-t seconds]
 *   -c N   N clients for each path (default 1)
 *   -n N   lines each client should get: indexes 0 to N-1 (default 1000)
 *   -t S   give up after S seconds (default 30)
 *   -r F   create F once every client is upgraded
 *   -i     read the fake's output from stdin instead (the floor: a pipe)
 *   -S     stalled clients: once upgraded they never read again, until
 *          -t is over (for the memory bound; nothing is counted)
 *
 * Prints one line: clients, expected, received, lost (never received),
 * dup (received twice or out of order), done (clients that saw the last
 * line), and the delay's p50, p99 and max in microseconds.  Exit status 0
 * when nothing was lost, 1 otherwise, 2 on a usage or connection error.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ws.h"

#define NS		1000000000LL
#define MAX_CLIENTS	1024

struct client {
	struct bufferevent	*bev;
	struct ws		*ws;
	int			 upgraded;
	int			 done;
	long			 next;		/* the index expected next */
	long			 received;
	long			 dup;
};

static struct event_base	*base;
static struct client		*clients;
static int			 nclients, nupgraded, ndone;
static long			 want = 1000;
static const char		*readyfile;
static int64_t			*lat;
static size_t			 nlat, latcap;
static int			 failed;
static int			 stalled;

static int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
lat_add(int64_t v)
{
	int64_t	*p;

	if (nlat == latcap) {
		latcap = latcap == 0 ? 65536 : latcap * 2;
		if ((p = realloc(lat, latcap * sizeof(*lat))) == NULL) {
			perror("realloc");
			exit(2);
		}
		lat = p;
	}
	lat[nlat++] = v;
}

/* A decimal number at *pp, which is moved past it; -1 if none. */
static long long
num(const char **pp, const char *end)
{
	const char	*p = *pp;
	long long	 v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	*pp = p;
	return v;
}

/* One of the fake's lines, "B <index> <ns> ...", seen at now. */
static void
got_line(struct client *c, const char *p, const char *end, int64_t now)
{
	long long	 idx, stamp;

	if (end - p < 2 || p[0] != 'B' || p[1] != ' ')
		return;
	p += 2;
	if ((idx = num(&p, end)) < 0 || p >= end || *p++ != ' ' ||
	    (stamp = num(&p, end)) < 0)
		return;
	if (idx < c->next) {
		c->dup++;
		return;
	}
	c->next = (long)idx + 1;
	c->received++;
	lat_add(now - stamp);
	if (idx >= want - 1 && !c->done) {
		c->done = 1;
		if (++ndone == nclients)
			event_base_loopexit(base, NULL);
	}
}

static void
on_text(struct ws *w, const char *text, size_t len, void *arg)
{
	static const char	 tag[] = "\"line\":\"";
	const char		*p, *end = text + len;

	(void)w;
	if ((p = memmem(text, len, tag, sizeof(tag) - 1)) == NULL)
		return;
	got_line(arg, p + sizeof(tag) - 1, end, mono_ns());
}

static void
on_closed(struct ws *w, uint16_t code, void *arg)
{
	struct client	*c = arg;

	(void)w;
	if (!c->done) {
		fprintf(stderr, "wsbench: closed with %u\n", code);
		failed = 1;
		event_base_loopexit(base, NULL);
	}
}

static const struct ws_callbacks cbs = { on_text, on_closed };

static void
upgraded(void)
{
	int	 fd;

	if (++nupgraded < nclients || readyfile == NULL)
		return;
	if ((fd = open(readyfile, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1)
		close(fd);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char		 head[16];

	if (c->upgraded) {
		ws_read(c->ws);
		return;
	}
	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos == -1)
		return;
	memset(head, 0, sizeof(head));
	evbuffer_copyout(in, head, sizeof(head) - 1);
	if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "wsbench: upgrade refused: %s\n", head);
		failed = 1;
		event_base_loopexit(base, NULL);
		return;
	}
	evbuffer_drain(in, (size_t)p.pos + 4);
	c->upgraded = 1;
	upgraded();
	if (stalled) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (evbuffer_get_length(in) > 0)
		ws_read(c->ws);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if (c->upgraded)
		ws_write(c->ws);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) && !c->done) {
		fprintf(stderr, "wsbench: connection lost\n");
		failed = 1;
		event_base_loopexit(base, NULL);
	}
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopexit(base, NULL);
}

static int
client_open(struct client *c, int port, const char *path, const char *key)
{
	struct sockaddr_in	 sin;
	char			 ckey[25];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return -1;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		return -1;
	ws_client_key(ckey);
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\n%s%s%s\r\n", path, ckey,
	    key != NULL ? "X-API-Key: " : "", key != NULL ? key : "",
	    key != NULL ? "\r\n" : "");
	if ((c->ws = ws_new(c->bev, 0, 1 << 20, &cbs, c)) == NULL)
		return -1;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return 0;
}

/* The floor: the fake's output straight from a pipe on stdin. */
static void
read_stdin(long seconds)
{
	static char	 buf[1 << 16];
	struct client	*c = &clients[0];
	int64_t		 end = mono_ns() + seconds * NS, now;
	size_t		 have = 0;
	ssize_t		 n;
	char		*p, *nl;

	while (!c->done && (now = mono_ns()) < end) {
		if ((n = read(STDIN_FILENO, buf + have,
		    sizeof(buf) - have)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		now = mono_ns();
		have += (size_t)n;
		p = buf;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf))) !=
		    NULL) {
			got_line(c, p, nl, now);
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == sizeof(buf))
			have = 0;	/* a line too long to matter */
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, in microseconds. */
static double
pct(double q)
{
	size_t	 i;

	if (nlat == 0)
		return -1;
	i = (size_t)(q * (double)nlat + 0.999999);
	if (i < 1)
		i = 1;
	if (i > nlat)
		i = nlat;
	return (double)lat[i - 1] / 1000.0;
}

int
main(int argc, char *argv[])
{
	struct event	*ev;
	struct timeval	 tv = { 30, 0 };
	const char	*key = NULL;
	long		 per = 1, received = 0, dup = 0, lost;
	int		 ch, i, j, port, fromstdin = 0, npaths;

	while ((ch = getopt(argc, argv, "c:ik:n:r:St:")) != -1) {
		switch (ch) {
		case 'c':
			per = atol(optarg);
			break;
		case 'i':
			fromstdin = 1;
			break;
		case 'k':
			key = optarg;
			break;
		case 'n':
			want = atol(optarg);
			break;
		case 'r':
			readyfile = optarg;
			break;
		case 'S':
			stalled = 1;
			break;
		case 't':
			tv.tv_sec = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	npaths = fromstdin ? 1 : argc - 1;
	if (per < 1 || want < 1 || npaths < 1 ||
	    (long)npaths * per > MAX_CLIENTS)
		goto usage;
	nclients = npaths * (int)per;
	if ((clients = calloc((size_t)nclients, sizeof(*clients))) == NULL)
		return 2;

	if (fromstdin) {
		nclients = 1;
		read_stdin(tv.tv_sec);
	} else {
		port = atoi(argv[0]);
		if ((base = event_base_new()) == NULL)
			return 2;
		for (i = 0; i < npaths; i++)
			for (j = 0; j < per; j++)
				if (client_open(&clients[i * per + j], port,
				    argv[1 + i], key) == -1) {
					fprintf(stderr, "wsbench: cannot "
					    "connect\n");
					return 2;
				}
		ev = evtimer_new(base, on_timeout, NULL);
		evtimer_add(ev, &tv);
		event_base_dispatch(base);
		event_free(ev);
	}

	for (i = 0; i < nclients; i++) {
		received += clients[i].received;
		dup += clients[i].dup;
	}
	lost = want * nclients - received;
	qsort(lat, nlat, sizeof(*lat), cmp64);
	printf("clients=%d expected=%ld received=%ld lost=%ld dup=%ld "
	    "done=%d p50_us=%.1f p99_us=%.1f max_us=%.1f\n", nclients,
	    want * nclients, received, lost, dup, fromstdin ?
	    clients[0].done : ndone, pct(0.50), pct(0.99), pct(1.0));
	if (!fromstdin) {
		for (i = 0; i < nclients; i++) {
			ws_free(clients[i].ws);
			bufferevent_free(clients[i].bev);
		}
		event_base_free(base);
	}
	free(clients);
	free(lat);
	return failed ? 2 : lost > 0 || dup > 0;

usage:
	fprintf(stderr, "usage: wsbench [-S] [-k key] [-c clients] [-n lines] "
	    "[-t seconds] [-r readyfile] port path ...\n"
	    "       wsbench -i [-n lines] [-t seconds]\n");
	return 2;
}
