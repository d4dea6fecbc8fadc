/*
 * privdrop.c: -u USER: after binding, both processes run as that user.
 * Started as root without -u, only the API process changes user: to nobody,
 * with every capability gone, in its child between fork and exec.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "sup.h"

#define APID_USER	"nobody"
#define CAP_PROBE_MAX	256	/* far above any kernel's last capability */

int
privdrop(const char *user, char *err, size_t errlen)
{
	struct passwd	*pw;
	uid_t		 ruid, euid, suid;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "-u %s: %s", user,
		    errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "-u %s: only root can change user", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "-u %s: cannot change user: %s", user,
		    strerror(errno));
		return -1;
	}
	/* Make sure there is no way back. */
	if (getresuid(&ruid, &euid, &suid) == -1 || ruid != pw->pw_uid ||
	    euid != pw->pw_uid || suid != pw->pw_uid || setuid(0) != -1) {
		snprintf(err, errlen, "-u %s: privileges were not dropped",
		    user);
		return -1;
	}
	/* The children's caches go under $HOME: USER's, not root's. */
	if (setenv("HOME", pw->pw_dir, 1) == -1 ||
	    setenv("USER", pw->pw_name, 1) == -1 ||
	    setenv("LOGNAME", pw->pw_name, 1) == -1) {
		snprintf(err, errlen, "-u %s: %s", user, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Root without -u: the user the API process will run as, looked up now,
 * since the forked child may only make async-signal-safe calls.
 */
int
privdrop_apid_user(struct sup *sup, const char *user, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	sup->apid_drop = 0;
	if (user != NULL || geteuid() != 0)
		return 0;	/* apid runs as we do, and we are not root */
	errno = 0;
	if ((pw = getpwnam(APID_USER)) == NULL) {
		snprintf(err, errlen, "running as root, the API process "
		    "switches to user %s, but %s; use -u USER",
		    APID_USER, errno != 0 ? strerror(errno) : "there is none");
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, errlen, "user %s has user or group ID 0; use -u "
		    "USER", APID_USER);
		return -1;
	}
	sup->apid_uid = pw->pw_uid;
	sup->apid_gid = pw->pw_gid;
	sup->apid_drop = 1;
	return 0;
}

/*
 * In the API process's child, before exec: no capability may come back
 * (empty bounding and ambient sets, emptied while still root, since
 * dropping from the bounding set needs CAP_SETPCAP), then the user, then
 * nothing left in any set even if securebits kept something.  Only
 * async-signal-safe calls.
 */
int
privdrop_child(const struct sup *sup)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[2];
	int				 cap;

	if (!sup->apid_drop)
		return 0;
	for (cap = 0; cap < CAP_PROBE_MAX; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			if (errno == EINVAL && cap > 0)
				break;	/* past the kernel's last one */
			return -1;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	if (setgroups(1, &sup->apid_gid) == -1 ||
	    setresgid(sup->apid_gid, sup->apid_gid, sup->apid_gid) == -1 ||
	    setresuid(sup->apid_uid, sup->apid_uid, sup->apid_uid) == -1)
		return -1;
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &hdr, data) == -1)
		return -1;
	if (setuid(0) != -1 || setgid(0) != -1 || getuid() == 0 ||
	    geteuid() == 0)
		return -1;
	return 0;
}
