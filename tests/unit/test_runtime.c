/* test_runtime.c: runtime state and generation metrics from real logs. */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"
#include "strbuf.h"
#include "t.h"

/* Line i of a fixture is seen at 2026-11-27T10:00:00Z + i s + 0.5 s. */
#define BASE	1795773600L
#define T(hms)	"\"2026-11-27T10:" hms ".500000+00:00\""

/* The idle state; tail is the timestamp. */
#define IDLE(id, ts)							\
	"{\"instance_id\":\"" id "\",\"busy\":false,\"phase\":\"idle\","	\
	"\"prefill_progress\":null,\"active_slots\":0,\"slot_id\":null,"	\
	"\"task_id\":null,\"prefill_prompt_tokens\":null,"		\
	"\"generated_tokens\":null,\"decode_tps\":null,"		\
	"\"decode_ms_per_token\":null,\"checkpoint_index\":null,"	\
	"\"checkpoint_total\":null,\"timestamp\":" ts "}"

#define CHECK_STATE(r, want) do {					\
	struct strbuf t_sb;						\
	strbuf_init(&t_sb);						\
	runtime_state_json((r), &t_sb);					\
	CHECK_STR(t_sb.data, (want));					\
	strbuf_free(&t_sb);						\
} while (0)

/* The state holds want somewhere. */
#define CHECK_HAS(r, want) do {						\
	char *t_s = state(r);						\
	CHECK(t_s != NULL && strstr(t_s, (want)) != NULL);		\
	if (t_s != NULL && strstr(t_s, (want)) == NULL)			\
		fprintf(stderr, "  state %s\n  lacks %s\n", t_s, (want));	\
	free(t_s);							\
} while (0)

#define CHECK_GEN(r, want) do {						\
	struct strbuf t_sb;						\
	strbuf_init(&t_sb);						\
	CHECK(runtime_last_generation((r), NULL, -1, &t_far, &t_sb) ==	\
	    RUNTIME_GEN_OK);						\
	CHECK_STR(t_sb.data, (want));					\
	strbuf_free(&t_sb);						\
} while (0)

/* A fixture cut into lines that keep their '\n': nothing is terminated
 * where the runtime is told it ends. */
struct fixture {
	char	 *data;
	char	**line;
	size_t	 *len;
	size_t	  n;
};

static const struct timeval t_far = { BASE + 100000, 0 };

static struct timeval	at(long);
static void	fixture_load(struct fixture *, const char *);
static void	fixture_free(struct fixture *);
static int	feed(struct runtime *, const struct fixture *, size_t, size_t);
static int	feed_str(struct runtime *, const char *, long);
static char	*state(const struct runtime *);

static void	test_baseline(void);
static void	test_lv4(void);
static void	test_lv4_all_idle(void);
static void	test_smallbatch(void);
static void	test_mid_default(void);
static void	test_stream(void);
static void	test_reset(void);
static void	test_older_and_slots(void);
static void	test_frames(void);
static void	test_last_generation(void);
static void	test_garbage(void);
static void	test_cut_everywhere(void);

static struct timeval
at(long i)
{
	struct timeval	tv;

	tv.tv_sec = BASE + i;
	tv.tv_usec = 500000;
	return tv;
}

/*
 * $SOLAR_FIXTURES (make check sets it), else ../fixtures beside this
 * source file.  A missing fixture is a failure, never a skip.
 */
