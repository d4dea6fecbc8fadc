/*
 * benchcli.c: the plain HTTP client of the benchmarks (blocking sockets,
 * 127.0.0.1 only), with the figures that need a clock of their own:
 *
 *   benchcli freeport
 *	a free TCP port on 127.0.0.1
 *   benchcli req -p PORT [-k KEY] [-X METHOD] [-d BODY] [-o FILE] PATH
 *	one request; prints the status, writes the body to FILE
 *   benchcli creates -p PORT -k KEY -n N [-e ENVJSON]
 *	N creates one after the other on one keep-alive connection, as a
 *	script would do them; prints "ms=T failed=F"
 *   benchcli start -p PORT -k KEY -n N -s STATSFILE ID
 *	N times: POST /instances/ID/start, then stop; the instance runs
 *	bench/fake with BENCH_STATS=STATSFILE, which records the instant it
 *	became ready; prints the delay from there to the answer (p50, max)
 *	and from the request to the answer (p50), in milliseconds
 *   benchcli startup -p PORT [-t MS] -- COMMAND ...
 *	run COMMAND and GET /health every millisecond until it answers
 *	200; prints "ms=T", then stops COMMAND with SIGTERM and waits
 *   benchcli rss PID
 *	RSS in kB of the supervisor PID, its API process and its sampler
 *   benchcli soak -p PORT -k KEY -P PID -s SECONDS [-w SECONDS] [-L LOGDIR]
 *	[-m MODEL] (the fake's options are in MODEL.fake beside it)
 *	cycles of create, start, WebSocket connect (history read, then a
 *	close frame or an abrupt close, in turn), stop and delete, for -s
 *	seconds after -w seconds of warm-up; prints the cycles done and the
 *	RSS of the supervisor and the API process together after the
 *	warm-up, half-way and at the end, and of each; the log files in
 *	LOGDIR are removed as it goes
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define NS		1000000000LL
#define IO_TIMEOUT_S	30

struct conn {
	int	 port;
	int	 fd;
};

struct resp {
	int	 status;
	char	*body;
	size_t	 len;
	size_t	 cap;
};

static const char	*key;
static const char	*soak_model = "/m.gguf";

static int64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
dial(int port)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { IO_TIMEOUT_S, 0 };
	int			 fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
grow(struct resp *r, size_t need)
{
	char	*p;
	size_t	 cap = r->cap == 0 ? 65536 : r->cap;

	if (need <= r->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(r->body, cap)) == NULL)
		return -1;
	r->body = p;
	r->cap = cap;
	return 0;
}

/* One exchange on c, reconnecting once if a kept connection is gone. */
static int
request(struct conn *c, const char *method, const char *path,
    const char *body, struct resp *r)
{
	char		 head[1024], *end, *cl;
	size_t		 have, hlen, blen = body != NULL ? strlen(body) : 0;
	size_t		 clen;
	ssize_t		 n;
	int		 hn, attempt;

	hn = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n%s%s%s%s"
	    "Content-Length: %zu\r\n\r\n", method, path,
	    key != NULL ? "X-API-Key: " : "", key != NULL ? key : "",
	    key != NULL ? "\r\n" : "",
	    body != NULL ? "Content-Type: application/json\r\n" : "", blen);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		return -1;
	for (attempt = 0; attempt < 2; attempt++) {
		if (c->fd == -1 && (c->fd = dial(c->port)) == -1)
			return -1;
		if (send_all(c->fd, head, (size_t)hn) == -1 ||
		    (blen > 0 && send_all(c->fd, body, blen) == -1))
			goto again;
		have = 0;
		end = NULL;
		for (;;) {
			if (grow(r, have + 4096 + 1) == -1)
				return -1;
			if ((n = recv(c->fd, r->body + have,
			    r->cap - have - 1, 0)) <= 0)
				break;
			have += (size_t)n;
			r->body[have] = '\0';
			if ((end = strstr(r->body, "\r\n\r\n")) != NULL)
				break;
		}
		if (have == 0 || end == NULL)
			goto again;
		hlen = (size_t)(end - r->body) + 4;
		r->status = atoi(r->body + 9);
		clen = 0;
		for (cl = r->body; cl < end; cl++)
			if (*cl == '\n' && strncasecmp(cl + 1,
			    "Content-Length:", 15) == 0)
				clen = strtoul(cl + 16, NULL, 10);
		if (grow(r, hlen + clen + 1) == -1)
			return -1;
		while (have < hlen + clen) {
			if ((n = recv(c->fd, r->body + have,
			    hlen + clen - have, 0)) <= 0)
				return -1;
			have += (size_t)n;
		}
		memmove(r->body, r->body + hlen, clen);
		r->body[clen] = '\0';
		r->len = clen;
		return 0;
again:
		close(c->fd);
		c->fd = -1;
	}
	return -1;
}

