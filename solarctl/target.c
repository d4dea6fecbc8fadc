/*
 * target.c: where the API is and the key it wants, found the way the
 * daemon keeps them.  The URL: --url, SOLAR_HOST_URL, then HOST and PORT
 * of ./.env (or --settings FILE), then the defaults.  The key: --key,
 * SOLAR_HOST_API_KEY, --key-file FILE, then the key the daemon would use
 * with those settings: their API_KEY, else the key file it generates
 * (solar-host.key beside CONFIG_FILE, so ./solar-host.key by default).
 * Where the key came from, or where it was looked for, is kept for the
 * message of a 401.
 */
#include <sys/types.h>

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "log.h"
#include "settings.h"
#include "solarctl.h"

#define ENV_FILE	".env"
#define KEYFILE_NAME	"solar-host.key"	/* as the daemon names it */
#define KEY_MAXLEN	4096

static void	 errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 quiet_sink(int, const char *, void *);
static const char *nonempty(const char *);
static char	*url_from_settings(const struct settings *);
static int	 parse_url(struct target *, const char *, char *, size_t);
static int	 read_key(const char *, char **, char *, size_t);
static char	*default_keyfile(const struct settings *);
static int	 key_from_files(struct target *, const struct settings *,
		    const char *, const char *, char *, size_t);

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The daemon's warnings about keys a client has no use for. */
static void
quiet_sink(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)msg;
	(void)arg;
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* A daemon listening on every address is reached on loopback. */
static char *
url_from_settings(const struct settings *s)
{
	const char	*host = s->host;
	char		*url;
	int		 n;

	if (host == NULL || *host == '\0' || strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	if (strchr(host, ':') != NULL)
		n = asprintf(&url, "http://[%s]:%d", host, s->port);
	else
		n = asprintf(&url, "http://%s:%d", host, s->port);
	return n == -1 ? NULL : url;
}

static int
parse_url(struct target *t, const char *url, char *err, size_t errlen)
{
	struct evhttp_uri	*u;
	const char		*scheme, *host, *path;
	size_t			 hlen, plen;
	int			 port, rc = -1;

	if ((u = evhttp_uri_parse_with_flags(url, 0)) == NULL) {
		errf(err, errlen, "%s: not a URL", url);
		return -1;
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	if (scheme == NULL || strcasecmp(scheme, "http") != 0)
		errf(err, errlen, "%s: only http:// URLs are supported", url);
	else if (host == NULL || *host == '\0')
		errf(err, errlen, "%s: no host", url);
	else if (evhttp_uri_get_userinfo(u) != NULL ||
	    evhttp_uri_get_query(u) != NULL ||
	    evhttp_uri_get_fragment(u) != NULL)
		errf(err, errlen, "%s: a user, query or fragment is not "
		    "allowed", url);
	else
		rc = 0;
	if (rc == -1)
		goto out;
	if ((port = evhttp_uri_get_port(u)) == -1)
		port = 80;
	t->port = port;
	hlen = strlen(host);
	/* libevent keeps an IPv6 literal's brackets: Host wants them. */
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']')
		t->host = strndup(host + 1, hlen - 2);
	else
		t->host = strdup(host);
	if (path == NULL)
		path = "";
	plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	t->prefix = strndup(path, plen);
	if (asprintf(&t->hosthdr, "%s:%d", host, port) == -1)
		t->hosthdr = NULL;
	if (t->host == NULL || t->prefix == NULL || t->hosthdr == NULL ||
	    asprintf(&t->url, "http://%s%s", t->hosthdr, t->prefix) == -1) {
		t->url = NULL;
		errf(err, errlen, "out of memory");
		rc = -1;
	}
out:
	evhttp_uri_free(u);
	return rc;
}

/*
 * One line, as the daemon writes it.  0, 1 when there is no such file,
 * -1 with the reason in err.
 */
static int
read_key(const char *path, char **key, char *err, size_t errlen)
{
	FILE	*f;
	char	 buf[KEY_MAXLEN + 2];
	size_t	 len;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 1;
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	while (len > 0 && strchr("\r\n \t", buf[len - 1]) != NULL)
		buf[--len] = '\0';
	if (len == 0 || len > KEY_MAXLEN || strlen(buf) != len ||
	    strpbrk(buf, "\r\n") != NULL) {
		errf(err, errlen, "%s: not a key file (one line of at most "
		    "%d characters)", path, KEY_MAXLEN);
		return -1;
	}
	if ((*key = strdup(buf)) == NULL) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The daemon keeps its generated key beside its CONFIG_FILE. */
static char *
default_keyfile(const struct settings *s)
{
	char	*copy, *path;

	if ((copy = strdup(s->config_file)) == NULL)
		return NULL;
	if (asprintf(&path, "%s/%s", dirname(copy), KEYFILE_NAME) == -1)
		path = NULL;
	free(copy);
	return path;
}

/*
 * The key of --key-file, else of the daemon's settings.  EXIT_OK (with
 * t->key still NULL when there was none), or an exit status with err.
 */
static int
key_from_files(struct target *t, const struct settings *s,
    const char *key_file, const char *settings_file, char *err,
    size_t errlen)
{
	char	*path;
	int	 rc;

	if (key_file != NULL) {
		if ((rc = read_key(key_file, &t->key, err, errlen)) == 1)
			errf(err, errlen, "%s: no such key file", key_file);
		if (rc != 0)
			return EXIT_USAGE;
		if (asprintf(&t->key_from, "the key file %s", key_file) == -1)
			t->key_from = NULL;
		return EXIT_OK;
	}
	if (nonempty(s->api_key) != NULL) {
		if ((t->key = strdup(s->api_key)) == NULL ||
		    asprintf(&t->key_from, "API_KEY of %s", settings_file) ==
		    -1) {
			errf(err, errlen, "out of memory");
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if ((path = default_keyfile(s)) == NULL) {
		errf(err, errlen, "out of memory");
		return EXIT_FAIL;
	}
	rc = read_key(path, &t->key, err, errlen);
	if (rc == 0 && asprintf(&t->key_from, "the key file %s", path) == -1)
		t->key_from = NULL;
	if (rc == 1 && asprintf(&t->key_from, "no key found: looked in "
	    "--key, SOLAR_HOST_API_KEY, API_KEY of %s and %s", settings_file,
	    path) == -1)
		t->key_from = NULL;
	free(path);
	return rc == -1 ? EXIT_USAGE : EXIT_OK;
}

int
target_resolve(struct target *t, const struct target_args *a, char *err,
    size_t errlen)
{
	struct settings	 s;
	const char	*url, *key, *file;
	char		*built = NULL;
	int		 rc = EXIT_OK, loaded;

	memset(t, 0, sizeof(*t));
	file = a->settings_file != NULL ? a->settings_file : ENV_FILE;
	if ((url = nonempty(a->url)) == NULL)
		url = nonempty(getenv("SOLAR_HOST_URL"));
	if ((key = nonempty(a->key)) != NULL)
		t->key_from = strdup("--key");
	else if ((key = nonempty(getenv("SOLAR_HOST_API_KEY"))) != NULL)
		t->key_from = strdup("SOLAR_HOST_API_KEY");
	settings_defaults(&s);
	if (url == NULL || key == NULL) {
		log_set_sink(quiet_sink, NULL);
		loaded = settings_load_file(&s, file, a->settings_file == NULL,
		    err, errlen);
		log_set_sink(NULL, NULL);
		if (loaded == -1) {
			settings_free(&s);
			return EXIT_USAGE;
		}
		if (key == NULL)
			rc = key_from_files(t, &s, a->key_file, file, err,
			    errlen);
		if (rc == EXIT_OK && url == NULL &&
		    (url = built = url_from_settings(&s)) == NULL) {
			errf(err, errlen, "out of memory");
			rc = EXIT_FAIL;
		}
	}
	if (rc == EXIT_OK && parse_url(t, url, err, errlen) == -1)
		rc = EXIT_USAGE;
	if (rc == EXIT_OK && key != NULL && (t->key = strdup(key)) == NULL) {
		errf(err, errlen, "out of memory");
		rc = EXIT_FAIL;
	}
	free(built);
	settings_free(&s);
	if (rc != EXIT_OK)
		target_free(t);
	return rc;
}

void
target_free(struct target *t)
{
	free(t->url);
	free(t->host);
	free(t->hosthdr);
	free(t->prefix);
	free(t->key_from);
	if (t->key != NULL) {
		explicit_bzero(t->key, strlen(t->key));
		free(t->key);
	}
	memset(t, 0, sizeof(*t));
}
