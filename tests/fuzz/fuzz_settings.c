/* fuzz_settings.c: .env files, single settings and environments. */
#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "settings.h"

/* Entries of the environment built from the input. */
#define FS_ENV_MAX	64

static void	fs_quiet(int, const char *, void *);
static int	fs_file(void);
static void	fs_load(const uint8_t *, size_t);
static void	fs_set(const uint8_t *, size_t);
static void	fs_env(const uint8_t *, size_t);

static char	fs_path[64];

/* Unknown keys are warned about; keep them off the terminal. */
static void
fs_quiet(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)msg;
	(void)arg;
}

/*
 * One file for the whole run, rewritten for each input: a memfd when the
 * kernel has them, else a file in /tmp removed at once.  Its name goes
 * through /proc, as settings_load_file only takes a path.
 */
static int
fs_file(void)
{
	static int	fd = -1;
	char		tmpl[] = "/tmp/fuzz_settings.XXXXXX";

	if (fd != -1)
		return fd;
	if ((fd = memfd_create("fuzz_settings", MFD_CLOEXEC)) == -1) {
		if ((fd = mkstemp(tmpl)) == -1)
			abort();
		unlink(tmpl);
	}
	snprintf(fs_path, sizeof(fs_path), "/proc/self/fd/%d", fd);
	return fd;
}

static void
fs_load(const uint8_t *data, size_t size)
{
	struct settings	 s, before;
	char		 err[1024];
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd = fs_file();

	if (ftruncate(fd, 0) == -1)
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			abort();
		}
		off += (size_t)n;
	}
	settings_defaults(&s);
	memcpy(&before, &s, sizeof(before));
	err[0] = '\0';
	/* A failed load leaves the settings untouched, pointers and all. */
	if (settings_load_file(&s, fs_path, 0, err, sizeof(err)) == -1 &&
	    (err[0] == '\0' || memcmp(&s, &before, sizeof(s)) != 0))
		abort();
	settings_free(&s);
}

/* The first line as KEY=VALUE, the way a flag or the environment sets one. */
static void
fs_set(const uint8_t *data, size_t size)
{
	struct settings	 s;
	char		 err[1024], *buf, *eq;
	size_t		 n;

	for (n = 0; n < size && data[n] != '\n' && data[n] != '\0'; n++)
		;
	if ((buf = malloc(n + 1)) == NULL)
		return;
	memcpy(buf, data, n);
	buf[n] = '\0';
	settings_defaults(&s);
	if ((eq = strchr(buf, '=')) != NULL) {
		*eq = '\0';
		(void)settings_is_key(buf);
		(void)settings_set(&s, buf, eq + 1, err, sizeof(err));
		/* Callers that want only the verdict pass no buffer. */
		(void)settings_set(&s, buf, eq + 1, NULL, 0);
	}
	settings_free(&s);
	free(buf);
}

/* Every line an entry of the environment. */
static void
fs_env(const uint8_t *data, size_t size)
{
	struct settings	 s, before;
	char		*env[FS_ENV_MAX + 1], err[1024], *buf, *p, *nl;
	size_t		 n = 0;

	if ((buf = malloc(size + 1)) == NULL)
		return;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf; n < FS_ENV_MAX; p = nl + 1) {
		env[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	env[n] = NULL;
	settings_defaults(&s);
	memcpy(&before, &s, sizeof(before));
	err[0] = '\0';
	if (settings_load_env(&s, env, err, sizeof(err)) == -1 &&
	    (err[0] == '\0' || memcmp(&s, &before, sizeof(s)) != 0))
		abort();
	settings_free(&s);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	init;

	if (!init) {
		log_set_sink(fs_quiet, NULL);
		init = 1;
	}
	fs_load(data, size);
	fs_set(data, size);
	fs_env(data, size);
	return 0;
}
