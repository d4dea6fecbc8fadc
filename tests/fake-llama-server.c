/*
 * fake-llama-server.c: stands in for llama-server in the integration tests.
 * It takes the real command line, binds its port first, answers /health
 * with 503 while "loading" and 200 after, prints lines the way the real one
 * does, and misbehaves on request through environment variables, which
 * tests set in a file beside the model (fakeopts.c):
 *
 *   FAKE_LOAD_MS=N        ready N ms after start (default 50)
 *   FAKE_FAIL=1           print a model loading error and exit 1 at once
 *   FAKE_EXIT_AFTER_MS=N  exit with FAKE_EXIT_STATUS (default 1) after N ms
 *   FAKE_IGNORE_TERM=1    ignore SIGTERM (then only SIGKILL ends it)
 *   FAKE_SILENT=1         print nothing and never become ready
 *   FAKE_RECORD=FILE      write argv, the environment and open descriptors
 *   FAKE_LINES=N          once ready, print N lines "fake line I"
 *   FAKE_SCRIPT=FILE      once ready, print FILE's lines as they are
 *   FAKE_LINE_MS=N        wait N ms between those lines (default 0)
 *   FAKE_LINE_BATCH=N     print N lines each time (default 1)
 *   FAKE_BURST=N          once ready, print N lines "burst I" in one write
 *   FAKE_NONL_BYTES=N     once ready (after the burst), print N bytes "n"
 *                         with no newline, in writes of 64 KiB, then "\n"
 *                         if FAKE_NONL_END=1
 *   FAKE_NO_LISTEN=1      bind nothing, never answer, but stay alive
 *   FAKE_PROBELOG=FILE    after each answer, wait for the client's close
 *                         and append "clean" or "reset" (it closed with
 *                         unread bytes) to FILE
 *   FAKE_GRANDCHILD=N     fork N processes that ignore SIGTERM and sleep
 *   FAKE_SETSID=1         each of them calls setsid() first
 *   FAKE_FORK_EXIT=1      exit with status 1 right after forking them
 *   FAKE_PIDFILE=FILE     append each such process's pid to FILE, once it
 *                         ignores SIGTERM (and has its own session)
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakeopts.h"

extern char **environ;

static struct timespec	 t0;
static volatile sig_atomic_t terminated;

static long
elapsed_ms(void)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0.tv_sec) * 1000 +
	    (now.tv_nsec - t0.tv_nsec) / 1000000;
}

/* "0.00.119.625 I srv  ...": minutes, seconds, milliseconds, microseconds. */
static void __attribute__((format(printf, 2, 3)))
say(char level, const char *fmt, ...)
{
	va_list	 ap;
	long	 ms = elapsed_ms();

	if (getenv("FAKE_SILENT") != NULL)
		return;
	fprintf(stderr, "%ld.%02ld.%03ld.000 %c ", ms / 60000, (ms / 1000) % 60,
	    ms % 1000, level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static long
env_long(const char *name, long def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : def;
}

static void
record(const char *path, int argc, char *argv[])
{
	FILE		*f;
	DIR		*d;
	struct dirent	*de;
	char		 link[512], target[512];
	ssize_t		 n;
	int		 i;

	if ((f = fopen(path, "w")) == NULL)
		return;
	for (i = 0; i < argc; i++)
		fprintf(f, "arg %s\n", argv[i]);
	for (i = 0; environ[i] != NULL; i++)
		fprintf(f, "env %s\n", environ[i]);
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
				continue;
			snprintf(link, sizeof(link), "/proc/self/fd/%s",
			    de->d_name);
			if ((n = readlink(link, target, sizeof(target) - 1)) < 0)
				n = 0;
			target[n] = '\0';
			if (atoi(de->d_name) != fileno(f))
				fprintf(f, "fd %s %s\n", de->d_name, target);
		}
		closedir(d);
	}
	fprintf(f, "pgid %ld sid %ld pid %ld\n", (long)getpgid(0),
	    (long)getsid(0), (long)getpid());
	fclose(f);
}

