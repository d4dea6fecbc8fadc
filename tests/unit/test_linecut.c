/* test_linecut.c: line cuts, U+FFFD and stripping, as Python gives them. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linecut.h"
#include "t.h"

#define S(x)	x, sizeof(x) - 1
#define FFFD	"\xef\xbf\xbd"

struct lines {
	char	**v;
	size_t	 *len;
	size_t	  n;
	size_t	  cap;
	int	  unterminated;	/* lines handed out without a NUL */
};

struct known {
	const char	*in;
	size_t		 inlen;
	const char	*want;
	size_t		 wantlen;
};

static void	collect(const char *, size_t, void *);
static void	lines_free(struct lines *);
static int	line_is(const struct lines *, size_t, const char *, size_t);
static int	line_is_run(const struct lines *, size_t, char, size_t);
static void	feed_all(const char *, size_t, size_t, struct lines *);
static char	*read_fixture(const char *, size_t *);

static void	test_table(void);
static void	test_split_anywhere(void);
static void	test_empty_lines(void);
static void	test_long_lines(void);
static void	test_long_invalid(void);
static void	test_long_run(void);
static int	pieces_are(const struct lines *, size_t, const char *,
		    size_t);
static void	count_piece(const char *, size_t, void *);
static void	test_flush(void);
static void	test_fixture(void);
static void	test_held_memory(void);

/* Every sequence here went through Python 3.11 to get its "want". */
static const struct known table[] = {
	{ S("\xe2\x82x"), S(FFFD "x") },
	{ S("\xff"), S(FFFD) },
	{ S("\xed\xa0\x80"), S(FFFD FFFD FFFD) },
	{ S("\xc0\xaf"), S(FFFD FFFD) },
	{ S("\xe0\x80\x80"), S(FFFD FFFD FFFD) },
	{ S("\xf0\x80\x80\x80"), S(FFFD FFFD FFFD FFFD) },
	{ S("\xf4\x90\x80\x80"), S(FFFD FFFD FFFD FFFD) },
	{ S("\xf0\x9f\x98"), S(FFFD) },
	{ S("\xf0\x9f\x98x"), S(FFFD "x") },
	{ S("a\x80" "b"), S("a" FFFD "b") },
	{ S("\xc2"), S(FFFD) },
	{ S("\xe2\x82\xac"), S("\xe2\x82\xac") },
	{ S("\xf0\x9f\x98\x80"), S("\xf0\x9f\x98\x80") },
	{ S("\xf4\x8f\xbf\xbf"), S("\xf4\x8f\xbf\xbf") },
	{ S("\xef\xbf\xbf"), S("\xef\xbf\xbf") },
	{ S("\xed\x9f\xbf"), S("\xed\x9f\xbf") },
	{ S("\xee\x80\x80"), S("\xee\x80\x80") },
	{ S("\xc2\x80"), S("\xc2\x80") },
	{ S("\xfe\xfe\xff"), S(FFFD FFFD FFFD) },
	{ S("\xe1\x80\xe2\xf0\x91\x92\xf1\xbf" "A"),
	    S(FFFD FFFD FFFD FFFD "A") },
	{ S("\xf5\x80"), S(FFFD FFFD) },
	{ S("\xe0\xa0"), S(FFFD) },
	{ S("\xed\x80\xbf\xed"), S("\xed\x80\xbf" FFFD) },
	{ S("abc  \t\r"), S("abc") },
	{ S("abc\v\f"), S("abc") },
	{ S("x\x1c\x1d\x1e\x1f"), S("x") },
	{ S("x\xc2\xa0"), S("x") },
	{ S("x\xc2\x85"), S("x") },
	{ S("x\xe3\x80\x80"), S("x") },
	{ S("x\xe2\x80\x80\xe2\x80\x8a"), S("x") },
	{ S("x\xe2\x80\x8b"), S("x\xe2\x80\x8b") },
	{ S("x\xe2\x80\xaf"), S("x") },
	{ S("x\xe2\x81\x9f"), S("x") },
	{ S("x\xe1\x9a\x80"), S("x") },
	{ S("x\xe2\x80\xa8\xe2\x80\xa9"), S("x") },
	{ S("  lead kept"), S("  lead kept") },
	{ S("\r"), S("") },
	{ S("x\xc2"), S("x" FFFD) },
	{ S("x \xff"), S("x " FFFD) },
	{ S("x\0"), S("x\0") },
	{ S(""), S("") },
	{ S("x\xa0"), S("x" FFFD) },
	{ S("x\x85"), S("x" FFFD) },
	{ S(" \t \r\r"), S("") },
	{ S("a\tb \r"), S("a\tb") },
	{ S("\xe2\x80\xa0\xc2\xa1"), S("\xe2\x80\xa0\xc2\xa1") },
	{ S("x\x1b"), S("x\x1b") },
};

