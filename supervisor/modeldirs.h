/*
 * modeldirs.h: MODEL_DIRS, the directories that an instance's model and
 * chat_template_file must resolve into (SPEC section 1, extension).
 */
#ifndef SOLAR_MODELDIRS_H
#define SOLAR_MODELDIRS_H

#include <stddef.h>

struct inst_config;

/*
 * Whether path resolves inside one of dirs (colon-separated; NULL or
 * empty: anywhere).  Relative paths resolve against the working
 * directory.  With must_exist, every link of path is followed
 * (realpath) and a path that does not resolve is refused; without it, a
 * path that does not exist yet is judged by its longest prefix that
 * does.  0: inside, and *resolved (when not NULL) holds the resolved
 * path, allocated (NULL when dirs is unset).  -1: not, with the reason
 * in err, naming path ("/etc/x is outside MODEL_DIRS").
 */
int	modeldirs_check(const char *dirs, const char *path, int must_exist,
	    char **resolved, char *err, size_t errlen);

/*
 * Both paths of a config (chat_template_file when set).  On -1, *field
 * is the field that failed ("model" or "chat_template_file") and err
 * says why.  *model and *tmpl (either may be NULL) get the resolved
 * paths, or NULL when dirs is unset or the field is; the caller frees.
 */
int	modeldirs_config(const char *dirs, const struct inst_config *,
	    int must_exist, char **model, char **tmpl, const char **field,
	    char *err, size_t errlen);

#endif
