/*
 * child.h: one running llama-server: its process group, its output pipe
 * (always drained), the log file of this start, and the lines cut from
 * its output.
 */
#ifndef SOLAR_CHILD_H
#define SOLAR_CHILD_H

#include <sys/types.h>

#include <stddef.h>

#include "instance.h"

struct event_base;
struct child;

typedef void (*child_line_fn)(const char *line, size_t len, void *arg);

/* Where the log files go and how large they grow (LOG_FILE_MAX_MB). */
struct child_logs {
	const char	*dir;
	off_t		 max_bytes;
	int		 keep;
};

/* Open the log file, spawn the program; -1 (NULL) with the reason in err. */
struct child	*child_start(struct event_base *, const char *program,
		    char *const envp[], const struct inst_config *, int port,
		    const struct child_logs *, child_line_fn, void *arg,
		    char *err, size_t errlen);
pid_t		 child_pid(const struct child *);
void		 child_signal(struct child *, int sig);	/* to its process group */
/* After it was reaped: read what is left in the pipe, end the last line. */
void		 child_drain(struct child *);
/* Open this start's log file again by its name (after an outside
 * rotation). */
void		 child_reopen_log(struct child *);
void		 child_free(struct child *);

#endif
