/*
 * spawn.c: the one way the supervisor starts a process (apid, every
 * llama-server, the memory sampler): signals blocked across fork, then in
 * the child dispositions and mask reset, descriptors placed and every
 * other one closed, an optional change of user, death with the
 * supervisor, and exec with an explicit environment.  Also a llama-server
 * child's command line and environment.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "sigdefault.h"
#include "spawn.h"

#define SPAWN_DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"
/* The fallback closes up to here when there is no close_range(2). */
#define SPAWN_CLOSE_MAX		65536

/* argv[0], the 11 option pairs and the 2 flags of SPEC section 5. */
#define SPAWN_FIXED_ARGS	(1 + 11 * 2 + 2)

/* strerrordesc_np: an untranslated table lookup, safe after fork. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || \
    (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define HAVE_STRERRORDESC_NP	1
#endif

struct strv {
	char	**v;
	size_t	  n;
};

static int	 strv_add(struct strv *, const char *);
static int	 strv_addf(struct strv *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 strv_add_double(struct strv *, double);
static int	 env_inherited(const char *);
static int	 env_overridden(const char *, const struct inst_config *);
static char	*spawn_resolve(const char *, char *const *, int *);
static int	 fd_above_stdio(int);
static const char *spawn_strerror(int);
static void	 spawn_report(const struct spawn_spec *, const char *,
		    const char *, const char *, int);
static void	 spawn_fail(const struct spawn_spec *, const char *, int)
		    __attribute__((noreturn));
static int	 spawn_is_source(const struct spawn_spec *, int, int);
static int	 spawn_place(const struct spawn_spec *, int, int);
static void	 spawn_closefrom(int, int);
static void	 spawn_exec(const struct spawn_spec *, const char *, int, int,
		    int, pid_t)
		    __attribute__((noreturn));
static int	 spawn_check(const struct spawn_spec *);

/* Appends a copy of s; v has room, sized by the caller in advance. */
static int
strv_add(struct strv *sv, const char *s)
{
	if ((sv->v[sv->n] = strdup(s)) == NULL)
		return -1;
	sv->n++;
	return 0;
}

static int
strv_addf(struct strv *sv, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = vasprintf(&sv->v[sv->n], fmt, ap);
	va_end(ap);
	if (r == -1) {
		sv->v[sv->n] = NULL;
		return -1;
	}
	sv->n++;
	return 0;
}

/* Floats go to llama-server as Python printed them ("1.0", not "1"). */
static int
strv_add_double(struct strv *sv, double d)
{
	char	buf[FMT_DOUBLE_LEN];

	fmt_double(d, buf, sizeof(buf));
	return strv_add(sv, buf);
}

char **
spawn_argv(const char *program, const struct inst_config *c, int port)
{
	struct strv	 sv;
	size_t		 i, cap;

	/* A config without its required strings is refused, not guessed at. */
	if (program == NULL || c->model == NULL || c->alias == NULL ||
	    c->host == NULL) {
		errno = EINVAL;
		return NULL;
	}
	cap = SPAWN_FIXED_ARGS + 2 + 1 + c->n_extra_args + 1;
	if ((sv.v = calloc(cap, sizeof(*sv.v))) == NULL)
		return NULL;
	sv.n = 0;
	if (strv_add(&sv, program) == -1 ||
	    strv_add(&sv, "--model") == -1 || strv_add(&sv, c->model) == -1 ||
	    strv_add(&sv, "--alias") == -1 || strv_add(&sv, c->alias) == -1 ||
	    strv_add(&sv, "--threads") == -1 ||
	    strv_addf(&sv, "%lld", (long long)c->threads) == -1 ||
	    strv_add(&sv, "--n-gpu-layers") == -1 ||
	    strv_addf(&sv, "%lld", (long long)c->n_gpu_layers) == -1 ||
	    strv_add(&sv, "--temp") == -1 ||
	    strv_add_double(&sv, c->temp) == -1 ||
	    strv_add(&sv, "--top-p") == -1 ||
	    strv_add_double(&sv, c->top_p) == -1 ||
	    strv_add(&sv, "--top-k") == -1 ||
	    strv_addf(&sv, "%lld", (long long)c->top_k) == -1 ||
	    strv_add(&sv, "--min-p") == -1 ||
	    strv_add_double(&sv, c->min_p) == -1 ||
	    strv_add(&sv, "--ctx-size") == -1 ||
	    strv_addf(&sv, "%lld", (long long)c->ctx_size) == -1 ||
	    strv_add(&sv, "--host") == -1 || strv_add(&sv, c->host) == -1 ||
	    strv_add(&sv, "--port") == -1 ||
	    strv_addf(&sv, "%d", port) == -1 ||
	    strv_add(&sv, "--no-warmup") == -1 ||
	    strv_add(&sv, "--jinja") == -1)
		goto fail;
	if (c->chat_template_file != NULL &&
	    (strv_add(&sv, "--chat-template-file") == -1 ||
	    strv_add(&sv, c->chat_template_file) == -1))
		goto fail;
	if (c->special && strv_add(&sv, "--special") == -1)
		goto fail;
	for (i = 0; i < c->n_extra_args; i++)
		if (strv_add(&sv, c->extra_args[i]) == -1)
			goto fail;
	sv.v[sv.n] = NULL;
	return sv.v;
fail:
	spawn_strv_free(sv.v);
	return NULL;
}

