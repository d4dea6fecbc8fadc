/*
 * test_modeldirs.c: MODEL_DIRS paths, in a private directory: what exists
 * is resolved, what does not is read lexically, links count where they
 * lead, and a start wants the whole path to exist.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"
#include "modeldirs.h"
#include "t.h"

/* Short, under /tmp: the buffers below are sized for it. */
static char	base[200];
static char	dirs[512];

/* 0 or -1, and the reason or the resolved path in out. */
static int
check(const char *path, int must_exist, char *out, size_t len)
{
	char	*resolved = NULL;
	int	 rc;

	rc = modeldirs_check(dirs, path, must_exist, &resolved, out, len);
	if (rc == 0) {
		snprintf(out, len, "%s", resolved != NULL ? resolved : "");
		free(resolved);
	}
	return rc;
}

static void
touch(const char *rel)
{
	char	path[300];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if ((f = fopen(path, "w")) == NULL)
		exit(2);
	fclose(f);
}

static void
test_paths(void)
{
	char	p[300], want[1024], got[1024];

	snprintf(p, sizeof(p), "%s/models/m.gguf", base);
	CHECK(check(p, 1, got, sizeof(got)) == 0);
	CHECK_STR(got, p);
	/* Not there yet: fine at create, not at start. */
	snprintf(p, sizeof(p), "%s/models/new/later.gguf", base);
	CHECK(check(p, 0, got, sizeof(got)) == 0);
	CHECK_STR(got, p);
	CHECK(check(p, 1, got, sizeof(got)) == -1);
	snprintf(want, sizeof(want), "%s cannot be resolved: No such file or "
	    "directory", p);
	CHECK_STR(got, want);
	/* ".." after a missing component still climbs out. */
	snprintf(p, sizeof(p), "%s/models/new/../../x.gguf", base);
	CHECK(check(p, 0, got, sizeof(got)) == -1);
	snprintf(want, sizeof(want), "%s resolves to %s/x.gguf, outside "
	    "MODEL_DIRS", p, base);
	CHECK_STR(got, want);
	snprintf(p, sizeof(p), "%s/models/new/./../m.gguf", base);
	CHECK(check(p, 0, got, sizeof(got)) == 0);
	snprintf(want, sizeof(want), "%s/models/m.gguf", base);
	CHECK_STR(got, want);
	/* A sibling that shares the prefix is outside. */
	snprintf(p, sizeof(p), "%s/models2/m.gguf", base);
	CHECK(check(p, 0, got, sizeof(got)) == -1);
	snprintf(want, sizeof(want), "%s is outside MODEL_DIRS", p);
	CHECK_STR(got, want);
	/* A link counts where it leads, inside or out. */
	snprintf(p, sizeof(p), "%s/models/out.gguf", base);
	CHECK(check(p, 0, got, sizeof(got)) == -1);
	snprintf(want, sizeof(want), "%s resolves to /etc/passwd, outside "
	    "MODEL_DIRS", p);
	CHECK_STR(got, want);
	snprintf(p, sizeof(p), "%s/other/in.gguf", base);
	CHECK(check(p, 1, got, sizeof(got)) == 0);
	snprintf(want, sizeof(want), "%s/models/m.gguf", base);
	CHECK_STR(got, want);
	/* The second directory does not exist; it is read lexically too. */
	snprintf(p, sizeof(p), "%s/later/m.gguf", base);
	CHECK(check(p, 0, got, sizeof(got)) == 0);
	/* Relative to the working directory. */
	CHECK(check("models/m.gguf", 1, got, sizeof(got)) == 0);
	snprintf(want, sizeof(want), "%s/models/m.gguf", base);
	CHECK_STR(got, want);
	CHECK(check("../x", 0, got, sizeof(got)) == -1);
	CHECK(check("/", 0, got, sizeof(got)) == -1);
	CHECK_STR(got, "/ is outside MODEL_DIRS");
	CHECK(check("", 0, got, sizeof(got)) == -1);
}

static void
test_unset_and_root(void)
{
	char	*r = (char *)"x", err[256];

	CHECK(modeldirs_check(NULL, "/etc/passwd", 1, &r, err,
	    sizeof(err)) == 0 && r == NULL);
	CHECK(modeldirs_check("", "/nowhere", 1, NULL, err, sizeof(err)) == 0);
	CHECK(modeldirs_check("/", "/etc/passwd", 1, &r, err,
	    sizeof(err)) == 0);
	CHECK_STR(r, "/etc/passwd");
	free(r);
	/* Empty entries are no directory at all. */
	CHECK(modeldirs_check("::", "/etc/passwd", 0, NULL, err,
	    sizeof(err)) == -1);
}

static void
test_config(void)
{
	struct inst_config	 c;
	const char		*field = NULL;
	char			 m[300], err[1024], *rm, *rt;

	inst_config_init(&c);
	snprintf(m, sizeof(m), "%s/models/m.gguf", base);
	c.model = m;
	CHECK(modeldirs_config(dirs, &c, 1, &rm, &rt, &field, err,
	    sizeof(err)) == 0);
	CHECK_STR(rm, m);
	CHECK(rt == NULL);
	free(rm);
	c.chat_template_file = (char *)"/etc/passwd";
	CHECK(modeldirs_config(dirs, &c, 0, NULL, NULL, &field, err,
	    sizeof(err)) == -1);
	CHECK_STR(field, "chat_template_file");
	CHECK_STR(err, "/etc/passwd is outside MODEL_DIRS");
	c.model = (char *)"/etc/passwd";
	CHECK(modeldirs_config(dirs, &c, 0, NULL, NULL, &field, err,
	    sizeof(err)) == -1);
	CHECK_STR(field, "model");
}

int
main(void)
{
	char	tmpl[] = "/tmp/test_modeldirs.XXXXXX", *d, *real, p[300],
		to[300];

	if ((d = mkdtemp(tmpl)) == NULL || (real = realpath(d, NULL)) ==
	    NULL || strlen(real) >= sizeof(base))
		return 2;
	memcpy(base, real, strlen(real) + 1);
	free(real);
	if (chdir(base) == -1)
		return 2;
	mkdir("models", 0700);
	mkdir("other", 0700);
	touch("models/m.gguf");
	if (symlink("/etc/passwd", "models/out.gguf") == -1)
		return 2;
	snprintf(to, sizeof(to), "%s/models/m.gguf", base);
	snprintf(p, sizeof(p), "%s/other/in.gguf", base);
	if (symlink(to, p) == -1)
		return 2;
	snprintf(dirs, sizeof(dirs), "%s/models:%s/later", base, base);

	test_paths();
	test_unset_and_root();
	test_config();

	unlink("other/in.gguf");
	unlink("models/out.gguf");
	unlink("models/m.gguf");
	rmdir("other");
	rmdir("models");
	rmdir(base);
	T_DONE();
}
