/*
 * main.c: solar-host, the supervisor.  Reads flags and settings, binds the
 * API socket, drops privileges, then keeps the API process running until
 * SIGTERM or SIGINT.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "config.h"
#include "instances.h"
#include "channel.h"
#include "log.h"
#include "memory.h"
#include "proctree.h"
#include "proto.h"
#include "settings.h"
#include "store.h"
#include "sup.h"

#define SHUTDOWN_GRACE_S	5
#define MEMORY_INTERVAL_S	5
#define FINISH_TIMEOUT_MS	2000	/* at exit, for what is left below us */

extern char **environ;

static struct sup	 sup;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: solar-host [-dnVv] [-f file] "
	    "[-s stop | status | reload] [-u user]\n");
	exit(1);
}

static void
on_shutdown_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_warnx("API process did not exit in time; killing it");
	apidproc_kill(sup.apid);
}

/* Shutting down ends when the API process and every child are gone. */
static void
shutdown_check(void)
{
	if (sup.shutting_down && !apidproc_alive(sup.apid) &&
	    instances_running(sup.instances) == 0)
		event_base_loopbreak(sup.base);
}

static void
on_terminate(evutil_socket_t sig, short what, void *arg)
{
	struct event	*timeout = arg;
	struct timeval	 tv = { SHUTDOWN_GRACE_S, 0 };

	(void)what;
	if (sup.shutting_down)
		return;
	log_info("%s received, shutting down",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	notify_send("STOPPING=1");
	sup.shutting_down = 1;
	(void)instances_shutdown(sup.instances);
	if (apidproc_stop(sup.apid))
		evtimer_add(timeout, &tv);
	shutdown_check();
}

/* After logrotate moved them: every running child's log file anew. */
static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	log_info("SIGHUP received, reopening log files");
	daemonlog_reopen();
	instances_reopen_logs(sup.instances);
}

/*
 * Each exited child is looked at before it is reaped: while its zombie
 * exists, the number of its process group is not another's, so what it
 * left behind can be killed by that number.  Orphans reparented to us
 * (we are their subreaper) are reaped here too and are no one's.
 */
static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	siginfo_t	 info;
	pid_t		 pid;
	int		 status;

	(void)sig;
	(void)what;
	(void)arg;
	for (;;) {
		memset(&info, 0, sizeof(info));
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((pid = info.si_pid) == 0)
			break;
		proctree_exiting(pid);
		if (waitpid(pid, &status, 0) != pid)
			continue;
		if (!apidproc_reaped(sup.apid, pid, status) &&
		    !sampler_reaped(sup.sampler, pid, status))
			(void)instances_reaped(sup.instances, pid, status);
	}
	proctree_sweep();
	shutdown_check();
}

/* apid and the sampler are ours; the sweeps leave them alone. */
static int
is_helper(pid_t pid, void *arg)
{
	(void)arg;
	return pid == apidproc_pid(sup.apid) ||
	    pid == sampler_pid(sup.sampler);
}

void
sup_send_memory(struct sup *s)
{
	struct chanbuf	 b;

	chanbuf_init(&b);
	proto_memory_encode(&b, &s->memory);
	(void)apidproc_send(s->apid, MSG_MEMORY, 0, &b);
	chanbuf_free(&b);
}

static void
on_memory(const struct memfig *m, void *arg)
{
	struct sup	*s = arg;

	memset(&s->memory, 0, sizeof(s->memory));
	if (m->ok) {
		s->memory.ok = 1;
		s->memory.vram = m->vram != 0;
		s->memory.used = m->used;
		s->memory.total = m->total;
	}
	sup_send_memory(s);
}

