/* test_log.c: what reaches stderr is escaped, whoever wrote the message. */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

static char	*logged(void (*)(const char *), const char *);
static void	say_warnx(const char *);
static void	say_write(const char *);
static void	say_warn(const char *);
static void	sink(int, const char *, void *);

static char	 sunk[256];

/* What the daemon writes to stderr while fn logs arg. */
static char *
logged(void (*fn)(const char *), const char *arg)
{
	static char	 buf[16384];
	char		 path[] = "/tmp/test_log.XXXXXX";
	ssize_t		 n;
	int		 fd, saved;

	if ((fd = mkstemp(path)) == -1 || (saved = dup(STDERR_FILENO)) == -1)
		exit(2);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void
say_warnx(const char *s)
{
	log_warnx("instance %s: started", s);
}

/* As the supervisor relays a message of apid's. */
static void
say_write(const char *s)
{
	log_write(LOG_WARNING, s);
}

static void
say_warn(const char *s)
{
	errno = ENOENT;
	log_warn("%s", s);
}

static void
sink(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)arg;
	snprintf(sunk, sizeof(sunk), "%s", msg);
}

int
main(void)
{
	char	*big, *got;
	size_t	 i;

	log_procname("solar-host");
	log_init(1, 0);

	/* A newline cannot start a forged line; ESC cannot steer a tty. */
	CHECK_STR(logged(say_warnx, "x\nsolar-host: forged\x1b[2J"),
	    "solar-host: instance x\\nsolar-host: forged\\x1b[2J: started\n");
	CHECK_STR(logged(say_write, "apid: a\rb\tc\x7f" "d\x01"),
	    "solar-host: apid: a\\rb\\tc\\x7fd\\x01\n");
	/* A backslash is doubled, so "\n" typed in an alias is not a newline
	 * escaped. */
	CHECK_STR(logged(say_warnx, "a\\nb"),
	    "solar-host: instance a\\\\nb: started\n");
	/* UTF-8 stays readable; C1 controls and stray bytes do not pass. */
	CHECK_STR(logged(say_write,
	    "mod\xc3\xa8le \xe2\x80\xa6 \xf0\x9f\x98\x80"),
	    "solar-host: mod\xc3\xa8le \xe2\x80\xa6 \xf0\x9f\x98\x80\n");
	CHECK_STR(logged(say_write, "csi\xc2\x9b" "2J \xff\xc3 \xed\xa0\x80"),
	    "solar-host: csi\\xc2\\x9b2J \\xff\\xc3 \\xed\\xa0\\x80\n");
	/* strerror is part of the message, and errno is kept. */
	errno = 0;
	CHECK_STR(logged(say_warn, "f\n"),
	    "solar-host: f\\n: No such file or directory\n");
	CHECK(errno == ENOENT);

	/* A long message of controls is cut, never overrun. */
	if ((big = malloc(6000)) == NULL)
		exit(2);
	memset(big, '\n', 5999);
	big[5999] = '\0';
	got = logged(say_write, big);
	CHECK(strlen(got) < 8192 + 16);
	CHECK(strncmp(got, "solar-host: \\n\\n", 16) == 0);
	CHECK(strstr(got, "...\n") != NULL);
	for (i = 0; got[i] != '\0'; i++)
		if (got[i] == '\n' && got[i + 1] != '\0')
			break;
	CHECK(got[i] == '\0' || got[i + 1] == '\0');
	free(big);

	/* A sink (apid's relay) gets it as written: the supervisor escapes. */
	log_set_sink(sink, NULL);
	CHECK_STR(logged(say_write, "raw\n"), "");
	CHECK_STR(sunk, "raw\n");
	log_set_sink(NULL, NULL);
	T_DONE();
}
