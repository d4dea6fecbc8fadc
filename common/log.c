/*
 * log.c: messages to stderr in the foreground, otherwise to syslog or to
 * a file descriptor the caller opened, or to a sink; escaped on the way
 * out, whoever wrote them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "utf8.h"

#define LOG_ESC_MAX	8192	/* an escaped message, at most */

static size_t	log_utf8(const unsigned char *);
static void	log_escape(const char *, char *, size_t);

static struct {
	int		 foreground;
	int		 verbose;
	const char	*procname;
	log_sink_fn	 sink;
	void		*sink_arg;
	int		 fd;		/* -1: syslog when detached */
} lg = { 1, 0, "solar-host", NULL, NULL, -1 };

void
log_init(int foreground, int verbose)
{
	lg.foreground = foreground;
	lg.verbose = verbose;
	if (!foreground)
		openlog(lg.procname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_procname(const char *name)
{
	lg.procname = name;
}

void
log_setverbose(int verbose)
{
	lg.verbose = verbose;
}

int
log_getverbose(void)
{
	return lg.verbose;
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
	lg.sink = fn;
	lg.sink_arg = arg;
}

/* The length of the valid UTF-8 character at s that is not a C1
 * control, or 0. */
static size_t
log_utf8(const unsigned char *s)
{
	uint32_t	cp;
	int		n;

	/* s is a C string: no more than its end may be read. */
	n = utf8_decode(s, strnlen((const char *)s, UTF8_MAX), &cp);
	if (n == -1 || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return (size_t)n;
}

/*
 * A message may carry text from outside (an alias, a path, a child's
 * words): a newline in it would forge a log line and an escape sequence
 * would steer a terminal.  Control characters, C1 controls and bytes that
 * are not UTF-8 become \n, \r, \t or \xHH, and a backslash is doubled so
 * that no escape can be faked; other UTF-8 text stays readable.
 */
static void
log_escape(const char *msg, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)msg;
	size_t			 o = 0, k;

	while (*s != '\0' && o + 8 < outlen) {
		if (*s >= 0x20 && *s < 0x7f && *s != '\\') {
			out[o++] = (char)*s++;
			continue;
		}
		if (*s >= 0x80 && (k = log_utf8(s)) > 0) {
			memcpy(out + o, s, k);
			o += k;
			s += k;
			continue;
		}
		out[o++] = '\\';
		if (*s == '\n' || *s == '\r' || *s == '\t' || *s == '\\')
			out[o++] = *s == '\n' ? 'n' : *s == '\r' ? 'r' :
			    *s == '\t' ? 't' : '\\';
		else
			o += (size_t)snprintf(out + o, outlen - o, "x%02x",
			    *s);
		s++;
	}
	if (*s != '\0') {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* A sink gets the message as written: its receiver escapes it. */
void
log_to_fd(int fd)
{
	lg.fd = fd;
}

/* One line with a UTC time: no local-time conversion in common/. */
static void
log_fd_write(const char *msg)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 buf[LOG_ESC_MAX + 128], when[32];
	int		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	n = snprintf(buf, sizeof(buf), "%s %s[%ld]: %s\n", when, lg.procname,
	    (long)getpid(), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	(void)write(lg.fd, buf, (size_t)n);
}

void
log_write(int prio, const char *msg)
{
	char	 esc[LOG_ESC_MAX];

	if (prio == LOG_DEBUG && lg.verbose < 1)
		return;
	if (lg.sink != NULL) {
		lg.sink(prio, msg, lg.sink_arg);
		return;
	}
	log_escape(msg, esc, sizeof(esc));
	if (lg.foreground)
		fprintf(stderr, "%s: %s\n", lg.procname, esc);
	else if (lg.fd != -1)
		log_fd_write(esc);
	else
		syslog(prio, "%s", esc);
}

static void
vlog(int prio, int with_errno, const char *fmt, va_list ap)
{
	char	 buf[2048];
	int	 saved = errno;
	int	 n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		n = 0;
	if (with_errno && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
	log_write(prio, buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (lg.verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

static void
log_from_libevent(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

void
log_libevent(void)
{
	event_set_log_callback(log_from_libevent);
}