static void
collect(const char *line, size_t len, void *arg)
{
	struct lines	*l = arg;
	char		**nv;
	size_t		 *nlen;

	if (line[len] != '\0')
		l->unterminated++;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		nv = realloc(l->v, l->cap * sizeof(*l->v));
		nlen = realloc(l->len, l->cap * sizeof(*l->len));
		if (nv == NULL || nlen == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		l->v = nv;
		l->len = nlen;
	}
	if ((l->v[l->n] = malloc(len + 1)) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(l->v[l->n], line, len + 1);
	l->len[l->n] = len;
	l->n++;
}

static void
lines_free(struct lines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->len);
	memset(l, 0, sizeof(*l));
}

static int
line_is(const struct lines *l, size_t i, const char *want, size_t wantlen)
{
	return i < l->n && l->len[i] == wantlen &&
	    memcmp(l->v[i], want, wantlen) == 0;
}

/* Line i is n times the byte c. */
static int
line_is_run(const struct lines *l, size_t i, char c, size_t n)
{
	size_t	j;

	if (i >= l->n || l->len[i] != n)
		return 0;
	for (j = 0; j < n; j++)
		if (l->v[i][j] != c)
			return 0;
	return 1;
}

/* The whole of data in pieces of at most step bytes, then the flush. */
static void
feed_all(const char *data, size_t len, size_t step, struct lines *out)
{
	struct linecut	*lc;
	size_t		 off, n;

	if ((lc = malloc(sizeof(*lc))) == NULL)
		exit(2);
	linecut_init(lc);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		linecut_feed(lc, data + off, n, collect, out);
	}
	linecut_flush(lc, collect, out);
	free(lc);
}

static void
test_table(void)
{
	struct lines	 l;
	char		 buf[64];
	size_t		 i, n;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		n = table[i].inlen;
		memcpy(buf, table[i].in, n);
		buf[n] = '\n';

		/* In one piece, ended by its newline. */
		memset(&l, 0, sizeof(l));
		feed_all(buf, n + 1, n + 1, &l);
		CHECK(l.n == 1);
		CHECK(line_is(&l, 0, table[i].want, table[i].wantlen));
		if (!line_is(&l, 0, table[i].want, table[i].wantlen))
			fprintf(stderr, "  table entry %zu\n", i);
		CHECK(l.unterminated == 0);
		lines_free(&l);

		/* A byte at a time: partial sequences kept across feeds. */
		feed_all(buf, n + 1, 1, &l);
		CHECK(l.n == 1);
		CHECK(line_is(&l, 0, table[i].want, table[i].wantlen));
		lines_free(&l);

		/* Without its newline: the flush hands it out the same. */
		if (n > 0) {
			feed_all(buf, n, 1, &l);
			CHECK(l.n == 1);
			CHECK(line_is(&l, 0, table[i].want, table[i].wantlen));
			lines_free(&l);
		}
	}
}