/* The value of "id" in a JSON body, first one. */
static int
find_id(const char *body, char id[64])
{
	const char	*p;
	size_t		 n;

	if ((p = strstr(body, "\"id\":\"")) == NULL)
		return -1;
	p += 6;
	n = strcspn(p, "\"");
	if (n == 0 || n >= 64)
		return -1;
	memcpy(id, p, n);
	id[n] = '\0';
	return 0;
}

static int
cmd_freeport(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return 1;
	printf("%d\n", ntohs(sin.sin_port));
	close(fd);
	return 0;
}

static int
cmd_req(struct conn *c, const char *method, const char *body,
    const char *out, const char *path)
{
	struct resp	 r = { 0, NULL, 0, 0 };
	FILE		*f;

	if (request(c, method, path, body, &r) == -1) {
		printf("000\n");
		return 1;
	}
	printf("%d\n", r.status);
	if (out != NULL && (f = fopen(out, "w")) != NULL) {
		fwrite(r.body, 1, r.len, f);
		fclose(f);
	}
	free(r.body);
	return r.status / 100 == 2 ? 0 : 1;
}

static int
cmd_creates(struct conn *c, long n, const char *env)
{
	struct resp	 r = { 0, NULL, 0, 0 };
	char		 body[8192];
	int64_t		 t;
	long		 i, failed = 0;

	t = mono_ns();
	for (i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "{\"config\":{\"model\":"
		    "\"/m.gguf\",\"alias\":\"bench-%ld\",\"api_key\":\"ik\","
		    "\"env\":%s}}", i, env);
		if (request(c, "POST", "/instances", body, &r) == -1 ||
		    r.status != 200)
			failed++;
	}
	t = mono_ns() - t;
	printf("ms=%.1f failed=%ld\n", (double)t / 1e6, failed);
	free(r.body);
	return failed > 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* "ready NS" from bench/fake, or -1 until it is there. */
