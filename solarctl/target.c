/*
 * target.c: where the API is and the key it wants: --url and --key, then
 * SOLAR_HOST_URL and SOLAR_HOST_API_KEY, then API_KEY, HOST and PORT of
 * ./.env as the daemon reads them, then the daemon's defaults.
 */
#include <sys/types.h>

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

static void	 errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 quiet_sink(int, const char *, void *);
static const char *nonempty(const char *);
static char	*url_from_settings(const struct settings *);
static int	 parse_url(struct target *, const char *, char *, size_t);

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

int
target_resolve(struct target *t, const char *url, const char *key,
    char *err, size_t errlen)
{
	struct settings	 s;
	char		*built = NULL;
	int		 rc = EXIT_OK, loaded;

	memset(t, 0, sizeof(*t));
	if ((url = nonempty(url)) == NULL)
		url = nonempty(getenv("SOLAR_HOST_URL"));
	if ((key = nonempty(key)) == NULL)
		key = nonempty(getenv("SOLAR_HOST_API_KEY"));
	settings_defaults(&s);
	if (url == NULL || key == NULL) {
		log_set_sink(quiet_sink, NULL);
		loaded = settings_load_file(&s, ENV_FILE, 1, err, errlen);
		log_set_sink(NULL, NULL);
		if (loaded == -1) {
			settings_free(&s);
			return EXIT_USAGE;
		}
		if (key == NULL)
			key = nonempty(s.api_key);
		if (url == NULL && (url = built = url_from_settings(&s)) ==
		    NULL) {
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
	if (t->key != NULL) {
		explicit_bzero(t->key, strlen(t->key));
		free(t->key);
	}
	memset(t, 0, sizeof(*t));
}
