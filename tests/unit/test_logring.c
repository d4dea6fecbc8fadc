/* test_logring.c: the packed ring of output lines, against a model. */
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logring.h"
#include "t.h"

#define BIG	(64 * 1024)

static size_t	line_len(uint64_t);
static char	*line_text(uint64_t, size_t *);
static void	line_time(uint64_t, struct timeval *);
static void	push(struct logring *, uint64_t);
static int	held_ok(const struct logring *, uint64_t, uint64_t);
static size_t	lines_bad(const struct logring *, uint64_t, uint64_t);

static void	test_empty(void);
static void	test_count(void);
static void	test_mixed(void);
static void	test_line(void);
static void	test_memory(void);
static void	test_byte_bound(void);

/* Line seq's length: mostly a few hundred bytes, now and then 0 or BIG. */
static size_t
line_len(uint64_t seq)
{
	uint64_t	 h = seq * 2654435761u;

	if (seq % 97 == 5)
		return BIG;
	if (seq % 31 == 7)
		return 0;
	return (size_t)(h >> 7) % 400;
}

/* Its text: the seq in digits, then letters, NUL-terminated. */
static char *
line_text(uint64_t seq, size_t *lenp)
{
	size_t	 len = line_len(seq), i;
	char	*s, head[32];
	int	 n;

	if ((s = malloc(len + 1)) == NULL)
		exit(2);
	n = snprintf(head, sizeof(head), "%llu:", (unsigned long long)seq);
	for (i = 0; i < len; i++)
		s[i] = i < (size_t)n ? head[i] : (char)('a' + (seq + i) % 26);
	s[len] = '\0';
	*lenp = len;
	return s;
}

static void
line_time(uint64_t seq, struct timeval *tv)
{
	tv->tv_sec = 1795000000 + (time_t)(seq / 3);
	tv->tv_usec = (suseconds_t)((seq * 7919) % 1000000);
}

static void
push(struct logring *r, uint64_t seq)
{
	struct timeval	 tv;
	size_t		 len;
	char		*s = line_text(seq, &len);

	line_time(seq, &tv);
	logring_push(r, &tv, s, len);
	free(s);
}

/* Every line in [from, to) is held as pushed. */
static int
held_ok(const struct logring *r, uint64_t from, uint64_t to)
{
	const char	*got;
	char		*want;
	size_t		 len;
	uint64_t	 seq;
	int		 ok = 1;

	for (seq = from; seq < to && ok; seq++) {
		want = line_text(seq, &len);
		got = logring_get(r, seq);
		ok = got != NULL && strlen(got) == len &&
		    memcmp(got, want, len) == 0;
		free(want);
	}
	return ok;
}

/* The bad ones of the held lines [from, to) as logring_line gives them. */
static size_t
lines_bad(const struct logring *r, uint64_t from, uint64_t to)
{
	struct timeval	 tv, want_tv;
	const char	*text;
	uint64_t	 seq;
	size_t		 len, wantlen, bad = 0;
	char		*want;

	for (seq = from; seq < to; seq++) {
		if (logring_line(r, seq, &tv, &text, &len) == -1) {
			bad++;
			continue;
		}
		line_time(seq, &want_tv);
		want = line_text(seq, &wantlen);
		if (tv.tv_sec != want_tv.tv_sec ||
		    tv.tv_usec != want_tv.tv_usec || len != wantlen ||
		    memcmp(text, want, len) != 0 || text[len] != '\0')
			bad++;
		free(want);
	}
	return bad;
}

static void
test_empty(void)
{
	struct logring	*r;
	struct timeval	 tv;
	const char	*text;
	size_t		 len;

	CHECK(logring_new(0, SIZE_MAX) == NULL);
	if ((r = logring_new(10, SIZE_MAX)) == NULL)
		exit(2);
	CHECK(logring_first_seq(r) == 0 && logring_next_seq(r) == 0);
	CHECK(logring_get(r, 0) == NULL);
	/* An instance that never printed costs nothing but the ring. */
	CHECK(logring_memory(r) == 0);
	CHECK(logring_line(r, 0, &tv, &text, &len) == -1);
	logring_free(r);
}

/* Only lines beyond cap push the oldest out, long or short. */
static void
test_count(void)
{
	struct logring	*r;
	uint64_t	 seq;

	if ((r = logring_new(3, SIZE_MAX)) == NULL)
		exit(2);
	for (seq = 0; seq < 5; seq++)
		push(r, seq);
	CHECK(logring_first_seq(r) == 2 && logring_next_seq(r) == 5);
	CHECK(logring_get(r, 1) == NULL && logring_get(r, 5) == NULL);
	CHECK(held_ok(r, 2, 5));
	logring_free(r);
}

