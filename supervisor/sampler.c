/*
 * sampler.c: the supervisor's side of the memory sampler: it fork+execs
 * solar-host-sampler with a pipe on SAMPLER_FD, reads its records, and
 * starts it again a second after it dies.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "memory.h"
#include "samplerec.h"
#include "sigdefault.h"

/* Records do not pile up; a few at a time is plenty. */
#define SAMPLER_BUFRECS		8
#define SAMPLER_RESTART_S	1
#define SAMPLER_MAX_FDS		65536

struct sampler {
	struct event_base	*base;
	const char		*path;		/* solar-host-sampler */
	int			 interval_s;
	sampler_fn		 cb;
	void			*arg;
	pid_t			 pid;		/* -1: none running */
	int			 fd;		/* read end of the pipe, or -1 */
	struct event		*ev_read;
	struct event		*ev_restart;
	unsigned char		 buf[SAMPLEREC_LEN * SAMPLER_BUFRECS];
	size_t			 buflen;
	int			 freeing;
};

static void	sampler_closefds(int);
static void	sampler_child(const struct sampler *, int, pid_t)
		    __attribute__((noreturn));
static int	sampler_spawn(struct sampler *);
static void	sampler_close(struct sampler *);
static void	sampler_on_read(evutil_socket_t, short, void *);
static void	sampler_on_restart(evutil_socket_t, short, void *);

/*
 * Every descriptor but the pipe goes before the exec: the supervisor's
 * are not all close-on-exec (libevent's own, for one).  keep is above
 * stdio.
 */
static void
sampler_closefds(int keep)
{
	long	 max;
	int	 fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 0U, (unsigned int)keep - 1, 0U) == 0 &&
	    syscall(SYS_close_range, (unsigned int)keep + 1, ~0U, 0U) == 0)
		return;
#endif
	/* Kernels before 5.9 have no close_range(2). */
	if ((max = sysconf(_SC_OPEN_MAX)) == -1 || max > SAMPLER_MAX_FDS)
		max = SAMPLER_MAX_FDS;
	for (fd = 0; fd < max; fd++)
		if (fd != keep)
			(void)close(fd);
}

/* The child: clean signals, the pipe on SAMPLER_FD, stdio on /dev/null,
 * then the program, with an environment of its own. */
