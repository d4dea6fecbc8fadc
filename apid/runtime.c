/*
 * runtime.c: an instance's runtime state and generation metrics (SPEC
 * section 6), moved by the log lines runtime_line.c reads, and their JSON.
 */
#include <sys/time.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pyjson.h"
#include "runtime.h"
#include "runtime_line.h"
#include "strbuf.h"
#include "timefmt.h"

/* Every line we read is far shorter; longer ones are sampler dumps. */
#define RT_LINE_MAX	1024
#define RT_USEC		1000000LL

enum rt_phase {
	RT_PREFILL,
	RT_GENERATING,
};

/* A generation, from launch (or new prompt) to release.  Floats are NAN
 * when null: parsed values are always finite. */
struct rt_record {
	int		 open;
	int		 slot;
	long long	 task;
	long long	 prompt_tokens;	/* from "new prompt", else from release */
	long long	 prompt_eval;	/* uncached prompt tokens: no decode figure */
	long long	 generated;
	double		 tps;
	double		 ms;
	struct timeval	 started;
	struct timeval	 finished;
};

struct rt_slot {
	int			 id;
	int			 active;
	unsigned long long	 order;		/* when it last became active */
	long long		 task;
	enum rt_phase		 phase;
	double			 progress;
	long long		 prompt_tokens;
	long long		 generated;
	double			 tps;
	double			 ms;
	long long		 ckpt_index;
	long long		 ckpt_total;
	struct rt_record	 rec;
};

struct runtime {
	char			*id;
	struct rt_slot		*slots;
	size_t			 nslots;
	size_t			 cap;
	unsigned long long	 activations;
	struct rt_record	 last;		/* the last closed record */
	int			 has_last;
	struct timeval		 changed;	/* the state's timestamp */
	struct strbuf		 shown;		/* state JSON minus timestamp */
	struct strbuf		 scratch;
	int			 unreported;	/* a change not yet returned */
	unsigned long long	 seq;
};

static void	rt_slot_clear(struct rt_slot *);
static struct rt_slot *rt_slot_find(struct runtime *, int, int);
static void	rt_record_open(struct rt_slot *, long long,
		    const struct timeval *);
static void	rt_activate(struct runtime *, struct rt_slot *, long long);
static void	rt_start(struct runtime *, struct rt_slot *,
		    const struct rtline *, const struct timeval *);
static void	rt_release(struct runtime *, struct rt_slot *, long long,
		    const struct timeval *);
static int	rt_figures(struct rt_slot *, const struct rtline *);
static int	rt_apply(struct runtime *, const struct rtline *,
		    const struct timeval *);
static const struct rt_slot *rt_current(const struct runtime *, int *);
static void	rt_json_int(struct strbuf *, const char *, long long);
static void	rt_json_real(struct strbuf *, const char *, double);
static void	rt_json_time(struct strbuf *, const char *,
		    const struct timeval *);
static void	rt_body(const struct runtime *, struct strbuf *);
static void	rt_note(struct runtime *, const struct timeval *);

/* Every per-slot figure null: a new task starts from nothing. */
static void
rt_slot_clear(struct rt_slot *s)
{
	s->phase = RT_PREFILL;
	s->progress = NAN;
	s->prompt_tokens = RT_NONE;
	s->generated = RT_NONE;
	s->tps = NAN;
	s->ms = NAN;
	s->ckpt_index = RT_NONE;
	s->ckpt_total = RT_NONE;
}

/* Slots are few (one per parallel sequence): a linear search will do. */
static struct rt_slot *
rt_slot_find(struct runtime *r, int id, int create)
{
	struct rt_slot	*s;
	size_t		 i, cap;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].id == id)
			return &r->slots[i];
	if (!create)
		return NULL;
	if (r->nslots == r->cap) {
		cap = r->cap == 0 ? 8 : r->cap * 2;
		if ((s = reallocarray(r->slots, cap, sizeof(*s))) == NULL)
			return NULL;
		r->slots = s;
		r->cap = cap;
	}
	s = &r->slots[r->nslots++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->task = RT_NONE;
	rt_slot_clear(s);
	return s;
}

