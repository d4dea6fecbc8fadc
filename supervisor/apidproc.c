/*
 * apidproc.c: starts the API process (fork and exec, channel on a fixed
 * descriptor), talks to it, and starts a new one whenever it dies, with a
 * growing back-off when it keeps dying.  The listening socket stays open
 * here meanwhile, so clients queue instead of being refused.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "chanev.h"
#include "channel.h"
#include "instances.h"
#include "log.h"
#include "proto.h"
#include "spawn.h"
#include "sup.h"

#define APID_STABLE_S		10	/* alive this long: back-off starts over */
#define APID_BACKOFF_MIN_MS	100
#define APID_BACKOFF_MAX_MS	10000
#define APID_EXIT_PRIVDROP	126	/* its child could not change user */
#define APID_EXIT_EXEC		SPAWN_EXIT_EXEC

struct apidproc {
	struct sup	*sup;
	pid_t		 pid;
	struct chanev	*chan;
	struct event	*ev_restart;
	struct timespec	 started;
	int		 failures;	/* deaths in a row, each soon after start */
	int		 ready;
	int		 notified;
	unsigned int	 gen;
};

static void	apidproc_schedule(struct apidproc *);

static void
apidproc_close_chan(struct apidproc *ap)
{
	chanev_free(ap->chan);
	ap->chan = NULL;
	ap->ready = 0;
}

/* The channel is broken or the peer misbehaved: it gets a fresh process. */
static void
apidproc_drop(struct apidproc *ap, const char *why)
{
	log_warnx("API process: %s; restarting it", why);
	apidproc_close_chan(ap);
	if (ap->pid > 0)
		kill(ap->pid, SIGKILL);
}

static void
apidproc_on_failed(void *arg, enum chanev_why kind, const char *why)
{
	struct apidproc	*ap = arg;

	switch (kind) {
	case CHANEV_READ:
		log_warnx("API process channel: %s", why);
		/* FALLTHROUGH */
	case CHANEV_EOF:
		/* It exited, or will once its end closes: the reaper
		 * restarts it. */
		apidproc_close_chan(ap);
		break;
	default:
		apidproc_drop(ap, why);
		break;
	}
}

/* The channel drained: lines held back for lack of room may go now. */
static void
apidproc_on_drained(void *arg)
{
	struct apidproc	*ap = arg;

	instances_ship(ap->sup->instances);
}

static void
apidproc_ready(struct apidproc *ap)
{
	ap->ready = 1;
	log_debug("API process %ld serves", (long)ap->pid);
	/* The first time only: later ones are restarts. */
	if (!ap->notified) {
		notify_send("READY=1");
		ap->notified = 1;
	}
}

/* apid has no stderr or syslog of its own once it serves: it speaks through us. */
static void
relay_log(int prio, const char *text)
{
	char	 buf[4096];

	snprintf(buf, sizeof(buf), "apid: %s", text);
	log_write(prio, buf);
}

/*
 * apid's messages, each decoded whole before its handler sees it; -1 when
 * one is malformed, which costs apid its channel.  The handlers take
 * what a decoded message owns only where they say so.
 */
static int
apidproc_dispatch(void *arg, struct chanmsg *m)
{
	struct apidproc		*ap = arg;
	struct instances	*is = ap->sup->instances;
	struct msg_log		 lg;
	struct msg_update	 up;
	struct msg_history	 hi;
	struct msg_id		 id;
	struct inst_config	 cfg;

	switch (m->type) {
	case MSG_READY:
		if (proto_ready_decode(m) == -1)
			return -1;
		apidproc_ready(ap);
		return 0;
	case MSG_LOG:
		if (proto_log_decode(m, &lg) == -1)
			return -1;
		relay_log((int)lg.priority, lg.message);
		proto_log_free(&lg);
		return 0;
	case MSG_CREATE:
		if (proto_create_decode(m, &cfg) == -1)
			return -1;
		instances_create(is, m->peerid, &cfg);
		inst_config_free(&cfg);
		return 0;
	case MSG_UPDATE:
		if (proto_update_decode(m, &up) == -1)
			return -1;
		instances_update(is, m->peerid, up.id, &up.config);
		proto_update_free(&up);
		return 0;
	case MSG_DELETE:
	case MSG_START:
	case MSG_STOP:
	case MSG_RESTART:
		if (proto_id_decode(m, &id) == -1)
			return -1;
		if (m->type == MSG_DELETE)
			instances_delete(is, m->peerid, id.id);
		else if (m->type == MSG_START)
			instances_start(is, m->peerid, id.id);
		else if (m->type == MSG_STOP)
			instances_stop(is, m->peerid, id.id);
		else
			instances_restart(is, m->peerid, id.id);
		proto_id_free(&id);
		return 0;
	case MSG_HISTORY:
		if (proto_history_decode(m, &hi) == -1)
			return -1;
		instances_history(is, m->peerid, hi.id, hi.since);
		proto_history_free(&hi);
		return 0;
	default:
		return -1;
	}
}

