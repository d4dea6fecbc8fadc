/* log.h: the one log API of both daemons (stderr in the foreground, syslog otherwise). */
#ifndef SOLAR_LOG_H
#define SOLAR_LOG_H

#include <stdarg.h>

/*
 * A sink replaces stderr and syslog: apid relays its messages to the
 * supervisor through one once its channel is up.
 */
typedef void (*log_sink_fn)(int prio, const char *msg, void *arg);

void	log_init(int foreground, int verbose);
/* When detached, write each message as a line to fd instead of syslog. */
void	log_to_fd(int fd);
void	log_procname(const char *name);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_set_sink(log_sink_fn fn, void *arg);
void	log_write(int prio, const char *msg);	/* already formatted */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_libevent(void);	/* route libevent's own messages here */

#endif
