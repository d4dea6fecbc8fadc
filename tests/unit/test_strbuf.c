/* test_strbuf.c: the growable buffer, its failing once, and its maximum. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "t.h"

static void	test_text(void);
static void	test_max(void);

static void
test_text(void)
{
	struct strbuf	 sb;
	char		*s;
	size_t		 i, cap;
	int		 ok;

	strbuf_init(&sb);
	CHECK(sb.data == NULL && sb.len == 0 && sb.failed == 0);

	strbuf_adds(&sb, "abc");
	strbuf_addc(&sb, 'd');
	strbuf_add(&sb, "ef\0g", 4);
	CHECK(sb.len == 8);
	CHECK(sb.data != NULL && memcmp(sb.data, "abcdef\0g", 9) == 0);
	strbuf_addf(&sb, "[%d|%s|%05.1f]", 42, "x", 2.25);
	CHECK(sb.len == 8 + 12);
	CHECK_STR(sb.data + 8, "[42|x|002.2]");

	/* Past the first allocation and well past its doublings. */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%0*d", 5000, 7);
	CHECK(sb.len == 5000 && sb.data[4999] == '7' && sb.data[0] == '0' &&
	    sb.data[5000] == '\0');
	strbuf_reset(&sb);
	for (i = 0; i < 100000; i++)
		strbuf_addc(&sb, (char)('a' + i % 26));
	ok = sb.len == 100000 && sb.data[100000] == '\0' && !sb.failed;
	for (i = 0; ok && i < 100000; i++)
		ok = sb.data[i] == (char)('a' + i % 26);
	CHECK(ok);

	/* reset keeps the memory and leaves an empty string. */
	cap = sb.cap;
	strbuf_reset(&sb);
	CHECK(sb.len == 0 && sb.cap == cap && sb.data != NULL &&
	    sb.data[0] == '\0');
	strbuf_adds(&sb, "xyz");
	s = strbuf_steal(&sb);
	CHECK_STR(s, "xyz");
	CHECK(sb.data == NULL && sb.len == 0 && sb.cap == 0);
	free(s);

	/* A buffer never written to still gives a string. */
	s = strbuf_steal(&sb);
	CHECK_STR(s, "");
	free(s);

	/* Once failed, nothing more is appended and steal refuses. */
	strbuf_adds(&sb, "kept");
	sb.failed = ENOMEM;
	strbuf_adds(&sb, "lost");
	strbuf_addf(&sb, "%s", "lost");
	strbuf_addc(&sb, 'l');
	CHECK(sb.len == 4);
	CHECK_STR(sb.data, "kept");
	CHECK(strbuf_steal(&sb) == NULL);
	CHECK(sb.data == NULL && sb.failed == 0);

	/* A size that would wrap around must fail, not write. */
	strbuf_adds(&sb, "ab");
	strbuf_add(&sb, "x", SIZE_MAX);
	CHECK(sb.failed == EMSGSIZE && sb.len == 2);
	strbuf_free(&sb);
	strbuf_adds(&sb, "ab");
	strbuf_add(&sb, "x", SIZE_MAX - 2);
	CHECK(sb.failed == EMSGSIZE && sb.len == 2);
	strbuf_free(&sb);
	CHECK(sb.data == NULL && sb.len == 0 && sb.failed == 0);

	/* An empty append still allocates the terminating NUL. */
	strbuf_add(&sb, "", 0);
	CHECK(sb.data != NULL && sb.data[0] == '\0' && sb.len == 0);
	strbuf_free(&sb);
}

/* What chanbuf relies on: exactly max bytes fit, one more fails for good. */
static void
test_max(void)
{
	struct strbuf	 sb;
	char		 big[300];
	char		*s;

	memset(big, 'x', sizeof(big));
	strbuf_init_max(&sb, 256);
	strbuf_add(&sb, big, 200);
	strbuf_add(&sb, big, 56);
	CHECK(sb.failed == 0 && sb.len == 256 && sb.cap == 257 &&
	    sb.data[256] == '\0');
	strbuf_addc(&sb, 'y');
	CHECK(sb.failed == EMSGSIZE && sb.len == 256 && sb.data[256] == '\0');
	strbuf_reset(&sb);
	CHECK(sb.failed == 0 && sb.len == 0);

	/* A formatted append is held to it too, and leaves the text whole. */
	strbuf_adds(&sb, "ab");
	strbuf_addf(&sb, "%0*d", 255, 1);
	CHECK(sb.failed == EMSGSIZE && sb.len == 2);
	CHECK_STR(sb.data, "ab");
	CHECK(strbuf_steal(&sb) == NULL);

	/* free and steal keep the maximum for the buffer's next use. */
	CHECK(sb.max == 256);
	strbuf_add(&sb, big, sizeof(big));
	CHECK(sb.failed == EMSGSIZE && sb.len == 0);
	strbuf_free(&sb);
	CHECK(sb.max == 256 && sb.failed == 0 && sb.data == NULL);
	strbuf_adds(&sb, "ok");
	s = strbuf_steal(&sb);
	CHECK_STR(s, "ok");
	free(s);
	CHECK(sb.max == 256);

	/* A maximum of nothing still holds the empty string. */
	strbuf_init_max(&sb, 0);
	strbuf_add(&sb, "", 0);
	CHECK(sb.failed == 0 && sb.data != NULL && sb.data[0] == '\0');
	strbuf_addc(&sb, 'z');
	CHECK(sb.failed == EMSGSIZE);
	strbuf_free(&sb);
}

int
main(void)
{
	test_text();
	test_max();
	T_DONE();
}
