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

/* Open the log file, spawn the program; -1 (NULL) with the reason in err. */
struct child	*child_start(struct event_base *, const char *program,
		    char *const envp[], const struct inst_config *, int port,
		    const char *log_dir, child_line_fn, void *arg, char *err,
		    size_t errlen);
pid_t		 child_pid(const struct child *);
void		 child_signal(struct child *, int sig);	/* to its process group */
/* After it was reaped: read what is left in the pipe, end the last line. */
void		 child_drain(struct child *);
/* Open this start's log file again by its name (after a rotation). */
void		 child_reopen_log(struct child *, const char *log_dir);
void		 child_free(struct child *);

#endif
