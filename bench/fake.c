/*
 * fake.c: a llama-server stand-in for the benchmarks.  It takes the same
 * command line (only --host and --port matter), binds its port first,
 * answers GET /health with 503 until it is "loaded" and 200 after, prints
 * the two lines a real one prints when ready, then prints numbered lines
 * carrying the CLOCK_MONOTONIC time of their write(2), at a given rate, to
 * stderr (one pipe with stdout under solar-host).  Settings come from the
 * environment, which the benchmarks set in a file beside the model
 * (tests/fakeopts.c):
 *
 *   BENCH_LOAD_MS=N   ready N ms after start (default 0)
 *   BENCH_LINES=N     lines to print once ready (default 0)
 *   BENCH_RATE=N      lines per second (default 1000)
 *   BENCH_LEN=N       bytes per line without the newline (default 100)
 *   BENCH_WAIT=1      print only after SIGUSR1 (clients connect first)
 *   BENCH_STATS=FILE  write "ready NS" when ready and, after the last line,
 *                     "done LINES ELAPSED_NS LATE_NS" (how far behind the
 *                     schedule the last write finished)
 *   BENCH_NONL=N      before the lines, N bytes "y" with no newline as fast
 *                     as the pipe takes them, then one newline; the stats
 *                     get "nonl N ELAPSED_NS"
 *
 * A line is "B <index> <monotonic ns> xxx...".  Lines due at the same
 * wake-up (every 1 ms at most; one line per wake-up up to 1,000 lines/s)
 * leave in one write(2), as a busy llama-server's would.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakeopts.h"

#define NS		1000000000LL
#define TICK_NS		1000000LL	/* shortest wake-up period */
#define MAX_LEN		4096
#define MAX_BATCH_BYTES	(256 * 1024)

static volatile sig_atomic_t	 go, terminated;
static int64_t			 t0;

static int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static long
env_long(const char *name, long def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : def;
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		go = 1;
	else
		terminated = 1;
}

/* Whole writes; a full pipe blocks us, which the schedule then shows. */
static void
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR && !terminated)
				continue;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* "0.00.050.000 I srv  ...", as llama-server prefixes its lines. */
static void
say(const char *msg)
{
	char	 buf[512];
	int64_t	 us = (mono_ns() - t0) / 1000;
	int	 n;

	n = snprintf(buf, sizeof(buf), "%lld.%02lld.%03lld.%03lld I %s\n",
	    (long long)(us / 60000000), (long long)(us / 1000000 % 60),
	    (long long)(us / 1000 % 1000), (long long)(us % 1000), msg);
	if (n > 0 && (size_t)n < sizeof(buf))
		write_all(STDERR_FILENO, buf, (size_t)n);
}

static void
stats(const char *path, const char *text)
{
	char	 tmp[4096];
	int	 fd;

	if (path == NULL)
		return;
	/* Written whole and renamed: a reader never sees half of it. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return;
	write_all(fd, text, strlen(text));
	close(fd);
	rename(tmp, path);
}

static void
answer(int lfd, int ready)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: 15\r\n"
	    "Connection: close\r\n\r\n{\"status\":\"ok\"}";
	static const char loading[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: application/json\r\nContent-Length: 76\r\n"
	    "Connection: close\r\n\r\n{\"error\":{\"message\":\"Loading model\","
	    "\"type\":\"unavailable_error\",\"code\":503}}";
	struct pollfd	 pfd;
	char		 buf[2048];
	int		 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return;
	/* The request head, briefly; it is not checked. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 100) == 1)
		(void)read(fd, buf, sizeof(buf));
	if (ready)
		write_all(fd, ok, sizeof(ok) - 1);
	else
		write_all(fd, loading, sizeof(loading) - 1);
	close(fd);
}

/* A runaway line: n bytes without a newline, in pipe-sized writes. */
static void
nonl(long n, const char *path)
{
	static char	 buf[65536];
	char		 msg[64];
	int64_t		 t = mono_ns();
	size_t		 k;

	memset(buf, 'y', sizeof(buf));
	while (n > 0) {
		k = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf);
		write_all(STDERR_FILENO, buf, k);
		n -= (long)k;
	}
	write_all(STDERR_FILENO, "\n", 1);
	snprintf(msg, sizeof(msg), "nonl %ld %lld\n", env_long("BENCH_NONL", 0),
	    (long long)(mono_ns() - t));
	stats(path, msg);
}

