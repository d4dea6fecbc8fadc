/* test_spawn.c: command line, environment, and what a spawned child gets. */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"
#include "t.h"

#define DEADLINE_MS	10000

static char	tmp[64];

static int	strv_is(char **, const char *const *);
static void	config_full(struct inst_config *);
static void	config_defaults(struct inst_config *);
static ssize_t	read_all(int, char *, size_t);
static int	wait_exit(pid_t, int *);
static ssize_t	run_child(const char *, char *const [], char *const [],
		    char *, size_t, int *);
static void	write_file(const char *, const char *, mode_t);
static void	rm_tree(const char *);

static void	test_argv(void);
static void	test_envp(void);
static void	test_child_state(void);
static void	test_child_ids(void);
static void	test_exec_failure(void);
static void	test_path_lookup(void);
static void	test_pdeathsig(void);
static void	test_closed_stdio(void);
static int	become_check(const void *);
static int	become_fail(const void *);
static pid_t	run_spec(struct spawn_spec *, char *, size_t, int *);
static void	test_spawn_process(void);

/* v equals want exactly, in order and length; the difference printed. */
static int
strv_is(char **v, const char *const *want)
{
	size_t	i;

	if (v == NULL)
		return 0;
	for (i = 0; v[i] != NULL && want[i] != NULL; i++)
		if (strcmp(v[i], want[i]) != 0)
			break;
	if (v[i] == NULL && want[i] == NULL)
		return 1;
	fprintf(stderr, "  item %zu: got \"%s\", want \"%s\"\n", i,
	    v[i] != NULL ? v[i] : "(end)",
	    want[i] != NULL ? want[i] : "(end)");
	return 0;
}

static void
config_full(struct inst_config *c)
{
	static char *extra[] = { (char *)"--flash-attn", (char *)"on",
	    (char *)"--override-kv", (char *)"a b=c" };
	static struct inst_env env[] = {
		{ (char *)"GGML_X", (char *)"1" },
		{ (char *)"FOO_BAR", (char *)"baz qux" },
	};

	memset(c, 0, sizeof(*c));
	c->model = (char *)"/models/m 1.gguf";
	c->alias = (char *)"llama-3:8b";
	c->threads = 8;
	c->n_gpu_layers = 99;
	c->temp = 0.7;
	c->top_p = 0.95;
	c->top_k = 40;
	c->min_p = 1e-05;
	c->ctx_size = 4096;
	c->chat_template_file = (char *)"/t/chat.jinja";
	c->host = (char *)"127.0.0.1";
	c->port = 0;
	c->api_key = (char *)"sk-secret";
	c->special = 1;
	c->extra_args = extra;
	c->n_extra_args = 4;
	c->env = env;
	c->n_env = 2;
}

/* SPEC section 3's defaults, filled by hand. */
static void
config_defaults(struct inst_config *c)
{
	memset(c, 0, sizeof(*c));
	c->model = (char *)"m.gguf";
	c->alias = (char *)"m";
	c->threads = 1;
	c->n_gpu_layers = 999;
	c->temp = 1.0;
	c->top_p = 1.0;
	c->top_k = 0;
	c->min_p = 0.0;
	c->ctx_size = 131072;
	c->host = (char *)"0.0.0.0";
	c->api_key = (char *)"k";
}

