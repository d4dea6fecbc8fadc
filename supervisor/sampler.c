/* sampler.c: the memory sampler, a forked helper that reads and reports. */
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
#include "sigdefault.h"

/* ok, vram, used, total: 1 + 1 + 8 + 8 bytes, big-endian, field by field. */
#define SAMPLER_RECLEN		18
/* Records do not pile up; a few at a time is plenty. */
#define SAMPLER_BUFRECS		8
#define SAMPLER_RESTART_S	1
#define SAMPLER_MAX_FDS		65536

struct sampler {
	struct event_base	*base;
	int			 interval_s;
	sampler_fn		 cb;
	void			*arg;
	pid_t			 pid;		/* -1: none running */
	int			 fd;		/* read end of the pipe, or -1 */
	struct event		*ev_read;
	struct event		*ev_restart;
	unsigned char		 buf[SAMPLER_RECLEN * SAMPLER_BUFRECS];
	size_t			 buflen;
	int			 freeing;
};

static void	put_u64(unsigned char *, uint64_t);
static uint64_t	get_u64(const unsigned char *);
static void	sampler_encode(const struct memfig *, unsigned char *);
static int	sampler_decode(const unsigned char *, struct memfig *);
static void	sampler_closefds(int);
static void	sampler_child(int, pid_t, int) __attribute__((noreturn));
static int	sampler_spawn(struct sampler *);
static void	sampler_close(struct sampler *);
static void	sampler_on_read(evutil_socket_t, short, void *);
static void	sampler_on_restart(evutil_socket_t, short, void *);

static void
put_u64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
sampler_encode(const struct memfig *m, unsigned char *rec)
{
	rec[0] = m->ok != 0;
	rec[1] = m->vram != 0;
	put_u64(rec + 2, m->used);
	put_u64(rec + 10, m->total);
}

/* Our own child wrote it, so anything odd means a broken stream. */
static int
sampler_decode(const unsigned char *rec, struct memfig *m)
{
	if (rec[0] > 1 || rec[1] > 1)
		return -1;
	m->ok = rec[0];
	m->vram = rec[1];
	m->used = get_u64(rec + 2);
	m->total = get_u64(rec + 10);
	if (m->ok == 0 && (m->vram != 0 || m->used != 0 || m->total != 0))
		return -1;
	if (m->used > m->total)
		return -1;
	return 0;
}

/*
 * Without exec, close-on-exec protects nothing: every descriptor of the
 * supervisor (client pipes, the listening socket, the event base) would
 * stay open here.  keep is above stdio.
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

/* The child: a reading right away, then one per interval, until the
 * supervisor is gone. */
static void
sampler_child(int wfd, pid_t parent, int interval_s)
{
	unsigned char	 rec[SAMPLER_RECLEN];
	struct memfig	 m;
	struct timespec	 ts;
	ssize_t		 n;
	int		 fd;

	/* Die with the supervisor, even if it is killed outright; it may
	 * have died before the request took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	sigdefault_all();
	/* A library's stray write to stdout or stderr must not land in the
	 * record stream, nor in a file opened on a vacant 0, 1 or 2. */
	if (wfd <= STDERR_FILENO) {
		if ((fd = fcntl(wfd, F_DUPFD, STDERR_FILENO + 1)) == -1)
			_exit(1);
		wfd = fd;
	}
	sampler_closefds(wfd);
	if ((fd = open("/dev/null", O_RDWR)) == STDIN_FILENO) {
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
	}
	for (;;) {
		memory_read(&m);
		sampler_encode(&m, rec);
		/* Below PIPE_BUF: whole or not at all.  EPIPE (or SIGPIPE,
		 * now default) means the supervisor is gone. */
		while ((n = write(wfd, rec, sizeof(rec))) == -1 &&
		    errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(rec))
			_exit(0);
		ts.tv_sec = interval_s;
		ts.tv_nsec = 0;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			continue;
	}
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
		sampler_child(fds[1], parent, s->interval_s);
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
	for (n = 0; (n + 1) * SAMPLER_RECLEN <= s->buflen; n++) {
		if (sampler_decode(s->buf + n * SAMPLER_RECLEN,
		    &figs[n]) == -1) {
			/* Killed, so that the reaper restarts it now. */
			log_warnx("memory sampler: malformed record");
			sampler_close(s);
			if (s->pid != -1)
				(void)kill(s->pid, SIGKILL);
			return;
		}
	}
	used = n * SAMPLER_RECLEN;
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
sampler_start(struct event_base *base, int interval_s, sampler_fn cb,
    void *arg)
{
	struct sampler	*s;
	int		 saved;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
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