static int64_t
ready_stamp(const char *path)
{
	FILE		*f;
	long long	 v = -1;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "ready %lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int
cmd_start(struct conn *c, long n, const char *stats, const char *id)
{
	struct resp	 r = { 0, NULL, 0, 0 };
	char		 start[256], stop[256];
	double		*after, *total;
	int64_t		 t0, t1, ready;
	long		 i, bad = 0;

	if ((after = calloc((size_t)n, sizeof(*after))) == NULL ||
	    (total = calloc((size_t)n, sizeof(*total))) == NULL)
		return 2;
	snprintf(start, sizeof(start), "/instances/%s/start", id);
	snprintf(stop, sizeof(stop), "/instances/%s/stop", id);
	for (i = 0; i < n; i++) {
		unlink(stats);
		t0 = mono_ns();
		if (request(c, "POST", start, NULL, &r) == -1 ||
		    r.status != 200 ||
		    strstr(r.body, "\"status\":\"running\"") == NULL) {
			bad++;
			fprintf(stderr, "benchcli: start: %d %s\n", r.status,
			    r.body != NULL ? r.body : "");
		}
		t1 = mono_ns();
		ready = ready_stamp(stats);
		after[i] = ready > 0 ? (double)(t1 - ready) / 1e6 : 1e9;
		total[i] = (double)(t1 - t0) / 1e6;
		if (request(c, "POST", stop, NULL, &r) == -1 ||
		    r.status != 200)
			bad++;
	}
	qsort(after, (size_t)n, sizeof(*after), cmp_double);
	qsort(total, (size_t)n, sizeof(*total), cmp_double);
	printf("n=%ld bad=%ld after_ready_p50_ms=%.2f after_ready_max_ms=%.2f "
	    "total_p50_ms=%.2f\n", n, bad, after[(n - 1) / 2], after[n - 1],
	    total[(n - 1) / 2]);
	free(after);
	free(total);
	free(r.body);
	return bad > 0;
}

static int
cmd_startup(int port, long timeout_ms, char *argv[])
{
	struct conn	 c = { port, -1 };
	struct resp	 r = { 0, NULL, 0, 0 };
	int64_t		 t0, end;
	double		 ms = -1;
	pid_t		 pid;
	int		 i;

	t0 = mono_ns();
	end = t0 + timeout_ms * 1000000LL;
	if ((pid = fork()) == -1)
		return 2;
	if (pid == 0) {
		/* Our stdout is the caller's result; the daemon's is not. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	key = NULL;
	while (mono_ns() < end) {
		if (request(&c, "GET", "/health", NULL, &r) == 0 &&
		    r.status == 200) {
			ms = (double)(mono_ns() - t0) / 1e6;
			break;
		}
		if (c.fd != -1)
			close(c.fd);
		c.fd = -1;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		sleep_ms(1);
	}
	if (c.fd != -1)
		close(c.fd);
	free(r.body);
	/* Stopped as SIGTERM stops it; killed if it takes over 10 s. */
	kill(pid, SIGTERM);
	for (i = 0; i < 1000 && waitpid(pid, NULL, WNOHANG) == 0; i++)
		sleep_ms(10);
	if (i == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	printf("ms=%.1f\n", ms);
	return ms < 0;
}

/* VmRSS of a process in kB, or 0. */
static long
rss_kb(long pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

/* The supervisor's children by name: its API process and its sampler. */
static void
children(long sup, long *apid, long *sampler)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[300], buf[512], *p;
	FILE		*f;
	long		 ppid;

	*apid = *sampler = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == sup) {
			if (strstr(buf, "(solar-host-apid)") != NULL)
				*apid = atol(de->d_name);
			else if (strstr(buf, "(solar-host)") != NULL)
				*sampler = atol(de->d_name);
		}
		fclose(f);
	}
	closedir(d);
}

static long
rss_pair(long sup)
{
	long	 apid, sampler;

	children(sup, &apid, &sampler);
	return rss_kb(sup) + (apid > 0 ? rss_kb(apid) : 0);
}

static int
cmd_rss(long sup)
{
	long	 apid, sampler, s, a;

	children(sup, &apid, &sampler);
	s = rss_kb(sup);
	a = apid > 0 ? rss_kb(apid) : 0;
	printf("supervisor=%ld apid=%ld sampler=%ld total=%ld\n", s, a,
	    sampler > 0 ? rss_kb(sampler) : 0, s + a);
	return s > 0 && a > 0 ? 0 : 1;
}

/*
 * A WebSocket client that reads some of the history and leaves: with a
 * close frame when polite, else by dropping the connection.
 */
static int
ws_visit(int port, const char *id, int polite)
{
	/* A masked close frame, code 1000, mask 0. */
	static const char	 bye[] = "\x88\x82\0\0\0\0\x03\xe8";
	struct timeval		 tv = { 1, 0 };
	char			 buf[8192], *p;
	int			 fd, n, got = 0, hdr = 0;

	if ((fd = dial(port)) == -1)
		return -1;
	n = snprintf(buf, sizeof(buf), "GET /instances/%s/logs HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "X-API-Key: %s\r\n\r\n", id, key);
	if (send_all(fd, buf, (size_t)n) == -1) {
		close(fd);
		return -1;
	}
	/* The 101, then frames for a second or 4 KiB of them. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < 4096) {
		if ((n = (int)recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		if (hdr) {
			got += n;
			continue;
		}
		if (n < 12 || strncmp(buf, "HTTP/1.1 101", 12) != 0)
			break;
		hdr = 1;
		if ((p = memmem(buf, (size_t)n, "\r\n\r\n", 4)) != NULL)
			got += n - (int)(p + 4 - buf);
	}
	if (polite)
		(void)send_all(fd, bye, sizeof(bye) - 1);
	close(fd);
	return hdr ? 0 : -1;
}

static void
clean_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[4096];

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static int
soak_cycle(struct conn *c, long i)
{
	struct resp	 r = { 0, NULL, 0, 0 };
	char		 id[64], path[256], body[4352];
	int		 rc = -1;

	snprintf(body, sizeof(body), "{\"config\":{\"model\":\"%s\","
	    "\"alias\":\"soak\",\"api_key\":\"ik\"}}", soak_model);
	if (request(c, "POST", "/instances", body, &r) == -1 || r.status != 200 ||
	    find_id(r.body, id) == -1)
		goto out;
	snprintf(path, sizeof(path), "/instances/%s/start", id);
	if (request(c, "POST", path, NULL, &r) == -1 || r.status != 200)
		goto out;
	if (ws_visit(c->port, id, (int)(i & 1)) == -1)
		goto out;
	snprintf(path, sizeof(path), "/instances/%s/stop", id);
	if (request(c, "POST", path, NULL, &r) == -1 || r.status != 200)
		goto out;
	snprintf(path, sizeof(path), "/instances/%s", id);
	if (request(c, "DELETE", path, NULL, &r) == -1 || r.status != 200)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "benchcli: soak cycle %ld: %d %s\n", i,
		    r.status, r.body != NULL ? r.body : "");
	free(r.body);
	return rc;
}

/* The supervisor's and the API process's RSS, settled a moment first. */
static void
soak_sample(long sup, const char *logdir, long *s, long *a)
{
	long	 apid, sampler;

	clean_dir(logdir);
	sleep_ms(200);
	children(sup, &apid, &sampler);
	*s = rss_kb(sup);
	*a = apid > 0 ? rss_kb(apid) : 0;
}

static int
cmd_soak(struct conn *c, long sup, long seconds, long warmup,
    const char *logdir)
{
	int64_t		 t, mid, end;
	long		 i, n = 0, failed = 0, peak = 0, v;
	long		 s0, a0, s1, a1, s2, a2;

	/* Warm-up: the allocator settles; then start, half-way, end. */
	end = mono_ns() + warmup * NS;
	while (mono_ns() < end)
		if (soak_cycle(c, n++) == -1 && ++failed > 100)
			break;
	soak_sample(sup, logdir, &s0, &a0);
	t = mono_ns();
	mid = t + seconds * NS / 2;
	end = t + seconds * NS;
	s1 = a1 = -1;
	for (i = 0; mono_ns() < end && failed <= 100; i++) {
		if (soak_cycle(c, n++) == -1)
			failed++;
		if (i % 50 == 49)
			clean_dir(logdir);
		if ((v = rss_pair(sup)) > peak)
			peak = v;
		if (s1 == -1 && mono_ns() >= mid)
			soak_sample(sup, logdir, &s1, &a1);
	}
	soak_sample(sup, logdir, &s2, &a2);
	printf("cycles=%ld measured=%ld failed=%ld rss_start_kb=%ld "
	    "rss_mid_kb=%ld rss_end_kb=%ld rss_peak_kb=%ld sup_kb=%ld,%ld,%ld "
	    "apid_kb=%ld,%ld,%ld\n", n, i, failed, s0 + a0, s1 + a1, s2 + a2,
	    peak, s0, s1, s2, a0, a1, a2);
	return failed > 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: benchcli freeport | req | creates | start | "
	    "startup | rss | soak ... (see the comment in benchcli.c)\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct conn	 c = { 0, -1 };
	const char	*cmd, *method = "GET", *body = NULL, *out = NULL;
	const char	*env = "{}", *stats = NULL, *logdir = NULL;
	long		 n = 1, seconds = 60, warmup = 5, timeout_ms = 10000;
	long		 sup = 0;
	int		 ch;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argc--;
	argv++;
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "+d:e:k:L:m:n:o:P:p:s:t:w:X:")) != -1) {
		switch (ch) {
		case 'd':
			body = optarg;
			break;
		case 'e':
			env = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'L':
			logdir = optarg;
			break;
		case 'm':
			soak_model = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'P':
			sup = atol(optarg);
			break;
		case 'p':
			c.port = atoi(optarg);
			break;
		case 's':
			stats = optarg;
			seconds = atol(optarg);
			break;
		case 't':
			timeout_ms = atol(optarg);
			break;
		case 'w':
			warmup = atol(optarg);
			break;
		case 'X':
			method = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "freeport") == 0)
		return cmd_freeport();
	if (strcmp(cmd, "rss") == 0 && argc == 1)
		return cmd_rss(atol(argv[0]));
	if (c.port <= 0)
		usage();
	if (strcmp(cmd, "req") == 0 && argc == 1)
		return cmd_req(&c, method, body, out, argv[0]);
	if (strcmp(cmd, "creates") == 0 && argc == 0 && n > 0)
		return cmd_creates(&c, n, env);
	if (strcmp(cmd, "start") == 0 && argc == 1 && n > 0 && stats != NULL)
		return cmd_start(&c, n, stats, argv[0]);
	if (strcmp(cmd, "startup") == 0 && argc > 0)
		return cmd_startup(c.port, timeout_ms, argv);
	if (strcmp(cmd, "soak") == 0 && argc == 0 && sup > 0 && key != NULL)
		return cmd_soak(&c, sup, seconds, warmup, logdir);
	usage();
	return 2;
}
