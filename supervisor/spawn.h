/*
 * spawn.h: starting a llama-server child: its command line and built
 * environment (SPEC section 5), and the fork+exec with stdin from
 * /dev/null, stdout and stderr on one pipe, its own process group,
 * default signal dispositions and mask, no other descriptor, and death
 * with the supervisor.
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
