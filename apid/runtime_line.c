/*
 * runtime_line.c: llama-server's log lines read the way SPEC section 6
 * lists them (see ../shared/fixtures/llama-server/).  Only what the
 * patterns name is taken: any line may carry a client's words.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_line.h"

/* llama-server numbers its slots 0..n_parallel-1; larger ids are garbage
 * and would only grow the table. */
#define RL_SLOT_MAX	4095
/* Time, level, subsystem and function before the message. */
#define RL_PREFIX_MAX	96
/* Larger token counts are garbage; the bound keeps K - G + 1 in range. */
#define RL_COUNT_MAX	INT32_MAX
/* A number is copied out before strtod, which wants a NUL. */
#define RL_REAL_MAX	63

static int	rl_ends(char);
static void	rl_skip(const char **);
static int	rl_lit(const char **, const char *);
static int	rl_int(const char **, long long, long long, long long *);
static int	rl_real(const char **, double *);
static int	rl_after(const char **, const char *);
static int	rl_slot(const char *, struct rtline *);
static int	rl_figures(const char *, struct rtline *);

/* A number ends at punctuation or a blank: "0x1p3" or "6abc" is no number. */
static int
rl_ends(char c)
{
	return !isalnum((unsigned char)c) && c != '_' && c != '.';
}

static void
rl_skip(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

/*
 * Match pat after any blanks; a space in pat stands for one or more blanks,
 * since llama-server pads its columns with a varying number of them.
 */
static int
rl_lit(const char **pp, const char *pat)
{
	const char	*p = *pp;

	rl_skip(&p);
	for (; *pat != '\0'; pat++) {
		if (*pat == ' ') {
			if (*p != ' ' && *p != '\t')
				return -1;
			rl_skip(&p);
		} else if (*p++ != *pat)
			return -1;
	}
	*pp = p;
	return 0;
}

/* A decimal int within [min, max], after any blanks. */
static int
rl_int(const char **pp, long long min, long long max, long long *v)
{
	const char	*p = *pp;
	char		*end;
	long long	 n;

	rl_skip(&p);
	if (!isdigit((unsigned char)p[*p == '-' ? 1 : 0]))
		return -1;
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno != 0 || n < min || n > max || !rl_ends(*end))
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
rl_real(const char **pp, double *v)
{
	const char	*p = *pp;
	char		 buf[RL_REAL_MAX + 1], *end;
	size_t		 n = 0;
	double		 d;

	rl_skip(&p);
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)p[n]) || p[n] == '.')
		if (++n > RL_REAL_MAX)
			return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (errno != 0 || end != buf + n || !isfinite(d) || !rl_ends(p[n]))
		return -1;
	*v = d;
	*pp = p + n;
	return 0;
}

/* Move past key, found anywhere in the rest of the message. */
static int
rl_after(const char **pp, const char *key)
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
int
rtline_parse(const char *s, struct rtline *l)
{
	const char	*msg, *p;

	memset(l, 0, sizeof(*l));
	l->slot = -1;
	l->task = RT_NONE;
	if ((msg = strstr(s, ": ")) == NULL || msg - s > RL_PREFIX_MAX ||
	    memchr(s, '|', (size_t)(msg - s)) != NULL)
		return 0;
	p = msg + 2;
	if (rl_lit(&p, "all slots are idle") == 0) {
		l->kind = RTL_ALL_IDLE;
		return 1;
	}
	if (rl_lit(&p, "id") == 0)
		return rl_slot(p, l);
	return 0;
}

/* The rest of a slot line: "  3 | task 1 | <what happened>". */
static int
rl_slot(const char *p, struct rtline *l)
{
	long long	 n;

	if (rl_int(&p, 0, RL_SLOT_MAX, &n) == -1 || rl_lit(&p, "|") == -1 ||
	    rl_lit(&p, "task") == -1 ||
	    rl_int(&p, -1, LLONG_MAX, &l->task) == -1 || rl_lit(&p, "|") == -1)
		return 0;
	l->slot = (int)n;

	if (rl_lit(&p, "new prompt,") == 0) {
		/* Older builds named the count n_prompt_tokens. */
		if (rl_after(&p, "task.n_tokens =") == -1 &&
		    rl_after(&p, "n_prompt_tokens =") == -1)
			return 0;
		if (l->task < 0 || rl_int(&p, 0, RL_COUNT_MAX, &l->n1) == -1)
			return 0;
		l->kind = RTL_NEW_PROMPT;
	} else if (rl_lit(&p, "processing task") == 0) {
		if (l->task < 0)
			return 0;
		l->kind = RTL_LAUNCH;
	} else if (rl_lit(&p, "prompt processing,") == 0) {
		if (rl_after(&p, "progress =") == -1 ||
		    rl_real(&p, &l->x1) == -1)
			return 0;
		l->kind = RTL_PROGRESS;
	} else if (rl_lit(&p, "prompt done") == 0) {
		l->kind = RTL_PROMPT_DONE;
	} else if (rl_lit(&p, "stop processing:") == 0) {
		if (rl_lit(&p, "n_tokens =") == -1 ||
		    rl_int(&p, 0, RL_COUNT_MAX, &l->n1) == -1)
			return 0;
		l->kind = RTL_RELEASE;
	} else
		return rl_figures(p, l);
	return 1;
}

/*
 * The slot lines that carry a task's figures.  No pattern here or in
 * rl_slot starts another, so the order they are tried in does not matter.
 */
static int
rl_figures(const char *p, struct rtline *l)
{
	double	 total;

	if (rl_lit(&p, "n_gen =") == 0) {
		if (rl_int(&p, 0, RL_COUNT_MAX, &l->n1) == -1 ||
		    rl_after(&p, "tg_3s =") == -1 || rl_real(&p, &l->x1) == -1)
			return 0;
		l->kind = RTL_NGEN;
	} else if (rl_lit(&p, "created context checkpoint") == 0) {
		if (rl_int(&p, 0, RL_COUNT_MAX, &l->n1) == -1 ||
		    rl_lit(&p, "of") == -1 ||
		    rl_int(&p, 0, RL_COUNT_MAX, &l->n2) == -1)
			return 0;
		l->kind = RTL_CHECKPOINT;
	} else if (rl_lit(&p, "prompt eval time =") == 0) {
		if (rl_real(&p, &l->x1) == -1 || rl_lit(&p, "ms /") == -1 ||
		    rl_int(&p, 0, RL_COUNT_MAX, &l->n1) == -1 ||
		    rl_lit(&p, "tokens") == -1)
			return 0;
		l->kind = RTL_PROMPT_EVAL;
	} else if (rl_lit(&p, "eval time =") == 0) {
		/* The total time goes; x1 is ms per token, x2 tokens/s. */
		if (rl_real(&p, &total) == -1 || rl_lit(&p, "ms /") == -1 ||
		    rl_int(&p, 0, RL_COUNT_MAX, &l->n1) == -1 ||
		    rl_lit(&p, "tokens (") == -1 ||
		    rl_real(&p, &l->x1) == -1 ||
		    rl_lit(&p, "ms per token,") == -1 ||
		    rl_real(&p, &l->x2) == -1 ||
		    rl_lit(&p, "tokens per second") == -1)
			return 0;
		l->kind = RTL_EVAL;
	} else
		return 0;
	return 1;
}
