/*
 * sampler.c: the supervisor's side of the memory sampler: it fork+execs
 * solar-host-sampler with a pipe on SAMPLER_FD, reads its records, and
 * starts it again a second after it dies.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "memory.h"
#include "samplerec.h"
#include "spawn.h"

/* Records do not pile up; a few at a time is plenty. */
#define SAMPLER_BUFRECS		8
#define SAMPLER_RESTART_S	1

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

static pid_t	sampler_exec(const struct sampler *, int);
static int	sampler_spawn(struct sampler *);
static void	sampler_close(struct sampler *);
static void	sampler_on_read(evutil_socket_t, short, void *);
static void	sampler_on_restart(evutil_socket_t, short, void *);

/*
 * The child: the pipe on SAMPLER_FD, stdio on /dev/null, and an
 * environment of its own: the few variables it may need of ours.
 */
static pid_t
sampler_exec(const struct sampler *s, int wfd)
{
	static const char *const pass[] = { "PATH", "LD_LIBRARY_PATH",
	    "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	struct spawn_spec	 sp;
	char			*envp[sizeof(pass) / sizeof(pass[0]) + 1];
	char			*argv[3], interval[16], err[256], *v;
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if ((v = getenv(pass[i])) != NULL)
			envp[n++] = v - strlen(pass[i]) - 1;
	envp[n] = NULL;
	snprintf(interval, sizeof(interval), "%d", s->interval_s);
	argv[0] = (char *)"solar-host-sampler";
	argv[1] = interval;
	argv[2] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.path = s->path;
	sp.argv = argv;
	sp.envp = envp;
	sp.fds[0].fd = wfd;
	sp.fds[0].target = SAMPLER_FD;
	sp.nfds = 1;
	sp.pdeathsig = SIGKILL;
	sp.report_fd = -1;
	return spawn_process(&sp, err, sizeof(err));
}

/* Fork a child and watch its pipe.  0, or -1 with errno and nothing
 * left behind. */
static int
sampler_spawn(struct sampler *s)
{
	pid_t	 pid;
	int	 fds[2], flags, saved;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	/* Only the read end: the child's writes block, ours never do. */
	if ((flags = fcntl(fds[0], F_GETFL)) == -1 ||
	    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1 ||
	    (s->ev_read = event_new(s->base, fds[0], EV_READ | EV_PERSIST,
	    sampler_on_read, s)) == NULL)
		goto fail;
	if ((pid = sampler_exec(s, fds[1])) == -1)
		goto fail;
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
