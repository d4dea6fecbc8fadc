/* test_logfile.c: names, hostile aliases, the directory, appending. */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logfile.h"
#include "t.h"

static char	tmp[64];

static int	exists(const char *);
static char	*slurp(const char *);
static void	rm_tree(const char *);

static void	test_names(void);
static void	test_hostile(void);
static void	test_dir(void);
static void	test_append(void);
static void	test_nofollow(void);

static int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

static char *
slurp(const char *path)
{
	static char	 buf[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == -1)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* The test's own directory, two levels deep at most. */
static void
rm_tree(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 path[1024];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
test_names(void)
{
	static const struct {
		const char	*dir;
		const char	*alias;
		long long	 t;
		const char	*want;
	} table[] = {
		{ "logs", "llama-3:8b", 1700000000,
		    "logs/llama-3-8b_1700000000.log" },
		{ "logs", "../../x", 1, "logs/..-..-x_1.log" },
		{ "logs", ".", 5, "logs/._5.log" },
		{ "logs", "..", 5, "logs/.._5.log" },
		{ "logs", "a b/c\\d\t", 0, "logs/a-b-c-d-_0.log" },
		{ "logs", "caf\xc3\xa9", 2, "logs/caf--_2.log" },
		{ "logs", "Az09._-", 3, "logs/Az09._-_3.log" },
		{ "/var/log/solar/", "m", 4, "/var/log/solar/m_4.log" },
		{ "", "m", 4, "./m_4.log" },
	};
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		p = logfile_path(table[i].dir, table[i].alias,
		    (time_t)table[i].t);
		CHECK_STR(p, table[i].want);
		free(p);
	}
}

/* Whatever the alias, the file lands in dir and nowhere else. */
static void
test_hostile(void)
{
	static const char *const aliases[] = {
		"../../x", "..", ".", "../x", "/etc/passwd", "a/../../b"
	};
	char	 dir[128], err[256], *p, *slash;
	size_t	 i;
	int	 fd;

	snprintf(dir, sizeof(dir), "%s/logs", tmp);
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		p = logfile_path(dir, aliases[i], 1);
		CHECK(p != NULL);
		if (p == NULL)
			continue;
		slash = strrchr(p, '/');
		CHECK(slash == p + strlen(dir));
		fd = logfile_open(dir, p, err, sizeof(err));
		CHECK(fd != -1);
		if (fd != -1)
			close(fd);
		CHECK(exists(p));
		free(p);
	}
	/* Nothing escaped into the parent. */
	snprintf(dir, sizeof(dir), "%s/x_1.log", tmp);
	CHECK(!exists(dir));
	snprintf(dir, sizeof(dir), "%s/b_1.log", tmp);
	CHECK(!exists(dir));
	CHECK(!exists("/etc/passwd_1.log"));
}

static void
test_dir(void)
{
	struct stat	 st;
	char		 dir[128], path[192], err[256];
	int		 fd;

	snprintf(dir, sizeof(dir), "%s/newdir", tmp);
	snprintf(path, sizeof(path), "%s/a_1.log", dir);
	CHECK(!exists(dir));
	fd = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd != -1);
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0755);
	CHECK(fd != -1 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0644);
	CHECK(fd != -1 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK(fd != -1 && (fcntl(fd, F_GETFL) & O_APPEND) != 0);
	if (fd != -1)
		close(fd);

	/* An existing directory is fine. */
	snprintf(path, sizeof(path), "%s/b_1.log", dir);
	fd = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);

	/* Only the last component is created. */
	snprintf(dir, sizeof(dir), "%s/no/such", tmp);
	snprintf(path, sizeof(path), "%s/c_1.log", dir);
	err[0] = '\0';
	CHECK(logfile_open(dir, path, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot create") != NULL &&
	    strstr(err, dir) != NULL &&
	    strstr(err, strerror(ENOENT)) != NULL);
	snprintf(dir, sizeof(dir), "%s/no", tmp);
	CHECK(!exists(dir));
}

static void
test_append(void)
{
	char	 dir[128], path[192], err[256];
	char	*got;
	int	 fd1, fd2, fd3;

	snprintf(dir, sizeof(dir), "%s/logs", tmp);
	snprintf(path, sizeof(path), "%s/app_1.log", dir);
	fd1 = logfile_open(dir, path, err, sizeof(err));
	fd2 = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd1 != -1 && fd2 != -1);
	if (fd1 == -1 || fd2 == -1)
		return;
	/* Without O_APPEND the second and third writes would overwrite. */
	CHECK(write(fd1, "one\n", 4) == 4);
	CHECK(write(fd2, "two\n", 4) == 4);
	CHECK(write(fd1, "three\n", 6) == 6);
	close(fd1);
	close(fd2);
	got = slurp(path);
	CHECK_STR(got, "one\ntwo\nthree\n");

	/* A later start adds to what is there. */
	fd3 = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd3 != -1);
	if (fd3 == -1)
		return;
	CHECK(write(fd3, "four\n", 5) == 5);
	close(fd3);
	got = slurp(path);
	CHECK_STR(got, "one\ntwo\nthree\nfour\n");
}

/* A link planted where the log goes is not followed. */
static void
test_nofollow(void)
{
	char	 dir[128], path[192], target[192], err[256];
	int	 fd;

	snprintf(dir, sizeof(dir), "%s/logs", tmp);
	snprintf(path, sizeof(path), "%s/link_1.log", dir);
	snprintf(target, sizeof(target), "%s/target", tmp);
	CHECK(symlink(target, path) == 0);
	err[0] = '\0';
	fd = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd == -1);
	if (fd != -1)
		close(fd);
	CHECK(!exists(target));
	CHECK(strstr(err, "cannot open") != NULL &&
	    strstr(err, path) != NULL);
}

int
main(void)
{
	int	fds;

	umask(0);	/* the modes checked are the ones asked for */
	snprintf(tmp, sizeof(tmp), "/tmp/test_logfile.XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	fds = count_fds();
	test_names();
	test_hostile();
	test_dir();
	test_append();
	test_nofollow();
	CHECK(count_fds() == fds);
	rm_tree(tmp);
	T_DONE();
}
