/*
 * control.c: solar-host -s stop|status|reload, for a solar-host that
 * detached: the pid file (pidfile.c) says which process it is and whether
 * it still runs.  stop waits until the daemon has stopped its instances
 * and released the pid file.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "settings.h"
#include "sup.h"

/* Beyond STOP_TIMEOUT_S: the API process's grace and the last saves. */
#define CONTROL_STOP_SLACK_S	15
#define CONTROL_POLL_NS		100000000L

/* Exit statuses, as LSB init scripts give them for "status". */
#define CTL_RUNNING	0
#define CTL_FAILED	1
#define CTL_NOT_RUNNING	3

/* State Z in /proc/PID/stat: exited, not yet reaped by its parent. */
static int
control_zombie(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	int	 z = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		z = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return z;
}

static int
control_stop(const char *path, pid_t pid, int timeout_s)
{
	struct timespec	 ts = { 0, CONTROL_POLL_NS };
	time_t		 end = time(NULL) + timeout_s;
	char		 err[512];
	pid_t		 now;

	if (kill(pid, SIGTERM) == -1) {
		fprintf(stderr, "solar-host: cannot signal pid %ld: %s\n",
		    (long)pid, strerror(errno));
		return CTL_FAILED;
	}
	while ((now = pidfile_running(path, err, sizeof(err))) == pid) {
		if (time(NULL) >= end) {
			fprintf(stderr, "solar-host: pid %ld still runs after "
			    "%d s\n", (long)pid, timeout_s);
			return CTL_FAILED;
		}
		nanosleep(&ts, NULL);
	}
	/* The file goes just before the process does: wait for that too
	 * (a zombie has exited). */
	while (kill(pid, 0) == 0 && !control_zombie(pid)) {
		if (time(NULL) >= end) {
			fprintf(stderr, "solar-host: pid %ld released its pid "
			    "file but still runs\n", (long)pid);
			return CTL_FAILED;
		}
		nanosleep(&ts, NULL);
	}
	printf("solar-host (pid %ld) stopped\n", (long)pid);
	return CTL_RUNNING;
}

int
control_run(const char *cmd, const struct settings *s)
{
	char	 err[512], *path;
	pid_t	 pid;
	int	 rc;

	if (strcmp(cmd, "stop") != 0 && strcmp(cmd, "status") != 0 &&
	    strcmp(cmd, "reload") != 0) {
		fprintf(stderr, "solar-host: -s %s: not stop, status or "
		    "reload\n", cmd);
		return CTL_FAILED;
	}
	if ((path = pidfile_path(s)) == NULL) {
		fprintf(stderr, "solar-host: out of memory\n");
		return CTL_FAILED;
	}
	if ((pid = pidfile_running(path, err, sizeof(err))) == -1) {
		fprintf(stderr, "solar-host: %s\n", err);
		free(path);
		return CTL_FAILED;
	}
	if (pid == 0) {
		printf("solar-host is not running (no locked %s)\n", path);
		free(path);
		return strcmp(cmd, "status") == 0 ? CTL_NOT_RUNNING :
		    CTL_FAILED;
	}
	if (strcmp(cmd, "status") == 0) {
		printf("solar-host is running as pid %ld (%s)\n", (long)pid,
		    path);
		rc = CTL_RUNNING;
	} else if (strcmp(cmd, "reload") == 0) {
		rc = kill(pid, SIGHUP) == 0 ? CTL_RUNNING : CTL_FAILED;
		if (rc == CTL_RUNNING)
			printf("solar-host (pid %ld): log files reopened\n",
			    (long)pid);
		else
			fprintf(stderr, "solar-host: cannot signal pid %ld: "
			    "%s\n", (long)pid, strerror(errno));
	} else
		rc = control_stop(path, pid, s->stop_timeout_s +
		    CONTROL_STOP_SLACK_S);
	free(path);
	return rc;
}