/* Thousands of lines of every size: wraps, growth, shrinking. */
static void
test_mixed(void)
{
	struct logring	*r;
	uint64_t	 seq;
	size_t		 bad = 0;

	if ((r = logring_new(200, SIZE_MAX)) == NULL)
		exit(2);
	for (seq = 0; seq < 20000; seq++) {
		push(r, seq);
		if (!held_ok(r, seq, seq + 1))
			bad++;
		if (seq % 1009 == 0 && !held_ok(r, logring_first_seq(r), seq))
			bad++;
		if (logring_first_seq(r) != (seq < 200 ? 0 : seq + 1 - 200))
			bad++;
	}
	CHECK(bad == 0);
	CHECK(held_ok(r, 20000 - 200, 20000));
	logring_free(r);
}

/* Each held line with its time; none outside what is held. */
static void
test_line(void)
{
	struct logring	*r;
	struct timeval	 tv;
	const char	*text;
	uint64_t	 seq;
	size_t		 len;

	if ((r = logring_new(300, SIZE_MAX)) == NULL)
		exit(2);
	for (seq = 0; seq < 1000; seq++)
		push(r, seq);
	CHECK(lines_bad(r, 700, 1000) == 0);
	CHECK(logring_line(r, 699, &tv, &text, &len) == -1);
	CHECK(logring_line(r, 1000, &tv, &text, &len) == -1);
	logring_free(r);
}

/*
 * 1,000 lines of 150 bytes cost about their size; after long lines are
 * replaced by short ones the area gives most of the memory back.
 */
static void
test_memory(void)
{
	struct logring	*r;
	struct timeval	 tv = { 1795000000, 0 };
	char		 text[BIG];
	size_t		 i;

	if ((r = logring_new(1000, SIZE_MAX)) == NULL)
		exit(2);
	memset(text, 'm', sizeof(text));
	for (i = 0; i < 3000; i++)
		logring_push(r, &tv, text, 150);
	CHECK(logring_memory(r) <= 1000 * (150 + 17) * 5 / 4 + 4096);
	CHECK(logring_memory(r) >= 1000 * (150 + 17));
	for (i = 0; i < 1000; i++)
		logring_push(r, &tv, text, sizeof(text));
	CHECK(logring_memory(r) >= 1000 * sizeof(text));
	/* It shrinks when half is unused, to a quarter more than held. */
	for (i = 0; i < 1000; i++)
		logring_push(r, &tv, text, 150);
	CHECK(logring_memory(r) <= 1000 * (150 + 17) * 2 + 4096);
	CHECK(logring_first_seq(r) == 4000 && logring_next_seq(r) == 5000);
	CHECK(strlen(logring_get(r, 4000)) == 150);
	logring_free(r);
}

/*
 * Lines of 16 KiB, 1,000 of them, into a ring of 1,000 lines and 256 KiB:
 * the area stays within its bytes, the newest lines are held whole, and
 * the seq counts every line.  Short lines after them fill it up to the
 * line count again.
 */
static void
test_byte_bound(void)
{
	struct logring	*r;
	struct timeval	 tv = { 1795000000, 0 };
	char		 text[16 * 1024];
	size_t		 i, bound = 256 * 1024, most = 0;

	if ((r = logring_new(1000, bound)) == NULL)
		exit(2);
	memset(text, 'b', sizeof(text));
	for (i = 0; i < 1000; i++) {
		text[0] = (char)('0' + i % 10);
		logring_push(r, &tv, text, sizeof(text));
		if (logring_memory(r) > most)
			most = logring_memory(r);
	}
	CHECK(most <= bound + 1000 * sizeof(uint32_t));
	CHECK(logring_next_seq(r) == 1000);
	CHECK(logring_next_seq(r) - logring_first_seq(r) >= 14);
	CHECK(logring_next_seq(r) - logring_first_seq(r) <= 16);
	CHECK(logring_get(r, 999) != NULL && logring_get(r, 999)[0] == '9' &&
	    strlen(logring_get(r, 999)) == sizeof(text));
	CHECK(logring_get(r, 900) == NULL);
	CHECK(logring_bytes_from(r, 999) == sizeof(text) + 13);
	CHECK(logring_bytes_from(r, 0) >= 14 * (sizeof(text) + 13));
	CHECK(logring_bytes_from(r, 1000) == 0);
	for (i = 0; i < 1000; i++)
		logring_push(r, &tv, text, 100);
	CHECK(logring_first_seq(r) == 1000 && logring_next_seq(r) == 2000);
	CHECK(logring_memory(r) <= bound + 1000 * sizeof(uint32_t));
	/* A line larger than the whole area is lost, and its seq shows it. */
	logring_free(r);
	if ((r = logring_new(10, 4096)) == NULL)
		exit(2);
	logring_push(r, &tv, text, 100);
	logring_push(r, &tv, text, 5000);
	CHECK(logring_next_seq(r) == 2 && logring_get(r, 1) == NULL);
	logring_free(r);
}

int
main(void)
{
	test_empty();
	test_count();
	test_mixed();
	test_line();
	test_memory();
	test_byte_bound();
	T_DONE();
}
