/*
 * spawn.h: the one way the supervisor starts a process (spawn_process),
 * and for a llama-server child its command line and built environment
 * (SPEC section 5) and spawn_child: stdin from /dev/null, stdout and
 * stderr on one pipe, its own process group, death with the supervisor.
 */
#ifndef SOLAR_SPAWN_H
#define SOLAR_SPAWN_H

#include <sys/types.h>

#include <stddef.h>

#include "instance.h"

/* NULL-terminated, allocated; free with spawn_strv_free.  argv[0] is program. */
char	**spawn_argv(const char *program, const struct inst_config *, int port);
/* From envp (solar-host's own): PATH, HOME, USER, LOGNAME, LANG, LC_*,
 * TZ, CUDA_*, HIP_*, ROCR_*, GGML_*, OMP_* in envp's order; then LLAMA_API_KEY; then
 * the config's env.  Nothing else. */
char	**spawn_envp(char *const *envp, const struct inst_config *);
void	  spawn_strv_free(char **);

#define SPAWN_MAX_FDS		4	/* placements, stdio ones included */
#define SPAWN_MAX_TARGET	64	/* child numbers are below this */
#define SPAWN_DEVNULL		(-1)	/* spawn_fd.fd: /dev/null */
#define SPAWN_KEEP		(-2)	/* spawn_fd.fd: what ours has there */
#define SPAWN_EXIT_EXEC		127	/* exec or its set-up failed */

/* spawn_spec.flags */
#define SPAWN_SEARCH		0x1	/* path is a name for envp's PATH */
#define SPAWN_SETSID		0x2	/* a new session and process group */
#define SPAWN_NO_NEW_PRIVS	0x4	/* no_new_privs set before exec */

/* One of our descriptors, and the number it has in the child. */
struct spawn_fd {
	int	fd;		/* ours, SPAWN_DEVNULL or SPAWN_KEEP */
	int	target;
};

struct spawn_spec {
	const char	 *path;		/* the file to execute */
	const char	 *name;		/* in messages; NULL: path */
	char *const	 *argv;
	char *const	 *envp;		/* all it gets of an environment */
	/* stdin, stdout and stderr not named here get /dev/null */
	struct spawn_fd	  fds[SPAWN_MAX_FDS];
	size_t		  nfds;
	int		  flags;
	int		  pdeathsig;	/* 0: none */
	/* Where, in the child, "[prefix]cannot execute NAME: reason" goes
	 * when the exec fails (exit SPAWN_EXIT_EXEC); -1: nowhere. */
	int		  report_fd;
	const char	 *report_prefix;
	/* In the child once descriptors are placed: a change of user, say.
	 * Async-signal-safe calls only; on -1 (errno) the child reports
	 * "[prefix]BECOME_WHAT: reason" and exits with become_status. */
	int		(*become)(const void *);
	const void	 *become_arg;
	const char	 *become_what;
	int		  become_status;
};

/*
 * Fork and exec as sp says.  Signals are blocked across the fork; the
 * child gets default dispositions and an empty mask, its descriptors
 * placed (close-on-exec cleared, even on a descriptor already on its
 * target) and every other one closed.  The pid, or -1 with errno and the
 * reason in err.  The caller still owns and closes its descriptors.
 */
pid_t	spawn_process(const struct spawn_spec *sp, char *err, size_t errlen);

/*
 * Fork and exec program (looked up in the PATH of envp when it has no
 * slash).  *outfd receives the read end of the output pipe (non-blocking,
 * close-on-exec).  Returns the pid, or -1 with the reason in err.  When
 * the exec itself fails, the child writes "cannot execute PROGRAM: reason"
 * to the pipe and exits with status 127.
 */
pid_t	spawn_child(const char *program, char *const argv[], char *const envp[],
	    int *outfd, char *err, size_t errlen);

#endif