static void
sampler_child(const struct sampler *s, int wfd, pid_t parent)
{
	static const char *const pass[] = { "PATH", "LD_LIBRARY_PATH",
	    "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	char		*envp[sizeof(pass) / sizeof(pass[0]) + 1];
	char		*argv[3], interval[16], *v;
	size_t		 i, n = 0;
	int		 fd;

	/* Die with the supervisor, even if it is killed outright; it may
	 * have died before the request took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	sigdefault_all();
	if (wfd != SAMPLER_FD) {
		if (dup2(wfd, SAMPLER_FD) == -1)
			_exit(1);
		wfd = SAMPLER_FD;
	} else if (fcntl(wfd, F_SETFD, 0) == -1)
		_exit(1);
	sampler_closefds(wfd);
	/* A library's stray write to stdout or stderr must not land in a
	 * file opened on a vacant 0, 1 or 2. */
	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (open("/dev/null", O_RDWR) != fd)
			_exit(1);
	/* Built before the fork would be tidier, but these are only reads
	 * of our own environment, and snprintf into a local buffer. */
	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if ((v = getenv(pass[i])) != NULL)
			envp[n++] = v - strlen(pass[i]) - 1;
	envp[n] = NULL;
	snprintf(interval, sizeof(interval), "%d", s->interval_s);
	argv[0] = (char *)"solar-host-sampler";
	argv[1] = interval;
	argv[2] = NULL;
	execve(s->path, argv, envp);
	_exit(127);
}

/* Fork a child and watch its pipe.  0, or -1 with errno and nothing
 * left behind. */
static int
sampler_spawn(struct sampler *s)
{
	sigset_t	 all, old;
	pid_t		 pid, parent;
	int		 fds[2], flags, saved;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	/* Only the read end: the child's writes block, ours never do. */
	if ((flags = fcntl(fds[0], F_GETFL)) == -1 ||
	    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1 ||
	    (s->ev_read = event_new(s->base, fds[0], EV_READ | EV_PERSIST,
	    sampler_on_read, s)) == NULL)
		goto fail;
	/* No handler of ours (libevent's writes to its own socket) may run
	 * in the child before its dispositions are reset. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	parent = getpid();
	if ((pid = fork()) == -1) {
		saved = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = saved;
		goto fail;
	}
	if (pid == 0)
		sampler_child(s, fds[1], parent);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fds[1]);
	s->pid = pid;
	s->fd = fds[0];
	s->buflen = 0;
	if (event_add(s->ev_read, NULL) == -1) {
		saved = errno;
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			continue;
		s->pid = -1;
		sampler_close(s);
		errno = saved;
		return -1;
	}
	return 0;
fail:
	saved = errno;
	if (s->ev_read != NULL)
		event_free(s->ev_read);
	s->ev_read = NULL;
	close(fds[0]);
	close(fds[1]);
	errno = saved;
	return -1;
}

/* The pipe and its event; the child, if any, is the caller's business. */
static void
sampler_close(struct sampler *s)
{
	if (s->ev_read != NULL)
		event_free(s->ev_read);
	s->ev_read = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->buflen = 0;
}

/* The callbacks come last and s is not touched after them, so one of
 * them may free the sampler. */
static void
sampler_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct sampler	*s = arg;
	struct memfig	 figs[SAMPLER_BUFRECS];
	sampler_fn	 cb = s->cb;
	void		*cbarg = s->arg;
	size_t		 i, n, used;
	ssize_t		 r;

	(void)what;
	r = read(fd, s->buf + s->buflen, sizeof(s->buf) - s->buflen);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (r == -1 || r == 0) {
		/* It is gone or going: the reaper restarts it. */
		if (r == -1)
			log_warn("memory sampler pipe");
		sampler_close(s);
		return;
	}
	s->buflen += (size_t)r;
	for (n = 0; (n + 1) * SAMPLEREC_LEN <= s->buflen; n++) {
		if (samplerec_decode(s->buf + n * SAMPLEREC_LEN,
		    &figs[n]) == -1) {
			/* Killed, so that the reaper restarts it now. */
			log_warnx("memory sampler: malformed record");
			sampler_close(s);
			if (s->pid != -1)
				(void)kill(s->pid, SIGKILL);
			return;
		}
	}
	used = n * SAMPLEREC_LEN;
	memmove(s->buf, s->buf + used, s->buflen - used);
	s->buflen -= used;
	for (i = 0; i < n; i++)
		cb(&figs[i], cbarg);
}

static void
sampler_on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct sampler	*s = arg;
	struct timeval	 tv = { SAMPLER_RESTART_S, 0 };

	(void)fd;
	(void)what;
	if (sampler_spawn(s) == 0)
		return;
	log_warn("cannot restart the memory sampler");
	if (evtimer_add(s->ev_restart, &tv) == -1)
		log_warnx("memory sampler: cannot arm the restart timer");
}

struct sampler *
sampler_start(struct event_base *base, const char *path, int interval_s,
    sampler_fn cb, void *arg)
{
	struct sampler	*s;
	int		 saved;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->path = path;
	s->interval_s = interval_s < 1 ? 1 : interval_s;
	s->cb = cb;
	s->arg = arg;
	s->pid = -1;
	s->fd = -1;
	if ((s->ev_restart = evtimer_new(base, sampler_on_restart, s)) ==
	    NULL || sampler_spawn(s) == -1) {
		saved = errno;
		if (s->ev_restart != NULL)
			event_free(s->ev_restart);
		free(s);
		errno = saved;
		return NULL;
	}
	return s;
}

int
sampler_reaped(struct sampler *s, pid_t pid, int status)
{
	struct timeval	 tv = { SAMPLER_RESTART_S, 0 };

	if (s == NULL || s->pid == -1 || pid != s->pid)
		return 0;
	s->pid = -1;
	/* Readings still in the pipe are stale by now. */
	sampler_close(s);
	if (WIFSIGNALED(status))
		log_warnx("memory sampler killed by signal %d",
		    WTERMSIG(status));
	else
		log_warnx("memory sampler exited with status %d",
		    WEXITSTATUS(status));
	/* A second apart, so that a sampler that dies at once does not
	 * spin the supervisor. */
	if (s->freeing == 0 && evtimer_add(s->ev_restart, &tv) == -1)
		log_warnx("memory sampler: cannot arm the restart timer");
	return 1;
}

void
sampler_free(struct sampler *s)
{
	if (s == NULL)
		return;
	s->freeing = 1;
	event_free(s->ev_restart);
	s->ev_restart = NULL;
	if (s->pid != -1) {
		(void)kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
			continue;
		s->pid = -1;
	}
	sampler_close(s);
	free(s);
}

pid_t
sampler_pid(const struct sampler *s)
{
	return s != NULL ? s->pid : -1;
}
