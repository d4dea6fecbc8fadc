/* privdrop.c: -u USER: after binding, both processes run as that user. */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup.h"

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