static void
test_argv(void)
{
	static const char *const full[] = {
		"/opt/llama-server",
		"--model", "/models/m 1.gguf", "--alias", "llama-3:8b",
		"--threads", "8", "--n-gpu-layers", "99", "--temp", "0.7",
		"--top-p", "0.95", "--top-k", "40", "--min-p", "1e-05",
		"--ctx-size", "4096", "--host", "127.0.0.1", "--port", "3501",
		"--no-warmup", "--jinja",
		"--chat-template-file", "/t/chat.jinja", "--special",
		"--flash-attn", "on", "--override-kv", "a b=c", NULL
	};
	static const char *const defaults[] = {
		"llama-server",
		"--model", "m.gguf", "--alias", "m",
		"--threads", "1", "--n-gpu-layers", "999", "--temp", "1.0",
		"--top-p", "1.0", "--top-k", "0", "--min-p", "0.0",
		"--ctx-size", "131072", "--host", "0.0.0.0", "--port", "3500",
		"--no-warmup", "--jinja", NULL
	};
	static const char *const big[] = {
		"llama-server",
		"--model", "m.gguf", "--alias", "m",
		"--threads", "1024", "--n-gpu-layers", "100000",
		"--temp", "2.0", "--top-p", "0.05", "--top-k", "2147483647",
		"--min-p", "0.5", "--ctx-size", "2147483647",
		"--host", "::", "--port", "65535",
		"--no-warmup", "--jinja", "--special", NULL
	};
	struct inst_config	 c;
	char			**v;
	size_t			 i;

	config_full(&c);
	v = spawn_argv("/opt/llama-server", &c, 3501);
	CHECK(strv_is(v, full));
	/* The key is never on the command line. */
	for (i = 0; v != NULL && v[i] != NULL; i++)
		CHECK(strstr(v[i], "sk-secret") == NULL &&
		    strcmp(v[i], "--api-key") != 0);
	spawn_strv_free(v);

	config_defaults(&c);
	v = spawn_argv("llama-server", &c, 3500);
	CHECK(strv_is(v, defaults));
	spawn_strv_free(v);

	config_defaults(&c);
	c.threads = 1024;
	c.n_gpu_layers = 100000;
	c.temp = 2.0;
	c.top_p = 0.05;
	c.top_k = 2147483647;
	c.min_p = 0.5;
	c.ctx_size = 2147483647;
	c.host = (char *)"::";
	c.special = 1;
	v = spawn_argv("llama-server", &c, 65535);
	CHECK(strv_is(v, big));
	spawn_strv_free(v);

	/* A config missing a required string is refused. */
	config_defaults(&c);
	c.model = NULL;
	CHECK(spawn_argv("llama-server", &c, 3500) == NULL);
	spawn_strv_free(NULL);
}

static void
test_envp(void)
{
	static const char *const ours[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"API_KEY=topsecret",
		"FOO=bar",
		"HOME=/home/solar",
		"LANG=C.UTF-8",
		"LC_ALL=C",
		"LD_PRELOAD=/evil.so",
		"CUDA_VISIBLE_DEVICES=0",
		"OMP_NUM_THREADS=4",
		"USER=solar",
		"TZ=Europe/Paris",
		"HIP_VISIBLE_DEVICES=1",
		"ROCR_VISIBLE_DEVICES=2",
		"GGML_X=0",
		"LCX=1",
		"PATHX=1",
		"XPATH=1",
		"NOEQUALS",
		"LLAMA_API_KEY=inherited",
		"SOLAR_API_KEY=x",
		"CONFIG_FILE=/etc/solar/config.json",
		"GGML_CUDA_NO_PINNED=1",
		/* they load code: the operator's own stay behind too */
		"GGML_BACKEND_PATH=/tmp/evil",
		"OMP_TOOL_LIBRARIES=/tmp/evil.so",
		"CUDA_INJECTION64_PATH=/tmp/evil.so",
		"HIP_TOOLS_LIB=/tmp/evil.so",
		NULL
	};
	static const char *const want_full[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=/home/solar",
		"LANG=C.UTF-8",
		"LC_ALL=C",
		"CUDA_VISIBLE_DEVICES=0",
		"OMP_NUM_THREADS=4",
		"USER=solar",
		"TZ=Europe/Paris",
		"HIP_VISIBLE_DEVICES=1",
		"ROCR_VISIBLE_DEVICES=2",
		"GGML_CUDA_NO_PINNED=1",
		"LLAMA_API_KEY=sk-secret",
		"GGML_X=1",
		"FOO_BAR=baz qux",
		NULL
	};
	static const char *const want_bare[] = {
		"LLAMA_API_KEY=k",
		NULL
	};
	struct inst_config	 c;
	char			**v;

	config_full(&c);
	v = spawn_envp((char *const *)ours, &c);
	CHECK(strv_is(v, want_full));
	spawn_strv_free(v);

	config_defaults(&c);
	v = spawn_envp(NULL, &c);
	CHECK(strv_is(v, want_bare));
	spawn_strv_free(v);

	c.api_key = NULL;
	CHECK(spawn_envp((char *const *)ours, &c) == NULL);
}

/* Everything the child prints, up to its EOF; -1 after the deadline. */
static ssize_t
read_all(int fd, char *buf, size_t cap)
{
	struct pollfd	 pfd;
	size_t		 len = 0;
	ssize_t		 n;
	long		 deadline = now_ms() + DEADLINE_MS;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (now_ms() < deadline) {
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			return -1;
		n = read(fd, buf + len, cap - 1 - len);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			buf[len] = '\0';
			return (ssize_t)len;
		}
		len += (size_t)n;
		if (len == cap - 1)
			return -1;
	}
	return -1;
}

