/* fuzz_runtime.c: llama-server log lines through the runtime-state parser. */
#include <sys/types.h>
#include <sys/time.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runtime.h"
#include "strbuf.h"

#define FL_ID		"3f0c2b8e-4c1d-4b7a-9f1e-2d3c4b5a6978"
/* 2026-11-27T10:00:00Z; each line comes 0.25 s after the one before. */
#define FL_BASE		1795773600L
#define FL_STEP_US	250000L

static void	fl_tick(struct timeval *);
static void	fl_outputs(struct runtime *, const struct timeval *);
static void	fl_json(const struct strbuf *);

static void
fl_tick(struct timeval *tv)
{
	tv->tv_usec += FL_STEP_US;
	if (tv->tv_usec >= 1000000) {
		tv->tv_sec++;
		tv->tv_usec -= 1000000;
	}
}

/* Whatever the lines were, the answers are one JSON object each. */
static void
fl_json(const struct strbuf *sb)
{
	if (sb->failed)
		return;
	if (sb->len < 2 || sb->data[0] != '{' || sb->data[sb->len - 1] != '}' ||
	    strlen(sb->data) != sb->len)
		abort();
}

/* Everything the API answers from a runtime. */
static void
fl_outputs(struct runtime *r, const struct timeval *now)
{
	struct strbuf	 sb;
	struct timeval	 after;
	enum runtime_gen g;

	strbuf_init(&sb);
	runtime_state_json(r, &sb);
	fl_json(&sb);
	strbuf_reset(&sb);
	runtime_first_frame(r, &sb);
	fl_json(&sb);
	strbuf_reset(&sb);
	if ((g = runtime_last_generation(r, NULL, -1, now, &sb)) ==
	    RUNTIME_GEN_OK)
		fl_json(&sb);
	else if (g != RUNTIME_GEN_NONE || sb.len != 0)
		abort();
	strbuf_reset(&sb);
	after.tv_sec = FL_BASE;
	after.tv_usec = 500000;
	g = runtime_last_generation(r, &after, 1, now, &sb);
	if (g == RUNTIME_GEN_OK)
		fl_json(&sb);
	else if (sb.len != 0)
		abort();
	strbuf_reset(&sb);
	(void)runtime_last_generation(r, now, 0, now, &sb);
	strbuf_reset(&sb);
	(void)runtime_last_generation(r, NULL, LONG_MAX, now, &sb);
	strbuf_free(&sb);
}

/*
 * One line per '\n', fed with the newline left off as the supervisor's line
 * cutter does, each a copy of its own size so that ASan sees a read past
 * its end.  A line of a single form feed restarts the child.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runtime	*r;
	struct strbuf	 sb;
	struct timeval	 now;
	const uint8_t	*p, *nl;
	char		*line;
	size_t		 len;

	if ((r = runtime_new(FL_ID)) == NULL)
		abort();
	now.tv_sec = FL_BASE;
	now.tv_usec = 0;
	strbuf_init(&sb);
	for (p = data; p < data + size; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(data + size - p))) == NULL)
			nl = data + size;
		len = (size_t)(nl - p);
		fl_tick(&now);
		if (len == 1 && p[0] == '\f') {
			runtime_reset(r, &now);
			continue;
		}
		if ((line = malloc(len == 0 ? 1 : len)) == NULL)
			break;
		memcpy(line, p, len);
		if (runtime_feed(r, line, len, &now)) {
			strbuf_reset(&sb);
			runtime_event(r, &sb);
			fl_json(&sb);
		}
		free(line);
	}
	fl_outputs(r, &now);
	strbuf_free(&sb);
	runtime_free(r);
	return 0;
}
