/*
 * instance_rules.h: private to the instance model (instance.c,
 * instance_rules.c, instance_valid.c): the fields of InstanceConfig with
 * their rules from SPEC section 3, in the order of the 422 entries.
 */
#ifndef SOLAR_INSTANCE_RULES_H
#define SOLAR_INSTANCE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "instance.h"

enum inst_fkind {
	INST_FK_STR,
	INST_FK_INT,
	INST_FK_FLOAT,
	INST_FK_BOOL,
	INST_FK_LIST,
	INST_FK_ENV
};

#define INST_FF_REQUIRED	0x01	/* no default */
#define INST_FF_NULLABLE	0x02	/* null allowed: NULL, or 0 for port */
#define INST_FF_HOST		0x04	/* an address or localhost; no length */

struct inst_field {
	const char	*name;
	enum inst_fkind	 kind;
	size_t		 off;	/* in struct inst_config */
	int		 flags;
	int64_t		 min;	/* INT: value; STR, LIST, ENV: characters */
	int64_t		 max;
	double		 fmin;	/* FLOAT */
	double		 fmax;
};

extern const struct inst_field	inst_fields[];
extern const size_t		inst_nfields;

#define INST_DEFAULT_HOST	"0.0.0.0"
#define INST_MSG_NUL		"string contains NUL"
#define INST_MSG_HOST		"host must be an IP address or localhost"
#define INST_MSG_ENVNAME	"environment variable not allowed"
#define INST_WHY_LEN		160	/* inst_arg_refused's message */
#define INST_MSG_DISABLED	"extra_args and env are disabled on this " \
				"host (ALLOW_EXTRA_ARGS=false)"

/* Called for each rule a config breaks; what is NULL for the one rule
 * of no field (INST_MSG_DISABLED).  Return 0 to stop. */
typedef int (*inst_walk_fn)(const char *what, const char *why, void *arg);

void	*inst_field_ptr(const struct inst_config *, const struct inst_field *);
int	 inst_host_ok(const char *, size_t);
int	 inst_env_name_ok(const char *, size_t);	/* instance_args.c */
const char *inst_arg_refused(const char *, char *why, size_t);
size_t	 inst_iter_keylen(void *);	/* of a jansson object iterator */
int	 inst_rules_walk(const struct inst_config *, int allow_extra,
	    inst_walk_fn, void *);	/* 1: went through; 0: fn stopped it */

#endif