static const struct chanev_ops apidproc_ops = {
	apidproc_dispatch,
	apidproc_on_failed,
	apidproc_on_drained
};

/* In the child, once its descriptors are in place (async-signal-safe). */
static int
apidproc_become(const void *arg)
{
	return privdrop_child(arg);
}

/*
 * stdin and (unless we log to a terminal) stdout and stderr on /dev/null,
 * the channel on APID_CHANNEL_FD, the unprivileged user, no_new_privs,
 * and only TZ=UTC: apid must never read /etc/localtime.
 */
static pid_t
apidproc_spawn(struct apidproc *ap, int fd)
{
	char			*argv[] = { (char *)"solar-host-apid", NULL };
	char			*envp[] = { (char *)"TZ=UTC", NULL };
	struct spawn_spec	 sp;
	char			 err[256];
	pid_t			 pid;
	int			 saved;

	memset(&sp, 0, sizeof(sp));
	sp.path = ap->sup->apid_path;
	sp.argv = argv;
	sp.envp = envp;
	sp.fds[0].fd = fd;
	sp.fds[0].target = APID_CHANNEL_FD;
	sp.nfds = 1;
	if (ap->sup->foreground_stderr) {
		sp.fds[1].fd = SPAWN_KEEP;
		sp.fds[1].target = STDOUT_FILENO;
		sp.fds[2].fd = SPAWN_KEEP;
		sp.fds[2].target = STDERR_FILENO;
		sp.nfds = 3;
	}
	sp.flags = SPAWN_NO_NEW_PRIVS;
	sp.pdeathsig = SIGKILL;
	sp.report_fd = STDERR_FILENO;
	sp.report_prefix = "solar-host: ";
	sp.become = apidproc_become;
	sp.become_arg = ap->sup;
	sp.become_what = "the API process cannot drop its privileges";
	sp.become_status = APID_EXIT_PRIVDROP;
	if ((pid = spawn_process(&sp, err, sizeof(err))) == -1) {
		saved = errno;
		log_debug("%s", err);
		errno = saved;
	}
	return pid;
}

static int
apidproc_hello(struct apidproc *ap)
{
	const struct settings	*st = &ap->sup->settings;
	struct msg_hello	 h;
	struct chanbuf		 b;
	int			 lfd, rc;

	if ((lfd = fcntl(ap->sup->listen_fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	memset(&h, 0, sizeof(h));
	h.version = PROTO_VERSION;
	h.api_key = ap->sup->api_key;
	h.log_buffer_size = (uint32_t)st->log_buffer_size;
	h.verbose = (uint32_t)ap->sup->verbose;
	h.http_timeout_s = (uint32_t)st->http_timeout_s;
	h.allow_extra_args = (uint8_t)st->allow_extra_args;
	h.max_connections = (uint32_t)st->max_connections;
	h.ws_max_clients = (uint32_t)st->ws_max_clients;
	h.ws_max_per_instance = (uint32_t)st->ws_max_per_instance;
	h.sandbox = (uint8_t)st->sandbox;
	h.header_timeout_s = (uint32_t)st->header_timeout_s;
	h.ws_max_queued_mb = (uint32_t)st->ws_max_queued_mb;
	chanbuf_init(&b);
	proto_hello_encode(&b, &h);
	/* The channel owns lfd from here, even when sending fails. */
	rc = chanev_queue(ap->chan, MSG_HELLO, 0, lfd, &b);
	chanbuf_free(&b);
	return rc;
}

int
apidproc_start(struct apidproc *ap)
{
	int	 sv[2], saved;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = apidproc_spawn(ap, sv[1])) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	close(sv[1]);
	ap->pid = pid;
	clock_gettime(CLOCK_MONOTONIC, &ap->started);
	if ((ap->chan = chanev_new(ap->sup->base, sv[0], &apidproc_ops,
	    ap)) == NULL)
		fatal("cannot set up the API process channel");
	ap->gen++;
	if (apidproc_hello(ap) == -1)
		fatal("cannot send HELLO");
	/* The full picture before any request can come. */
	instances_snapshot(ap->sup->instances);
	sup_send_memory(ap->sup);
	assets_send(ap->sup->assets, ap);
	if (ap->chan != NULL)
		(void)chanev_flush(ap->chan);
	log_debug("started API process %ld", (long)pid);
	return 0;
}

static void
apidproc_on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct apidproc	*ap = arg;

	(void)fd;
	(void)what;
	if (ap->sup->shutting_down || ap->pid > 0)
		return;
	if (apidproc_start(ap) == -1) {
		log_warn("cannot start the API process");
		apidproc_schedule(ap);
	}
}

static void
apidproc_schedule(struct apidproc *ap)
{
	struct timeval	 tv = { 0, 0 };
	long		 ms = 0;
	int		 shift;

	if (ap->failures > 0) {
		shift = ap->failures - 1 > 10 ? 10 : ap->failures - 1;
		ms = (long)APID_BACKOFF_MIN_MS << shift;
		if (ms > APID_BACKOFF_MAX_MS)
			ms = APID_BACKOFF_MAX_MS;
	}
	ap->failures++;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ap->ev_restart, &tv);
	if (ms > 0)
		log_warnx("API process keeps dying; next start in %ld ms", ms);
}