static void
test_split_anywhere(void)
{
	static const char sample[] =
	    "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac\xf0\x9f\x98\x80\r\n"
	    "second line  \r\n\r\nthird\xff\xe2\x82 end\n\t\ntail \xe2\x82\xbf";
	static const struct known want[] = {
		{ NULL, 0, S("h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac"
		    "\xf0\x9f\x98\x80") },
		{ NULL, 0, S("second line") },
		{ NULL, 0, S("") },
		{ NULL, 0, S("third" FFFD FFFD " end") },
		{ NULL, 0, S("") },
		{ NULL, 0, S("tail \xe2\x82\xbf") },
	};
	struct linecut	*lc;
	struct lines	 l;
	size_t		 k, i, len = sizeof(sample) - 1, bad = 0;

	if ((lc = malloc(sizeof(*lc))) == NULL)
		exit(2);
	memset(&l, 0, sizeof(l));
	for (k = 0; k <= len; k++) {
		linecut_init(lc);
		linecut_feed(lc, sample, k, collect, &l);
		linecut_feed(lc, sample + k, len - k, collect, &l);
		linecut_flush(lc, collect, &l);
		if (l.n != 6)
			bad++;
		for (i = 0; i < 6; i++)
			if (!line_is(&l, i, want[i].want, want[i].wantlen))
				bad++;
		lines_free(&l);
	}
	CHECK(bad == 0);

	feed_all(sample, len, 1, &l);
	CHECK(l.n == 6);
	for (i = 0; i < 6; i++)
		CHECK(line_is(&l, i, want[i].want, want[i].wantlen));
	lines_free(&l);
	free(lc);
}

static void
test_empty_lines(void)
{
	struct lines	l;

	memset(&l, 0, sizeof(l));
	feed_all("\n\n\r\n", 4, 4, &l);
	CHECK(l.n == 3);
	CHECK(line_is(&l, 0, "", 0));
	CHECK(line_is(&l, 1, "", 0));
	CHECK(line_is(&l, 2, "", 0));
	lines_free(&l);
}

/*
 * Lines from, onwards, are the pieces of one cut line whose text is want:
 * each at most LINECUT_MAX bytes, marked at every cut, and joined without
 * the marks they give want back.
 */
static int
pieces_are(const struct lines *l, size_t from, const char *want,
    size_t wantlen)
{
	size_t	 i, off = 0, a, b;

	for (i = from; i < l->n; i++) {
		a = i > from ? LINECUT_MARK_LEN : 0;
		b = i + 1 < l->n ? LINECUT_MARK_LEN : 0;
		if (l->len[i] > LINECUT_MAX || l->len[i] < a + b)
			return 0;
		if (a > 0 && memcmp(l->v[i], "\xe2\x80\xa6 ", a) != 0)
			return 0;
		if (b > 0 && memcmp(l->v[i] + l->len[i] - b, " \xe2\x80\xa6",
		    b) != 0)
			return 0;
		if (off + l->len[i] - a - b > wantlen ||
		    memcmp(l->v[i] + a, want + off, l->len[i] - a - b) != 0)
			return 0;
		off += l->len[i] - a - b;
	}
	return off == wantlen;
}