/*
 * The variables of solar-host's own environment a child may see.  Those
 * that load a library (GGML_BACKEND_PATH, OMP_TOOL_LIBRARIES ...) stay
 * behind even though the operator set them: they would reach every
 * child, and env does not allow them either.  An operator who needs one
 * sets it in a wrapper named by LLAMA_SERVER.
 */
static int
env_inherited(const char *entry)
{
	static const char *const exact[] = {
		"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ"
	};
	static const char *const prefix[] = {
		"LC_", "CUDA_", "HIP_", "ROCR_", "GGML_", "OMP_"
	};
	const char	*eq;
	size_t		 i, namelen;

	if ((eq = strchr(entry, '=')) == NULL)
		return 0;
	namelen = (size_t)(eq - entry);
	if (inst_env_loads_code(entry, namelen))
		return 0;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i]) == namelen &&
		    strncmp(entry, exact[i], namelen) == 0)
			return 1;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (namelen >= strlen(prefix[i]) &&
		    strncmp(entry, prefix[i], strlen(prefix[i])) == 0)
			return 1;
	return 0;
}

/*
 * The config's env comes after and must win; getenv() returns the first
 * match, so an inherited entry the config sets again is left out.
 */
static int
env_overridden(const char *entry, const struct inst_config *c)
{
	size_t	i, namelen;

	namelen = (size_t)(strchr(entry, '=') - entry);
	for (i = 0; i < c->n_env; i++)
		if (c->env[i].name != NULL &&
		    strlen(c->env[i].name) == namelen &&
		    strncmp(entry, c->env[i].name, namelen) == 0)
			return 1;
	return 0;
}

char **
spawn_envp(char *const *envp, const struct inst_config *c)
{
	struct strv	 sv;
	size_t		 i, n = 0, cap;

	/* No key, no child: llama-server would then serve without one. */
	if (c->api_key == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (envp != NULL)
		while (envp[n] != NULL)
			n++;
	cap = n + 1 + c->n_env + 1;
	if ((sv.v = calloc(cap, sizeof(*sv.v))) == NULL)
		return NULL;
	sv.n = 0;
	for (i = 0; i < n; i++) {
		if (!env_inherited(envp[i]) || env_overridden(envp[i], c))
			continue;
		if (strv_add(&sv, envp[i]) == -1)
			goto fail;
	}
	if (strv_addf(&sv, "LLAMA_API_KEY=%s", c->api_key) == -1)
		goto fail;
	for (i = 0; i < c->n_env; i++) {
		if (c->env[i].name == NULL || c->env[i].value == NULL)
			continue;
		if (strv_addf(&sv, "%s=%s", c->env[i].name,
		    c->env[i].value) == -1)
			goto fail;
	}
	sv.v[sv.n] = NULL;
	return sv.v;
fail:
	spawn_strv_free(sv.v);
	return NULL;
}

void
spawn_strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * The file execve() gets, found before fork so that the child allocates
 * nothing.  NULL with *errnum set when there is none (ENOENT, or EACCES
 * when only a non-executable file of that name was found, as execvp
 * reports); NULL with *errnum 0 when memory ran out.
 */
static char *
spawn_resolve(const char *program, char *const *envp, int *errnum)
{
	const char	*path = NULL, *p, *end;
	char		*cand;
	struct stat	 st;
	size_t		 dirlen, proglen, i;
	int		 denied = 0;

	*errnum = 0;
	if (strchr(program, '/') != NULL)
		return strdup(program);
	proglen = strlen(program);
	if (proglen == 0) {
		*errnum = ENOENT;
		return NULL;
	}
	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0) {
			path = envp[i] + 5;
			break;
		}
	if (path == NULL)
		path = SPAWN_DEFAULT_PATH;
	if ((cand = malloc(strlen(path) + proglen + 3)) == NULL)
		return NULL;
	for (p = path;; p = end + 1) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		dirlen = (size_t)(end - p);
		/* An empty entry means the working directory, as in execvp. */
		if (dirlen == 0) {
			cand[0] = '.';
			dirlen = 1;
		} else
			memcpy(cand, p, dirlen);
		cand[dirlen] = '/';
		memcpy(cand + dirlen + 1, program, proglen + 1);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0)
				return cand;
			denied = 1;
		}
		if (*end == '\0')
			break;
	}
	free(cand);
	*errnum = denied ? EACCES : ENOENT;
	return NULL;
}

