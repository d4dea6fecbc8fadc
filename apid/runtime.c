/*
 * runtime.c: an instance's runtime state and generation metrics, read from
 * the log lines of its llama-server (SPEC section 6).
 */
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "runtime.h"
#include "strbuf.h"
#include "timefmt.h"

/* llama-server numbers its slots 0..n_parallel-1; larger ids are garbage
 * and would only grow the table. */
#define RT_SLOT_MAX	4095
/* Every line we read is far shorter; longer ones are sampler dumps. */
#define RT_LINE_MAX	1024
/* Time, level, subsystem and function before the message. */
#define RT_PREFIX_MAX	96
/* Larger token counts are garbage; the bound keeps K - G + 1 in range. */
#define RT_COUNT_MAX	INT32_MAX
/* A number is copied out before strtod, which wants a NUL. */
#define RT_REAL_MAX	63
#define RT_USEC		1000000LL

/* An int field that is null; every real one is >= 0 (tasks too, here). */
#define RT_NONE		(-1LL)

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

enum rt_kind {
	RTL_NONE = 0,
	RTL_NEW_PROMPT,
	RTL_LAUNCH,
	RTL_PROGRESS,
	RTL_PROMPT_DONE,
	RTL_NGEN,
	RTL_CHECKPOINT,
	RTL_PROMPT_EVAL,
	RTL_EVAL,
	RTL_RELEASE,
	RTL_ALL_IDLE,
};

/* What one line says: its slot and task, and up to two ints and reals. */
struct rt_line {
	enum rt_kind	 kind;
	int		 slot;
	long long	 task;
	long long	 n1, n2;
	double		 x1, x2;
};

static int	rt_ends(char);
static void	rt_skip(const char **);
static int	rt_lit(const char **, const char *);
static int	rt_int(const char **, long long, long long, long long *);
static int	rt_real(const char **, double *);
static int	rt_after(const char **, const char *);
static int	rt_parse(const char *, struct rt_line *);
static int	rt_parse_slot(const char *, struct rt_line *);
static void	rt_slot_clear(struct rt_slot *);
static struct rt_slot *rt_slot_find(struct runtime *, int, int);
static void	rt_record_open(struct rt_slot *, long long,
		    const struct timeval *);
static void	rt_activate(struct runtime *, struct rt_slot *, long long);
static int	rt_apply(struct runtime *, const struct rt_line *,
		    const struct timeval *);
static const struct rt_slot *rt_current(const struct runtime *, int *);
static void	rt_json_int(struct strbuf *, long long);
static void	rt_json_real(struct strbuf *, double);
static void	rt_json_time(struct strbuf *, const struct timeval *);
static void	rt_body(const struct runtime *, struct strbuf *);
static void	rt_note(struct runtime *, const struct timeval *);
static int	rt_tvcmp(const struct timeval *, const struct timeval *);

/* A number ends at punctuation or a blank: "0x1p3" or "6abc" is no number. */
static int
rt_ends(char c)
{
	return !isalnum((unsigned char)c) && c != '_' && c != '.';
}

static void
rt_skip(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

/*
 * Match pat after any blanks; a space in pat stands for one or more blanks,
 * since llama-server pads its columns with a varying number of them.
 */
static int
rt_lit(const char **pp, const char *pat)
{
	const char	*p = *pp;

	rt_skip(&p);
	for (; *pat != '\0'; pat++) {
		if (*pat == ' ') {
			if (*p != ' ' && *p != '\t')
				return -1;
			rt_skip(&p);
		} else if (*p++ != *pat)
			return -1;
	}
	*pp = p;
	return 0;
}

/* A decimal int within [min, max], after any blanks. */
static int
rt_int(const char **pp, long long min, long long max, long long *v)
{
	const char	*p = *pp;
	char		*end;
	long long	 n;

	rt_skip(&p);
	if (!isdigit((unsigned char)p[*p == '-' ? 1 : 0]))
		return -1;
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0 || n < min || n > max || !rt_ends(*end))
		return -1;
	*v = n;
	*pp = end;
	return 0;
}

/*
 * A float as llama-server prints it (%.2f: digits and a point), after any
 * blanks.  Only that span goes to strtod, so "inf", "nan" and hex floats
 * never parse, and the result is always finite.  apid never calls
 * setlocale, so the point is strtod's.
 */