static void
test_long_lines(void)
{
	struct lines	 l;
	char		*buf;
	size_t		 n, steps[] = { 1 << 20, 4096, 7, 1 }, s;

	memset(&l, 0, sizeof(l));
	if ((buf = malloc(4 * LINECUT_MAX)) == NULL)
		exit(2);
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		/* Exactly the limit: still one line, also before "\r\n". */
		memset(buf, 'a', LINECUT_MAX);
		memcpy(buf + LINECUT_MAX, "\r\n", 2);
		feed_all(buf, LINECUT_MAX + 2, steps[s], &l);
		CHECK(l.n == 1);
		CHECK(line_is_run(&l, 0, 'a', LINECUT_MAX));
		lines_free(&l);

		/* One byte over: cut, marked, and continued. */
		memset(buf, 'a', LINECUT_MAX + 1);
		buf[LINECUT_MAX + 1] = '\n';
		memcpy(buf + LINECUT_MAX + 2, "next\n", 5);
		feed_all(buf, LINECUT_MAX + 7, steps[s], &l);
		CHECK(l.n == 3);
		CHECK(l.n == 3 && l.len[0] == LINECUT_MAX);
		CHECK(l.n == 3 && memcmp(l.v[1], "\xe2\x80\xa6 aaaaa", 9) == 0 &&
		    l.len[1] == 9);
		CHECK(line_is(&l, 2, "next", 4));
		l.n = 2;
		CHECK(pieces_are(&l, 0, buf, LINECUT_MAX + 1));
		l.n = 3;
		lines_free(&l);

		/* A euro sign across the cut goes whole to the next piece. */
		n = LINECUT_MAX - LINECUT_MARK_LEN - 1;
		memset(buf, 'a', n);
		memcpy(buf + n, "\xe2\x82\xac", 3);
		memset(buf + n + 3, 'b', 10);
		buf[n + 13] = '\n';
		feed_all(buf, n + 14, steps[s], &l);
		CHECK(l.n == 2);
		CHECK(l.n == 2 && l.len[0] == n + LINECUT_MARK_LEN);
		CHECK(l.n == 2 && memcmp(l.v[1], "\xe2\x80\xa6 \xe2\x82\xac"
		    "bbbbbbbbbb", 17) == 0);
		CHECK(pieces_are(&l, 0, buf, n + 13));
		lines_free(&l);

		/* Several pieces; blanks inside are kept, trailing ones go. */
		n = 3 * LINECUT_MAX + 5;
		memset(buf, 'x', n);
		memset(buf + LINECUT_MAX - 6, ' ', 10);
		memset(buf + n, ' ', 100);
		buf[n + 100] = '\n';
		feed_all(buf, n + 101, steps[s], &l);
		CHECK(l.n == 4);
		CHECK(pieces_are(&l, 0, buf, n));
		lines_free(&l);
	}
	free(buf);
}

/* Pieces are counted in bytes as stored: U+FFFD is 3 of them. */
static void
test_long_invalid(void)
{
	struct lines	 l;
	char		*buf, *want;
	size_t		 n = 3 * LINECUT_MAX + 100, i, s;

	memset(&l, 0, sizeof(l));
	if ((buf = malloc(n + 1)) == NULL || (want = malloc(3 * n)) == NULL)
		exit(2);
	memset(buf, '\xff', n);
	buf[n] = '\n';
	for (i = 0; i < n; i++)
		memcpy(want + 3 * i, FFFD, 3);
	for (s = 0; s < 2; s++) {
		feed_all(buf, n + 1, s == 0 ? 5000 : n + 1, &l);
		CHECK(l.n == 10);
		CHECK(pieces_are(&l, 0, want, 3 * n));
		CHECK(l.unterminated == 0);
		lines_free(&l);
	}
	free(want);
	free(buf);
}

/*
 * 50 MB without a newline, in pipe-sized reads: pieces come as it goes,
 * and the linecut never holds more than one piece.
 */
struct runstat {
	size_t	 n;
	size_t	 bytes;
	size_t	 bad;
};

static void
count_piece(const char *line, size_t len, void *arg)
{
	struct runstat	*rs = arg;
	size_t		 i, a;

	a = rs->n > 0 ? LINECUT_MARK_LEN : 0;
	if (len > LINECUT_MAX || (a > 0 && memcmp(line, "\xe2\x80\xa6 ",
	    a) != 0))
		rs->bad++;
	for (i = a; i < len; i++)
		if (line[i] != 'z')
			break;
	/* Every piece but the last ends with its mark. */
	if (i < len && (len - i != LINECUT_MARK_LEN ||
	    memcmp(line + i, " \xe2\x80\xa6", LINECUT_MARK_LEN) != 0))
		rs->bad++;
	rs->bytes += i - a;
	rs->n++;
}