/* A fresh record replaces whatever was open: that task never released. */
static void
rt_record_open(struct rt_slot *s, long long task, const struct timeval *now)
{
	struct rt_record	*rec = &s->rec;

	memset(rec, 0, sizeof(*rec));
	rec->open = 1;
	rec->slot = s->id;
	rec->task = task;
	rec->prompt_tokens = RT_NONE;
	rec->prompt_eval = RT_NONE;
	rec->generated = RT_NONE;
	rec->tps = NAN;
	rec->ms = NAN;
	rec->started = *now;
}

/*
 * Slot s works on task from now on.  Naming the same task again changes
 * nothing (the table's "once, however many lines name it"); a new task
 * while the old one never released starts over, as it would after one.
 */
static void
rt_activate(struct runtime *r, struct rt_slot *s, long long task)
{
	if (s->active && s->task == task)
		return;
	rt_slot_clear(s);
	s->active = 1;
	s->task = task;
	s->order = ++r->activations;
}

/*
 * Slot s starts on the line's task (launch) or is given its prompt (new
 * prompt).  Today "new prompt" follows launch for the same task: the
 * record launch opened (and its start) is kept, only the count is added.
 */
static void
rt_start(struct runtime *r, struct rt_slot *s, const struct rtline *l,
    const struct timeval *now)
{
	struct rt_record	*rec = &s->rec;

	rt_activate(r, s, l->task);
	s->phase = RT_PREFILL;
	if (!rec->open || rec->task != l->task)
		rt_record_open(s, l->task, now);
	if (l->kind == RTL_NEW_PROMPT) {
		s->progress = 0.0;
		s->prompt_tokens = l->n1;
		rec->prompt_tokens = l->n1;
	}
}

/* Slot s is free again; its record, if open, becomes the last one. */
static void
rt_release(struct runtime *r, struct rt_slot *s, long long n_tokens,
    const struct timeval *now)
{
	struct rt_record	*rec = &s->rec;

	s->active = 0;
	if (!rec->open)
		return;
	rec->open = 0;
	rec->finished = *now;
	/* n_tokens counts the cached prompt too, which "prompt eval time"
	 * leaves out. */
	if (rec->prompt_tokens == RT_NONE && rec->generated != RT_NONE &&
	    n_tokens - rec->generated + 1 >= 0)
		rec->prompt_tokens = n_tokens - rec->generated + 1;
	r->last = *rec;
	r->has_last = 1;
}

/* A figure line for the task slot s runs; 1 when it moved something. */
static int
rt_figures(struct rt_slot *s, const struct rtline *l)
{
	struct rt_record	*rec = &s->rec;

	switch (l->kind) {
	case RTL_PROGRESS:
		s->progress = l->x1;
		break;
	case RTL_PROMPT_DONE:
		s->phase = RT_GENERATING;
		s->progress = 1.0;
		break;
	case RTL_NGEN:
		s->phase = RT_GENERATING;
		s->generated = l->n1;
		s->tps = l->x1;
		break;
	case RTL_CHECKPOINT:
		s->ckpt_index = l->n1;
		s->ckpt_total = l->n2;
		break;
	case RTL_PROMPT_EVAL:
		if (rec->open && rec->task == l->task)
			rec->prompt_eval = l->n1;
		break;
	case RTL_EVAL:
		s->generated = l->n1;
		s->ms = l->x1;
		s->tps = l->x2;
		if (rec->open && rec->task == l->task) {
			rec->generated = l->n1;
			rec->ms = l->x1;
			rec->tps = l->x2;
		}
		break;
	default:
		return 0;
	}
	return 1;
}

/*
 * Apply a parsed line; 1 when the state or a record may have moved.
 * Figure lines count only for the task the slot is running, so that a
 * stray line never mixes another task's figures into the record; a
 * release frees the slot whatever task it names, so that no line can keep
 * an instance busy for ever.
 */
static int
rt_apply(struct runtime *r, const struct rtline *l, const struct timeval *now)
{
	struct rt_slot	*s;
	size_t		 i;

	if (l->kind == RTL_ALL_IDLE) {
		for (i = 0; i < r->nslots; i++)
			r->slots[i].active = 0;
		return 1;
	}
	if ((s = rt_slot_find(r, l->slot,
	    l->kind == RTL_NEW_PROMPT || l->kind == RTL_LAUNCH)) == NULL)
		return 0;
	switch (l->kind) {
	case RTL_NEW_PROMPT:
	case RTL_LAUNCH:
		rt_start(r, s, l, now);
		return 1;
	case RTL_RELEASE:
		rt_release(r, s, l->n1, now);
		return 1;
	default:
		break;
	}
	if (!s->active || s->task != l->task)
		return 0;
	return rt_figures(s, l);
}