/* waitpid with a deadline; 0 and *status, or -1. */
static int
wait_exit(pid_t pid, int *status)
{
	long	deadline = now_ms() + DEADLINE_MS;
	pid_t	r;

	while (now_ms() < deadline) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r == -1 && errno != ECHILD && errno != EINTR)
			return -1;
		poll(NULL, 0, 10);
	}
	return -1;
}

/* Spawn, collect the output, reap: the output's length or -1. */
static ssize_t
run_child(const char *program, char *const argv[], char *const envp[],
    char *out, size_t cap, int *status)
{
	char	 err[256];
	ssize_t	 n;
	pid_t	 pid;
	int	 fd, fl;

	out[0] = '\0';
	*status = -1;
	err[0] = '\0';
	pid = spawn_child(program, argv, envp, &fd, err, sizeof(err));
	CHECK(pid > 0);
	if (pid <= 0) {
		fprintf(stderr, "  spawn_child: %s\n", err);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	CHECK(fl != -1 && (fl & O_NONBLOCK) != 0);
	fl = fcntl(fd, F_GETFD);
	CHECK(fl != -1 && (fl & FD_CLOEXEC) != 0);
	n = read_all(fd, out, cap);
	CHECK(n != -1);
	close(fd);
	if (wait_exit(pid, status) == -1) {
		CHECK(!"child did not exit");
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return -1;
	}
	return n;
}

/*
 * Stdin, stdout, stderr and no other descriptor: the test holds a stdin
 * with data, a descriptor without close-on-exec, ignored and blocked
 * signals; the child must see none of them.
 */
static void
test_child_state(void)
{
	char *const argv[] = {
		(char *)"sh", (char *)"-c",
		(char *)"i=0; fds=; while [ $i -lt 256 ]; do "
		"if [ -e /proc/self/fd/$i ]; then fds=\"$fds $i\"; fi; "
		"i=$((i + 1)); done; echo \"fds:$fds\"; "
		"echo \"stdin:$(readlink /proc/$$/fd/0)\"; "
		"echo \"stdout:$(readlink /proc/$$/fd/1)\"; "
		"echo \"stderr:$(readlink /proc/$$/fd/2)\" >&2; "
		"if read x; then echo \"read:$x\"; else echo read:eof; fi; "
		"echo \"env:$FOO_BAR:${API_KEY-unset}\"; exit 3",
		NULL
	};
	char *const envp[] = {
		(char *)"PATH=/usr/bin:/bin", (char *)"FOO_BAR=baz", NULL
	};
	struct stat	 st;
	sigset_t	 mask;
	char		 out[4096], want[512], err[256];
	pid_t		 pid;
	int		 in[2], saved_in, leak, fd, status;

	/* A stdin that has data, so an inherited one would show. */
	CHECK(pipe(in) == 0);
	CHECK(write(in[1], "data\n", 5) == 5);
	saved_in = dup(STDIN_FILENO);
	CHECK(dup2(in[0], STDIN_FILENO) == STDIN_FILENO);
	close(in[0]);
	leak = dup2(in[1], 40);
	CHECK(leak == 40);
	close(in[1]);
	CHECK(setenv("API_KEY", "must-not-leak", 1) == 0);

	pid = spawn_child("/bin/sh", argv, envp, &fd, err, sizeof(err));
	CHECK(pid > 0);
	if (pid > 0) {
		CHECK(fstat(fd, &st) == 0);
		CHECK(read_all(fd, out, sizeof(out)) != -1);
		close(fd);
		CHECK(wait_exit(pid, &status) == 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
		snprintf(want, sizeof(want), "fds: 0 1 2\nstdin:/dev/null\n"
		    "stdout:pipe:[%lu]\nstderr:pipe:[%lu]\nread:eof\n"
		    "env:baz:unset\n", (unsigned long)st.st_ino,
		    (unsigned long)st.st_ino);
		CHECK_STR(out, want);
	}
	/* Our own mask is back as it was. */
	CHECK(sigprocmask(SIG_SETMASK, NULL, &mask) == 0);
	CHECK(sigismember(&mask, SIGUSR1) && !sigismember(&mask, SIGTERM));

	unsetenv("API_KEY");
	close(leak);
	CHECK(dup2(saved_in, STDIN_FILENO) == STDIN_FILENO);
	close(saved_in);
}

/* Signal state and process group, read by the program itself. */
static void
test_child_ids(void)
{
	char *const argv[] = {
		(char *)"cat", (char *)"/proc/self/status",
		(char *)"/proc/self/stat", NULL
	};
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	char		 out[16384], ours[4096], err[256], *p;
	long		 spid, ppid, pgrp, sess;
	char		 state;
	ssize_t		 n;
	pid_t		 pid;
	int		 fd, status, got;

	/* The premise: this process does ignore and block signals. */
	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, ours, sizeof(ours) - 1);
		ours[n > 0 ? n : 0] = '\0';
		close(fd);
		CHECK(strstr(ours, "\nSigIgn:\t0000000000000000\n") == NULL);
		CHECK(strstr(ours, "\nSigBlk:\t0000000000000000\n") == NULL);
	}

	pid = spawn_child("cat", argv, envp, &fd, err, sizeof(err));
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(read_all(fd, out, sizeof(out)) != -1);
	close(fd);
	CHECK(wait_exit(pid, &status) == 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "\nSigIgn:\t0000000000000000\n") != NULL);
	CHECK(strstr(out, "\nSigBlk:\t0000000000000000\n") != NULL);
	if ((p = strstr(out, "\nSigBlk:")) != NULL)
		fprintf(stderr, "child: %.60s\n", p + 1);

	/* "PID (cat) S PPID PGRP SESSION ...": its own group and session. */
	got = 0;
	if ((p = strstr(out, " (cat) ")) != NULL) {
		while (p > out && p[-1] != '\n')
			p--;
		got = sscanf(p, "%ld (cat) %c %ld %ld %ld", &spid, &state,
		    &ppid, &pgrp, &sess);
	}
	CHECK(got == 5);
	if (got == 5) {
		CHECK(spid == (long)pid);
		CHECK(ppid == (long)getpid());
		CHECK(pgrp == (long)pid);
		CHECK(sess == (long)pid);
		CHECK(pgrp != (long)getpgrp());
	}
}

