/*
 * runtime.h: an instance's runtime state and generation metrics, derived
 * from its llama-server log lines (SPEC section 6).
 */
#ifndef SOLAR_RUNTIME_H
#define SOLAR_RUNTIME_H

#include <sys/time.h>

#include <stddef.h>

struct runtime;
struct strbuf;

struct runtime	*runtime_new(const char *instance_id);
void		 runtime_free(struct runtime *);
/* Forget every slot and record (the instance's child started again). */
void		 runtime_reset(struct runtime *, const struct timeval *now);
/* One log line, as printed by llama-server (with its leading time and
 * level), seen at now.  1 when a value of InstanceRuntimeState changed
 * (a state event is due), else 0. */
int		 runtime_feed(struct runtime *, const char *line, size_t len,
		    const struct timeval *now);
/* InstanceRuntimeState, compact JSON, fields in SPEC order. */
void		 runtime_state_json(const struct runtime *, struct strbuf *);
/* The first frame of WS /instances/{id}/state:
 * {"type":"instance_state","data":{"instance_id","busy","prefill_progress",
 * "active_slots","timestamp"}} */
void		 runtime_first_frame(const struct runtime *, struct strbuf *);
/* A change event: {"seq":N,"timestamp":..,"type":"instance_state",
 * "data":InstanceRuntimeState} with the runtime's own event counter. */
void		 runtime_event(struct runtime *, struct strbuf *);

enum runtime_gen {
	RUNTIME_GEN_OK = 0,
	RUNTIME_GEN_NONE,	/* "No generation metrics available" */
	RUNTIME_GEN_NOT_AFTER,	/* "No generation metrics after the specified timestamp" */
	RUNTIME_GEN_NOT_WITHIN,	/* "No recent generation metrics within the specified window" */
};
/* GenerationMetrics of the most recently closed record.  after may be
 * NULL; within_s < 0 means no window. */
enum runtime_gen runtime_last_generation(const struct runtime *,
		    const struct timeval *after, long within_s,
		    const struct timeval *now, struct strbuf *);

#endif