static void
fixture_load(struct fixture *f, const char *name)
{
	struct stat	 st;
	const char	*dir, *slash;
	char		 path[4096];
	size_t		 off = 0, i, start;
	ssize_t		 r;
	int		 fd;

	if ((dir = getenv("SOLAR_FIXTURES")) != NULL)
		snprintf(path, sizeof(path), "%s/llama-server/%s", dir, name);
	else {
		slash = strrchr(__FILE__, '/');
		snprintf(path, sizeof(path), "%.*s../fixtures/llama-server/%s",
		    slash == NULL ? 0 : (int)(slash - __FILE__ + 1), __FILE__,
		    name);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "FIXTURE MISSING: %s: %s (set SOLAR_FIXTURES "
		    "to tests/fixtures)\n", path, strerror(errno));
		exit(2);
	}
	if ((f->data = malloc((size_t)st.st_size + 1)) == NULL ||
	    (f->line = calloc((size_t)st.st_size + 1, sizeof(char *))) ==
	    NULL ||
	    (f->len = calloc((size_t)st.st_size + 1, sizeof(size_t))) == NULL)
		exit(2);
	while (off < (size_t)st.st_size &&
	    (r = read(fd, f->data + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)r;
	close(fd);
	if (off == 0) {
		fprintf(stderr, "FIXTURE EMPTY: %s\n", path);
		exit(2);
	}
	/* Lines as the pipeline hands them over: trailing blanks gone. */
	f->n = 0;
	for (i = start = 0; i < off; i++) {
		if (f->data[i] != '\n' && i + 1 < off)
			continue;
		f->line[f->n] = f->data + start;
		f->len[f->n] = (f->data[i] == '\n' ? i : i + 1) - start;
		while (f->len[f->n] > 0 &&
		    strchr(" \t\r", f->line[f->n][f->len[f->n] - 1]) != NULL)
			f->len[f->n]--;
		f->n++;
		start = i + 1;
	}
}

static void
fixture_free(struct fixture *f)
{
	free(f->data);
	free(f->line);
	free(f->len);
}

/* Lines first..last (1-based, as an editor numbers them), each at its own
 * time; the number of state events due. */
static int
feed(struct runtime *r, const struct fixture *f, size_t first, size_t last)
{
	struct timeval	tv;
	size_t		i;
	int		events = 0;

	if (last > f->n) {
		fprintf(stderr, "fixture has %zu lines, not %zu\n", f->n, last);
		exit(2);
	}
	for (i = first; i <= last; i++) {
		tv = at((long)i);
		events += runtime_feed(r, f->line[i - 1], f->len[i - 1], &tv);
	}
	return events;
}

static int
feed_str(struct runtime *r, const char *line, long i)
{
	struct timeval	tv = at(i);

	return runtime_feed(r, line, strlen(line), &tv);
}

static char *
state(const struct runtime *r)
{
	struct strbuf	sb;

	strbuf_init(&sb);
	runtime_state_json(r, &sb);
	return strbuf_steal(&sb);
}

/* Default verbosity: launch, timings, release; no progress lines. */
static void
test_baseline(void)
{
	struct fixture	 f;
	struct runtime	*r;
	struct strbuf	 sb;

	fixture_load(&f, "baseline.log");
	if ((r = runtime_new("inst-1")) == NULL)
		exit(2);
	strbuf_init(&sb);
	CHECK(runtime_last_generation(r, NULL, -1, &t_far, &sb) ==
	    RUNTIME_GEN_NONE);
	CHECK(sb.len == 0);

	/* Start-up and slot selection are no change. */
	CHECK(feed(r, &f, 1, 12) == 0);
	CHECK(feed(r, &f, 13, 13) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-1\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":null,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":1,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:13") "}");
	/* prompt eval time is no decode figure. */
	CHECK(feed(r, &f, 14, 14) == 0);
	CHECK(feed(r, &f, 15, 15) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-1\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":null,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":1,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":16,"
	    "\"decode_tps\":1852.54,\"decode_ms_per_token\":0.54,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:15") "}");
	CHECK(feed(r, &f, 16, 17) == 0);
	CHECK(runtime_last_generation(r, NULL, -1, &t_far, &sb) ==
	    RUNTIME_GEN_NONE);
	CHECK(feed(r, &f, 18, 18) == 1);
	CHECK_STATE(r, IDLE("inst-1", T("00:18")));
	/* 21 - 16 + 1: release counts the prompt, cached or not. */
	CHECK_GEN(r, "{\"instance_id\":\"inst-1\",\"slot_id\":3,\"task_id\":1,"
	    "\"prompt_tokens\":6,\"generated_tokens\":16,"
	    "\"decode_tps\":1852.54,\"decode_ms_per_token\":0.54,"
	    "\"started_at\":" T("00:13") ",\"finished_at\":" T("00:18") "}");

	/* Launch, eval, release: three events a request. */
	CHECK(feed(r, &f, 19, 25) == 3);
	CHECK_GEN(r, "{\"instance_id\":\"inst-1\",\"slot_id\":2,"
	    "\"task_id\":18,\"prompt_tokens\":31,\"generated_tokens\":16,"
	    "\"decode_tps\":1861.74,\"decode_ms_per_token\":0.54,"
	    "\"started_at\":" T("00:20") ",\"finished_at\":" T("00:25") "}");
	/* 5 - 4 + 1 = 2, though only 1 token was evaluated (cache). */
	CHECK(feed(r, &f, 26, f.n) == 3);
	CHECK_GEN(r, "{\"instance_id\":\"inst-1\",\"slot_id\":2,"
	    "\"task_id\":35,\"prompt_tokens\":2,\"generated_tokens\":4,"
	    "\"decode_tps\":1756.44,\"decode_ms_per_token\":0.57,"
	    "\"started_at\":" T("00:27") ",\"finished_at\":" T("00:32") "}");
	CHECK_STATE(r, IDLE("inst-1", T("00:32")));

	strbuf_free(&sb);
	runtime_free(r);
	fixture_free(&f);
}