/* stdio slots may be free when we run; keep our fds off them, so that
 * the read end a caller keeps is never taken for its stdin or stdout. */
static int
fd_above_stdio(int fd)
{
	int	nfd;

	if (fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return nfd;
}

/* strerror() may allocate (unknown errno, translations); not after fork. */
static const char *
spawn_strerror(int errnum)
{
#ifdef HAVE_STRERRORDESC_NP
	const char	*s;

	if ((s = strerrordesc_np(errnum)) != NULL)
		return s;
	return "Unknown error";
#else
	return strerror(errnum);
#endif
}

/*
 * In the child: "PREFIX HEAD NAME: [STEP: ]reason" on the descriptor the
 * caller reads failures from (for a llama-server, the pipe that becomes
 * the instance's log).  One writev, no allocation.
 */
static void
spawn_report(const struct spawn_spec *sp, const char *head, const char *name,
    const char *step, int errnum)
{
	struct iovec	 iov[8];
	const char	*reason;
	int		 n = 0;

	if (sp->report_fd < 0)
		return;
	reason = spawn_strerror(errnum);
	if (sp->report_prefix != NULL) {
		iov[n].iov_base = (void *)sp->report_prefix;
		iov[n++].iov_len = strlen(sp->report_prefix);
	}
	iov[n].iov_base = (void *)head;
	iov[n++].iov_len = strlen(head);
	if (name != NULL) {
		iov[n].iov_base = (void *)name;
		iov[n++].iov_len = strlen(name);
	}
	iov[n].iov_base = (void *)": ";
	iov[n++].iov_len = 2;
	if (step != NULL) {
		iov[n].iov_base = (void *)step;
		iov[n++].iov_len = strlen(step);
		iov[n].iov_base = (void *)": ";
		iov[n++].iov_len = 2;
	}
	iov[n].iov_base = (void *)reason;
	iov[n++].iov_len = strlen(reason);
	iov[n].iov_base = (void *)"\n";
	iov[n++].iov_len = 1;
	/* If this write fails too, the exit status still tells. */
	while (writev(sp->report_fd, iov, n) == -1 && errno == EINTR)
		continue;
}

static void
spawn_fail(const struct spawn_spec *sp, const char *step, int errnum)
{
	spawn_report(sp, "cannot execute ",
	    sp->name != NULL ? sp->name : sp->path, step, errnum);
	_exit(SPAWN_EXIT_EXEC);
}

/* Whether fd is one of ours that goes to the child (or /dev/null). */
static int
spawn_is_source(const struct spawn_spec *sp, int devnull, int fd)
{
	size_t	i;

	if (fd == devnull)
		return 1;
	for (i = 0; i < sp->nfds; i++)
		if (sp->fds[i].fd == fd)
			return 1;
	return 0;
}

/*
 * In the child: every source copied above all the targets first, so that
 * no dup2 overwrites a source still to be placed, and no target is
 * already its own source (dup2 onto itself would keep close-on-exec).
 * 0, or -1 with errno.
 */
static int
spawn_place(const struct spawn_spec *sp, int devnull, int above)
{
	int	tmp[3 + SPAWN_MAX_FDS], src, target, named;
	size_t	i, n = 0;

	for (target = STDIN_FILENO; target <= STDERR_FILENO; target++) {
		named = 0;
		for (i = 0; i < sp->nfds; i++)
			if (sp->fds[i].target == target)
				named = 1;
		/* An unnamed stdio slot gets /dev/null: a library's stray
		 * write must not land in a file opened on a vacant one. */
		if (!named &&
		    (tmp[n++] = fcntl(devnull, F_DUPFD_CLOEXEC, above)) == -1)
			return -1;
	}
	for (i = 0; i < sp->nfds; i++) {
		src = sp->fds[i].fd;
		/* Ours is closed when a source sits on its number. */
		if (src == SPAWN_KEEP &&
		    spawn_is_source(sp, devnull, sp->fds[i].target))
			src = SPAWN_DEVNULL;
		if (src == SPAWN_KEEP) {
			tmp[n++] = -1;
			continue;
		}
		if (src == SPAWN_DEVNULL)
			src = devnull;
		if ((tmp[n++] = fcntl(src, F_DUPFD_CLOEXEC, above)) == -1)
			return -1;
	}
	n = 0;
	for (target = STDIN_FILENO; target <= STDERR_FILENO; target++) {
		named = 0;
		for (i = 0; i < sp->nfds; i++)
			if (sp->fds[i].target == target)
				named = 1;
		if (!named && dup2(tmp[n++], target) == -1)
			return -1;
	}
	for (i = 0; i < sp->nfds; i++, n++)
		if (tmp[n] != -1 && dup2(tmp[n], sp->fds[i].target) == -1)
			return -1;
	/* The numbers between stdio and the highest target that are not
	 * targets; everything from above on goes in spawn_closefrom. */
	for (target = STDERR_FILENO + 1; target < above; target++) {
		named = 0;
		for (i = 0; i < sp->nfds; i++)
			if (sp->fds[i].target == target)
				named = 1;
		if (!named)
			(void)close(target);
	}
	return 0;
}

/*
 * In the child: every descriptor from lo up, ours not all being
 * close-on-exec (libevent's own, for one).  max is the fallback's bound,
 * found before fork; kernels before 5.9 have no close_range(2).
 */
static void
spawn_closefrom(int lo, int max)
{
	int	fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lo, ~0U, 0U) == 0)
		return;