/* The most recently activated of the active slots, and how many are. */
static const struct rt_slot *
rt_current(const struct runtime *r, int *nactive)
{
	const struct rt_slot	*cur = NULL;
	size_t			 i;

	*nactive = 0;
	for (i = 0; i < r->nslots; i++) {
		if (!r->slots[i].active)
			continue;
		(*nactive)++;
		if (cur == NULL || r->slots[i].order > cur->order)
			cur = &r->slots[i];
	}
	return cur;
}

/* Each writes a member after the first: ,"name":value, null for none. */
static void
rt_json_int(struct strbuf *sb, const char *name, long long v)
{
	if (v == RT_NONE)
		strbuf_addf(sb, ",\"%s\":null", name);
	else
		strbuf_addf(sb, ",\"%s\":%lld", name, v);
}

static void
rt_json_real(struct strbuf *sb, const char *name, double v)
{
	strbuf_addf(sb, ",\"%s\":", name);
	if (isnan(v))
		strbuf_adds(sb, "null");
	else
		pyjson_dump_real(sb, v);
}

static void
rt_json_time(struct strbuf *sb, const char *name, const struct timeval *tv)
{
	char	buf[TIMEFMT_LEN];

	timefmt_utc_offset(tv, buf, sizeof(buf));
	strbuf_addf(sb, ",\"%s\":", name);
	pyjson_dump_string(sb, buf, strlen(buf), 0);
}

/*
 * InstanceRuntimeState up to, not including, its timestamp: what two
 * states are compared on.  With no active slot every per-slot field is
 * null, figures included, so an idle instance always reads the same.
 */
static void
rt_body(const struct runtime *r, struct strbuf *sb)
{
	const struct rt_slot	*s;
	int			 n;

	s = rt_current(r, &n);
	strbuf_adds(sb, "{\"instance_id\":");
	pyjson_dump_string(sb, r->id, strlen(r->id), 0);
	strbuf_addf(sb, ",\"busy\":%s,\"phase\":", n > 0 ? "true" : "false");
	if (s == NULL) {
		strbuf_adds(sb, "\"idle\",\"prefill_progress\":null,"
		    "\"active_slots\":0,\"slot_id\":null,\"task_id\":null,"
		    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
		    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
		    "\"checkpoint_index\":null,\"checkpoint_total\":null");
		return;
	}
	strbuf_adds(sb, s->phase == RT_GENERATING ?
	    "\"generating\"" : "\"prefill\"");
	rt_json_real(sb, "prefill_progress", s->progress);
	strbuf_addf(sb, ",\"active_slots\":%d,\"slot_id\":%d", n, s->id);
	rt_json_int(sb, "task_id", s->task);
	rt_json_int(sb, "prefill_prompt_tokens", s->prompt_tokens);
	rt_json_int(sb, "generated_tokens", s->generated);
	rt_json_real(sb, "decode_tps", s->tps);
	rt_json_real(sb, "decode_ms_per_token", s->ms);
	rt_json_int(sb, "checkpoint_index", s->ckpt_index);
	rt_json_int(sb, "checkpoint_total", s->ckpt_total);
}

/*
 * The state may have moved at now: compare what it would print with what
 * it printed last, so that only a change a client could see counts.
 */
static void
rt_note(struct runtime *r, const struct timeval *now)
{
	struct strbuf	tmp;

	strbuf_reset(&r->scratch);
	rt_body(r, &r->scratch);
	if (!r->scratch.failed && !r->shown.failed &&
	    r->scratch.len == r->shown.len &&
	    memcmp(r->scratch.data, r->shown.data, r->shown.len) == 0)
		return;
	/* Out of memory we cannot tell: an extra event is the safe side. */
	tmp = r->shown;
	r->shown = r->scratch;
	r->scratch = tmp;
	r->changed = *now;
	r->unreported = 1;
}

struct runtime *
runtime_new(const char *instance_id)
{
	struct runtime	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->id = strdup(instance_id)) == NULL) {
		free(r);
		return NULL;
	}
	strbuf_init(&r->shown);
	strbuf_init(&r->scratch);
	gettimeofday(&r->changed, NULL);
	rt_body(r, &r->shown);
	if (r->shown.failed) {
		runtime_free(r);
		return NULL;
	}
	return r;
}