/* -lv 4: "new prompt" after launch, "all slots are idle" after release. */
static void
test_lv4(void)
{
	struct fixture	 f;
	struct runtime	*r;

	fixture_load(&f, "req_lv4.log");
	if ((r = runtime_new("inst-2")) == NULL)
		exit(2);
	/* Includes an "all slots are idle" while idle: no change. */
	CHECK(feed(r, &f, 1, 192) == 0);
	CHECK(feed(r, &f, 193, 193) == 1);
	CHECK(feed(r, &f, 194, 199) == 0);
	CHECK(feed(r, &f, 200, 200) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-2\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":0.0,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":6,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("03:20") "}");
	CHECK(feed(r, &f, 201, 203) == 0);
	CHECK(feed(r, &f, 204, 204) == 1);
	CHECK(feed(r, &f, 205, 207) == 1);
	CHECK(feed(r, &f, 208, 208) == 0);
	/* The record began at launch, not at the later "new prompt". */
	CHECK_GEN(r, "{\"instance_id\":\"inst-2\",\"slot_id\":3,\"task_id\":0,"
	    "\"prompt_tokens\":6,\"generated_tokens\":16,"
	    "\"decode_tps\":857.98,\"decode_ms_per_token\":1.17,"
	    "\"started_at\":" T("03:13") ",\"finished_at\":" T("03:27") "}");
	CHECK(feed(r, &f, 209, 281) == 8);
	CHECK_GEN(r, "{\"instance_id\":\"inst-2\",\"slot_id\":1,"
	    "\"task_id\":34,\"prompt_tokens\":1802,\"generated_tokens\":8,"
	    "\"decode_tps\":304.07,\"decode_ms_per_token\":3.29,"
	    "\"started_at\":" T("04:23") ",\"finished_at\":" T("04:41") "}");
	CHECK(feed(r, &f, 282, f.n) == 4);
	CHECK_GEN(r, "{\"instance_id\":\"inst-2\",\"slot_id\":1,"
	    "\"task_id\":43,\"prompt_tokens\":6,\"generated_tokens\":16,"
	    "\"decode_tps\":788.64,\"decode_ms_per_token\":1.27,"
	    "\"started_at\":" T("05:06") ",\"finished_at\":" T("05:22") "}");
	CHECK_STATE(r, IDLE("inst-2", T("05:22")));

	/* A prompt count that n_tokens - G + 1 would get wrong (25). */
	CHECK(feed_str(r, "0.00.300.000 I slot launch_slot_: id  0 | task 50 "
	    "| processing task, is_child = 0", 400) == 1);
	CHECK(feed_str(r, "0.00.300.001 I slot   operator(): id  0 | task 50 "
	    "| new prompt, n_ctx_slot = 2048, n_keep = 0, "
	    "task.n_tokens = 100", 401) == 1);
	CHECK(feed_str(r, "0.00.300.002 I slot print_timing: id  0 | task 50 "
	    "|        eval time =      17.48 ms /    16 tokens (    1.17 ms "
	    "per token,   857.98 tokens per second)", 402) == 1);
	CHECK(feed_str(r, "0.00.300.003 I slot      release: id  0 | task 50 "
	    "| stop processing: n_tokens = 40, truncated = 0", 403) == 1);
	CHECK_GEN(r, "{\"instance_id\":\"inst-2\",\"slot_id\":0,"
	    "\"task_id\":50,\"prompt_tokens\":100,\"generated_tokens\":16,"
	    "\"decode_tps\":857.98,\"decode_ms_per_token\":1.17,"
	    "\"started_at\":" T("06:40") ",\"finished_at\":" T("06:43") "}");

	runtime_free(r);
	fixture_free(&f);
}

/* "all slots are idle" alone frees a busy slot (its release skipped). */
static void
test_lv4_all_idle(void)
{
	struct fixture	 f;
	struct runtime	*r;
	struct strbuf	 sb;

	fixture_load(&f, "req_lv4.log");
	if ((r = runtime_new("inst-2")) == NULL)
		exit(2);
	strbuf_init(&sb);
	CHECK(feed(r, &f, 1, 204) == 3);
	CHECK(feed(r, &f, 208, 208) == 1);
	CHECK_STATE(r, IDLE("inst-2", T("03:28")));
	/* Only a release closes a record. */
	CHECK(runtime_last_generation(r, NULL, -1, &t_far, &sb) ==
	    RUNTIME_GEN_NONE);
	/* Two busy slots, one line. */
	CHECK(feed(r, &f, 226, 226) == 1);
	CHECK(feed(r, &f, 263, 263) == 1);
	CHECK_HAS(r, "\"busy\":true,\"phase\":\"prefill\","
	    "\"prefill_progress\":null,\"active_slots\":2,\"slot_id\":1,"
	    "\"task_id\":34,");
	CHECK(feed(r, &f, 208, 208) == 1);
	CHECK_STATE(r, IDLE("inst-2", T("03:28")));
	strbuf_free(&sb);
	runtime_free(r);
	fixture_free(&f);
}

