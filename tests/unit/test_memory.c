/* test_memory.c: /proc/meminfo parsing and the sampler. */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "memory.h"
#include "t.h"

#define GIB	((uint64_t)1024 * 1024 * 1024)
#define KIB	((uint64_t)1024)
#define MAXKIDS	16

struct readings {
	struct event_base	*base;
	int			 count;
	int			 want;		/* loop ends at this count */
	int			 bad;		/* readings that were not sane */
	struct memfig		 last;
};

/* The program the sampler runs: the one in the build tree. */
static char	 sampler_prog[4096];

static int	children(pid_t, pid_t *, int);
static int	runs_sampler(pid_t);
static int	child_fds(pid_t, int *, int *);
static int	child_sigmasks_clear(pid_t);
static uint64_t	meminfo_total(void);
static int	parse(const char *, struct memfig *);
static void	on_reading(const struct memfig *, void *);
static void	on_guard(evutil_socket_t, short, void *);
static int	run_until(struct readings *, int, int);
static void	test_parse(void);
static void	test_read(void);
static void	test_sampler(void);
static void	test_free_pending(void);
static void	test_low_fds(void);
static void	test_parent_death(void);

/* The processes whose parent is ppid, from /proc/N/stat. */
static int
children(pid_t ppid, pid_t *out, int max)
{
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		 path[PATH_MAX], line[1024], *p, state;
	int		 n = 0, pp;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		p = fgets(line, sizeof(line), f);
		fclose(f);
		/* The command name may hold spaces and parentheses. */
		if (p == NULL || (p = strrchr(line, ')')) == NULL ||
		    sscanf(p + 1, " %c %d", &state, &pp) != 2)
			continue;
		if (pp == ppid && state != 'Z' && n < max)
			out[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/* The child's descriptors: how many, and how many of 0-2 are /dev/null
 * and of the rest are pipes. */
/* The child has become solar-host-sampler (exec'd), within a deadline. */
static int
runs_sampler(pid_t pid)
{
	char	 path[64], comm[64];
	FILE	*f;
	long	 t0 = now_ms();
	int	 ok = 0;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	while (!ok && now_ms() - t0 < 10000) {
		if ((f = fopen(path, "r")) == NULL)
			break;
		ok = fgets(comm, sizeof(comm), f) != NULL &&
		    strcmp(comm, "solar-host-samp\n") == 0;
		fclose(f);
		if (!ok)
			usleep(10000);
	}
	return ok;
}

static int
child_fds(pid_t pid, int *devnull, int *pipes)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX], target[PATH_MAX];
	ssize_t		 len;
	int		 n = 0;

	*devnull = *pipes = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid,
		    de->d_name);
		if ((len = readlink(path, target, sizeof(target) - 1)) == -1)
			continue;
		target[len] = '\0';
		if (atoi(de->d_name) <= 2 && strcmp(target, "/dev/null") == 0)
			(*devnull)++;
		else if (atoi(de->d_name) > 2 &&
		    strncmp(target, "pipe:", 5) == 0)
			(*pipes)++;
	}
	closedir(d);
	return n;
}

/* 1 when no signal is ignored or blocked in pid. */
static int
child_sigmasks_clear(pid_t pid)
{
	FILE	*f;
	char	 path[64], line[256];
	int	 zero = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strcmp(line, "SigIgn:\t0000000000000000\n") == 0 ||
		    strcmp(line, "SigBlk:\t0000000000000000\n") == 0)
			zero++;
	fclose(f);
	return zero == 2;
}