/* FAKE_GRANDCHILD: each one ready (setsid done, SIGTERM ignored) before
 * its pid is written, so that a test never races its set-up. */
static void
grandchildren(long n)
{
	const char	*pidfile = getenv("FAKE_PIDFILE");
	pid_t		 pid;
	char		 c;
	long		 i;
	int		 p[2], fd;

	for (i = 0; i < n; i++) {
		if (pipe(p) == -1 || (pid = fork()) == -1)
			return;
		if (pid == 0) {
			close(p[0]);
			signal(SIGTERM, SIG_IGN);
			if (getenv("FAKE_SETSID") != NULL)
				(void)setsid();
			(void)write(p[1], "", 1);
			close(p[1]);
			for (;;)
				pause();
		}
		close(p[1]);
		(void)read(p[0], &c, 1);
		close(p[0]);
		if (pidfile != NULL && (fd = open(pidfile,
		    O_WRONLY | O_APPEND | O_CREAT, 0644)) != -1) {
			dprintf(fd, "%ld\n", (long)pid);
			close(fd);
		}
	}
}

static void
on_term(int sig)
{
	(void)sig;
	terminated = 1;
}

/* The lines printed once ready, one call per line due. */
struct script {
	FILE	*f;
	long	 lines;
	long	 done;
	long	 every_ms;
	long	 batch;
	long	 next_ms;
};

static int
script_step(struct script *sc, long now)
{
	char	 buf[70000];
	long	 i = 0;

	while (now >= sc->next_ms) {
		if (sc->f != NULL) {
			if (fgets(buf, sizeof(buf), sc->f) == NULL) {
				fclose(sc->f);
				sc->f = NULL;
				continue;
			}
			fputs(buf, stderr);
		} else if (sc->done < sc->lines)
			fprintf(stderr, "fake line %ld%s\n", sc->done++,
			    " ............................................"
			    "......................................");
		else
			return 0;
		fflush(stderr);
		if (++i % sc->batch == 0)
			sc->next_ms += sc->every_ms;
	}
	return 1;
}

/* Lines in one write(2), as a busy llama-server's buffered output comes. */
static void
burst(long n)
{
	char	*buf;
	size_t	 len = 0, cap = (size_t)n * 20 + 1;
	ssize_t	 w;
	long	 i;

	if (n <= 0 || (buf = malloc(cap)) == NULL)
		return;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "burst %ld\n", i);
	for (i = 0; (size_t)i < len; i += w)
		if ((w = write(STDERR_FILENO, buf + i, len - (size_t)i)) <= 0)
			break;
	free(buf);
}

