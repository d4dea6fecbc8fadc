/*
 * instances.h: the supervisor's instances and their state machine
 * (SPEC section 5): requests from apid, children's lives, retries and
 * back-off, deferred answers, boot and shutdown.
 */
#ifndef SOLAR_INSTANCES_H
#define SOLAR_INSTANCES_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "instance.h"

struct sup;
struct instances;
struct strbuf;

/* Takes the loaded instances (the array is freed, its contents kept). */
struct instances *instances_new(struct sup *, struct instance *loaded,
		    size_t n);
void		 instances_free(struct instances *);
/* Start those saved as running or starting; save the store when that, or
 * a missing file, calls for it. */
void		 instances_boot(struct instances *, int missing);
/*
 * apid's requests, decoded (apidproc.c): each is answered with a REPLY of
 * the same peer id, HISTORY with LOG_HISTORY.  create and update take the
 * config's strings and leave it empty.
 */
void		 instances_create(struct instances *, uint32_t peerid,
		    struct inst_config *);
void		 instances_update(struct instances *, uint32_t peerid,
		    const char *id, struct inst_config *);
void		 instances_delete(struct instances *, uint32_t peerid,
		    const char *id);
void		 instances_start(struct instances *, uint32_t peerid,
		    const char *id);
void		 instances_stop(struct instances *, uint32_t peerid,
		    const char *id);
void		 instances_restart(struct instances *, uint32_t peerid,
		    const char *id);
void		 instances_history(struct instances *, uint32_t peerid,
		    const char *id, uint64_t since);
/* Send every instance to a freshly started apid. */
void		 instances_snapshot(struct instances *);
/* Send apid the lines it has not had, while its channel has room. */
void		 instances_ship(struct instances *);
/* 1 when pid was one of our children. */
int		 instances_reaped(struct instances *, pid_t, int status);
/* Stop every child at once; the number still running. */
int		 instances_shutdown(struct instances *);
int		 instances_running(const struct instances *);
/* SIGHUP: every running child's log file is opened again by its name. */
void		 instances_reopen_logs(struct instances *);
/* config.json's content (store_build_fn). */
void		 instances_build(struct strbuf *, void *);

#endif
