/*
 * wsclient.c: a WebSocket client for the integration tests, on the same
 * common/ws.c as the daemon.  Prints "HTTP <status>" when the upgrade is
 * refused, each text message on a line of its own, and "CLOSE <code>" at
 * the end of the session.
 *
 * usage: wsclient [-q] [-k key] [-n count] [-t seconds] [-S] port path
 *   -k key   send the key in X-API-Key (with -q: as ?api_key=)
 *   -n N     leave after N messages
 *   -t S     leave after S seconds (exit status 3)
 *   -S       never read (a stalled client), for -t seconds
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "ws.h"

static struct event_base	*base;
static struct ws		*ws;
static long			 want = -1, got;
static int			 upgraded, status = 0;

static void
on_text(struct ws *w, const char *text, size_t len, void *arg)
{
	(void)w;
	(void)arg;
	printf("%.*s\n", (int)len, text);
	fflush(stdout);
	if (want >= 0 && ++got >= want)
		event_base_loopexit(base, NULL);
}

static void
on_closed(struct ws *w, uint16_t code, void *arg)
{
	(void)w;
	(void)arg;
	printf("CLOSE %u\n", code);
	fflush(stdout);
	event_base_loopexit(base, NULL);
}

static const struct ws_callbacks cbs = { on_text, on_closed };

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char		 line[64];
	size_t		 n;

	(void)arg;
	if (upgraded) {
		ws_read(ws);
		return;
	}
	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos == -1)
		return;
	n = evbuffer_copyout(in, line, sizeof(line) - 1);
	line[n] = '\0';
	if (strncmp(line, "HTTP/1.1 101", 12) != 0) {
		printf("HTTP %.3s\n", line + 9);
		status = 4;
		event_base_loopexit(base, NULL);
		return;
	}
	evbuffer_drain(in, p.pos + 4);
	upgraded = 1;
	if (evbuffer_get_length(in) > 0)
		ws_read(ws);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
	if (upgraded)
		ws_write(ws);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		printf("EOF\n");
		fflush(stdout);
		event_base_loopexit(base, NULL);
	}
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	status = 3;
	event_base_loopexit(base, NULL);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	struct bufferevent	*bev;
	struct event		*ev;
	struct timeval		 tv = { 10, 0 };
	const char		*key = NULL;
	char			 ckey[25];
	int			 ch, query = 0, stall = 0;

	while ((ch = getopt(argc, argv, "k:n:qSt:")) != -1) {
		switch (ch) {
		case 'k':
			key = optarg;
			break;
		case 'n':
			want = atol(optarg);
			break;
		case 'q':
			query = 1;
			break;
		case 'S':
			stall = 1;
			break;
		case 't':
			tv.tv_sec = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2)
		return 2;
	base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(atoi(argv[optind]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1) {
		perror("connect");
		return 2;
	}
	ws_client_key(ckey);
	evbuffer_add_printf(bufferevent_get_output(bev),
	    "GET %s%s%s%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\n",
	    argv[optind + 1], query && key != NULL ?
	    (strchr(argv[optind + 1], '?') ? "&" : "?") : "",
	    query && key != NULL ? "api_key=" : "",
	    query && key != NULL ? key : "", ckey);
	if (key != NULL && !query)
		evbuffer_add_printf(bufferevent_get_output(bev),
		    "X-API-Key: %s\r\n", key);
	evbuffer_add(bufferevent_get_output(bev), "\r\n", 2);
	ws = ws_new(bev, 0, 1 << 20, &cbs, NULL);
	bufferevent_setcb(bev, on_read, on_write, on_event, NULL);
	if (stall) {
		/* Connect and ask, then never read a byte again. */
		bufferevent_enable(bev, EV_WRITE);
		bufferevent_setwatermark(bev, EV_READ, 0, 1);
		setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_RCVBUF,
		    &(int){ 4096 }, sizeof(int));
	} else
		bufferevent_enable(bev, EV_READ | EV_WRITE);
	ev = evtimer_new(base, on_timeout, NULL);
	evtimer_add(ev, &tv);
	event_base_dispatch(base);
	ws_free(ws);
	bufferevent_free(bev);
	event_free(ev);
	event_base_free(base);
	return status;
}
