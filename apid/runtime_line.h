/*
 * runtime_line.h: the llama-server log lines that SPEC section 6 reads
 * runtime state from, each reduced to what it says.
 */
#ifndef SOLAR_RUNTIME_LINE_H
#define SOLAR_RUNTIME_LINE_H

/* An int field that is null; every real one is >= 0 (tasks too, here). */
#define RT_NONE		(-1LL)

enum rtline_kind {
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
struct rtline {
	enum rtline_kind kind;
	int		 slot;
	long long	 task;
	long long	 n1, n2;
	double		 x1, x2;
};

/* A NUL-terminated line: 1 and l filled when it is one SPEC section 6
 * names, else 0. */
int	rtline_parse(const char *, struct rtline *);

#endif