static int
rt_real(const char **pp, double *v)
{
	const char	*p = *pp;
	char		 buf[RT_REAL_MAX + 1], *end;
	size_t		 n = 0;
	double		 d;

	rt_skip(&p);
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)p[n]) || p[n] == '.')
		if (++n > RT_REAL_MAX)
			return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (errno != 0 || end != buf + n || !isfinite(d) || !rt_ends(p[n]))
		return -1;
	*v = d;
	*pp = p + n;
	return 0;
}

/* Move past key, found anywhere in the rest of the message. */
static int
rt_after(const char **pp, const char *key)
{
	const char	*p;

	if ((p = strstr(*pp, key)) == NULL)
		return -1;
	*pp = p + strlen(key);
	return 0;
}

/*
 * A NUL-terminated line: 1 and l filled when it is one SPEC section 6
 * names, else 0.  The message starts after the first ": ", which ends the
 * short prefix ("0.00.125.807 I slot launch_slot_"); matching only at the
 * start of the message, never anywhere in the line, keeps text that a
 * client sent (and llama-server echoed) from passing for one of ours.
 */
static int
rt_parse(const char *s, struct rt_line *l)
{
	const char	*msg, *p;

	memset(l, 0, sizeof(*l));
	l->slot = -1;
	l->task = RT_NONE;
	if ((msg = strstr(s, ": ")) == NULL || msg - s > RT_PREFIX_MAX ||
	    memchr(s, '|', (size_t)(msg - s)) != NULL)
		return 0;
	p = msg + 2;
	if (rt_lit(&p, "all slots are idle") == 0) {
		l->kind = RTL_ALL_IDLE;
		return 1;
	}
	if (rt_lit(&p, "id") == 0)
		return rt_parse_slot(p, l);
	return 0;
}

/* The rest of a slot line: "  3 | task 1 | <what happened>". */
static int
rt_parse_slot(const char *p, struct rt_line *l)
{
	long long	 n;
	double		 total;

	if (rt_int(&p, 0, RT_SLOT_MAX, &n) == -1 || rt_lit(&p, "|") == -1 ||
	    rt_lit(&p, "task") == -1 ||
	    rt_int(&p, -1, LLONG_MAX, &l->task) == -1 || rt_lit(&p, "|") == -1)
		return 0;
	l->slot = (int)n;

	if (rt_lit(&p, "new prompt,") == 0) {
		/* Older builds named the count n_prompt_tokens. */
		if (rt_after(&p, "task.n_tokens =") == -1 &&
		    rt_after(&p, "n_prompt_tokens =") == -1)
			return 0;
		if (l->task < 0 || rt_int(&p, 0, RT_COUNT_MAX, &l->n1) == -1)
			return 0;
		l->kind = RTL_NEW_PROMPT;
	} else if (rt_lit(&p, "processing task") == 0) {
		if (l->task < 0)
			return 0;
		l->kind = RTL_LAUNCH;
	} else if (rt_lit(&p, "prompt processing,") == 0) {
		if (rt_after(&p, "progress =") == -1 ||
		    rt_real(&p, &l->x1) == -1)
			return 0;
		l->kind = RTL_PROGRESS;
	} else if (rt_lit(&p, "prompt done") == 0) {
		l->kind = RTL_PROMPT_DONE;
	} else if (rt_lit(&p, "n_gen =") == 0) {
		if (rt_int(&p, 0, RT_COUNT_MAX, &l->n1) == -1 ||
		    rt_after(&p, "tg_3s =") == -1 || rt_real(&p, &l->x1) == -1)
			return 0;
		l->kind = RTL_NGEN;
	} else if (rt_lit(&p, "created context checkpoint") == 0) {
		if (rt_int(&p, 0, RT_COUNT_MAX, &l->n1) == -1 ||
		    rt_lit(&p, "of") == -1 ||
		    rt_int(&p, 0, RT_COUNT_MAX, &l->n2) == -1)
			return 0;
		l->kind = RTL_CHECKPOINT;
	} else if (rt_lit(&p, "prompt eval time =") == 0) {
		if (rt_real(&p, &l->x1) == -1 || rt_lit(&p, "ms /") == -1 ||
		    rt_int(&p, 0, RT_COUNT_MAX, &l->n1) == -1 ||
		    rt_lit(&p, "tokens") == -1)
			return 0;
		l->kind = RTL_PROMPT_EVAL;
	} else if (rt_lit(&p, "eval time =") == 0) {
		/* The total time goes; x1 is ms per token, x2 tokens/s. */
		if (rt_real(&p, &total) == -1 || rt_lit(&p, "ms /") == -1 ||
		    rt_int(&p, 0, RT_COUNT_MAX, &l->n1) == -1 ||
		    rt_lit(&p, "tokens (") == -1 ||
		    rt_real(&p, &l->x1) == -1 ||
		    rt_lit(&p, "ms per token,") == -1 ||
		    rt_real(&p, &l->x2) == -1 ||
		    rt_lit(&p, "tokens per second") == -1)
			return 0;
		l->kind = RTL_EVAL;
	} else if (rt_lit(&p, "stop processing:") == 0) {
		if (rt_lit(&p, "n_tokens =") == -1 ||
		    rt_int(&p, 0, RT_COUNT_MAX, &l->n1) == -1)
			return 0;
		l->kind = RTL_RELEASE;
	} else
		return 0;
	return 1;
}

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
 * Apply a parsed line; 1 when the state or a record may have moved.
 * Figure lines count only for the task the slot is running, so that a
 * stray line never mixes another task's figures into the record; a
 * release frees the slot whatever task it names, so that no line can keep
 * an instance busy for ever.
 */
