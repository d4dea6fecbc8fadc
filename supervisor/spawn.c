/* spawn.c: a llama-server child: command line, environment, clean start. */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
static void	 spawn_fail(const char *, const char *, int)
		    __attribute__((noreturn));
static void	 spawn_exec(const char *, const char *, char *const *,
		    char *const *, int, int, int, pid_t)
		    __attribute__((noreturn));

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

/* stdio slots may be free when we run; keep our fds off them so the
 * child's dup2 calls never collide. */
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

/* In the child: the reason, on the pipe that becomes the instance's log. */
static void
spawn_fail(const char *program, const char *step, int errnum)
{
	struct iovec	 iov[7];
	const char	*reason;
	int		 n = 0;

	reason = spawn_strerror(errnum);
	iov[n].iov_base = (void *)"cannot execute ";
	iov[n++].iov_len = strlen("cannot execute ");
	iov[n].iov_base = (void *)program;
	iov[n++].iov_len = strlen(program);
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
	while (writev(STDOUT_FILENO, iov, n) == -1 && errno == EINTR)
		continue;
	_exit(127);
}

/*
 * The child, between fork and exec: system calls only, no allocation.
 * path is NULL when the lookup failed with errnum.
 */
static void
spawn_exec(const char *program, const char *path, char *const argv[],
    char *const envp[], int errnum, int devnull, int wfd, pid_t parent)
{
	/* Die with the supervisor, even when it is killed outright; it may
	 * have died before the request took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	/* Our own process group, so that a stop reaches the whole tree. */
	if (setsid() == -1)
		spawn_fail(program, "setsid", errno);
	/* An ignored signal stays ignored across exec (SIGPIPE, SIGHUP). */
	sigdefault_all();
	/* No message: stdout may not be the pipe yet. */
	if (dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(wfd, STDOUT_FILENO) == -1 ||
	    dup2(wfd, STDERR_FILENO) == -1)
		_exit(127);
	/* libbsd's closefrom: close_range(2), /proc/self/fd where it lacks. */
	closefrom(STDERR_FILENO + 1);
	if (path == NULL)
		spawn_fail(program, NULL, errnum);
	execve(path, argv, envp);
	spawn_fail(program, NULL, errno);
}

pid_t
spawn_child(const char *program, char *const argv[], char *const envp[],
    int *outfd, char *err, size_t errlen)
{
	sigset_t	 all, old;
	char		*path;
	pid_t		 pid, parent;
	int		 fds[2] = { -1, -1 }, devnull = -1;
	int		 errnum, flags, saved;

	if ((path = spawn_resolve(program, envp, &errnum)) == NULL &&
	    errnum == 0) {
		snprintf(err, errlen, "cannot start %s: %s", program,
		    strerror(ENOMEM));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "cannot start %s: pipe: %s", program,
		    strerror(errno));
		free(path);
		return -1;
	}
	if ((fds[0] = fd_above_stdio(fds[0])) == -1 ||
	    (fds[1] = fd_above_stdio(fds[1])) == -1 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    (devnull = fd_above_stdio(devnull)) == -1 ||
	    (flags = fcntl(fds[0], F_GETFL)) == -1 ||
	    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot start %s: %s", program,
		    strerror(saved));
		goto fail;
	}
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
		snprintf(err, errlen, "cannot start %s: fork: %s", program,
		    strerror(saved));
		goto fail;
	}
	if (pid == 0)
		spawn_exec(program, path, argv, envp, errnum, devnull, fds[1],
		    parent);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(path);
	close(devnull);
	close(fds[1]);
	*outfd = fds[0];
	return pid;
fail:
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	if (devnull != -1)
		close(devnull);
	free(path);
	return -1;
}