/* Progress lines for work over 3 s: prompt processing, then n_gen. */
static void
test_smallbatch(void)
{
	struct fixture	 f;
	struct runtime	*r;
	struct timeval	 tv;

	fixture_load(&f, "req_mid_smallbatch.log");
	if ((r = runtime_new("inst-3")) == NULL)
		exit(2);
	CHECK(feed(r, &f, 1, 12) == 0);
	CHECK(feed(r, &f, 13, 13) == 1);
	CHECK(feed(r, &f, 14, 14) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-3\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":0.66,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:14") "}");
	/* The same line again, later: no event, and the time stays. */
	tv = at(14 + 30);
	CHECK(runtime_feed(r, f.line[13], f.len[13], &tv) == 0);
	CHECK_STATE(r, "{\"instance_id\":\"inst-3\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":0.66,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:14") "}");
	CHECK(feed(r, &f, 15, 16) == 2);
	CHECK(feed(r, &f, 17, 17) == 1);
	/* n_gen switches to generating; progress keeps its last value. */
	CHECK_STATE(r, "{\"instance_id\":\"inst-3\",\"busy\":true,"
	    "\"phase\":\"generating\",\"prefill_progress\":0.98,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":100,"
	    "\"decode_tps\":31.26,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:17") "}");
	CHECK(feed(r, &f, 18, 19) == 2);
	CHECK(feed(r, &f, 20, 20) == 0);
	CHECK(feed(r, &f, 21, 21) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-3\",\"busy\":true,"
	    "\"phase\":\"generating\",\"prefill_progress\":0.98,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":300,"
	    "\"decode_tps\":29.89,\"decode_ms_per_token\":33.45,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:21") "}");
	CHECK(feed(r, &f, 22, 23) == 0);
	CHECK(feed(r, &f, 24, f.n) == 1);
	CHECK_STATE(r, IDLE("inst-3", T("00:24")));
	CHECK_GEN(r, "{\"instance_id\":\"inst-3\",\"slot_id\":3,\"task_id\":0,"
	    "\"prompt_tokens\":1562,\"generated_tokens\":300,"
	    "\"decode_tps\":29.89,\"decode_ms_per_token\":33.45,"
	    "\"started_at\":" T("00:13") ",\"finished_at\":" T("00:24") "}");
	runtime_free(r);
	fixture_free(&f);
}

/* n_gen with no prompt-processing line before it. */
static void
test_mid_default(void)
{
	struct fixture	 f;
	struct runtime	*r;

	fixture_load(&f, "req_mid_default.log");
	if ((r = runtime_new("inst-5")) == NULL)
		exit(2);
	CHECK(feed(r, &f, 1, 14) == 2);
	CHECK_STATE(r, "{\"instance_id\":\"inst-5\",\"busy\":true,"
	    "\"phase\":\"generating\",\"prefill_progress\":null,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":100,"
	    "\"decode_tps\":32.45,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:14") "}");
	CHECK(feed(r, &f, 15, f.n) == 2);
	CHECK_GEN(r, "{\"instance_id\":\"inst-5\",\"slot_id\":3,\"task_id\":0,"
	    "\"prompt_tokens\":1922,\"generated_tokens\":126,"
	    "\"decode_tps\":32.28,\"decode_ms_per_token\":30.98,"
	    "\"started_at\":" T("00:13") ",\"finished_at\":" T("00:19") "}");
	runtime_free(r);
	fixture_free(&f);
}

/* A request refused after launch: released with no timing lines. */
static void
test_stream(void)
{
	struct fixture	 f;
	struct runtime	*r;

	fixture_load(&f, "req_stream.log");
	if ((r = runtime_new("inst-4")) == NULL)
		exit(2);
	CHECK(feed(r, &f, 1, 50) == 15);
	CHECK_GEN(r, "{\"instance_id\":\"inst-4\",\"slot_id\":2,"
	    "\"task_id\":48,\"prompt_tokens\":2,\"generated_tokens\":2046,"
	    "\"decode_tps\":815.29,\"decode_ms_per_token\":1.23,"
	    "\"started_at\":" T("00:45") ",\"finished_at\":" T("00:50") "}");
	CHECK(feed(r, &f, 51, f.n) == 2);
	CHECK_GEN(r, "{\"instance_id\":\"inst-4\",\"slot_id\":1,"
	    "\"task_id\":2095,\"prompt_tokens\":null,"
	    "\"generated_tokens\":null,\"decode_tps\":null,"
	    "\"decode_ms_per_token\":null,"
	    "\"started_at\":" T("00:52") ",\"finished_at\":" T("00:55") "}");
	runtime_free(r);
	fixture_free(&f);
}