static int
rt_apply(struct runtime *r, const struct rt_line *l, const struct timeval *now)
{
	struct rt_slot		*s;
	struct rt_record	*rec;
	size_t			 i;

	if (l->kind == RTL_ALL_IDLE) {
		for (i = 0; i < r->nslots; i++)
			r->slots[i].active = 0;
		return 1;
	}
	if ((s = rt_slot_find(r, l->slot,
	    l->kind == RTL_NEW_PROMPT || l->kind == RTL_LAUNCH)) == NULL)
		return 0;
	rec = &s->rec;

	switch (l->kind) {
	case RTL_NEW_PROMPT:
		rt_activate(r, s, l->task);
		s->phase = RT_PREFILL;
		s->progress = 0.0;
		s->prompt_tokens = l->n1;
		/*
		 * Today this line follows launch for the same task: keep the
		 * record launch opened (and its start), only add the count.
		 */
		if (!rec->open || rec->task != l->task)
			rt_record_open(s, l->task, now);
		rec->prompt_tokens = l->n1;
		return 1;
	case RTL_LAUNCH:
		rt_activate(r, s, l->task);
		s->phase = RT_PREFILL;
		if (!rec->open || rec->task != l->task)
			rt_record_open(s, l->task, now);
		return 1;
	case RTL_RELEASE:
		s->active = 0;
		if (rec->open) {
			rec->open = 0;
			rec->finished = *now;
			/* n_tokens counts the cached prompt too, which
			 * "prompt eval time" leaves out. */
			if (rec->prompt_tokens == RT_NONE &&
			    rec->generated != RT_NONE &&
			    l->n1 - rec->generated + 1 >= 0)
				rec->prompt_tokens = l->n1 - rec->generated + 1;
			r->last = *rec;
			r->has_last = 1;
		}
		return 1;
	default:
		break;
	}

	if (!s->active || s->task != l->task)
		return 0;
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

static void
rt_json_int(struct strbuf *sb, long long v)
{
	if (v == RT_NONE)
		strbuf_adds(sb, "null");
	else
		strbuf_addf(sb, "%lld", v);
}

static void
rt_json_real(struct strbuf *sb, double v)
{
	if (isnan(v))
		strbuf_adds(sb, "null");
	else
		json_write_real(sb, v);
}

static void
rt_json_time(struct strbuf *sb, const struct timeval *tv)
{
	char	buf[TIMEFMT_LEN];

	timefmt_utc_offset(tv, buf, sizeof(buf));
	json_write_string(sb, buf, strlen(buf), 0);
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
	json_write_string(sb, r->id, strlen(r->id), 0);
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
	strbuf_adds(sb, ",\"prefill_progress\":");
	rt_json_real(sb, s->progress);
	strbuf_addf(sb, ",\"active_slots\":%d,\"slot_id\":%d,\"task_id\":",
	    n, s->id);
	rt_json_int(sb, s->task);
	strbuf_adds(sb, ",\"prefill_prompt_tokens\":");
	rt_json_int(sb, s->prompt_tokens);
	strbuf_adds(sb, ",\"generated_tokens\":");
	rt_json_int(sb, s->generated);
	strbuf_adds(sb, ",\"decode_tps\":");
	rt_json_real(sb, s->tps);
	strbuf_adds(sb, ",\"decode_ms_per_token\":");
	rt_json_real(sb, s->ms);
	strbuf_adds(sb, ",\"checkpoint_index\":");
	rt_json_int(sb, s->ckpt_index);
	strbuf_adds(sb, ",\"checkpoint_total\":");
	rt_json_int(sb, s->ckpt_total);
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
	struct rt_line	l;

	/* The line need not end in a NUL: parse a terminated copy. */
	if (line != NULL && len > 0 && len <= RT_LINE_MAX) {
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (rt_parse(buf, &l) && rt_apply(r, &l, now))
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
	strbuf_adds(sb, ",\"timestamp\":");
	rt_json_time(sb, &r->changed);
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
	json_write_string(sb, r->id, strlen(r->id), 0);
	strbuf_addf(sb, ",\"busy\":%s,\"prefill_progress\":",
	    n > 0 ? "true" : "false");
	rt_json_real(sb, s == NULL ? NAN : s->progress);
	strbuf_addf(sb, ",\"active_slots\":%d,\"timestamp\":", n);
	rt_json_time(sb, &r->changed);
	strbuf_adds(sb, "}}");
}

void
runtime_event(struct runtime *r, struct strbuf *sb)
{
	strbuf_addf(sb, "{\"seq\":%llu,\"timestamp\":", r->seq++);
	rt_json_time(sb, &r->changed);
	strbuf_adds(sb, ",\"type\":\"instance_state\",\"data\":");
	runtime_state_json(r, sb);
	strbuf_addc(sb, '}');
}

/* Both from gettimeofday or timefmt_parse: tv_usec within [0, 1000000). */
static int
rt_tvcmp(const struct timeval *a, const struct timeval *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_usec != b->tv_usec)
		return a->tv_usec < b->tv_usec ? -1 : 1;
	return 0;
}

enum runtime_gen
runtime_last_generation(const struct runtime *r, const struct timeval *after,
    long within_s, const struct timeval *now, struct strbuf *sb)
{
	const struct rt_record	*rec = &r->last;
	long long		 age;

	if (!r->has_last)
		return RUNTIME_GEN_NONE;
	/* "after" excludes a record finished at that very microsecond. */
	if (after != NULL && rt_tvcmp(&rec->finished, after) <= 0)
		return RUNTIME_GEN_NOT_AFTER;
	if (within_s >= 0 && within_s < LLONG_MAX / RT_USEC) {
		age = ((long long)now->tv_sec - rec->finished.tv_sec) * RT_USEC +
		    ((long long)now->tv_usec - rec->finished.tv_usec);
		if (age > within_s * RT_USEC)
			return RUNTIME_GEN_NOT_WITHIN;
	}
	strbuf_adds(sb, "{\"instance_id\":");
	json_write_string(sb, r->id, strlen(r->id), 0);
	strbuf_addf(sb, ",\"slot_id\":%d,\"task_id\":", rec->slot);
	rt_json_int(sb, rec->task);
	strbuf_adds(sb, ",\"prompt_tokens\":");
	rt_json_int(sb, rec->prompt_tokens);
	strbuf_adds(sb, ",\"generated_tokens\":");
	rt_json_int(sb, rec->generated);
	strbuf_adds(sb, ",\"decode_tps\":");
	rt_json_real(sb, rec->tps);
	strbuf_adds(sb, ",\"decode_ms_per_token\":");
	rt_json_real(sb, rec->ms);
	strbuf_adds(sb, ",\"started_at\":");
	rt_json_time(sb, &rec->started);
	strbuf_adds(sb, ",\"finished_at\":");
	rt_json_time(sb, &rec->finished);
	strbuf_addc(sb, '}');
	return RUNTIME_GEN_OK;
}
