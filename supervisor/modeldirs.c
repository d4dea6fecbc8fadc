/*
 * modeldirs.c: whether a model or chat template path lies inside
 * MODEL_DIRS.  At create and update the file may not exist yet, so what
 * exists of its path is resolved and the rest is read lexically; at
 * start the whole path is resolved, since a link may have been swapped
 * in the meantime, and the child is handed the resolved path.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"
#include "modeldirs.h"

static char	*absolute(const char *);
static char	*resolve_prefix(const char *);
static char	*resolve(const char *, int);
static int	 inside(const char *, const char *);

/* path made absolute against the working directory, as open(2) reads it. */
static char *
absolute(const char *path)
{
	char	*cwd, *abs;

	if (path[0] == '/')
		return strdup(path);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return NULL;
	if (asprintf(&abs, "%s/%s", cwd, path) == -1)
		abs = NULL;
	free(cwd);
	return abs;
}

/*
 * The longest existing prefix of an absolute path, resolved, then the
 * rest one component at a time: those do not exist, so none is a link,
 * and ".." among them takes the previous component away, as it will
 * once they exist.
 */
static char *
resolve_prefix(const char *abs)
{
	char	*head, *real = NULL, *out, *rest, *comp, *save, *slash;
	size_t	 cut, len, at;

	if ((head = strdup(abs)) == NULL)
		return NULL;
	for (cut = strlen(head); cut > 0; cut--) {
		if (head[cut] != '/' && head[cut] != '\0')
			continue;
		head[cut] = '\0';
		if ((real = realpath(cut == 0 ? "/" : head, NULL)) != NULL)
			break;
	}
	if (real == NULL && (real = realpath("/", NULL)) == NULL) {
		free(head);
		return NULL;
	}
	/* Room for the resolved head and every byte of the rest. */
	len = strlen(real) + strlen(abs) + 2;
	if ((out = malloc(len)) == NULL || (rest = strdup(abs + cut)) ==
	    NULL) {
		free(out);
		free(real);
		free(head);
		return NULL;
	}
	snprintf(out, len, "%s", real);
	for (comp = strtok_r(rest, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if ((slash = strrchr(out, '/')) != NULL)
				slash[slash == out ? 1 : 0] = '\0';
			continue;
		}
		at = strlen(out);
		snprintf(out + at, len - at, "%s%s", strcmp(out, "/") == 0 ?
		    "" : "/", comp);
	}
	free(rest);
	free(real);
	free(head);
	return out;
}

static char *
resolve(const char *path, int must_exist)
{
	char	*abs, *r;

	if ((r = realpath(path, NULL)) != NULL || must_exist)
		return r;
	if ((abs = absolute(path)) == NULL)
		return NULL;
	r = resolve_prefix(abs);
	free(abs);
	return r;
}

/* A directory contains itself and what is below it, not /srv/models2. */
static int
inside(const char *path, const char *dir)
{
	size_t	n = strlen(dir);

	if (strncmp(path, dir, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n > 0 && dir[n - 1] ==
	    '/');
}

int
modeldirs_check(const char *dirs, const char *path, int must_exist,
    char **resolved, char *err, size_t errlen)
{
	char	*real, *list, *dir, *save, *rdir;
	int	 ok = 0;

	if (resolved != NULL)
		*resolved = NULL;
	if (dirs == NULL || *dirs == '\0')
		return 0;
	if ((real = resolve(path, must_exist)) == NULL) {
		snprintf(err, errlen, "%s cannot be resolved: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((list = strdup(dirs)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(real);
		return -1;
	}
	for (dir = strtok_r(list, ":", &save); dir != NULL && !ok;
	    dir = strtok_r(NULL, ":", &save)) {
		/* An operator's directory may be a link, or not exist yet. */
		if ((rdir = resolve(dir, 0)) == NULL)
			continue;
		ok = inside(real, rdir);
		free(rdir);
	}
	free(list);
	if (!ok) {
		if (strcmp(real, path) == 0)
			snprintf(err, errlen, "%s is outside MODEL_DIRS", path);
		else
			snprintf(err, errlen, "%s resolves to %s, outside "
			    "MODEL_DIRS", path, real);
		free(real);
		return -1;
	}
	if (resolved != NULL)
		*resolved = real;
	else
		free(real);
	return 0;
}

int
modeldirs_config(const char *dirs, const struct inst_config *c,
    int must_exist, char **model, char **tmpl, const char **field,
    char *err, size_t errlen)
{
	char	*m = NULL, *t = NULL;

	*field = "model";
	if (modeldirs_check(dirs, c->model, must_exist, &m, err, errlen) == -1)
		return -1;
	if (c->chat_template_file != NULL) {
		*field = "chat_template_file";
		if (modeldirs_check(dirs, c->chat_template_file, must_exist,
		    &t, err, errlen) == -1) {
			free(m);
			return -1;
		}
	}
	if (model != NULL)
		*model = m;
	else
		free(m);
	if (tmpl != NULL)
		*tmpl = t;
	else
		free(t);
	return 0;
}
