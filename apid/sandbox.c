/*
 * sandbox.c: apid's confinement, applied once it holds everything it
 * needs (the channel, the listening socket, jansson's seed): no core
 * files and a bounded number of descriptors; Landlock denying every
 * filesystem access where the kernel offers it; and a seccomp allowlist in
 * which file and socket calls fail with an error (libraries that probe
 * survive) and anything unexpected -- execve, fork, a clone that is not a
 * thread, ptrace -- kills the process.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

#define SANDBOX_NOFILE_SLACK	64

/* Every filesystem right Landlock knows of, up to its ABI 3. */
static uint64_t
landlock_all_rights(int abi)
{
	uint64_t	 r;

	r = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
	(void)abi;
	return r;
}

/* 1 applied, 0 not offered by this kernel, -1 failed. */
static int
sandbox_landlock(void)
{
	struct landlock_ruleset_attr	 attr;
	int				 abi, fd;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = landlock_all_rights(abi);
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd == -1)
		return -1;
	/* No rule at all: every handled access is denied. */
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 1;
}

static int
sandbox_rlimits(unsigned int max_connections, char *err, size_t errlen)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &rl) == -1) {
		snprintf(err, errlen, "setrlimit: %s", strerror(errno));
		return -1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(err, errlen, "getrlimit: %s", strerror(errno));
		return -1;
	}
	/* Enough for every connection and the channel, and no more. */
	if (rl.rlim_max == RLIM_INFINITY ||
	    rl.rlim_max > max_connections + SANDBOX_NOFILE_SLACK)
		rl.rlim_max = max_connections + SANDBOX_NOFILE_SLACK;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		snprintf(err, errlen, "setrlimit(NOFILE): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(write), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(sendto),
	SCMP_SYS(sendmsg), SCMP_SYS(close), SCMP_SYS(shutdown),
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(fcntl), SCMP_SYS(fstat), SCMP_SYS(lseek),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(futex),
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(tgkill), SCMP_SYS(restart_syscall),
	SCMP_SYS(sched_yield), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* File and socket calls: refused with an error, not a kill. */
static const int refused[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(creat),
	SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(statx), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat), SCMP_SYS(mkdir), SCMP_SYS(mkdirat),
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(chdir),
	SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(bind),
	SCMP_SYS(listen), SCMP_SYS(connect), SCMP_SYS(uname),
	SCMP_SYS(sysinfo),
};

static int
sandbox_seccomp(char *err, size_t errlen)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	/* A binary tree instead of a list: every request pays the filter. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i],
		    0)) < 0)
			goto fail;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    refused[i], 0)) < 0)
			goto fail;
	/* fstat(2) is newfstatat(fd, "", AT_EMPTY_PATH) in glibc: only that. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat),
	    1, SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(newfstatat), 1, SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
	    0))) < 0)
		goto fail;
	/* libevent asks how much there is to read; nothing else. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, FIONREAD))) < 0)
		goto fail;
	/* Threads only (none today); a process is a kill. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0)) < 0)
		goto fail;
	if ((rc = seccomp_load(ctx)) < 0)
		goto fail;
	seccomp_release(ctx);
	return 0;
 fail:
	snprintf(err, errlen, "seccomp: %s", strerror(-rc));
	seccomp_release(ctx);
	return -1;
}

int
sandbox_apply(int enabled, unsigned int max_connections, char *err,
    size_t errlen)
{
	if (sandbox_rlimits(max_connections, err, errlen) == -1)
		return -1;
	if (!enabled) {
		log_warnx("WARNING: the API process runs WITHOUT its sandbox "
		    "(SANDBOX=false): a flaw in it is a flaw in the machine");
		return 0;
	}
	switch (sandbox_landlock()) {
	case 1:
		break;
	case 0:
		log_info("Landlock is not offered by this kernel; seccomp "
		    "alone confines the API process");
		break;
	default:
		snprintf(err, errlen, "landlock: %s", strerror(errno));
		return -1;
	}
	return sandbox_seccomp(err, errlen);
}