static int
listen_on(const char *host, int port)
{
	struct sockaddr_in	 sin;
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1)
		return -1;
	return fd;
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	sigset_t		 mask, orig;
	struct pollfd		 pfd;
	struct timespec		 ts;
	const char		*host = "127.0.0.1", *path;
	char			 msg[256], *batch, fill[MAX_LEN + 1];
	int64_t			 ready_at, start = 0, next, period, now, due;
	int64_t			 late = 0;
	long			 lines, rate, len, done = 0, i;
	size_t			 off, cap;
	int			 port = 8080, lfd, ready = 0, printing = 0;
	int			 n, waiting, nonl_done = 0;

	t0 = mono_ns();
	fakeopts_load(argc, argv);
	for (i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--host") == 0)
			host = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
	}
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	path = getenv("BENCH_STATS");
	lines = env_long("BENCH_LINES", 0);
	rate = env_long("BENCH_RATE", 1000);
	len = env_long("BENCH_LEN", 100);
	waiting = env_long("BENCH_WAIT", 0) != 0;
	if (rate < 1)
		rate = 1;
	if (len < 40)
		len = 40;
	if (len > MAX_LEN)
		len = MAX_LEN;
	ready_at = t0 + env_long("BENCH_LOAD_MS", 0) * 1000000LL;
	memset(fill, 'x', sizeof(fill));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* Signals arrive only in ppoll(), which they then cut short. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, &orig);

	say("cmn  common_param: common_params_print_info: verbosity = 3");
	if ((lfd = listen_on(host, port)) == -1) {
		snprintf(msg, sizeof(msg), "srv    start: couldn't bind HTTP "
		    "server socket, hostname: %s, port: %d", host, port);
		say(msg);
		say("srv  llama_server: exiting due to HTTP server error");
		return 1;
	}
	say("srv    load_model: loading model");

	/* Lines due at one wake-up go out together. */
	period = NS / rate;
	if (period < TICK_NS)
		period = TICK_NS;
	cap = (size_t)(period / (NS / rate) + 2) * (size_t)(len + 1);
	if (cap > MAX_BATCH_BYTES)
		cap = MAX_BATCH_BYTES;
	if ((batch = malloc(cap)) == NULL)
		return 1;

	next = ready_at;
	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!terminated) {
		now = mono_ns();
		if (!ready && now >= ready_at) {
			ready = 1;
			snprintf(msg, sizeof(msg), "ready %lld\n",
			    (long long)now);
			stats(path, msg);
			say("srv  llama_server: model loaded");
			snprintf(msg, sizeof(msg), "srv  llama_server: listening "
			    "on http://%s:%d", host, port);
			say(msg);
		}
		if (ready && !nonl_done && (!waiting || go)) {
			nonl_done = 1;
			if (env_long("BENCH_NONL", 0) > 0)
				nonl(env_long("BENCH_NONL", 0), path);
		}
		if (ready && !printing && done < lines && (!waiting || go)) {
			printing = 1;
			start = next = mono_ns();
		}
		if (printing) {
			/* Every line due by now, in writes of at most cap. */
			due = (now - start) / 1000 * rate / 1000000 + 1;
			if (due > lines)
				due = lines;
			while (done < due) {
				int64_t	 stamp = mono_ns();

				off = 0;
				while (done < due && off + (size_t)len + 1 <=
				    cap) {
					n = snprintf(batch + off, cap - off,
					    "B %ld %lld ", done,
					    (long long)stamp);
					if (n < 0 || n >= len)
						return 1;
					memcpy(batch + off + n, fill,
					    (size_t)(len - n));
					batch[off + len] = '\n';
					off += (size_t)len + 1;
					done++;
				}
				write_all(STDERR_FILENO, batch, off);
			}
			if (done >= lines) {
				printing = 0;
				late = mono_ns() - (start + (int64_t)(lines -
				    1) * NS / rate);
				snprintf(msg, sizeof(msg), "done %ld %lld "
				    "%lld\n", lines,
				    (long long)(mono_ns() - start),
				    (long long)(late > 0 ? late : 0));
				stats(path, msg);
			} else
				next += period;
		}
		/* Sleep until the next wake-up, serving /health meanwhile. */
		now = mono_ns();
		if (printing)
			due = next - now;
		else if (!ready)
			due = ready_at - now;
		else
			due = NS;
		if (due < 0)
			due = 0;
		ts.tv_sec = due / NS;
		ts.tv_nsec = due % NS;
		if (ppoll(&pfd, 1, &ts, &orig) == 1)
			answer(lfd, ready);
	}
	say("srv    operator(): operator(): cleaning up before exit...");
	free(batch);
	return 0;
}