static void
test_exec_failure(void)
{
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	char		 out[1024], want[512], path[128];
	char		*argv[2] = { NULL, NULL };
	int		 status;

	argv[0] = (char *)"/nonexistent/solar-prog";
	CHECK(run_child(argv[0], argv, envp, out, sizeof(out),
	    &status) != -1);
	CHECK_STR(out, "cannot execute /nonexistent/solar-prog: "
	    "No such file or directory\n");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	argv[0] = (char *)"solar-no-such-program";
	CHECK(run_child(argv[0], argv, envp, out, sizeof(out),
	    &status) != -1);
	CHECK_STR(out, "cannot execute solar-no-such-program: "
	    "No such file or directory\n");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	/* A file without the execute bit, and a directory. */
	snprintf(path, sizeof(path), "%s/plain", tmp);
	write_file(path, "#!/bin/sh\necho ran\n", 0644);
	argv[0] = path;
	CHECK(run_child(path, argv, envp, out, sizeof(out), &status) != -1);
	snprintf(want, sizeof(want), "cannot execute %s: Permission denied\n",
	    path);
	CHECK_STR(out, want);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	argv[0] = tmp;
	CHECK(run_child(tmp, argv, envp, out, sizeof(out), &status) != -1);
	snprintf(want, sizeof(want), "cannot execute %s: Permission denied\n",
	    tmp);
	CHECK_STR(out, want);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);
}

/*
 * The PATH searched is the child's (envp), not ours: ours is pointed at
 * nothing while these run.
 */