static void
load_store(struct instance **loaded, size_t *n, int *missing)
{
	char	 err[1024];

	if (store_load(sup.settings.config_file, loaded, n, missing, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
}

static void
load_settings(const char *file, int explicit)
{
	char	 err[1024];

	settings_defaults(&sup.settings);
	if (settings_load_file(&sup.settings, file, !explicit, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if (settings_load_env(&sup.settings, environ, err, sizeof(err)) == -1)
		fatalx("%s", err);
}

/* Returns the key file's path when a generated or stored key is used. */
static char *
load_key(void)
{
	char	 err[1024], *path, *abs;
	int	 created;

	if (sup.settings.api_key != NULL) {
		if ((sup.api_key = strdup(sup.settings.api_key)) == NULL)
			fatal("strdup");
		return NULL;
	}
	if ((path = keyfile_path(sup.settings.config_file)) == NULL)
		fatal("key file path");
	if (keyfile_load_or_create(path, &sup.api_key, &created, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	if ((abs = realpath(path, NULL)) != NULL) {
		free(path);
		path = abs;
	}
	/* Say where the key is, never what it is. */
	log_info("API key %s %s", created ? "generated and stored in" :
	    "read from", path);
	return path;
}

/* A program of ours in libexecdir, or where the variable names it (the
 * test suite, or a run from the build tree). */
static const char *
libexec_path(const char *var, const char *installed)
{
	const char	*p;

	if ((p = getenv(var)) != NULL && *p != '\0')
		return p;
	return installed;
}

int
main(int argc, char *argv[])
{
	struct event	*ev_term, *ev_int, *ev_chld, *ev_hup, *ev_timeout;
	const char	*envfile = ".env", *user = NULL, *control = NULL;
	const char	*sampler;
	struct instance	*loaded = NULL;
	size_t		 nloaded = 0;
	char		 err[1024], *keyfile, *pidpath;
	int		 ch, foreground = 0, checkonly = 0, explicit = 0;
	int		 missing = 0;

	log_procname("solar-host");
	while ((ch = getopt(argc, argv, "df:ns:u:Vv")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			envfile = optarg;
			explicit = 1;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 's':
			control = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'V':
#ifdef SOLAR_TEST_HOOKS
			printf("solar-host %s (with test hooks)\n",
			    PACKAGE_VERSION);
#else
			printf("solar-host %s\n", PACKAGE_VERSION);
#endif
			return 0;
		case 'v':
			sup.verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (control != NULL && (checkonly ||
	    foreground || user != NULL)))
		usage();

	log_init(1, sup.verbose);
	/* Before anything else may open files or start threads. */
	if (!checkonly && privdrop_apid_user(&sup, user, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (sodium_init() == -1)
		fatalx("libsodium cannot be initialised");
	load_settings(envfile, explicit);
	if (control != NULL) {
		ch = control_run(control, &sup.settings);
		settings_free(&sup.settings);
		return ch;
	}
	if (checkonly) {
		load_store(&loaded, &nloaded, &missing);
		while (nloaded > 0)
			instance_free(&loaded[--nloaded]);
		free(loaded);
		fprintf(stderr, "solar-host: configuration OK\n");
		settings_free(&sup.settings);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* until the event loop handles it */
	notify_init();

	/* Before binding, so that a second start says what is wrong. */
	if ((pidpath = pidfile_path(&sup.settings)) == NULL)
		fatal("pid file path");
	if (pidfile_create(pidpath, err, sizeof(err)) == -1)
		fatalx("%s", err);
	free(pidpath);
	sup.listen_fd = listener_open(sup.settings.host, sup.settings.port,
	    err, sizeof(err));
	if (sup.listen_fd == -1)
		fatalx("%s", err);
	if (user != NULL) {
		if (privdrop(user, err, sizeof(err)) == -1)
			fatalx("%s", err);
	} else if (geteuid() == 0)
		log_warnx("running as root; use -u USER to run as another user");
	keyfile = load_key();
	load_store(&loaded, &nloaded, &missing);
	if (sup.settings.docs_assets_dir != NULL &&
	    (sup.assets = assets_load(sup.settings.docs_assets_dir, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	sup.apid_path = libexec_path("SOLAR_HOST_APID",
	    LIBEXECDIR "/solar-host-apid");
	if (access(sup.apid_path, X_OK) == -1)
		fatal("cannot execute the API program %s", sup.apid_path);

	if (!foreground) {
		if (daemonlog_open(&sup.settings, err, sizeof(err)) == -1)
			fatalx("%s", err);
		if (daemon(1, 0) == -1)
			fatal("daemon");
		log_init(0, sup.verbose);
		daemonlog_detached();
		if (keyfile != NULL)
			log_info("API key in %s", keyfile);
	}
	free(keyfile);
	sup.foreground_stderr = foreground;
	if (pidfile_write_self() == -1)
		fatal("cannot write the pid file");

	if ((sup.base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	log_libevent();
	/* After daemon(): a fork does not inherit being a subreaper. */
	if (proctree_init(sup.base, is_helper, NULL, err, sizeof(err)) == -1)
		fatalx("%s", err);
	ev_timeout = evtimer_new(sup.base, on_shutdown_timeout, NULL);
	ev_term = evsignal_new(sup.base, SIGTERM, on_terminate, ev_timeout);
	ev_int = evsignal_new(sup.base, SIGINT, on_terminate, ev_timeout);
	ev_chld = evsignal_new(sup.base, SIGCHLD, on_sigchld, NULL);
	ev_hup = evsignal_new(sup.base, SIGHUP, on_sighup, NULL);
	if (ev_timeout == NULL || ev_term == NULL || ev_int == NULL ||
	    ev_chld == NULL || ev_hup == NULL ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_chld, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1)
		fatalx("cannot set up signal events");

	if ((sup.apid = apidproc_new(&sup)) == NULL)
		fatal("apidproc_new");
	sampler = libexec_path("SOLAR_HOST_SAMPLER",
	    LIBEXECDIR "/solar-host-sampler");
	if ((sup.sampler = sampler_start(sup.base, sampler, MEMORY_INTERVAL_S,
	    on_memory, &sup)) == NULL)
		log_warn("memory sampler");
	sup.instances = instances_new(&sup, loaded, nloaded);
	instances_boot(sup.instances, missing);
	if (apidproc_start(sup.apid) == -1)
		fatal("cannot start the API process");
	log_info("listening on %s port %d", sup.settings.host,
	    sup.settings.port);

	event_base_dispatch(sup.base);

	sampler_free(sup.sampler);
	assets_free(sup.assets);
	instances_free(sup.instances);
	apidproc_free(sup.apid);
	sup.apid = NULL;
	sup.sampler = NULL;
	proctree_finish(FINISH_TIMEOUT_MS);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_chld);
	event_free(ev_hup);
	notify_free();
	event_free(ev_timeout);
	event_base_free(sup.base);
	close(sup.listen_fd);
	if (sup.api_key != NULL)
		sodium_memzero(sup.api_key, strlen(sup.api_key));
	free(sup.api_key);
	settings_free(&sup.settings);
	pidfile_remove_self();
	log_info("exiting");
	return 0;
}