/* A child killed while busy; the next child starts from nothing. */
static void
test_reset(void)
{
	struct fixture	 f, b;
	struct runtime	*r;
	struct timeval	 tv;
	struct strbuf	 sb;

	fixture_load(&f, "sigterm_busy.log");
	fixture_load(&b, "baseline.log");
	if ((r = runtime_new("inst-6")) == NULL)
		exit(2);
	strbuf_init(&sb);
	CHECK(feed(r, &b, 1, 18) == 3);
	CHECK(feed(r, &f, 1, f.n) == 1);
	CHECK_HAS(r, "\"busy\":true,\"phase\":\"prefill\","
	    "\"prefill_progress\":null,\"active_slots\":1,\"slot_id\":3,"
	    "\"task_id\":0,");
	CHECK(feed(r, &f, 1, 1) == 0);
	tv = at(100);
	runtime_reset(r, &tv);
	/* Reported by the next line, whatever it says, at reset's time. */
	CHECK(feed(r, &f, 1, 1) == 1);
	CHECK_STATE(r, IDLE("inst-6", T("01:40")));
	CHECK(feed(r, &f, 1, 1) == 0);
	CHECK(runtime_last_generation(r, NULL, -1, &t_far, &sb) ==
	    RUNTIME_GEN_NONE);
	/* A reset that changes nothing is no event. */
	tv = at(200);
	runtime_reset(r, &tv);
	CHECK(feed(r, &f, 1, 1) == 0);
	CHECK_STATE(r, IDLE("inst-6", T("01:40")));
	strbuf_free(&sb);
	runtime_free(r);
	fixture_free(&f);
	fixture_free(&b);
}

/*
 * Older builds (no time, "n_prompt_tokens", "prompt done"), checkpoints,
 * and two slots at once: the most recently started one is shown.
 */
static void
test_older_and_slots(void)
{
	struct runtime	*r;

	if ((r = runtime_new("inst-7")) == NULL)
		exit(2);
	CHECK(feed_str(r, "slot update_slots: id  0 | task 7 | new prompt, "
	    "n_ctx_slot = 4096, n_keep = 0, n_prompt_tokens = 12", 1) == 1);
	/* Launch of the task already running: named once, no change. */
	CHECK(feed_str(r, "slot launch_slot_: id  0 | task 7 | processing "
	    "task", 2) == 0);
	CHECK(feed_str(r, "slot update_slots: id  0 | task 7 | prompt done, "
	    "n_past = 12, n_tokens = 12", 3) == 1);
	CHECK(feed_str(r, "0.00.200.000 W slot update_slots: id  0 | task 7 | "
	    "created context checkpoint 2 of 32 (pos_min = 0, pos_max = 511, "
	    "size = 12.001 MiB)", 4) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-7\",\"busy\":true,"
	    "\"phase\":\"generating\",\"prefill_progress\":1.0,"
	    "\"active_slots\":1,\"slot_id\":0,\"task_id\":7,"
	    "\"prefill_prompt_tokens\":12,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":2,\"checkpoint_total\":32,"
	    "\"timestamp\":" T("00:04") "}");
	/* A second slot starts: it is shown, figures null. */
	CHECK(feed_str(r, "0.00.300.000 I slot launch_slot_: id 12 | task 9 | "
	    "processing task, is_child = 0", 5) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-7\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":null,"
	    "\"active_slots\":2,\"slot_id\":12,\"task_id\":9,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:05") "}");
	/* Slot 0's figures move out of sight: no event. */
	CHECK(feed_str(r, "0.00.400.000 I slot print_timing: id  0 | task 7 | "
	    "       eval time =      10.00 ms /    20 tokens (    0.50 ms per "
	    "token,  2000.00 tokens per second)", 6) == 0);
	/* A figure line for a task the slot is not running is ignored. */
	CHECK(feed_str(r, "0.00.400.001 I slot print_timing: id 12 | task 8 | "
	    "prompt processing, n_tokens = 5, progress = 0.50, t = 3.00 s / "
	    "1.00 tokens per second", 7) == 0);
	CHECK(feed_str(r, "0.00.400.002 I slot print_timing: id 12 | task 9 | "
	    "prompt processing, n_tokens = 5, progress = 0.50, t = 3.00 s / "
	    "1.00 tokens per second", 8) == 1);
	/* Slot 12 goes; slot 0 shows again, with the figures it gathered. */
	CHECK(feed_str(r, "0.00.500.000 I slot      release: id 12 | task 9 | "
	    "stop processing: n_tokens = 3, truncated = 0", 9) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-7\",\"busy\":true,"
	    "\"phase\":\"generating\",\"prefill_progress\":1.0,"
	    "\"active_slots\":1,\"slot_id\":0,\"task_id\":7,"
	    "\"prefill_prompt_tokens\":12,\"generated_tokens\":20,"
	    "\"decode_tps\":2000.0,\"decode_ms_per_token\":0.5,"
	    "\"checkpoint_index\":2,\"checkpoint_total\":32,"
	    "\"timestamp\":" T("00:09") "}");
	CHECK_GEN(r, "{\"instance_id\":\"inst-7\",\"slot_id\":12,"
	    "\"task_id\":9,\"prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"started_at\":" T("00:05") ",\"finished_at\":" T("00:09") "}");
	/* A new task on a busy slot (its release lost) starts afresh. */
	CHECK(feed_str(r, "slot launch_slot_: id  0 | task 11 | processing "
	    "task", 10) == 1);
	CHECK_STATE(r, "{\"instance_id\":\"inst-7\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":null,"
	    "\"active_slots\":1,\"slot_id\":0,\"task_id\":11,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:10") "}");
	CHECK(feed_str(r, "slot release: id  0 | task 11 | stop processing: "
	    "n_tokens = 30, truncated = 0", 11) == 1);
	CHECK_STATE(r, IDLE("inst-7", T("00:11")));
	CHECK_GEN(r, "{\"instance_id\":\"inst-7\",\"slot_id\":0,"
	    "\"task_id\":11,\"prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"started_at\":" T("00:10") ",\"finished_at\":" T("00:11") "}");
	/* The largest slot id taken, the next one refused. */
	CHECK(feed_str(r, "slot launch_slot_: id 4095 | task 1 | processing "
	    "task", 12) == 1);
	CHECK(feed_str(r, "slot launch_slot_: id 4096 | task 2 | processing "
	    "task", 13) == 0);
	CHECK(feed_str(r, "srv  update_slots: all slots are idle", 14) == 1);
	CHECK(feed_str(r, "srv  update_slots: all slots are idle", 15) == 0);
	runtime_free(r);
}

