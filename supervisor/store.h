/*
 * store.h: config.json, the instance store.  Loaded once at start-up;
 * saved atomically (temporary file, fsync, rename, fsync of the directory);
 * saves asked for while one is pending share one write and one fsync.
 */
#ifndef SOLAR_STORE_H
#define SOLAR_STORE_H

#include <stddef.h>

#include "instance.h"
#include "strbuf.h"

struct event_base;
struct store;

/* Writes the whole file's content (called at save time). */
typedef void (*store_build_fn)(struct strbuf *, void *arg);
/* Called once the save that covers a request is durable (err NULL) or failed. */
typedef void (*store_done_fn)(const char *err, void *arg);

/*
 * Read path.  A missing file is an empty store (*missing set).  A file that
 * is not a valid store: -1 with "PATH:LINE: reason" or "PATH: where: reason"
 * in err.  *out is an array of *n instances (free each, then the array).
 */
int		 store_load(const char *path, struct instance **out, size_t *n,
		    int *missing, char *err, size_t errlen);

struct store	*store_new(struct event_base *, const char *path, store_build_fn,
		    void *arg);
void		 store_free(struct store *);
/* Ask for a save; done (may be NULL) follows when it is on disk. */
void		 store_save(struct store *, store_done_fn, void *arg);
/* Forget a waiter whose arg is going away (its done will not be called). */
void		 store_forget(struct store *, void *arg);
/* Save now, synchronously.  0, or -1 with the reason in err. */
int		 store_save_now(struct store *, char *err, size_t errlen);

#endif
