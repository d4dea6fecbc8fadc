/*
 * instance.h: the instance model of SPEC section 3: InstanceConfig and
 * Instance, validated from request JSON with the original's (pydantic 2,
 * lax mode) coercion rules and error entries, encoded as JSON in the
 * original's field order and read from config.json (the channel form is
 * proto.c's).
 */
#ifndef SOLAR_INSTANCE_H
#define SOLAR_INSTANCE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "timefmt.h"
#include "uuid.h"

#define INST_STR_MAX	4096	/* characters */
#define INST_LIST_MAX	256

struct inst_env {
	char	*name;
	char	*value;
};

struct inst_config {
	char		*model;
	char		*alias;
	int64_t		 threads;
	int64_t		 n_gpu_layers;
	double		 temp;
	double		 top_p;
	int64_t		 top_k;
	double		 min_p;
	int64_t		 ctx_size;
	char		*chat_template_file;	/* NULL: null */
	char		*host;
	int64_t		 port;			/* 0: null (auto) */
	char		*api_key;
	int		 special;
	char		**extra_args;
	size_t		 n_extra_args;
	struct inst_env	*env;
	size_t		 n_env;
};

enum inst_status {
	INST_STOPPED = 0,
	INST_STARTING,
	INST_RUNNING,
	INST_STOPPING,
	INST_FAILED,
};

struct instance {
	char		 id[UUID_STRLEN + 1];
	struct inst_config config;
	enum inst_status status;
	int		 port;			/* 0: null */
	pid_t		 pid;			/* 0: null */
	char		 created_at[TIMEFMT_LEN];	/* as printed; never empty */
	char		 started_at[TIMEFMT_LEN];	/* "" : null */
	char		*error_message;		/* NULL: null */
	int64_t		 retry_count;
};

const char	*inst_status_name(enum inst_status);
int		 inst_status_parse(const char *, enum inst_status *);

/* A config with every default and the given required strings copied. */
void	inst_config_init(struct inst_config *);	/* defaults; strings NULL */
void	inst_config_free(struct inst_config *);	/* frees and re-inits */
int	inst_config_copy(struct inst_config *dst, const struct inst_config *src);
void	instance_free(struct instance *);	/* frees the strings it owns */
int	instance_copy(struct instance *dst, const struct instance *src);

/*
 * Validate a request body ({"config": InstanceConfig}) already parsed as
 * JSON; body NULL means the request had no body.  0: *cfg holds the config.
 * -1: *detail is a new JSON array of 422 entries (type, loc, msg, input,
 * ctx) in field order, and *cfg is left initialised and empty.  When
 * allow_extra is 0, non-empty extra_args or env are refused.
 */
int	inst_config_from_request(const json_t *body, int allow_extra,
	    struct inst_config *cfg, json_t **detail);

/* The rules any config must satisfy, checked again by the supervisor on a
 * config decoded from the channel.  NULL when it is fine, else why not. */
const char *inst_config_check(const struct inst_config *, int allow_extra);

/* An env name that makes a runtime load a library of the caller's
 * choosing (GGML_BACKEND_PATH ...): never allowed in env, and never
 * passed on from solar-host's own environment either. */
int	inst_env_loads_code(const char *, size_t);

/* JSON in the original's field order; extra_args and env only when not
 * empty.  New references. */
json_t	*inst_config_to_json(const struct inst_config *);
json_t	*instance_to_json(const struct instance *);

/*
 * One instance from a config.json entry, as the original wrote it.  Types
 * must be right (an int where an int belongs, ...) or it fails with the
 * reason in err ("instances[1].config.threads: must be an integer");
 * values outside our ranges are accepted, each with a warning logged with
 * log_warnx naming the instance and field.
 */
int	instance_from_json(const json_t *, struct instance *, char *err,
	    size_t errlen);

#endif