void
runtime_free(struct runtime *r)
{
	if (r == NULL)
		return;
	strbuf_free(&r->shown);
	strbuf_free(&r->scratch);
	free(r->slots);
	free(r->id);
	free(r);
}

/*
 * The last closed record goes too: its figures belong to a process that is
 * gone.  A visible change (a busy instance going idle) is reported by the
 * next runtime_feed, whatever that line says, stamped with now.
 */
void
runtime_reset(struct runtime *r, const struct timeval *now)
{
	r->nslots = 0;
	r->has_last = 0;
	memset(&r->last, 0, sizeof(r->last));
	rt_note(r, now);
}

int
runtime_feed(struct runtime *r, const char *line, size_t len,
    const struct timeval *now)
{
	char		buf[RT_LINE_MAX + 1];
	struct rtline	l;

	/* The line need not end in a NUL: parse a terminated copy. */
	if (line != NULL && len > 0 && len <= RT_LINE_MAX) {
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (rtline_parse(buf, &l) && rt_apply(r, &l, now))
			rt_note(r, now);
	}
	if (!r->unreported)
		return 0;
	r->unreported = 0;
	return 1;
}

void
runtime_state_json(const struct runtime *r, struct strbuf *sb)
{
	rt_body(r, sb);
	rt_json_time(sb, "timestamp", &r->changed);
	strbuf_addc(sb, '}');
}

void
runtime_first_frame(const struct runtime *r, struct strbuf *sb)
{
	const struct rt_slot	*s;
	int			 n;

	s = rt_current(r, &n);
	strbuf_adds(sb, "{\"type\":\"instance_state\",\"data\":{"
	    "\"instance_id\":");
	pyjson_dump_string(sb, r->id, strlen(r->id), 0);
	strbuf_addf(sb, ",\"busy\":%s", n > 0 ? "true" : "false");
	rt_json_real(sb, "prefill_progress", s == NULL ? NAN : s->progress);
	strbuf_addf(sb, ",\"active_slots\":%d", n);
	rt_json_time(sb, "timestamp", &r->changed);
	strbuf_adds(sb, "}}");
}

void
runtime_event(struct runtime *r, struct strbuf *sb)
{
	strbuf_addf(sb, "{\"seq\":%llu", r->seq++);
	rt_json_time(sb, "timestamp", &r->changed);
	strbuf_adds(sb, ",\"type\":\"instance_state\",\"data\":");
	runtime_state_json(r, sb);
	strbuf_addc(sb, '}');
}

enum runtime_gen
runtime_last_generation(const struct runtime *r, const struct timeval *after,
    long within_s, const struct timeval *now, struct strbuf *sb)
{
	const struct rt_record	*rec = &r->last;
	long long		 age;

	if (!r->has_last)
		return RUNTIME_GEN_NONE;
	/*
	 * "after" excludes a record finished at that very microsecond.  Both
	 * come from gettimeofday or timefmt_parse, with tv_usec in range.
	 */
	if (after != NULL && !timercmp(&rec->finished, after, >))
		return RUNTIME_GEN_NOT_AFTER;
	if (within_s >= 0 && within_s < LLONG_MAX / RT_USEC) {
		age = ((long long)now->tv_sec - rec->finished.tv_sec) * RT_USEC +
		    ((long long)now->tv_usec - rec->finished.tv_usec);
		if (age > within_s * RT_USEC)
			return RUNTIME_GEN_NOT_WITHIN;
	}
	strbuf_adds(sb, "{\"instance_id\":");
	pyjson_dump_string(sb, r->id, strlen(r->id), 0);
	strbuf_addf(sb, ",\"slot_id\":%d", rec->slot);
	rt_json_int(sb, "task_id", rec->task);
	rt_json_int(sb, "prompt_tokens", rec->prompt_tokens);
	rt_json_int(sb, "generated_tokens", rec->generated);
	rt_json_real(sb, "decode_tps", rec->tps);
	rt_json_real(sb, "decode_ms_per_token", rec->ms);
	rt_json_time(sb, "started_at", &rec->started);
	rt_json_time(sb, "finished_at", &rec->finished);
	strbuf_addc(sb, '}');
	return RUNTIME_GEN_OK;
}