static void
test_path_lookup(void)
{
	char		 d1[128], d2[128], d3[128], path[192], penv[512];
	char		 out[1024], want[512], *saved;
	char		*argv[4] = { NULL, NULL, NULL, NULL };
	char		*envp[3] = { penv, (char *)"FOO_BAR=baz", NULL };
	char *const	 nopath[] = { (char *)"FOO_BAR=baz", NULL };
	int		 status;

	snprintf(d1, sizeof(d1), "%s/d1", tmp);
	snprintf(d2, sizeof(d2), "%s/d2", tmp);
	snprintf(d3, sizeof(d3), "%s/d3", tmp);
	CHECK(mkdir(d1, 0755) == 0 && mkdir(d2, 0755) == 0 &&
	    mkdir(d3, 0755) == 0);
	/* In d1 a directory of that name, in d2 a file that is not
	 * executable: both passed over for the program in d3. */
	snprintf(path, sizeof(path), "%s/solar-test-prog", d1);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/solar-test-prog", d2);
	write_file(path, "#!/bin/sh\necho wrong\n", 0644);
	snprintf(path, sizeof(path), "%s/solar-test-prog", d3);
	write_file(path, "#!/bin/sh\necho \"from-path $FOO_BAR $0 $1\"\n",
	    0755);

	saved = getenv("PATH") != NULL ? strdup(getenv("PATH")) : NULL;
	CHECK(setenv("PATH", "/nonexistent", 1) == 0);

	snprintf(penv, sizeof(penv), "PATH=%s:%s:%s", d1, d2, d3);
	argv[0] = (char *)"solar-test-prog";
	argv[1] = (char *)"arg";
	CHECK(run_child("solar-test-prog", argv, envp, out, sizeof(out),
	    &status) != -1);
	snprintf(want, sizeof(want), "from-path baz %s arg\n", path);
	CHECK_STR(out, want);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Only the non-executable one: execvp's answer. */
	snprintf(penv, sizeof(penv), "PATH=%s:%s", d1, d2);
	CHECK(run_child("solar-test-prog", argv, envp, out, sizeof(out),
	    &status) != -1);
	CHECK_STR(out, "cannot execute solar-test-prog: Permission denied\n");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	/* No PATH in envp: the default one. */
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)"echo \"default $FOO_BAR\"";
	CHECK(run_child("sh", argv, nopath, out, sizeof(out),
	    &status) != -1);
	CHECK_STR(out, "default baz\n");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	if (saved != NULL)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
}

/*
 * The parent dies by SIGKILL; its child must die too.  As a subreaper
 * this process inherits the orphan and can see how it ended.
 */
