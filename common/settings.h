/*
 * settings.h: the settings of SPEC section 1.  Sources in order, later wins:
 * built-in defaults, a .env file, the process environment.
 */
#ifndef SOLAR_SETTINGS_H
#define SOLAR_SETTINGS_H

#include <stddef.h>

struct settings {
	char	*api_key;	/* NULL: unset (a key file is used) */
	char	*host;
	int	 port;
	char	*config_file;
	char	*log_dir;
	int	 start_port;
	int	 max_retries;
	int	 log_buffer_size;
	char	*llama_server;
	int	 stop_timeout_s;
	int	 start_stall_s;
	int	 allow_extra_args;
	int	 http_timeout_s;	/* extension: idle and request deadline */
	int	 max_connections;	/* extension */
	int	 ws_max_clients;	/* extension: in total */
	int	 ws_max_per_instance;	/* extension */
	int	 sandbox;		/* extension: apid's seccomp and Landlock */
	char	*docs_assets_dir;	/* extension: local Swagger UI/ReDoc files */
	int	 header_timeout_s;	/* extension: a request head within it */
	int	 log_buffer_bytes;	/* extension: ring bytes per instance */
	int	 ws_max_queued_mb;	/* extension: apid's WebSocket queues */
	int	 log_file_max_mb;	/* extension: a log file is rotated there */
	int	 log_file_keep;		/* extension: old log files per instance */
	char	*model_dirs;		/* extension: NULL: models anywhere */
	int	 max_instances;		/* extension */
	char	*pid_file;		/* extension: NULL: beside CONFIG_FILE */
	char	*log_file;		/* extension: NULL: syslog if reachable */
};

void	settings_defaults(struct settings *);
void	settings_free(struct settings *);
/* 1 when name (any case) is a key of SPEC section 1. */
int	settings_is_key(const char *name);
/* Set one key (any case) from its text.  An empty value leaves the setting
 * as it was.  Unknown key: -2.  Bad value: -1 with the reason in err. */
int	settings_set(struct settings *, const char *key, const char *value,
	    char *err, size_t errlen);
/* Parse a .env file.  A missing file is fine when missing_ok.  Errors: -1
 * with "FILE:LINE: reason" in err, and s unchanged.  Unknown keys are
 * warned about with log_warnx, naming file and line. */
int	settings_load_file(struct settings *, const char *path, int missing_ok,
	    char *err, size_t errlen);
/* Apply the keys of section 1 found in envp (names matched in any case).
 * Errors: -1 with "environment: KEY: reason" in err. */
int	settings_load_env(struct settings *, char *const *envp, char *err,
	    size_t errlen);

#endif