/* One long line without its newline, as a runaway child prints it. */
static void
nonl(long n)
{
	static char	 buf[65536];
	size_t		 chunk;
	ssize_t		 w;

	memset(buf, 'n', sizeof(buf));
	while (n > 0) {
		chunk = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if ((w = write(STDERR_FILENO, buf, chunk)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return;
		}
		n -= w;
	}
	if (env_long("FAKE_NONL_END", 0) == 1)
		(void)write(STDERR_FILENO, "\n", 1);
}

/* How the client ended the connection, as llama-server's own client
 * error logging would see it. */
static void
probelog(int fd, const char *path)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		 buf[256];
	ssize_t		 n = -1;
	FILE		*f;

	(void)shutdown(fd, SHUT_WR);
	while (poll(&pfd, 1, 5000) == 1 &&
	    (n = read(fd, buf, sizeof(buf))) > 0)
		continue;
	if ((f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s\n", n == 0 ? "clean" : errno == ECONNRESET ? "reset" :
	    "other");
	fclose(f);
}

static void
answer(int fd, int ready)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: 15\r\nConnection: close\r\n"
	    "\r\n{\"status\":\"ok\"}";
	static const char loading[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: application/json\r\nContent-Length: 76\r\n"
	    "Connection: close\r\n\r\n{\"error\":{\"message\":\"Loading model\","
	    "\"type\":\"unavailable_error\",\"code\":503}}";
	const char	*log;
	char		 buf[2048];
	ssize_t		 n;

	/* Read the request head, what there is of it; it is not checked. */
	n = read(fd, buf, sizeof(buf));
	(void)n;
	if (ready)
		(void)write(fd, ok, sizeof(ok) - 1);
	else
		(void)write(fd, loading, sizeof(loading) - 1);
	if ((log = getenv("FAKE_PROBELOG")) != NULL)
		probelog(fd, log);
	close(fd);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	socklen_t		 sslen;
	const char		*host = "127.0.0.1", *model = "?", *path;
	long			 load_ms, exit_ms;
	struct script		 sc = { NULL, 0, 0, 0, 1, 0 };
	int			 printing = 0;
	int			 i, port = 8080, lfd, cfd, on = 1, ready = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	fakeopts_load(argc, argv);
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--host") == 0)
			host = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--model") == 0)
			model = argv[i + 1];
	}
	if ((path = getenv("FAKE_RECORD")) != NULL)
		record(path, argc, argv);
	if (getenv("FAKE_IGNORE_TERM") != NULL)
		signal(SIGTERM, SIG_IGN);
	else
		signal(SIGTERM, on_term);
	signal(SIGINT, on_term);

	say('I', "cmn  common_param: common_params_print_info: verbosity = 3");
	if (getenv("FAKE_FAIL") != NULL) {
		say('E', "cmn  common_init_: failed to load model '%s'", model);
		say('E', "srv  llama_server: exiting due to model loading error");
		return 1;
	}

	grandchildren(env_long("FAKE_GRANDCHILD", 0));
	if (getenv("FAKE_FORK_EXIT") != NULL) {
		say('E', "srv  llama_server: fake exit after forking");
		return 1;
	}
	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sslen = sizeof(*s4);
	}
	lfd = -1;
	if (getenv("FAKE_NO_LISTEN") == NULL &&
	    ((lfd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(lfd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(lfd, 64) == -1)) {
		say('E', "srv    start: couldn't bind HTTP server socket, "
		    "hostname: %s, port: %d", host, port);
		say('E', "srv  llama_server: exiting due to HTTP server error");
		return 1;
	}
	say('I', "srv    load_model: loading model '%s'", model);

	load_ms = env_long("FAKE_LOAD_MS", 50);
	exit_ms = env_long("FAKE_EXIT_AFTER_MS", -1);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!terminated) {
		long	 now = elapsed_ms(), wait = 1000;

		if (!ready && getenv("FAKE_SILENT") == NULL && now >= load_ms) {
			ready = 1;
			say('I', "srv  llama_server: model loaded");
			say('I', "srv  llama_server: listening on http://%s:%d",
			    host, port);
			burst(env_long("FAKE_BURST", 0));
			nonl(env_long("FAKE_NONL_BYTES", 0));
			if ((path = getenv("FAKE_SCRIPT")) != NULL)
				sc.f = fopen(path, "r");
			sc.lines = env_long("FAKE_LINES", 0);
			sc.every_ms = env_long("FAKE_LINE_MS", 0);
			sc.batch = env_long("FAKE_LINE_BATCH", 1);
			if (sc.batch < 1)
				sc.batch = 1;
			sc.next_ms = now;
			printing = sc.f != NULL || sc.lines > 0;
		}
		if (printing)
			printing = script_step(&sc, now);
		if (exit_ms >= 0 && now >= exit_ms) {
			say('E', "srv  llama_server: fake exit as asked");
			return (int)env_long("FAKE_EXIT_STATUS", 1);
		}
		if (!ready && getenv("FAKE_SILENT") == NULL &&
		    load_ms - now < wait)
			wait = load_ms - now;
		if (exit_ms >= 0 && exit_ms - now < wait)
			wait = exit_ms - now;
		if (printing && sc.next_ms - now < wait)
			wait = sc.next_ms - now;
		if (poll(&pfd, 1, wait < 0 ? 0 : (int)wait) == 1 &&
		    (cfd = accept(lfd, NULL, NULL)) != -1)
			answer(cfd, ready);
	}
	say('I', "srv    operator(): operator(): cleaning up before exit...");
	return 0;
}