int
apidproc_reaped(struct apidproc *ap, pid_t pid, int status)
{
	struct timespec	 now;

	if (pid != ap->pid)
		return 0;
	ap->pid = -1;
	apidproc_close_chan(ap);
	if (ap->sup->shutting_down)
		return 1;
	if (WIFSIGNALED(status))
		log_warnx("API process %ld killed by signal %d", (long)pid,
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) == APID_EXIT_PRIVDROP)
		/* It would fail the same way every time: say so and stop. */
		fatalx("the API process cannot switch to an unprivileged user "
		    "without capabilities; use -u USER");
	else if (WEXITSTATUS(status) == APID_EXIT_EXEC)
		log_warnx("API process %ld: cannot execute %s", (long)pid,
		    ap->sup->apid_path);
	else
		log_warnx("API process %ld exited with status %d", (long)pid,
		    WEXITSTATUS(status));
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - ap->started.tv_sec >= APID_STABLE_S)
		ap->failures = 0;
	apidproc_schedule(ap);
	return 1;
}

int
apidproc_send(struct apidproc *ap, uint32_t type, uint32_t peerid,
    const struct chanbuf *b)
{
	if (ap->chan == NULL)
		return -1;
	if (chanev_queue(ap->chan, type, peerid, -1, b) == -1) {
		apidproc_drop(ap, strerror(errno));
		return -1;
	}
	(void)chanev_flush(ap->chan);
	return 0;
}

unsigned int
apidproc_generation(const struct apidproc *ap)
{
	return ap->gen;
}

int
apidproc_stop(struct apidproc *ap)
{
	evtimer_del(ap->ev_restart);
	if (ap->pid <= 0)
		return 0;
	kill(ap->pid, SIGTERM);
	return 1;
}

int
apidproc_alive(const struct apidproc *ap)
{
	return ap->pid > 0 && ap->chan != NULL;
}

size_t
apidproc_pending(const struct apidproc *ap)
{
	return ap->chan != NULL ? chanev_pending(ap->chan) : 0;
}

void
apidproc_kill(struct apidproc *ap)
{
	if (ap->pid > 0)
		kill(ap->pid, SIGKILL);
}

struct apidproc *
apidproc_new(struct sup *sup)
{
	struct apidproc	*ap;

	if ((ap = calloc(1, sizeof(*ap))) == NULL)
		return NULL;
	ap->sup = sup;
	ap->pid = -1;
	if ((ap->ev_restart = evtimer_new(sup->base, apidproc_on_restart,
	    ap)) == NULL) {
		free(ap);
		return NULL;
	}
	return ap;
}

void
apidproc_free(struct apidproc *ap)
{
	if (ap == NULL)
		return;
	apidproc_close_chan(ap);
	event_free(ap->ev_restart);
	free(ap);
}

pid_t
apidproc_pid(const struct apidproc *ap)
{
	return ap != NULL ? ap->pid : 0;
}