/* The WebSocket frames: first frame, then numbered events. */
static void
test_frames(void)
{
	struct fixture	 f;
	struct runtime	*r;
	struct strbuf	 sb;

	fixture_load(&f, "req_mid_smallbatch.log");
	if ((r = runtime_new("inst-\"8\"")) == NULL)
		exit(2);
	strbuf_init(&sb);
	CHECK(feed(r, &f, 1, 14) == 2);
	runtime_first_frame(r, &sb);
	CHECK_STR(sb.data, "{\"type\":\"instance_state\",\"data\":{"
	    "\"instance_id\":\"inst-\\\"8\\\"\",\"busy\":true,"
	    "\"prefill_progress\":0.66,\"active_slots\":1,"
	    "\"timestamp\":" T("00:14") "}}");
	strbuf_reset(&sb);
	runtime_event(r, &sb);
	CHECK_STR(sb.data, "{\"seq\":0,\"timestamp\":" T("00:14") ","
	    "\"type\":\"instance_state\",\"data\":{"
	    "\"instance_id\":\"inst-\\\"8\\\"\",\"busy\":true,"
	    "\"phase\":\"prefill\",\"prefill_progress\":0.66,"
	    "\"active_slots\":1,\"slot_id\":3,\"task_id\":0,"
	    "\"prefill_prompt_tokens\":null,\"generated_tokens\":null,"
	    "\"decode_tps\":null,\"decode_ms_per_token\":null,"
	    "\"checkpoint_index\":null,\"checkpoint_total\":null,"
	    "\"timestamp\":" T("00:14") "}}");
	CHECK(feed(r, &f, 15, f.n) == 7);
	strbuf_reset(&sb);
	runtime_event(r, &sb);
	CHECK_STR(sb.data, "{\"seq\":1,\"timestamp\":" T("00:24") ","
	    "\"type\":\"instance_state\",\"data\":"
	    IDLE("inst-\\\"8\\\"", T("00:24")) "}");
	strbuf_reset(&sb);
	runtime_first_frame(r, &sb);
	CHECK_STR(sb.data, "{\"type\":\"instance_state\",\"data\":{"
	    "\"instance_id\":\"inst-\\\"8\\\"\",\"busy\":false,"
	    "\"prefill_progress\":null,\"active_slots\":0,"
	    "\"timestamp\":" T("00:24") "}}");
	strbuf_free(&sb);
	runtime_free(r);
	fixture_free(&f);
}

