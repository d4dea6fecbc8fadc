/* test_logfile.c: names, hostile aliases, the directory, appending,
 * links refused, rotation by size. */
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
static void	test_hardlink(void);
static void	test_rotate(void);
static void	test_rotate_none(void);
static size_t	file_size(const char *);
static int	files_in(const char *, size_t *);

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
	    (st.st_mode & 07777) == 0640);
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

/* A hard link to a file elsewhere is refused, the file left alone; so is
 * a FIFO, without blocking. */
static void
test_hardlink(void)
{
	char	 dir[128], path[192], target[192], err[256];
	int	 fd;

	snprintf(dir, sizeof(dir), "%s/logs", tmp);
	snprintf(path, sizeof(path), "%s/hard_1.log", dir);
	snprintf(target, sizeof(target), "%s/precious", tmp);
	if ((fd = open(target, O_WRONLY | O_CREAT, 0600)) == -1)
		exit(2);
	close(fd);
	CHECK(link(target, path) == 0);
	err[0] = '\0';
	fd = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd == -1);
	if (fd != -1)
		close(fd);
	CHECK(strstr(err, "refusing") != NULL && strstr(err, path) != NULL &&
	    strstr(err, "link") != NULL);
	CHECK(file_size(target) == 0);
	CHECK(unlink(path) == 0 && unlink(target) == 0);

	snprintf(path, sizeof(path), "%s/fifo_1.log", dir);
	CHECK(mkfifo(path, 0600) == 0);
	err[0] = '\0';
	fd = logfile_open(dir, path, err, sizeof(err));
	CHECK(fd == -1);
	if (fd != -1)
		close(fd);
	CHECK(unlink(path) == 0);
}

static size_t
file_size(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0 ? (size_t)st.st_size : (size_t)-1;
}

/* The number of files in dir, and the size of the largest. */
static int
files_in(const char *dir, size_t *largest)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[1024];
	int		 n = 0;

	*largest = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (file_size(path) > *largest)
			*largest = file_size(path);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * A cap of 1,000 bytes, 2 pieces kept: short writes, then one of 2,600
 * bytes without a newline.  No file ever passes the cap, at most 3 files
 * exist, they are named path, path.1, path.2 and, read oldest first,
 * hold the end of what was written.  Then an outside rotation and a
 * reopen: the writes go to a new file by the old name.
 */
static void
test_rotate(void)
{
	struct logfile	 lf;
	struct stat	 st;
	char		 dir[128], err[256], name[256], big[2600], *all, *got;
	size_t		 largest, off = 0, i;
	int		 n;

	snprintf(dir, sizeof(dir), "%s/rot", tmp);
	if ((all = malloc(10000)) == NULL)
		exit(2);
	CHECK(logfile_start(&lf, dir, "r", 7, 1000, 2, err,
	    sizeof(err)) == 0);
	for (i = 0; i < 10; i++) {
		n = snprintf(all + off, 400, "%0349zu\n", i);
		CHECK(logfile_write(&lf, all + off, (size_t)n, err,
		    sizeof(err)) == 0);
		off += (size_t)n;
		CHECK(files_in(dir, &largest) <= 3 && largest <= 1000);
	}
	memset(big, 'L', sizeof(big));
	memcpy(all + off, big, sizeof(big));
	CHECK(logfile_write(&lf, big, sizeof(big), err, sizeof(err)) == 0);
	off += sizeof(big);
	n = files_in(dir, &largest);
	CHECK(n == 3 && largest == 1000);
	/* 6,100 bytes: two full pieces and 100 in the file. */
	snprintf(name, sizeof(name), "%s.2", lf.path);
	got = slurp(name);
	CHECK(got != NULL && strlen(got) == 1000 &&
	    memcmp(got, all + off - 2100, 1000) == 0);
	snprintf(name, sizeof(name), "%s.1", lf.path);
	got = slurp(name);
	CHECK(got != NULL && strlen(got) == 1000 &&
	    memcmp(got, all + off - 1100, 1000) == 0);
	CHECK(stat(name, &st) == 0 && (st.st_mode & 07777) == 0640);
	got = slurp(lf.path);
	CHECK(got != NULL && strlen(got) == 100 &&
	    memcmp(got, all + off - 100, 100) == 0);
	snprintf(name, sizeof(name), "%s/r_7.log.3", dir);
	CHECK(!exists(name));

	/* logrotate(8) moved it away; SIGHUP reopens by name. */
	snprintf(name, sizeof(name), "%s.old", lf.path);
	CHECK(rename(lf.path, name) == 0);
	CHECK(logfile_reopen(&lf, err, sizeof(err)) == 0);
	CHECK(logfile_write(&lf, "after\n", 6, err, sizeof(err)) == 0);
	CHECK_STR(slurp(lf.path), "after\n");
	CHECK(file_size(name) == 100);
	logfile_close(&lf);
	CHECK(lf.fd == -1 && lf.path == NULL);
	free(all);
}

/* LOG_FILE_KEEP=0: the file starts again, nothing else is kept. */
static void
test_rotate_none(void)
{
	struct logfile	 lf;
	char		 dir[128], err[256], buf[3500];
	size_t		 largest;

	snprintf(dir, sizeof(dir), "%s/rot0", tmp);
	memset(buf, 'n', sizeof(buf));
	CHECK(logfile_start(&lf, dir, "z", 9, 1000, 0, err,
	    sizeof(err)) == 0);
	CHECK(logfile_write(&lf, buf, sizeof(buf), err, sizeof(err)) == 0);
	CHECK(files_in(dir, &largest) == 1 && largest == 500);
	logfile_close(&lf);

	/* A file that cannot be opened: the start says which and why. */
	err[0] = '\0';
	CHECK(logfile_start(&lf, "/proc/no/such", "z", 9, 1000, 0, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "/proc/no/such") != NULL);
	logfile_close(&lf);
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
	test_hardlink();
	test_rotate();
	test_rotate_none();
	CHECK(count_fds() == fds);
	rm_tree(tmp);
	T_DONE();
}