static void
test_long_run(void)
{
	struct linecut	 lc;
	struct runstat	 rs;
	char		*buf;
	size_t		 total = 50 * 1000 * 1000, off, maxcap = 0;

	memset(&rs, 0, sizeof(rs));
	if ((buf = malloc(65536)) == NULL)
		exit(2);
	memset(buf, 'z', 65536);
	linecut_init(&lc);
	for (off = 0; off < total; off += 65536) {
		linecut_feed(&lc, buf, total - off < 65536 ? total - off :
		    65536, count_piece, &rs);
		if (lc.cap > maxcap)
			maxcap = lc.cap;
	}
	CHECK(maxcap <= LINECUT_CAP);
	CHECK(lc.len <= LINECUT_MAX);
	linecut_flush(&lc, count_piece, &rs);
	CHECK(rs.bad == 0);
	CHECK(rs.bytes == total);
	CHECK(rs.n == total / (LINECUT_MAX - 2 * LINECUT_MARK_LEN) + 1);
	CHECK(lc.buf == NULL);
	free(buf);
}

static void
test_flush(void)
{
	struct linecut	*lc;
	struct lines	 l;

	if ((lc = malloc(sizeof(*lc))) == NULL)
		exit(2);
	memset(&l, 0, sizeof(l));
	linecut_init(lc);
	linecut_feed(lc, "abc", 3, collect, &l);
	CHECK(l.n == 0);
	linecut_flush(lc, collect, &l);
	CHECK(l.n == 1 && line_is(&l, 0, "abc", 3));
	linecut_flush(lc, collect, &l);
	CHECK(l.n == 1);
	lines_free(&l);

	/* Nothing after the last newline: nothing to flush. */
	linecut_init(lc);
	linecut_feed(lc, "abc\n", 4, collect, &l);
	linecut_flush(lc, collect, &l);
	CHECK(l.n == 1 && line_is(&l, 0, "abc", 3));
	lines_free(&l);

	/* An unfinished character at EOF is one U+FFFD. */
	linecut_init(lc);
	linecut_feed(lc, "x\xe2\x82", 3, collect, &l);
	CHECK(l.n == 0);
	linecut_flush(lc, collect, &l);
	CHECK(l.n == 1 && line_is(&l, 0, S("x" FFFD)));
	lines_free(&l);

	/* Blanks only: a line all the same, now empty. */
	linecut_init(lc);
	linecut_feed(lc, " \t", 2, collect, &l);
	linecut_flush(lc, collect, &l);
	CHECK(l.n == 1 && line_is(&l, 0, "", 0));
	lines_free(&l);

	/* A fresh one flushes nothing. */
	linecut_init(lc);
	linecut_flush(lc, collect, &l);
	CHECK(l.n == 0);
	free(lc);
}