static void
test_pdeathsig(void)
{
	char *const argv[] = {
		(char *)"sh", (char *)"-c",
		(char *)"echo ready; exec sleep 60", NULL
	};
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	struct pollfd	 pfd;
	char		 buf[64], err[256];
	long		 gpid = 0, deadline;
	pid_t		 mid, pid, r = 0;
	int		 rep[2], status, fd;
	ssize_t		 n;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	CHECK(pipe2(rep, O_CLOEXEC) == 0);
	if ((mid = fork()) == -1) {
		CHECK(!"fork");
		return;
	}
	if (mid == 0) {
		close(rep[0]);
		pid = spawn_child("sh", argv, envp, &fd, err, sizeof(err));
		/* Once it printed, it runs the program, with the death
		 * signal set; killing us earlier would test its other
		 * guard, the getppid() check. */
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (pid == -1 || poll(&pfd, 1, DEADLINE_MS) != 1 ||
		    read(fd, buf, sizeof(buf)) <= 0)
			_exit(1);
		n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
		if (write(rep[1], buf, (size_t)n) != n)
			_exit(1);
		for (;;)
			pause();
	}
	close(rep[1]);
	pfd.fd = rep[0];
	pfd.events = POLLIN;
	n = 0;
	if (poll(&pfd, 1, DEADLINE_MS) == 1 &&
	    (n = read(rep[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		gpid = strtol(buf, NULL, 10);
	}
	close(rep[0]);
	CHECK(gpid > 0);

	kill(mid, SIGKILL);
	CHECK(waitpid(mid, &status, 0) == mid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL);
	if (gpid > 0) {
		deadline = now_ms() + DEADLINE_MS;
		while (now_ms() < deadline &&
		    (r = waitpid((pid_t)gpid, &status, WNOHANG)) != gpid)
			poll(NULL, 0, 10);
		CHECK(r == gpid);
		if (r == gpid && !WIFSIGNALED(status))
			fprintf(stderr, "  grandchild: status %#x\n", status);
		CHECK(r == gpid && WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL);
		if (r != gpid) {
			kill((pid_t)gpid, SIGKILL);
			waitpid((pid_t)gpid, &status, 0);
		}
	}
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
}

/*
 * A supervisor started with stdin, stdout and stderr closed: the pipe and
 * /dev/null land on 0, 1, 2 and must still end up in the right places.
 */
static void
test_closed_stdio(void)
{
	char *const argv[] = {
		(char *)"sh", (char *)"-c",
		(char *)"echo out; echo err >&2; readlink /proc/$$/fd/0; "
		"read x || echo eof",
		NULL
	};
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	char		 buf[1024], report[1200], err[256];
	struct pollfd	 pfd;
	ssize_t		 n;
	size_t		 len = 0;
	pid_t		 mid, pid;
	int		 rep[2], status, fd;

	CHECK(pipe2(rep, O_CLOEXEC) == 0);
	if ((mid = fork()) == -1) {
		CHECK(!"fork");
		return;
	}
	if (mid == 0) {
		close(rep[0]);
		close(STDIN_FILENO);
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		pid = spawn_child("/bin/sh", argv, envp, &fd, err, sizeof(err));
		if (pid == -1)
			n = snprintf(report, sizeof(report), "spawn: %s\n",
			    err);
		else if (read_all(fd, buf, sizeof(buf)) == -1 ||
		    waitpid(pid, &status, 0) != pid)
			n = snprintf(report, sizeof(report), "no output\n");
		else
			n = snprintf(report, sizeof(report), "fd:%d\n%s"
			    "status:%d\n", fd > 2, buf, status);
		if (write(rep[1], report, (size_t)n) != n)
			_exit(1);
		_exit(0);
	}
	close(rep[1]);
	pfd.fd = rep[0];
	pfd.events = POLLIN;
	while (len < sizeof(report) - 1 && poll(&pfd, 1, DEADLINE_MS) == 1 &&
	    (n = read(rep[0], report + len, sizeof(report) - 1 - len)) > 0)
		len += (size_t)n;
	report[len] = '\0';
	close(rep[0]);
	CHECK(wait_exit(mid, &status) == 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK_STR(report, "fd:1\nout\nerr\n/dev/null\neof\nstatus:0\n");
}

/* In the child, after placement: fd 3 is there and survives exec. */
static int
become_check(const void *arg)
{
	int	fl;

	(void)arg;
	if ((fl = fcntl(3, F_GETFD)) == -1)
		return -1;
	if (fl & FD_CLOEXEC) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

static int
become_fail(const void *arg)
{
	(void)arg;
	errno = EPERM;
	return -1;
}

/* spawn_process with the output pipe named by the first placement whose
 * fd is -100: the output, the status, the pid or -1. */
static pid_t
run_spec(struct spawn_spec *sp, char *out, size_t cap, int *status)
{
	char	 err[256];
	size_t	 i;
	pid_t	 pid;
	int	 p[2];

	out[0] = '\0';
	*status = -1;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < sp->nfds; i++)
		if (sp->fds[i].fd == -100)
			sp->fds[i].fd = p[1];
	err[0] = '\0';
	pid = spawn_process(sp, err, sizeof(err));
	for (i = 0; i < sp->nfds; i++)
		if (sp->fds[i].fd == p[1])
			sp->fds[i].fd = -100;
	close(p[1]);
	if (pid == -1) {
		close(p[0]);
		return -1;
	}
	CHECK(read_all(p[0], out, cap) != -1);
	close(p[0]);
	if (wait_exit(pid, status) == -1) {
		CHECK(!"child did not exit");
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
	}
	return pid;
}

/*
 * What spawn_process guarantees whoever calls it: default dispositions
 * and an empty mask though ours ignore, catch and block; stdio not named
 * on /dev/null; a descriptor placed on 3 without close-on-exec even when
 * it already had that number; nothing else; the change-of-user step
 * after placement, its failure and an exec failure reported as asked.
 */
static void
test_spawn_process(void)
{
	char *const argv[] = {
		(char *)"sh", (char *)"-c",
		(char *)"echo three >&3; i=0; fds=; while [ $i -lt 256 ]; do "
		"if [ -e /proc/self/fd/$i ]; then fds=\"$fds $i\"; fi; "
		"i=$((i + 1)); done; echo \"fds:$fds\"; "
		"echo \"stdin:$(readlink /proc/$$/fd/0)\"; "
		"echo \"stderr:$(readlink /proc/$$/fd/2)\"; "
		"echo \"env:$FOO:${HOME-unset}\"; "
		"exec /bin/grep -E '^Sig(Blk|Ign)' /proc/self/status",
		NULL
	};
	char *const envp[] = { (char *)"FOO=bar", NULL };
	struct sigaction	 sa, oldsa;
	struct spawn_spec	 sp;
	char			 out[4096], buf[16], err[256];
	int			 three[2], saved3, leak, status, i, fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR2, &sa, &oldsa) == 0);
	/* A descriptor already on 3, close-on-exec as all of ours are; the
	 * pipe's own ends kept off 3 first. */
	CHECK(pipe2(three, O_CLOEXEC) == 0);
	for (i = 0; i < 2; i++) {
		fd = fcntl(three[i], F_DUPFD_CLOEXEC, 20);
		close(three[i]);
		three[i] = fd;
	}
	saved3 = fcntl(3, F_DUPFD_CLOEXEC, 10);
	CHECK(dup3(three[1], 3, O_CLOEXEC) == 3);
	close(three[1]);
	leak = dup2(three[0], 41);	/* not close-on-exec */
	CHECK(leak == 41);

	memset(&sp, 0, sizeof(sp));
	sp.path = "/bin/sh";
	sp.argv = argv;
	sp.envp = envp;
	sp.fds[0].fd = -100;
	sp.fds[0].target = STDOUT_FILENO;
	sp.fds[1].fd = 3;
	sp.fds[1].target = 3;
	sp.nfds = 2;
	sp.report_fd = STDOUT_FILENO;
	sp.become = become_check;
	sp.become_what = "cannot become";
	sp.become_status = 126;
	CHECK(run_spec(&sp, out, sizeof(out), &status) > 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR(out, "fds: 0 1 2 3\nstdin:/dev/null\nstderr:/dev/null\n"
	    "env:bar:unset\nSigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n");
	memset(buf, 0, sizeof(buf));
	CHECK(read(three[0], buf, sizeof(buf)) == 6);
	CHECK_STR(buf, "three\n");
	/* Ours is untouched. */
	CHECK(fcntl(3, F_GETFD) == FD_CLOEXEC);

	/* From elsewhere onto 3. */
	CHECK(dup3(3, 50, O_CLOEXEC) == 50);
	close(3);
	sp.fds[1].fd = 50;
	CHECK(run_spec(&sp, out, sizeof(out), &status) > 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strncmp(out, "fds: 0 1 2 3\n", 13) == 0);
	memset(buf, 0, sizeof(buf));
	CHECK(read(three[0], buf, sizeof(buf)) == 6);
	close(50);

	/* The change of user fails: its message and status, no exec. */
	sp.nfds = 1;
	sp.report_prefix = "solar-host: ";
	sp.become = become_fail;
	CHECK(run_spec(&sp, out, sizeof(out), &status) > 0);
	CHECK_STR(out, "solar-host: cannot become: Operation not permitted\n");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 126);

	/* The exec fails: reported on stderr, as apid's is. */
	sp.become = NULL;
	sp.path = "/nonexistent/solar-prog";
	sp.fds[0].target = STDERR_FILENO;
	sp.report_fd = STDERR_FILENO;
	CHECK(run_spec(&sp, out, sizeof(out), &status) > 0);
	CHECK_STR(out, "solar-host: cannot execute /nonexistent/solar-prog: "
	    "No such file or directory\n");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == SPAWN_EXIT_EXEC);

	/* A target named twice is refused before fork. */
	sp.fds[1].fd = SPAWN_DEVNULL;
	sp.fds[1].target = STDERR_FILENO;
	sp.nfds = 2;
	sp.fds[0].fd = SPAWN_DEVNULL;
	errno = 0;
	CHECK(spawn_process(&sp, err, sizeof(err)) == -1 && errno == EINVAL);

	close(leak);
	close(three[0]);
	if (saved3 != -1) {
		dup3(saved3, 3, O_CLOEXEC);
		close(saved3);
	}
	CHECK(sigaction(SIGUSR2, &oldsa, NULL) == 0);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1 || write(fd, text, strlen(text)) !=
	    (ssize_t)strlen(text) || fchmod(fd, mode) == -1) {
		perror(path);
		exit(2);
	}
	close(fd);
}

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

int
main(void)
{
	struct sigaction	 sa;
	sigset_t		 block;
	int			 fds;

	snprintf(tmp, sizeof(tmp), "/tmp/test_spawn.XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	/* What a daemon has and a child must not get. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);

	fds = count_fds();
	test_argv();
	test_envp();
	test_child_state();
	test_child_ids();
	test_exec_failure();
	test_path_lookup();
	test_pdeathsig();
	test_closed_stdio();
	test_spawn_process();
	CHECK(count_fds() == fds);
	rm_tree(tmp);
	T_DONE();
}
