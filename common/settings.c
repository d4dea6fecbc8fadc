/* settings.c: SPEC section 1 settings from defaults, .env and environment. */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* _GNU_SOURCE: getline(), strdup() under -std=c11 */
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "settings.h"

#define SETTINGS_STR_MAX	4096
#define SHOW_MAX		64	/* bytes of a bad value in a message */
/* Each byte shown takes at most 4 ("\xNN"); then "..." and the NUL. */
#define SHOW_BUFLEN		(SHOW_MAX * 4 + 4)
#define MSG_BUFLEN		1024
#define KEY_NAME_MAX		32	/* longer than any key of section 1 */

enum kind {
	KIND_STR,
	KIND_HOST,
	KIND_INT,
	KIND_BOOL
};

struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	const char	*defstr;
	int		 defint;
	int		 min;
	int		 max;
};

static const struct key keys[] = {
	{ "API_KEY", KIND_STR,
	    offsetof(struct settings, api_key), NULL, 0, 0, 0 },
	{ "HOST", KIND_HOST,
	    offsetof(struct settings, host), "0.0.0.0", 0, 0, 0 },
	{ "PORT", KIND_INT,
	    offsetof(struct settings, port), NULL, 8001, 1, 65535 },
	{ "CONFIG_FILE", KIND_STR,
	    offsetof(struct settings, config_file), "config.json", 0, 0, 0 },
	{ "LOG_DIR", KIND_STR,
	    offsetof(struct settings, log_dir), "logs", 0, 0, 0 },
	{ "START_PORT", KIND_INT,
	    offsetof(struct settings, start_port), NULL, 3500, 1, 65535 },
	{ "MAX_RETRIES", KIND_INT,
	    offsetof(struct settings, max_retries), NULL, 2, 0, 1000 },
	{ "LOG_BUFFER_SIZE", KIND_INT,
	    offsetof(struct settings, log_buffer_size), NULL, 1000,
	    1, 1000000 },
	{ "LLAMA_SERVER", KIND_STR,
	    offsetof(struct settings, llama_server), "llama-server", 0, 0, 0 },
	{ "STOP_TIMEOUT_S", KIND_INT,
	    offsetof(struct settings, stop_timeout_s), NULL, 10, 1, 3600 },
	{ "START_STALL_S", KIND_INT,
	    offsetof(struct settings, start_stall_s), NULL, 600, 1, 86400 },
	{ "ALLOW_EXTRA_ARGS", KIND_BOOL,
	    offsetof(struct settings, allow_extra_args), NULL, 0, 0, 1 },
	{ "HTTP_TIMEOUT_S", KIND_INT,
	    offsetof(struct settings, http_timeout_s), NULL, 60, 1, 3600 },
	{ "MAX_CONNECTIONS", KIND_INT,
	    offsetof(struct settings, max_connections), NULL, 512, 1, 60000 },
	{ "WS_MAX_CLIENTS", KIND_INT,
	    offsetof(struct settings, ws_max_clients), NULL, 256, 1, 60000 },
	{ "WS_MAX_PER_INSTANCE", KIND_INT,
	    offsetof(struct settings, ws_max_per_instance), NULL, 32, 1,
	    60000 },
	{ "SANDBOX", KIND_BOOL,
	    offsetof(struct settings, sandbox), NULL, 1, 0, 1 },
	{ "DOCS_ASSETS_DIR", KIND_STR,
	    offsetof(struct settings, docs_assets_dir), NULL, 0, 0, 0 },
	{ "HEADER_TIMEOUT_S", KIND_INT,
	    offsetof(struct settings, header_timeout_s), NULL, 10, 1, 3600 },
	{ "LOG_BUFFER_BYTES", KIND_INT,
	    offsetof(struct settings, log_buffer_bytes), NULL, 4194304,
	    65536, 1073741824 },
	{ "WS_MAX_QUEUED_MB", KIND_INT,
	    offsetof(struct settings, ws_max_queued_mb), NULL, 32, 1, 65536 },
	{ "LOG_FILE_MAX_MB", KIND_INT,
	    offsetof(struct settings, log_file_max_mb), NULL, 100, 1,
	    1048576 },
	{ "LOG_FILE_KEEP", KIND_INT,
	    offsetof(struct settings, log_file_keep), NULL, 3, 0, 1000 },
	{ "MODEL_DIRS", KIND_STR,
	    offsetof(struct settings, model_dirs), NULL, 0, 0, 0 },
	{ "MAX_INSTANCES", KIND_INT,
	    offsetof(struct settings, max_instances), NULL, 1000, 1,
	    1000000 },
	{ "PID_FILE", KIND_STR,
	    offsetof(struct settings, pid_file), NULL, 0, 0, 0 },
	{ "LOG_FILE", KIND_STR,
	    offsetof(struct settings, log_file), NULL, 0, 0, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static void	 errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const struct key *find_key(const char *);
static int	 is_string(const struct key *);
static char	**str_field(struct settings *, const struct key *);
static const char *str_value(const struct settings *, const struct key *);
static int	*int_field(struct settings *, const struct key *);
static void	 show(char *, size_t, const char *);
static int	 parse_int(const char *, int, int, int *);
static int	 parse_bool(const char *);
static int	 valid_host(const char *);
static int	 valid_key(const char *);
static int	 is_blank(int);
static char	*skip_blanks(char *);
static int	 parse_line(char *, char **, char **, char *, size_t);
static int	 settings_copy(struct settings *, const struct settings *);

/* Callers may pass no buffer when they only want the return value. */
static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const struct key *
find_key(const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcasecmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
is_string(const struct key *k)
{
	return k->kind == KIND_STR || k->kind == KIND_HOST;
}

static char **
str_field(struct settings *s, const struct key *k)
{
	return (char **)((char *)s + k->off);
}

static const char *
str_value(const struct settings *s, const struct key *k)
{
	return *(char *const *)((const char *)s + k->off);
}

static int *
int_field(struct settings *s, const struct key *k)
{
	return (int *)((char *)s + k->off);
}

/*
 * Bad values are quoted in messages that reach a terminal or syslog, and
 * may come from anywhere: escape what is not printable ASCII, cut long
 * ones short.  len must be at least SHOW_BUFLEN.
 */
static void
show(char *buf, size_t len, const char *v)
{
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; v[i] != '\0'; i++) {
		if (i == SHOW_MAX) {
			o += snprintf(buf + o, len - o, "...");
			break;
		}
		c = (unsigned char)v[i];
		if (c == '"' || c == '\\')
			o += snprintf(buf + o, len - o, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			o += snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

/*
 * Plain decimal digits, nothing else: strtol() would let leading blanks,
 * signs and "0x" through.  Every range of section 1 starts at 0 or above,
 * so a minus sign could only ever be out of range.
 */
static int
parse_int(const char *v, int min, int max, int *out)
{
	long long	 n = 0;
	const char	*p;

	if (*v == '\0')
		return -1;
	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		/* Stop growing once past any int: it is out of range anyway. */
		if (n <= INT_MAX)
			n = n * 10 + (*p - '0');
	}
	if (n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

static int
parse_bool(const char *v)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
valid_host(const char *v)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	return strcmp(v, "localhost") == 0 ||
	    inet_pton(AF_INET, v, &a4) == 1 ||
	    inet_pton(AF_INET6, v, &a6) == 1;
}

static int
valid_key(const char *k)
{
	const char	*p;

	if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
	    *k == '_'))
		return 0;
	for (p = k + 1; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static char *
skip_blanks(char *p)
{
	while (is_blank((unsigned char)*p))
		p++;
	return p;
}

void
settings_defaults(struct settings *s)
{
	const struct key	*k;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		if (!is_string(k))
			*int_field(s, k) = k->defint;
		else if (k->defstr != NULL &&
		    (*str_field(s, k) = strdup(k->defstr)) == NULL)
			abort();	/* start-up, nothing to clean up */
	}
}

void
settings_free(struct settings *s)
{
	char	**p;
	size_t	  i;

	for (i = 0; i < NKEYS; i++) {
		if (!is_string(&keys[i]))
			continue;
		p = str_field(s, &keys[i]);
		free(*p);
		*p = NULL;
	}
}

/* A deep copy, so that a load can fail half-way and leave the original. */
static int
settings_copy(struct settings *dst, const struct settings *src)
{
	const struct key	*k;
	const char		*v;
	size_t			 i;

	*dst = *src;
	for (i = 0; i < NKEYS; i++)
		if (is_string(&keys[i]))
			*str_field(dst, &keys[i]) = NULL;
	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		if (!is_string(k))
			continue;
		v = str_value(src, k);
		if (v != NULL && (*str_field(dst, k) = strdup(v)) == NULL) {
			settings_free(dst);
			return -1;
		}
	}
	return 0;
}

int
settings_is_key(const char *name)
{
	return find_key(name) != NULL;
}

int
settings_set(struct settings *s, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct key	*k;
	char			 shown[SHOW_BUFLEN];
	char			*dup, **sp;
	int			 n;

	if ((k = find_key(key)) == NULL) {
		show(shown, sizeof(shown), key);
		errf(err, errlen, "unknown setting \"%s\"", shown);
		return -2;
	}
	if (value == NULL || *value == '\0')
		return 0;

	switch (k->kind) {
	case KIND_STR:
	case KIND_HOST:
		/* The value is not echoed: it may be the API key. */
		if (strlen(value) > SETTINGS_STR_MAX) {
			errf(err, errlen, "%s: must be at most %d bytes",
			    k->name, SETTINGS_STR_MAX);
			return -1;
		}
		if (k->kind == KIND_HOST && !valid_host(value)) {
			show(shown, sizeof(shown), value);
			errf(err, errlen, "%s: must be an IPv4 or IPv6 address "
			    "or \"localhost\", not \"%s\"", k->name, shown);
			return -1;
		}
		if ((dup = strdup(value)) == NULL) {
			errf(err, errlen, "%s: %s", k->name, strerror(errno));
			return -1;
		}
		sp = str_field(s, k);
		free(*sp);
		*sp = dup;
		return 0;
	case KIND_INT:
		if (parse_int(value, k->min, k->max, &n) == -1) {
			show(shown, sizeof(shown), value);
			errf(err, errlen, "%s: must be an integer from %d "
			    "to %d, not \"%s\"", k->name, k->min, k->max,
			    shown);
			return -1;
		}
		*int_field(s, k) = n;
		return 0;
	case KIND_BOOL:
		if ((n = parse_bool(value)) == -1) {
			show(shown, sizeof(shown), value);
			errf(err, errlen, "%s: must be true or false (or 1/0, "
			    "yes/no, on/off), not \"%s\"", k->name, shown);
			return -1;
		}
		*int_field(s, k) = n;
		return 0;
	}
	errf(err, errlen, "%s: unhandled kind of setting", k->name);
	return -1;
}

/*
 * Split one .env line, in place, into key and value.  Returns 1 for a
 * KEY=VALUE line, 0 for a blank or comment line, -1 with the reason in err.
 */
static int
parse_line(char *line, char **keyp, char **valp, char *err, size_t errlen)
{
	char	 shown[SHOW_BUFLEN];
	char	*p, *eq, *end, *v, *w, *after;
	char	 q;

	p = skip_blanks(line);
	if (*p == '\0' || *p == '#')
		return 0;
	/* As a shell script has it; "export=1" is a key named export. */
	if (strncmp(p, "export", 6) == 0 && is_blank((unsigned char)p[6])) {
		after = skip_blanks(p + 6);
		if (*after != '=')
			p = after;
	}
	if ((eq = strchr(p, '=')) == NULL) {
		errf(err, errlen, "expected KEY=VALUE");
		return -1;
	}
	for (end = eq; end > p && is_blank((unsigned char)end[-1]); end--)
		;
	*end = '\0';
	if (!valid_key(p)) {
		show(shown, sizeof(shown), p);
		errf(err, errlen, "invalid key \"%s\"", shown);
		return -1;
	}
	*keyp = p;

	v = skip_blanks(eq + 1);
	if (*v == '"' || *v == '\'') {
		/* Unescaped in place: writes never pass reads. */
		q = *v++;
		*valp = w = v;
		for (;;) {
			if (*v == '\0') {
				errf(err, errlen, "unterminated quote");
				return -1;
			}
			if (*v == q)
				break;
			/* Other backslashes stay as written, as in a shell. */
			if (q == '"' && *v == '\\' &&
			    (v[1] == '"' || v[1] == '\\' || v[1] == 'n')) {
				*w++ = v[1] == 'n' ? '\n' : v[1];
				v += 2;
				continue;
			}
			*w++ = *v++;
		}
		after = skip_blanks(v + 1);
		if (*after != '\0' && *after != '#') {
			errf(err, errlen,
			    "unexpected text after closing quote");
			return -1;
		}
		*w = '\0';
		return 1;
	}

	/* '#' opens a comment only after a blank, so "a#b" stays whole. */
	for (w = v; *w != '\0'; w++) {
		if (*w == '#' && is_blank((unsigned char)w[-1])) {
			*w = '\0';
			break;
		}
	}
	for (end = v + strlen(v); end > v && is_blank((unsigned char)end[-1]);
	    end--)
		;
	*end = '\0';
	*valp = v;
	return 1;
}

int
settings_load_file(struct settings *s, const char *path, int missing_ok,
    char *err, size_t errlen)
{
	struct settings	 tmp;
	FILE		*fp;
	char		 msg[MSG_BUFLEN];
	char		*line = NULL, *p, *key, *val;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0, rv = -1, r;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return 0;
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (settings_copy(&tmp, s) == -1) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}

	for (;;) {
		errno = 0;
		if ((n = getline(&line, &cap, fp)) == -1) {
			/* getline() says -1 for both the end and a failure. */
			if (ferror(fp) || !feof(fp)) {
				errf(err, errlen, "%s: %s", path,
				    strerror(errno != 0 ? errno : EIO));
				goto done;
			}
			break;
		}
		if (lineno == INT_MAX) {
			errf(err, errlen, "%s: too many lines", path);
			goto done;
		}
		lineno++;
		if (memchr(line, '\0', n) != NULL) {
			errf(err, errlen, "%s:%d: NUL byte in line", path,
			    lineno);
			goto done;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		p = line;
		/* Some Windows editors start UTF-8 with a byte order mark. */
		if (lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;

		if ((r = parse_line(p, &key, &val, msg, sizeof(msg))) == -1) {
			errf(err, errlen, "%s:%d: %s", path, lineno, msg);
			goto done;
		}
		if (r == 0)
			continue;
		r = settings_set(&tmp, key, val, msg, sizeof(msg));
		if (r == -2)
			log_warnx("%s:%d: unknown setting %s, ignored", path,
			    lineno, key);
		else if (r == -1) {
			errf(err, errlen, "%s:%d: %s", path, lineno, msg);
			goto done;
		}
	}

	settings_free(s);
	*s = tmp;
	rv = 0;
done:
	if (rv == -1)
		settings_free(&tmp);
	free(line);
	fclose(fp);
	return rv;
}

int
settings_load_env(struct settings *s, char *const *envp, char *err,
    size_t errlen)
{
	struct settings	 tmp;
	char		 name[KEY_NAME_MAX];
	char		 msg[MSG_BUFLEN];
	char *const	*ep;
	const char	*eq;
	size_t		 len;

	if (envp == NULL)
		return 0;
	if (settings_copy(&tmp, s) == -1) {
		errf(err, errlen, "environment: %s", strerror(errno));
		return -1;
	}
	for (ep = envp; *ep != NULL; ep++) {
		if ((eq = strchr(*ep, '=')) == NULL)
			continue;
		len = eq - *ep;
		if (len >= sizeof(name))
			continue;
		memcpy(name, *ep, len);
		name[len] = '\0';
		if (!settings_is_key(name))
			continue;
		if (settings_set(&tmp, name, eq + 1, msg, sizeof(msg)) != 0) {
			errf(err, errlen, "environment: %s", msg);
			settings_free(&tmp);
			return -1;
		}
	}
	settings_free(s);
	*s = tmp;
	return 0;
}
