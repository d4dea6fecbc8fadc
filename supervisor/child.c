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
	struct logfile	 log;
	int		 log_failed;
	struct event	*ev_out;
	struct linecut	 cut;
	child_line_fn	 on_line;
	void		*arg;
};

static void
child_write_log(struct child *c, const char *buf, size_t len)
{
	char	 err[512];

	if (logfile_write(&c->log, buf, len, err, sizeof(err)) == -1) {
		/* Said once; the output keeps flowing to the API. */
		if (!c->log_failed)
			log_warnx("%s; its lines are lost until it can be "
			    "written again", err);
		c->log_failed = 1;
		return;
	}
	if (c->log_failed) {
		log_info("%s can be written again", c->log.path);
		c->log_failed = 0;
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
    const struct inst_config *cfg, int port, const struct child_logs *logs,
    child_line_fn on_line, void *arg, char *err, size_t errlen)
{
	struct child	*c;
	char		**argv = NULL, **cenv = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	c->outfd = -1;
	c->on_line = on_line;
	c->arg = arg;
	linecut_init(&c->cut);
	if (logfile_start(&c->log, logs->dir, cfg->alias, time(NULL),
	    logs->max_bytes, logs->keep, err, errlen) == -1)
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
child_reopen_log(struct child *c)
{
	char	 err[512];

	if (logfile_reopen(&c->log, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return;
	}
	c->log_failed = 0;
}

void
child_free(struct child *c)
{
	if (c == NULL)
		return;
	child_close_pipe(c);
	logfile_close(&c->log);
	linecut_free(&c->cut);
	free(c);
}