/* after excludes a record finished at that very time; after before within. */
static void
test_last_generation(void)
{
	struct fixture	 f;
	struct runtime	*r;
	struct strbuf	 sb;
	struct timeval	 fin = at(18), tv, now;

	fixture_load(&f, "baseline.log");
	if ((r = runtime_new("inst-9")) == NULL)
		exit(2);
	strbuf_init(&sb);
	CHECK(feed(r, &f, 1, 18) == 3);

	CHECK(runtime_last_generation(r, &fin, -1, &fin, &sb) ==
	    RUNTIME_GEN_NOT_AFTER);
	tv = fin;
	tv.tv_usec++;
	CHECK(runtime_last_generation(r, &tv, -1, &fin, &sb) ==
	    RUNTIME_GEN_NOT_AFTER);
	CHECK(sb.len == 0);
	tv.tv_usec -= 2;
	CHECK(runtime_last_generation(r, &tv, -1, &fin, &sb) ==
	    RUNTIME_GEN_OK);
	CHECK(sb.len > 0 && strstr(sb.data, "\"task_id\":1,") != NULL);
	strbuf_reset(&sb);
	tv = at(0);
	CHECK(runtime_last_generation(r, &tv, -1, &fin, &sb) ==
	    RUNTIME_GEN_OK);
	strbuf_reset(&sb);

	now = fin;
	now.tv_sec += 10;
	CHECK(runtime_last_generation(r, NULL, 10, &now, &sb) ==
	    RUNTIME_GEN_OK);
	strbuf_reset(&sb);
	CHECK(runtime_last_generation(r, NULL, 9, &now, &sb) ==
	    RUNTIME_GEN_NOT_WITHIN);
	CHECK(sb.len == 0);
	now.tv_usec++;
	CHECK(runtime_last_generation(r, NULL, 10, &now, &sb) ==
	    RUNTIME_GEN_NOT_WITHIN);
	CHECK(runtime_last_generation(r, NULL, -1, &now, &sb) ==
	    RUNTIME_GEN_OK);
	strbuf_reset(&sb);
	CHECK(runtime_last_generation(r, NULL, LONG_MAX, &now, &sb) ==
	    RUNTIME_GEN_OK);
	strbuf_reset(&sb);
	CHECK(runtime_last_generation(r, NULL, 0, &fin, &sb) ==
	    RUNTIME_GEN_OK);
	strbuf_reset(&sb);
	/* Both exclude it: after is checked first. */
	CHECK(runtime_last_generation(r, &fin, 9, &now, &sb) ==
	    RUNTIME_GEN_NOT_AFTER);
	tv = at(0);
	CHECK(runtime_last_generation(r, &tv, 9, &now, &sb) ==
	    RUNTIME_GEN_NOT_WITHIN);
	CHECK(sb.len == 0);

	/* The newest closed record is the one that counts. */
	CHECK(feed(r, &f, 19, 25) == 3);
	CHECK(runtime_last_generation(r, &fin, -1, &t_far, &sb) ==
	    RUNTIME_GEN_OK);
	CHECK(strstr(sb.data, "\"task_id\":18,") != NULL);
	strbuf_free(&sb);
	runtime_free(r);
	fixture_free(&f);
}

/* Lines that are not what they seem change nothing and crash nothing. */
static void
test_garbage(void)
{
	static const char *const junk[] = {
		"",
		"id",
		":",
		": ",
		"0.00.1 I slot launch_slot_: id 99999 | task 1 | processing task",
		"0.00.1 I slot launch_slot_: id -1 | task 1 | processing task",
		"0.00.1 I slot launch_slot_: id  3 | task -1 | processing task",
		"0.00.1 I slot launch_slot_: id  3 | task x | processing task",
		"0.00.1 I slot launch_slot_: id  3 | processing task",
		"0.00.1 I slot launch_slot_: id 3x | task 1 | processing task",
		"0.00.1 I slot launch_slot_: id 3.0 | task 1 | processing task",
		"0.00.1 I slot launch_slot_: id 99999999999999999999999999 | "
		    "task 1 | processing task",
		"0.00.1 I slot launch_slot_: id  3 | task "
		    "99999999999999999999999999 | processing task",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = nan",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = inf",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = 0x1p3",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = 1.2.3",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = -0.5",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = 1111111111111111111111111111111111"
		    "111111111111111111111111111111111111111111.0",
		"0.00.1 I slot x: id  3 | task 1 | prompt processing, "
		    "n_tokens = 5, progress =",
		"0.00.1 I slot x: id  7 | task 1 | prompt processing, "
		    "n_tokens = 5, progress = 0.50",
		"0.00.1 I slot x: id  7 | task 1 | stop processing: "
		    "n_tokens = 5",
		"0.00.1 I slot x: id  3 | task 1 | n_gen = 5, tg = 1 t/s",
		"0.00.1 I slot x: id  3 | task 1 | n_gen = -5, tg_3s = 1.0 t/s",
		"0.00.1 I slot x: id  3 | task 1 | created context checkpoint 1",
		"0.00.1 I slot x: id  3 | task 1 | created context checkpoint "
		    "1 of",
		"0.00.1 I slot x: id  3 | task 1 |        eval time = 1.0 ms / "
		    "16 tokens",
		"0.00.1 I slot x: id  3 | task 1 |        eval time = 1.0 ms / "
		    "16 tokens (abc ms per token, 1.0 tokens per second)",
		"0.00.1 I slot x: id  3 | task 1 | stop processing: n_tokens =",
		"0.00.1 I slot x: id  3 | task 1 | stop processing: n_tokens = "
		    "99999999999",
		"0.00.1 I slot x: id  3 | task 1 | all slots are idle",
		"0.00.1 I slot x: id  3 | task 1 | new prompt, n_ctx_slot = 5",
		"0.00.1 I srv  log_server_r: request: {\"prompt\": \"srv "
		    "update_slots: all slots are idle\"}",
		"0.00.1 I srv  log_server_r: request: {\"prompt\": \"x: id 3 | "
		    "task 1 | stop processing: n_tokens = 5\"}",
		"a | b: id  3 | task 1 | stop processing: n_tokens = 5",
		"0.00.000.000 I slot an_over_long_prefix_before_the_message_"
		    "that_no_llama_server_prints_xxxxxxxxxxxxxxx: id  3 | task 1 "
		    "| stop processing: n_tokens = 5",
		"\xff\xfe\x01: id \x01 | task \xc3\xa9 |",
		"prompt done",
		"n_gen = 5, tg = 1.0 t/s, tg_3s = 2.0 t/s",
	};
	struct runtime	*r;
	struct timeval	 tv;
	char		*before, *after, *big;
	const char	*cut;
	size_t		 i;
	int		 ev;

	if ((r = runtime_new("inst-10")) == NULL)
		exit(2);
	/* Slot 3 runs task 1, generating: garbage must not move it. */
	CHECK(feed_str(r, "0.00.1 I slot launch_slot_: id  3 | task 1 | "
	    "processing task, is_child = 0", 1) == 1);
	CHECK(feed_str(r, "0.00.2 I slot print_timing: id  3 | task 1 | "
	    "n_gen =    100, tg =  30.95 t/s, tg_3s =  31.26 t/s", 2) == 1);
	before = state(r);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		ev = feed_str(r, junk[i], 10 + (long)i);
		CHECK(ev == 0);
		if (ev != 0)
			fprintf(stderr, "  junk line %zu gave an event\n", i);
	}
	tv = at(3);
	CHECK(runtime_feed(r, NULL, 0, &tv) == 0);
	after = state(r);
	CHECK_STR(after, before);
	free(after);

	/* A line longer than any we read is skipped whole. */
	if ((big = malloc(70000)) == NULL)
		exit(2);
	memset(big, ' ', 70000);
	cut = "0.00.1 I slot      release: id  3 | task 1 | stop processing: "
	    "n_tokens = 5";
	memcpy(big, cut, strlen(cut));
	CHECK(runtime_feed(r, big, 70000, &tv) == 0);
	after = state(r);
	CHECK_STR(after, before);
	free(after);
	free(big);

	/* Nothing past len is read: the cut line names no release... */
	CHECK(runtime_feed(r, cut, strlen(cut) - 18, &tv) == 0);
	/* ...and a number cut short reads as what is left of it. */
	cut = "0.00.1 I slot x: id  3 | task 1 | prompt processing, "
	    "n_tokens = 5, progress = 0.75";
	CHECK(runtime_feed(r, cut, strlen(cut) - 1, &tv) == 1);
	after = state(r);
	CHECK(after != NULL && strstr(after, "\"prefill_progress\":0.7,") !=
	    NULL);
	free(after);
	free(before);
	runtime_free(r);
}