#endif
	for (fd = lo; fd < max; fd++)
		(void)close(fd);
}

/*
 * The child, between fork and exec: system calls only, no allocation.
 * path is NULL when the lookup failed with errnum.
 */
static void
spawn_exec(const struct spawn_spec *sp, const char *path, int errnum,
    int devnull, int closemax, pid_t parent)
{
	int	above = STDERR_FILENO + 1;
	size_t	i;

	/* An ignored signal stays ignored across exec (SIGPIPE, SIGHUP);
	 * the mask, all blocked since before fork, is emptied last. */
	sigdefault_all();
	/* Its own session and process group, so that a stop reaches the
	 * whole tree. */
	if ((sp->flags & SPAWN_SETSID) && setsid() == -1)
		spawn_fail(sp, "setsid", errno);
	for (i = 0; i < sp->nfds; i++)
		if (sp->fds[i].target >= above)
			above = sp->fds[i].target + 1;
	/* No message: the report descriptor may not be in place. */
	if (spawn_place(sp, devnull, above) == -1)
		_exit(SPAWN_EXIT_EXEC);
	spawn_closefrom(above, closemax > above ? closemax : above);
	if (sp->become != NULL && sp->become(sp->become_arg) == -1) {
		spawn_report(sp, sp->become_what, NULL, NULL, errno);
		_exit(sp->become_status);
	}
	/* Die with the supervisor, even when it is killed outright; it may
	 * have died before the request took effect.  After the change of
	 * user, which clears it. */
	if (sp->pdeathsig != 0 &&
	    (prctl(PR_SET_PDEATHSIG, sp->pdeathsig) == -1 ||
	    getppid() != parent))
		_exit(1);
	if ((sp->flags & SPAWN_NO_NEW_PRIVS) &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		spawn_fail(sp, "no_new_privs", errno);
	if (path == NULL)
		spawn_fail(sp, NULL, errnum);
	execve(path, sp->argv, sp->envp);
	spawn_fail(sp, NULL, errno);
}

/* A spec the child can follow: each target once, and in range. */
static int
spawn_check(const struct spawn_spec *sp)
{
	size_t	i, j;

	if (sp->path == NULL || sp->argv == NULL || sp->envp == NULL ||
	    sp->nfds > SPAWN_MAX_FDS)
		return -1;
	for (i = 0; i < sp->nfds; i++) {
		if (sp->fds[i].target < 0 ||
		    sp->fds[i].target >= SPAWN_MAX_TARGET ||
		    sp->fds[i].fd < SPAWN_KEEP)
			return -1;
		for (j = 0; j < i; j++)
			if (sp->fds[j].target == sp->fds[i].target)
				return -1;
	}
	return 0;
}

pid_t
spawn_process(const struct spawn_spec *sp, char *err, size_t errlen)
{
	struct rlimit	 rl;
	sigset_t	 all, old;
	const char	*name;
	char		*path = NULL;
	pid_t		 pid, parent;
	int		 devnull, errnum = 0, closemax, saved;

	name = sp->name != NULL ? sp->name : sp->path;
	if (spawn_check(sp) == -1) {
		snprintf(err, errlen, "cannot start %s: %s",
		    name != NULL ? name : "(null)", strerror(EINVAL));
		errno = EINVAL;
		return -1;
	}
	/* Found before fork, so that the child allocates nothing. */
	if (sp->flags & SPAWN_SEARCH) {
		if ((path = spawn_resolve(sp->path, sp->envp,
		    &errnum)) == NULL && errnum == 0) {
			snprintf(err, errlen, "cannot start %s: %s", name,
			    strerror(ENOMEM));
			errno = ENOMEM;
			return -1;
		}
	} else if ((path = strdup(sp->path)) == NULL) {
		snprintf(err, errlen, "cannot start %s: %s", name,
		    strerror(ENOMEM));
		return -1;
	}
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot start %s: /dev/null: %s", name,
		    strerror(saved));
		free(path);
		errno = saved;
		return -1;
	}
	closemax = SPAWN_CLOSE_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < SPAWN_CLOSE_MAX)
		closemax = (int)rl.rlim_cur;
	/*
	 * No handler of ours (libevent's writes to its own socket) may run
	 * in the child before its dispositions are reset.
	 */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	parent = getpid();
	if ((pid = fork()) == -1) {
		saved = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errlen, "cannot start %s: fork: %s", name,
		    strerror(saved));
		close(devnull);
		free(path);
		errno = saved;
		return -1;
	}
	if (pid == 0)
		spawn_exec(sp, path, errnum, devnull, closemax, parent);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(devnull);
	free(path);
	return pid;
}

