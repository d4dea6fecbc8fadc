/*
 * store.c: config.json in the original's exact layout (json.dump with
 * indent=2), written so that a crash at any instant leaves the old file or
 * the new one, never a mix; a file we cannot read is never overwritten.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "pyjson.h"
#include "log.h"
#include "store.h"

#define STORE_MAX_SIZE		(256u * 1024 * 1024)
#define STORE_RETRY_S		1

struct waiter {
	TAILQ_ENTRY(waiter)	 entry;
	store_done_fn		 done;
	void			*arg;
};
TAILQ_HEAD(waiters, waiter);

struct store {
	char		*path;
	char		*tmppath;
	char		*dir;
	store_build_fn	 build;
	void		*arg;
	struct event	*ev_save;	/* deferred: one save per loop turn */
	struct event	*ev_retry;
	struct waiters	 waiting;
	int		 dirty;
};

static int
read_all(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > STORE_MAX_SIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most "
		    "%u bytes", path, STORE_MAX_SIZE);
		close(fd);
		errno = EINVAL;
		return -2;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -2;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static int
store_parse(const char *path, const char *text, size_t len,
    struct instance **out, size_t *n, char *err, size_t errlen)
{
	struct pyjson_error	 perr;
	json_t			*root, *list, *item;
	struct instance		*v = NULL;
	char			 why[512];
	size_t			 i, j;