static char *
read_fixture(const char *name, size_t *lenp)
{
	struct stat	 st;
	const char	*dir, *slash;
	char		 path[4096];
	char		*buf;
	ssize_t		 r;
	size_t		 off = 0;
	int		 fd;

	/* SOLAR_FIXTURES, else beside the tree (make check sets
	 * top_srcdir), else beside this source file. */
	if ((dir = getenv("SOLAR_FIXTURES")) != NULL)
		snprintf(path, sizeof(path), "%s/llama-server/%s", dir, name);
	else if ((dir = getenv("top_srcdir")) != NULL)
		snprintf(path, sizeof(path),
		    "%s/../shared/fixtures/llama-server/%s", dir, name);
	else {
		slash = strrchr(__FILE__, '/');
		snprintf(path, sizeof(path),
		    "%.*s../../../shared/fixtures/llama-server/%s",
		    slash == NULL ? 0 : (int)(slash - __FILE__ + 1), __FILE__,
		    name);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "FIXTURE MISSING: %s: %s (set SOLAR_FIXTURES "
		    "to the shared fixtures directory)\n", path,
		    strerror(errno));
		exit(2);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		exit(2);
	while (off < (size_t)st.st_size &&
	    (r = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)r;
	close(fd);
	*lenp = off;
	return buf;
}

static void
test_fixture(void)
{
	struct linecut	*lc;
	struct lines	 l;
	const char	*p, *nl;
	char		*data;
	size_t		 len, i, newlines = 0, bad = 0, wantlen;

	data = read_fixture("baseline.log", &len);
	CHECK(len > 0);
	for (i = 0; i < len; i++)
		if (data[i] == '\n')
			newlines++;
	if ((lc = malloc(sizeof(*lc))) == NULL)
		exit(2);
	memset(&l, 0, sizeof(l));
	linecut_init(lc);
	/* Odd-sized reads, as from a pipe. */
	for (i = 0; i < len; i += 97)
		linecut_feed(lc, data + i, len - i < 97 ? len - i : 97,
		    collect, &l);
	CHECK(l.n == newlines);
	linecut_flush(lc, collect, &l);
	CHECK(l.n == newlines + (data[len - 1] != '\n'));
	/* Each line as printed, less its trailing blanks. */
	for (p = data, i = 0; i < l.n && p < data + len; i++) {
		nl = memchr(p, '\n', (size_t)(data + len - p));
		wantlen = nl != NULL ? (size_t)(nl - p) :
		    (size_t)(data + len - p);
		while (wantlen > 0 && (p[wantlen - 1] == ' ' ||
		    p[wantlen - 1] == '\t' || p[wantlen - 1] == '\r'))
			wantlen--;
		if (!line_is(&l, i, p, wantlen))
			bad++;
		p = nl != NULL ? nl + 1 : data + len;
	}
	CHECK(bad == 0);
	CHECK(l.n > 10 && strstr(l.v[10], "listening on http://") != NULL);
	lines_free(&l);
	free(lc);
	free(data);
}

/*
 * Only the line being read is held, in a buffer as large as it needs and
 * never more than LINECUT_CAP; a large one goes when its line ends, and a
 * flush leaves nothing.
 */
static void
test_held_memory(void)
{
	struct linecut	 lc;
	struct lines	 l;
	char		*buf;

	memset(&l, 0, sizeof(l));
	if ((buf = malloc(LINECUT_MAX)) == NULL)
		exit(2);
	linecut_init(&lc);
	linecut_feed(&lc, S("one\ntwo\n"), collect, &l);
	CHECK(l.n == 2 && lc.len == 0 && lc.cap == LINECUT_MIN);
	linecut_feed(&lc, S("three\nfo"), collect, &l);
	CHECK(l.n == 3 && lc.len == 2 && lc.cap == LINECUT_MIN);
	memset(buf, 'u', LINECUT_MAX - 2);
	linecut_feed(&lc, buf, LINECUT_MAX - 2, collect, &l);
	CHECK(l.n == 3 && lc.len == LINECUT_MAX && lc.cap <= LINECUT_CAP);
	linecut_feed(&lc, S("\nfive\n"), collect, &l);
	CHECK(l.n == 5 && lc.len == 0 && lc.cap == LINECUT_MIN);
	CHECK(l.n == 5 && l.len[3] == LINECUT_MAX &&
	    memcmp(l.v[3], "fouuu", 5) == 0);
	CHECK(line_is(&l, 4, "five", 4));
	linecut_feed(&lc, S("six"), collect, &l);
	CHECK(lc.buf != NULL);
	linecut_flush(&lc, collect, &l);
	CHECK(l.n == 6 && line_is(&l, 5, "six", 3));
	CHECK(lc.buf == NULL && lc.len == 0 && lc.cap == 0);
	lines_free(&l);
	free(buf);
}

int
main(void)
{
	test_table();
	test_split_anywhere();
	test_empty_lines();
	test_long_lines();
	test_long_invalid();
	test_long_run();
	test_flush();
	test_fixture();
	test_held_memory();
	T_DONE();
}
