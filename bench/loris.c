/*
 * loris.c: connections held against the daemon without a request, and a
 * fresh client's GET /health timed meanwhile (127.0.0.1 only).
 *
 *   loris -p PORT [-i IDLE] [-s SLOW] [-n TRIES] [-g MS] [-w MS]
 *
 * A holder process keeps IDLE connections (2,000) that send nothing and
 * SLOW ones (200) that send a request line and then one header byte a
 * second; each one the server closes is opened again at once, as an
 * attacker would.  Once all are open (or after -w ms, 10,000 at most),
 * TRIES (100) times, -g ms (50) apart, a new connection sends
 * "GET /health" and the time from connect() to the end of the answer is
 * taken (10 s at most; past it, the try failed).  Prints "tries=N ok=N
 * failed=N p50_ms= p99_ms= max_ms= held= reopened=".
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRY_TIMEOUT_MS	10000
#define SLOW_EVERY_MS	1000

static const char	 slow_head[] = "GET /health HTTP/1.1\r\nHost: x\r\n";
static const char	 slow_drip[] = "X-Drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
static struct sockaddr_in dst;
static volatile sig_atomic_t stop;

static long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
mono_msf(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A non-blocking connect under way: the socket, or -1. */
static int
open_conn(void)
{
	int	 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* What happened on a held connection: 1 it connected, 0 nothing, -1 it
 * is to be opened again. */
static int
holder_event(struct pollfd *pfd, int slow)
{
	char		 buf[4096];
	int		 e;
	socklen_t	 elen = sizeof(e);

	if (pfd->fd == -1)
		return -1;
	if (pfd->revents == 0)
		return 0;
	if (pfd->events == POLLOUT) {
		if (getsockopt(pfd->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1 ||
		    e != 0)
			return -1;
		pfd->events = POLLIN;
		if (slow && write(pfd->fd, slow_head, sizeof(slow_head) - 1) ==
		    -1)
			return -1;
		return 1;
	}
	if ((pfd->revents & POLLIN) != 0 && read(pfd->fd, buf, sizeof(buf)) > 0)
		return 0;
	return -1;	/* closed by the server */
}

/*
 * The holder: n connections, the first nslow of them slow.  Writes "held
 * N" on out once each has been connected (some are always being opened
 * again, the server closing them to make room), and "reopened=N" when
 * told to stop.
 */
static void
holder(int n, int nslow, int out)
{
	struct pollfd	*pfd;
	size_t		*sent;
	char		*once;
	long long	 next = mono_ms() + SLOW_EVERY_MS, now;
	long		 reopened = 0;
	int		 i, nonce = 0, told = 0, rc;

	signal(SIGTERM, on_term);
	if ((pfd = calloc(n, sizeof(*pfd))) == NULL ||
	    (sent = calloc(n, sizeof(*sent))) == NULL ||
	    (once = calloc(n, 1)) == NULL)
		_exit(2);
	for (i = 0; i < n; i++) {
		pfd[i].fd = open_conn();
		pfd[i].events = POLLOUT;
	}
	while (!stop) {
		if (poll(pfd, n, 100) == -1 && errno != EINTR)
			_exit(2);
		for (i = 0; i < n; i++) {
			if ((rc = holder_event(&pfd[i], i < nslow)) == 1 &&
			    !once[i]) {
				once[i] = 1;
				nonce++;
			}
			if (rc >= 0)
				continue;
			if (pfd[i].fd != -1)
				close(pfd[i].fd);
			pfd[i].fd = open_conn();
			pfd[i].events = POLLOUT;
			pfd[i].revents = 0;
			sent[i] = 0;
			reopened++;
		}
		if (!told && nonce >= n) {
			dprintf(out, "held %d\n", n);
			told = 1;
		}
		if ((now = mono_ms()) < next)
			continue;
		next = now + SLOW_EVERY_MS;
		/* One byte of a header line a second on each slow one. */
		for (i = 0; i < nslow; i++)
			if (pfd[i].fd != -1 && pfd[i].events == POLLIN) {
				(void)write(pfd[i].fd, slow_drip + sent[i] %
				    (sizeof(slow_drip) - 1), 1);
				sent[i]++;
			}
	}
	dprintf(out, "reopened=%ld\n", reopened);
	_exit(0);
}

/* One fresh GET /health: milliseconds to the whole answer, or -1. */
static double
try_once(void)
{
	static const char	 req[] =
	    "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct pollfd		 pfd;
	char			 buf[1024];
	double			 t0 = mono_msf(), left;
	int			 got200 = 0, sentreq = 0, e;
	socklen_t		 elen = sizeof(e);
	size_t			 have = 0;
	ssize_t			 r;

	if ((pfd.fd = open_conn()) == -1)
		return -1;
	pfd.events = POLLOUT;
	for (;;) {
		left = TRY_TIMEOUT_MS - (mono_msf() - t0);
		if (left <= 0 || poll(&pfd, 1, (int)left + 1) <= 0)
			break;
		if (!sentreq) {
			if (getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &e,
			    &elen) == -1 || e != 0 ||
			    write(pfd.fd, req, sizeof(req) - 1) == -1)
				break;
			sentreq = 1;
			pfd.events = POLLIN;
			continue;
		}
		if ((r = read(pfd.fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			break;
		have += r;
		buf[have] = '\0';
		if (strncmp(buf, "HTTP/1.1 200", 12) == 0)
			got200 = 1;
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	close(pfd.fd);
	return got200 ? mono_msf() - t0 : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	struct rlimit	 rl;
	double		*ms;
	char		 line[128];
	FILE		*in;
	long long	 until;
	pid_t		 pid;
	int		 ch, port = 0, nidle = 2000, nslow = 200, tries = 100;
	int		 gap = 50, warm = 10000, p[2], i, ok = 0, held = 0;
	int		 gotheld = 0;
	long		 reopened = -1;

	while ((ch = getopt(argc, argv, "g:i:n:p:s:w:")) != -1) {
		switch (ch) {
		case 'g': gap = atoi(optarg); break;
		case 'i': nidle = atoi(optarg); break;
		case 'n': tries = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 's': nslow = atoi(optarg); break;
		case 'w': warm = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: loris -p port [-i idle] "
			    "[-s slow] [-n tries] [-g ms] [-w ms]\n");
			return 2;
		}
	}
	if (port <= 0 || nidle < 0 || nslow < 0 || tries < 1)
		return 2;
	/* Our own descriptors: every held connection, and a few more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)(nidle + nslow + 64)) {
		rl.rlim_cur = nidle + nslow + 64;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) {
			fprintf(stderr, "loris: the hard descriptor limit %llu "
			    "is under %d\n", (unsigned long long)rl.rlim_max,
			    nidle + nslow + 64);
			return 2;
		}
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			perror("loris: setrlimit");
			return 2;
		}
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) == -1)
		return 2;
	if (nidle + nslow == 0) {
		/* The baseline: nothing held. */
		dprintf(p[1], "held 0\nreopened=0\n");
		pid = -1;
	} else if ((pid = fork()) == -1)
		return 2;
	else if (pid == 0) {
		close(p[0]);
		holder(nslow + nidle, nslow, p[1]);
	}
	close(p[1]);
	if ((in = fdopen(p[0], "r")) == NULL)
		return 2;
	/* Wait for them all, but not for ever: a refused few do not matter. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	until = mono_ms() + warm;
	while (!gotheld && mono_ms() < until) {
		if (fgets(line, sizeof(line), in) != NULL)
			gotheld = sscanf(line, "held %d", &held) == 1;
		else {
			clearerr(in);
			usleep(10000);
		}
	}
	if ((ms = calloc(tries, sizeof(*ms))) == NULL)
		return 2;
	for (i = 0; i < tries; i++) {
		if ((ms[i] = try_once()) >= 0)
			ms[ok++] = ms[i];
		usleep(gap * 1000);
	}
	if (pid != -1)
		kill(pid, SIGTERM);
	fcntl(p[0], F_SETFL, 0);
	while (fgets(line, sizeof(line), in) != NULL)
		sscanf(line, "reopened=%ld", &reopened);
	if (pid != -1)
		waitpid(pid, NULL, 0);
	qsort(ms, ok, sizeof(*ms), cmp_double);
	printf("tries=%d ok=%d failed=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
	    "held=%d reopened=%ld\n", tries, ok, tries - ok,
	    ok > 0 ? ms[(ok - 1) / 2] : -1.0,
	    ok > 0 ? ms[(ok * 99 + 99) / 100 - 1] : -1.0,
	    ok > 0 ? ms[ok - 1] : -1.0, held, reopened);
	free(ms);
	return ok == tries ? 0 : 1;
}
