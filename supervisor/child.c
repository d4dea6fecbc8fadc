/*
 * child.c: a llama-server child's output: read whenever there is some,
 * appended to this start's log file as printed, and cut into lines for the
 * API.  Nothing stops the reading: a failing log file is reported once and
 * the output still flows, so a child never blocks on its output.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "child.h"
#include "linecut.h"
#include "log.h"
#include "logfile.h"
#include "proctree.h"
#include "spawn.h"

#define CHILD_READ_SIZE		(64 * 1024)
#define CHILD_READS_PER_TURN	16	/* then let other events run */

struct child {
	pid_t		 pid;
	int		 outfd;
	int		 logfd;
	int		 log_failed;
	char		*logpath;
	struct event	*ev_out;
	struct linecut	 cut;
	child_line_fn	 on_line;
	void		*arg;
};

static void
child_write_log(struct child *c, const char *buf, size_t len)
{
	ssize_t	 n;

	while (c->logfd != -1 && len > 0) {
		n = write(c->logfd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			/* Said once; the output keeps flowing to the API. */
			if (!c->log_failed)
				log_warn("cannot write %s; its lines are lost "
				    "until it can be written again", c->logpath);
			c->log_failed = 1;
			return;
		}
		if (c->log_failed) {
			log_info("%s can be written again", c->logpath);
			c->log_failed = 0;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* 1 when the pipe is at its end (or broken). */
static int
child_read(struct child *c, int limit)
{
	static char	 buf[CHILD_READ_SIZE];
	ssize_t		 n;
	int		 i;

	for (i = 0; limit == 0 || i < limit; i++) {
		n = read(c->outfd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return 1;
		child_write_log(c, buf, (size_t)n);
		linecut_feed(&c->cut, buf, (size_t)n, c->on_line, c->arg);
	}
	return 0;
}

static void
child_close_pipe(struct child *c)
{
	if (c->ev_out != NULL)
		event_free(c->ev_out);
	c->ev_out = NULL;
	if (c->outfd != -1)
		close(c->outfd);
	c->outfd = -1;
}

static void
child_on_output(evutil_socket_t fd, short what, void *arg)
{
	struct child	*c = arg;

	(void)fd;
	(void)what;
	if (child_read(c, CHILD_READS_PER_TURN))
		child_close_pipe(c);	/* the rest comes with child_drain */
}

struct child *
child_start(struct event_base *base, const char *program, char *const envp[],
    const struct inst_config *cfg, int port, const char *log_dir,
    child_line_fn on_line, void *arg, char *err, size_t errlen)
{
	struct child	*c;
	char		**argv = NULL, **cenv = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	c->outfd = c->logfd = -1;
	c->on_line = on_line;
	c->arg = arg;
	linecut_init(&c->cut);
	if ((c->logpath = logfile_path(log_dir, cfg->alias, time(NULL))) ==
	    NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if ((c->logfd = logfile_open(log_dir, c->logpath, err, errlen)) == -1)
		goto fail;
	argv = spawn_argv(program, cfg, port);
	cenv = spawn_envp(envp, cfg);
	if (argv == NULL || cenv == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	c->pid = spawn_child(program, argv, cenv, &c->outfd, err, errlen);
	if (c->pid == -1)
		goto fail;
	proctree_add(c->pid);
	c->ev_out = event_new(base, c->outfd, EV_READ | EV_PERSIST,
	    child_on_output, c);
	if (c->ev_out == NULL || event_add(c->ev_out, NULL) == -1)
		fatalx("cannot watch a child's output");
	spawn_strv_free(argv);
	spawn_strv_free(cenv);
	return c;
 fail:
	spawn_strv_free(argv);
	spawn_strv_free(cenv);
	child_free(c);
	return NULL;
}

pid_t
child_pid(const struct child *c)
{
	return c->pid;
}

void
child_signal(struct child *c, int sig)
{
	/* Its process group, and those of its processes that left it. */
	if (c->pid > 0)
		proctree_signal(c->pid, sig);
}

void
child_drain(struct child *c)
{
	/* A grandchild may hold the pipe open: take only what is there. */
	if (c->outfd != -1)
		(void)child_read(c, 0);
	child_close_pipe(c);
	linecut_flush(&c->cut, c->on_line, c->arg);
	c->pid = 0;
}

void
child_reopen_log(struct child *c, const char *log_dir)
{
	char	 err[512];
	int	 fd;

	if ((fd = logfile_open(log_dir, c->logpath, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		return;
	}
	if (c->logfd != -1)
		close(c->logfd);
	c->logfd = fd;
	c->log_failed = 0;
}

void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	child_close_pipe(c);
	if (c->logfd != -1)
		close(c->logfd);
	free(c->logpath);
	linecut_free(&c->cut);
	free(c);
}