/* Every fixture line cut at every length, and token soup: no crash. */
static void
test_cut_everywhere(void)
{
	static const char *const names[] = {
		"baseline.log", "req_lv4.log", "req_mid_smallbatch.log",
		"req_stream.log",
	};
	static const char *const soup[] = {
		"0.00.1 I slot x", ": ", " ", "  ", "id", "task", "|", "-1",
		"0", "3", "4095", "4096", "1.5", "99999999999999999999",
		"new prompt,", "task.n_tokens =", "processing task",
		"prompt processing,", "progress =", "prompt done", "n_gen =",
		"tg_3s =", "created context checkpoint", "of",
		"prompt eval time =", "eval time =", "ms /", "tokens (",
		"ms per token,", "tokens per second)", "stop processing:",
		"n_tokens =", "all slots are idle", ",", "\xff", "\t",
	};
	struct fixture	 f;
	struct runtime	*r;
	struct timeval	 tv = at(1);
	char		 line[512], *s;
	const char	*tok;
	size_t		 i, k, len, n;
	unsigned int	 seed = 12345;

	if ((r = runtime_new("inst-11")) == NULL)
		exit(2);
	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		fixture_load(&f, names[n]);
		for (i = 0; i < f.n; i++)
			for (len = 0; len <= f.len[i]; len++)
				(void)runtime_feed(r, f.line[i], len, &tv);
		fixture_free(&f);
	}
	for (i = 0; i < 200000; i++) {
		len = 0;
		for (k = 0; k < 12; k++) {
			seed = seed * 1103515245 + 12345;
			tok = soup[(seed >> 16) %
			    (sizeof(soup) / sizeof(soup[0]))];
			n = strlen(tok);
			if (len + n >= sizeof(line))
				break;
			memcpy(line + len, tok, n);
			len += n;
		}
		(void)runtime_feed(r, line, len, &tv);
	}
	s = state(r);
	CHECK(s != NULL && strncmp(s, "{\"instance_id\":\"inst-11\",", 25) ==
	    0);
	free(s);
	(void)feed_str(r, "srv  update_slots: all slots are idle", 2);
	s = state(r);
	CHECK(s != NULL && strstr(s, "\"phase\":\"idle\"") != NULL);
	free(s);
	runtime_free(r);
}

int
main(void)
{
	test_baseline();
	test_lv4();
	test_lv4_all_idle();
	test_smallbatch();
	test_mid_default();
	test_stream();
	test_reset();
	test_older_and_slots();
	test_frames();
	test_last_generation();
	test_garbage();
	test_cut_everywhere();
	T_DONE();
}