	switch (pyjson_load(text, len, &root, &perr)) {
	case PYJSON_OK:
		break;
	case PYJSON_SYNTAX:
		snprintf(err, errlen, "%s:%zu: %s (column %zu)", path,
		    perr.line, perr.msg, perr.column);
		return -1;
	case PYJSON_TOO_DEEP:
		snprintf(err, errlen, "%s:%zu: nested too deeply", path,
		    perr.line);
		return -1;
	case PYJSON_NOT_UTF8:
		snprintf(err, errlen, "%s: not UTF-8", path);
		return -1;
	default:
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	list = json_is_object(root) ? json_object_get(root, "instances") : NULL;
	if (!json_is_array(list)) {
		snprintf(err, errlen, "%s: expected {\"instances\": [...]}",
		    path);
		json_decref(root);
		return -1;
	}
	if (json_array_size(list) > 0 &&
	    (v = calloc(json_array_size(list), sizeof(*v))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		json_decref(root);
		return -1;
	}
	json_array_foreach(list, i, item) {
		if (!json_is_object(item)) {
			snprintf(err, errlen, "%s: instances[%zu]: must be an "
			    "object", path, i);
			goto fail;
		}
		if (instance_from_json(item, &v[i], why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: instances[%zu].%s", path, i,
			    why);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (strcmp(v[j].id, v[i].id) == 0) {
				snprintf(err, errlen, "%s: instances[%zu]: "
				    "id %s appears twice", path, i, v[i].id);
				i++;
				goto fail;
			}
	}
	*out = v;
	*n = json_array_size(list);
	json_decref(root);
	return 0;
 fail:
	for (j = 0; j < i; j++)
		instance_free(&v[j]);
	free(v);
	json_decref(root);
	return -1;
}

int
store_load(const char *path, struct instance **out, size_t *n, int *missing,
    char *err, size_t errlen)
{
	char	*text;
	size_t	 len;
	int	 rc;

	*out = NULL;
	*n = 0;
	*missing = 0;
	if ((rc = read_all(path, &text, &len, err, errlen)) == -2)
		return -1;
	if (rc == -1) {
		if (errno == ENOENT) {
			*missing = 1;
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = store_parse(path, text, len, out, n, err, errlen);
	free(text);
	return rc;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A test build can crash itself here to show the old file survives. */
static void
store_fault_point(const char *name)
{
#ifdef SOLAR_TEST_HOOKS
	const char	*f = getenv("SOLAR_HOST_FAULT");

	if (f != NULL && strcmp(f, name) == 0)
		raise(SIGKILL);
#else
	(void)name;
#endif
}

/*
 * A test build can make every save fail, as an unwritable directory would,
 * while a file PATH.fail exists: root ignores directory permissions.
 */
static int
store_fault_fail(const struct store *st)
{
#ifdef SOLAR_TEST_HOOKS
	const char	*f = getenv("SOLAR_HOST_FAULT");
	char		*trigger;
	int		 on;

	if (f == NULL || strcmp(f, "store-fail") != 0)
		return 0;
	if (asprintf(&trigger, "%s.fail", st->path) == -1)
		return 1;
	on = access(trigger, F_OK) == 0;
	free(trigger);
	return on;
#else
	(void)st;
	return 0;
#endif
}

int
store_save_now(struct store *st, char *err, size_t errlen)
{
	struct strbuf	 sb;
	int		 fd, dfd, rc = -1;

	strbuf_init(&sb);
	st->build(&sb, st->arg);
	if (sb.failed) {
		snprintf(err, errlen, "%s: out of memory", st->path);
		goto out;
	}
	if (store_fault_fail(st)) {
		snprintf(err, errlen, "cannot create %s: %s (test fault)",
		    st->tmppath, strerror(EACCES));
		goto out;
	}
	/* It holds every instance's key: for our user's eyes only. */
	fd = open(st->tmppath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "cannot create %s: %s", st->tmppath,
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, sb.data, sb.len) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", st->tmppath,
		    strerror(errno));
		close(fd);
		(void)unlink(st->tmppath);
		goto out;
	}
	close(fd);
	store_fault_point("store-before-rename");
	if (rename(st->tmppath, st->path) == -1) {
		snprintf(err, errlen, "cannot replace %s: %s", st->path,
		    strerror(errno));
		(void)unlink(st->tmppath);
		goto out;
	}
	/* The rename itself is durable only once the directory is synced. */
	if ((dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fsync(dfd) == -1 && errno != EINVAL) {
			snprintf(err, errlen, "cannot sync %s: %s", st->dir,
			    strerror(errno));
			close(dfd);
			goto out;
		}
		close(dfd);
	}
	st->dirty = 0;
	rc = 0;
 out:
	strbuf_free(&sb);
	return rc;
}

static void
store_run(struct store *st)
{
	struct waiters	 done;
	struct waiter	*w;
	struct timeval	 retry = { STORE_RETRY_S, 0 };
	char		 err[1024];
	int		 ok, n = 0;

	/* Everyone waiting now is covered by this one write. */
	TAILQ_INIT(&done);
	TAILQ_CONCAT(&done, &st->waiting, entry);
	TAILQ_FOREACH(w, &done, entry)
		n++;
	ok = store_save_now(st, err, sizeof(err)) == 0;
	if (ok)
		log_debug("%s saved for %d waiting", st->path, n);
	else {
		log_warnx("%s; retrying in %d s", err, STORE_RETRY_S);
		st->dirty = 1;
		evtimer_add(st->ev_retry, &retry);
	}
	while ((w = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, w, entry);
		if (w->done != NULL)
			w->done(ok ? NULL : err, w->arg);
		free(w);
	}
}

static void
store_on_save(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_run(arg);
}

void
store_save(struct store *st, store_done_fn done, void *arg)
{
	struct waiter	*w;

	st->dirty = 1;
	if (done != NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			fatal("store_save");
		w->done = done;
		w->arg = arg;
		TAILQ_INSERT_TAIL(&st->waiting, w, entry);
	}
	evtimer_del(st->ev_retry);
	event_active(st->ev_save, EV_TIMEOUT, 0);
}

void
store_forget(struct store *st, void *arg)
{
	struct waiter	*w, *tmp;

	TAILQ_FOREACH_SAFE(w, &st->waiting, entry, tmp) {
		if (w->arg != arg)
			continue;
		TAILQ_REMOVE(&st->waiting, w, entry);
		free(w);
	}
}

struct store *
store_new(struct event_base *base, const char *path, store_build_fn build,
    void *arg)
{
	struct store	*st;
	char		*copy;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	TAILQ_INIT(&st->waiting);
	st->build = build;
	st->arg = arg;
	if ((st->path = strdup(path)) == NULL ||
	    asprintf(&st->tmppath, "%s.tmp", path) == -1 ||
	    (copy = strdup(path)) == NULL)
		fatal("store_new");
	if ((st->dir = strdup(dirname(copy))) == NULL)
		fatal("store_new");
	free(copy);
	st->ev_save = event_new(base, -1, 0, store_on_save, st);
	st->ev_retry = evtimer_new(base, store_on_save, st);
	if (st->ev_save == NULL || st->ev_retry == NULL)
		fatalx("store_new: cannot create events");
	return st;
}

void
store_free(struct store *st)
{
	struct waiter	*w;

	if (st == NULL)
		return;
	while ((w = TAILQ_FIRST(&st->waiting)) != NULL) {
		TAILQ_REMOVE(&st->waiting, w, entry);
		free(w);
	}
	event_free(st->ev_save);
	event_free(st->ev_retry);
	free(st->path);
	free(st->tmppath);
	free(st->dir);
	free(st);
}