/* MemTotal read independently, through stdio and sscanf. */
static uint64_t
meminfo_total(void)
{
	FILE			*f;
	char			 line[256];
	unsigned long long	 kb = 0;

	if ((f = fopen("/proc/meminfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * KIB;
}

/* Without the NUL, which the parser must not need. */
static int
parse(const char *s, struct memfig *m)
{
	m->ok = 0;
	m->vram = 1;
	m->used = m->total = 12345;
	return memory_parse_meminfo(s, strlen(s), m);
}

static void
test_parse(void)
{
	static const char	 real[] =
	    "MemTotal:       16318480 kB\n"
	    "MemFree:         1234567 kB\n"
	    "MemAvailable:    8123456 kB\n"
	    "Buffers:          456789 kB\n"
	    "Cached:          6543210 kB\n"
	    "HugePages_Total:       0\n"
	    "Hugepagesize:       2048 kB\n";
	static const char	 cut[] =
	    "MemTotal: 100 kB\nMemAvailable: 50 kB\n";
	struct memfig		 m;
	char			 big[600];

	CHECK(parse(real, &m) == 0);
	CHECK(m.ok == 1);
	CHECK(m.vram == 0);
	CHECK(m.total == (uint64_t)16318480 * KIB);
	CHECK(m.used == (uint64_t)(16318480 - 8123456) * KIB);

	/* Order, tabs, a missing last newline. */
	CHECK(parse("MemAvailable:\t25 kB\nMemTotal:\t100 kB", &m) == 0);
	CHECK(m.total == 100 * KIB && m.used == 75 * KIB);
	/* All available: nothing used. */
	CHECK(parse("MemTotal: 7 kB\nMemAvailable: 7 kB\n", &m) == 0);
	CHECK(m.ok == 1 && m.used == 0 && m.total == 7 * KIB);
	/* The length is the end, not a NUL. */
	m.ok = 0;
	CHECK(memory_parse_meminfo(cut, strlen("MemTotal: 100 kB\n"), &m) ==
	    -1);
	CHECK(memory_parse_meminfo(cut, sizeof(cut) - 1, &m) == 0);
	CHECK(m.ok == 1 && m.used == 50 * KIB);

	/* Missing either line. */
	CHECK(parse("MemTotal:       16318480 kB\n"
	    "MemFree:         1234567 kB\n"
	    "Buffers:          456789 kB\n", &m) == -1);
	CHECK(parse("MemAvailable:    8123456 kB\n", &m) == -1);
	CHECK(parse("", &m) == -1);
	CHECK(memory_parse_meminfo(real, 0, &m) == -1);
	/* Only at the start of a line, and the whole name. */
	CHECK(parse(" MemTotal: 100 kB\nMemAvailable: 50 kB\n", &m) == -1);
	CHECK(parse("MemTotals: 100 kB\nMemAvailable: 50 kB\n", &m) == -1);
	CHECK(parse("SwapMemTotal: 100 kB\nMemAvailable: 50 kB\n", &m) ==
	    -1);

	/* Garbage. */
	CHECK(parse("hello, world\n\n\x01\xff", &m) == -1);
	CHECK(parse("MemTotal: abc kB\nMemAvailable: 50 kB\n", &m) == -1);
	CHECK(parse("MemTotal: kB\nMemAvailable: 50 kB\n", &m) == -1);
	CHECK(parse("MemTotal: 100\nMemAvailable: 50\n", &m) == -1);
	CHECK(parse("MemTotal: 100 MB\nMemAvailable: 50 MB\n", &m) == -1);
	CHECK(parse("MemTotal: 100 kB x\nMemAvailable: 50 kB\n", &m) ==
	    -1);
	CHECK(parse("MemTotal: -100 kB\nMemAvailable: 50 kB\n", &m) == -1);
	CHECK(parse("MemTotal: 1 00 kB\nMemAvailable: 50 kB\n", &m) == -1);
	/* More available than there is. */
	CHECK(parse("MemTotal: 50 kB\nMemAvailable: 100 kB\n", &m) == -1);
	/* Bytes past 2^64, in digits and by the kB. */
	CHECK(parse("MemTotal: 18446744073709551621 kB\n"
	    "MemAvailable: 0 kB\n", &m) == -1);
	CHECK(parse("MemTotal: 18014398509481984 kB\n"
	    "MemAvailable: 0 kB\n", &m) == -1);
	CHECK(parse("MemTotal: 18014398509481983 kB\n"
	    "MemAvailable: 0 kB\n", &m) == 0);
	CHECK(m.total == (uint64_t)18014398509481983 * KIB);
	/* A long file: the lines are found wherever they are. */
	memset(big, 'a', sizeof(big));
	big[0] = '\n';
	snprintf(big + 400, sizeof(big) - 400,
	    "\nMemTotal: 9 kB\nMemAvailable: 4 kB\n");
	CHECK(memory_parse_meminfo(big, strlen(big), &m) == 0);
	CHECK(m.used == 5 * KIB);
}

static void
test_read(void)
{
	struct memfig	 m;
	int		 fds = count_fds();

	m.ok = 0;
	m.vram = 1;
	m.used = 1;
	m.total = 0;
	memory_read(&m);
	/* No GPU on the test machines: RAM. */
	CHECK(m.ok == 1);
	CHECK(m.vram == 0);
	CHECK(m.total > 0);
	CHECK(m.used <= m.total);
	CHECK(m.total == meminfo_total());
	/* Again, as the sampler does: same answer, nothing left open. */
	memory_read(&m);
	CHECK(m.ok == 1 && m.vram == 0 && m.total == meminfo_total());
	CHECK(count_fds() == fds);
}

static void
on_reading(const struct memfig *m, void *arg)
{
	struct readings	*r = arg;

	r->count++;
	r->last = *m;
	if (m->ok != 1 || m->vram != 0 || m->total == 0 ||
	    m->used > m->total || m->total != meminfo_total())
		r->bad++;
	if (r->count >= r->want)
		event_base_loopbreak(r->base);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	int	*fired = arg;

	(void)fd;
	(void)what;
	*fired = 1;
}

/* Run the loop until want readings in all, or for ms; 0 when they came. */
static int
run_until(struct readings *r, int want, int ms)
{
	struct event	*guard;
	struct timeval	 tv;
	int		 fired = 0;

	r->want = want;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if ((guard = evtimer_new(r->base, on_guard, &fired)) == NULL)
		return -1;
	evtimer_add(guard, &tv);
	while (r->count < want && fired == 0)
		event_base_loop(r->base, EVLOOP_ONCE);
	event_free(guard);
	return r->count >= want ? 0 : -1;
}

static void
test_sampler(void)
{
	struct readings	 r;
	struct sampler	*s;
	pid_t		 kids[MAXKIDS], pid, pid2;
	long		 t0;
	int		 fds, status, devnull, pipes, n, extra[3];

	memset(&r, 0, sizeof(r));
	if ((r.base = event_base_new()) == NULL) {
		CHECK(r.base != NULL);
		return;
	}
	/* Descriptors the child must not keep (one not close-on-exec). */
	extra[0] = open("/dev/null", O_RDONLY);
	CHECK(extra[0] != -1 && pipe2(extra + 1, O_CLOEXEC) == 0);
	fds = count_fds();

	t0 = now_ms();
	s = sampler_start(r.base, sampler_prog, 1, on_reading, &r);
	CHECK(s != NULL);
	if (s == NULL)
		goto out;
	CHECK(count_fds() == fds + 1);
	/* The first reading right away, the second an interval later. */
	CHECK(run_until(&r, 1, 10000) == 0);
	CHECK(now_ms() - t0 < 900);
	CHECK(run_until(&r, 2, 10000) == 0);
	CHECK(now_ms() - t0 >= 900);
	CHECK(r.count == 2);
	CHECK(r.bad == 0);
	CHECK(r.last.ok == 1 && r.last.vram == 0);

	/* One child, with stdio on /dev/null, the pipe, clean signals. */
	n = children(getpid(), kids, MAXKIDS);
	CHECK(n == 1);
	if (n != 1)
		goto out;
	pid = kids[0];
	/* A program of its own, not a copy of ours. */
	CHECK(runs_sampler(pid));
	CHECK(child_fds(pid, &devnull, &pipes) == 4);
	CHECK(devnull == 3);
	CHECK(pipes == 1);
	CHECK(child_sigmasks_clear(pid));

	/* Not ours: nothing happens. */
	CHECK(sampler_reaped(s, pid + 100000, 0) == 0);
	CHECK(sampler_reaped(NULL, pid, 0) == 0);

	/* Killed: restarted a second after the reaper reports it. */
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	t0 = now_ms();
	CHECK(sampler_reaped(s, pid, status) == 1);
	CHECK(sampler_reaped(s, pid, status) == 0);
	CHECK(count_fds() == fds);
	CHECK(run_until(&r, 3, 10000) == 0);
	CHECK(now_ms() - t0 >= 900);
	CHECK(r.bad == 0);
	n = children(getpid(), kids, MAXKIDS);
	CHECK(n == 1);
	if (n != 1)
		goto out;
	pid2 = kids[0];
	CHECK(pid2 != pid);

	/* Killed while the loop runs: the pipe's end is seen and closed
	 * before the reaper speaks, without a busy loop of reads. */
	CHECK(kill(pid2, SIGKILL) == 0);
	CHECK(run_until(&r, 4, 300) == -1);
	CHECK(r.count == 3);
	CHECK(count_fds() == fds);
	CHECK(waitpid(pid2, &status, 0) == pid2);
	CHECK(sampler_reaped(s, pid2, status) == 1);
	CHECK(run_until(&r, 4, 10000) == 0);
	CHECK(r.bad == 0);
	CHECK(count_fds() == fds + 1);

out:
	sampler_free(s);
	/* No child left, not even a zombie. */
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	CHECK(count_fds() == fds);
	close(extra[0]);
	close(extra[1]);
	close(extra[2]);
	event_base_free(r.base);
}

/* Freed while a restart is pending: none happens. */
static void
test_free_pending(void)
{
	struct readings	 r;
	struct sampler	*s;
	pid_t		 kids[MAXKIDS];
	int		 fds, status, n;

	memset(&r, 0, sizeof(r));
	if ((r.base = event_base_new()) == NULL) {
		CHECK(r.base != NULL);
		return;
	}
	fds = count_fds();
	s = sampler_start(r.base, sampler_prog, 1, on_reading, &r);
	CHECK(s != NULL);
	if (s == NULL)
		goto out;
	CHECK(run_until(&r, 1, 10000) == 0);
	n = children(getpid(), kids, MAXKIDS);
	CHECK(n == 1);
	if (n != 1)
		goto out;
	CHECK(kill(kids[0], SIGKILL) == 0);
	CHECK(waitpid(kids[0], &status, 0) == kids[0]);
	CHECK(sampler_reaped(s, kids[0], status) == 1);
	sampler_free(s);
	s = NULL;
	/* Past the restart delay: no reading, no child. */
	CHECK(run_until(&r, 2, 1500) == -1);
	CHECK(r.count == 1);
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	CHECK(count_fds() == fds);
out:
	sampler_free(s);
	event_base_free(r.base);
}

/* Started with stdin and stdout closed, so that the pipe is on 0 and 1:
 * the child's /dev/null must not cover it. */
static void
test_low_fds(void)
{
	struct readings	 r;
	struct sampler	*s = NULL;
	pid_t		 kids[MAXKIDS];
	int		 in, out, devnull, pipes;

	memset(&r, 0, sizeof(r));
	if ((r.base = event_base_new()) == NULL) {
		CHECK(r.base != NULL);
		return;
	}
	in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	CHECK(in != -1 && out != -1);
	if (in == -1 || out == -1)
		goto out;
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	s = sampler_start(r.base, sampler_prog, 1, on_reading, &r);
	CHECK(s != NULL);
	CHECK(fcntl(STDIN_FILENO, F_GETFD) != -1);
	if (s == NULL)
		goto out;
	CHECK(run_until(&r, 2, 10000) == 0);
	CHECK(r.bad == 0);
	CHECK(children(getpid(), kids, MAXKIDS) == 1);
	CHECK(child_fds(kids[0], &devnull, &pipes) == 4);
	CHECK(devnull == 3 && pipes == 1);
out:
	sampler_free(s);
	if (in != -1) {
		dup2(in, STDIN_FILENO);
		close(in);
	}
	if (out != -1) {
		dup2(out, STDOUT_FILENO);
		close(out);
	}
	event_base_free(r.base);
}

/*
 * The sampler dies with SIGKILL as soon as its parent dies, not a second
 * later from SIGPIPE.  We become the subreaper to collect the orphan.
 */
static void
test_parent_death(void)
{
	struct readings	 r;
	pid_t		 mid, kids[MAXKIDS], pid = -1;
	int		 p[2], status;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1 || pipe(p) == -1) {
		CHECK(!"subreaper and pipe");
		return;
	}
	if ((mid = fork()) == -1) {
		CHECK(mid != -1);
		return;
	}
	if (mid == 0) {
		close(p[0]);
		memset(&r, 0, sizeof(r));
		if ((r.base = event_base_new()) == NULL ||
		    sampler_start(r.base, sampler_prog, 1, on_reading, &r) == NULL ||
		    run_until(&r, 1, 10000) != 0 ||
		    children(getpid(), kids, MAXKIDS) != 1 ||
		    write(p[1], &kids[0], sizeof(kids[0])) !=
		    (ssize_t)sizeof(kids[0]))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	CHECK(read(p[0], &pid, sizeof(pid)) == (ssize_t)sizeof(pid));
	close(p[0]);
	CHECK(waitpid(mid, &status, 0) == mid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (pid > 0) {
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	(void)prctl(PR_SET_CHILD_SUBREAPER, 0);
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
}

int
main(void)
{
	const char	*top = getenv("top_builddir");
	int		 fds;

	snprintf(sampler_prog, sizeof(sampler_prog), "%s/supervisor/"
	    "solar-host-sampler", top != NULL ? top : ".");
	/* As the supervisor does: the child must undo it. */
	signal(SIGPIPE, SIG_IGN);
	fds = count_fds();
	test_parse();
	test_read();
	test_sampler();
	test_free_pending();
	test_low_fds();
	test_parent_death();
	CHECK(count_fds() == fds);
	T_DONE();
}