pid_t
spawn_child(const char *program, char *const argv[], char *const envp[],
    int *outfd, char *err, size_t errlen)
{
	struct spawn_spec	 sp;
	pid_t			 pid;
	int			 fds[2] = { -1, -1 }, flags, saved;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "cannot start %s: pipe: %s", program,
		    strerror(errno));
		return -1;
	}
	if ((fds[0] = fd_above_stdio(fds[0])) == -1 ||
	    (fds[1] = fd_above_stdio(fds[1])) == -1 ||
	    (flags = fcntl(fds[0], F_GETFL)) == -1 ||
	    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot start %s: %s", program,
		    strerror(saved));
		goto fail;
	}
	memset(&sp, 0, sizeof(sp));
	sp.path = program;
	sp.argv = argv;
	sp.envp = envp;
	/* stdin from /dev/null, stdout and stderr the one pipe. */
	sp.fds[0].fd = fds[1];
	sp.fds[0].target = STDOUT_FILENO;
	sp.fds[1].fd = fds[1];
	sp.fds[1].target = STDERR_FILENO;
	sp.nfds = 2;
	sp.flags = SPAWN_SEARCH | SPAWN_SETSID;
	sp.pdeathsig = SIGKILL;
	sp.report_fd = STDOUT_FILENO;
	if ((pid = spawn_process(&sp, err, errlen)) == -1)
		goto fail;
	close(fds[1]);
	*outfd = fds[0];
	return pid;
fail:
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	return -1;
}
