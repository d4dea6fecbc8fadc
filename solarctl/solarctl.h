/*
 * solarctl.h: the state of one solarctl run and the interfaces between
 * its files: main.c (flags and dispatch), target.c (where the API is and
 * its key), http.c (REST requests), wslogs.c (the log WebSocket),
 * instcfg.c (a config from flags or a file), commands.c (one function per
 * command), show.c and table.c (human-readable output).
 */
#ifndef SOLARCTL_H
#define SOLARCTL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "uuid.h"

/* Exit statuses, documented in solarctl.1. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* a local failure: memory, writing output */
#define EXIT_USAGE	2	/* the command line or a file it names */
#define EXIT_API	3	/* the server refused; its detail is printed */
#define EXIT_CONN	4	/* no answer: cannot connect, timed out, lost */

#define CTL_TIMEOUT_S	60	/* default for --timeout */
#define CTL_BODY_MAX	(1024 * 1024)	/* the server takes no more */

struct event_base;

/* Where the API is and the key it wants. */
struct target {
	char	*url;		/* for messages: scheme, host, port, prefix */
	char	*host;		/* to connect to: a name or a bare address */
	char	*hosthdr;	/* for Host: IPv6 in brackets, with the port */
	int	 port;
	char	*prefix;	/* path in front of /instances; no final '/' */
	char	*key;		/* NULL: send none */
	char	*key_from;	/* where it came from, or where it was not */
};

/* What the command line says of the target; NULL: not given. */
struct target_args {
	const char	*url;
	const char	*key;
	const char	*key_file;
	const char	*settings_file;	/* instead of ./.env */
};

/* The config flags of create and update (long option values). */
enum cfgflag {
	CF_MODEL = 300,
	CF_ALIAS,
	CF_API_KEY,
	CF_THREADS,
	CF_CTX_SIZE,
	CF_TEMP,
	CF_TOP_P,
	CF_TOP_K,
	CF_MIN_P,
	CF_N_GPU_LAYERS,
	CF_HOST,
	CF_PORT,
	CF_CHAT_TEMPLATE_FILE,
	CF_SPECIAL,
	CF_NO_SPECIAL,
	CF_EXTRA_ARG,
	CF_NO_EXTRA_ARGS,
	CF_ENV,
	CF_NO_ENV,
	CF_FILE,
	CF_LAST = CF_FILE
};

/* What create and update change, in the order given. */
struct cfgedit {
	json_t		*set;		/* field: string, true, false or null */
	json_t		*extra;		/* NULL: unchanged; else the new list */
	json_t		*envops;	/* [[name, value or null], ...] */
	int		 clear_env;
	const char	*file;		/* NULL: none */
	int		 used;		/* any config flag was given */
};

/* The state of the run. */
struct ctl {
	struct event_base	*base;
	struct target		 t;
	int			 json;
	int			 timeout_s;
	int			 follow;
	long long		 since;		/* -1: every held line */
	struct cfgedit		 edit;
	char			**args;		/* after the command's name */
	int			 nargs;
};

/* target.c */
/* From the flags, then the environment, then ./.env (or the settings
 * file) and the key file.  EXIT_OK, or EXIT_USAGE with the reason in
 * err. */
int	target_resolve(struct target *, const struct target_args *,
	    char *err, size_t errlen);
void	target_free(struct target *);

/* http.c */
enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE
};

struct http_resp {
	int	 status;
	char	*body;		/* NUL-terminated, may hold NULs */
	size_t	 len;
};

/* One request, body NULL for none.  0: an answer, whatever its status;
 * -1: none, with the reason in err. */
int	http_request(struct ctl *, enum http_method, const char *path,
	    const char *body, size_t len, struct http_resp *, char *err,
	    size_t errlen);
void	http_resp_free(struct http_resp *);

/* wslogs.c: print an instance's log lines; an exit status. */
int	wslogs_run(struct ctl *, const char *id);

/* instcfg.c */
void	instcfg_init(struct cfgedit *);
void	instcfg_free(struct cfgedit *);
/* One config flag.  0, or -1 with the reason in err. */
int	instcfg_flag(struct cfgedit *, int flag, const char *arg, char *err,
	    size_t errlen);
/* The request body {"config":...} from base (a config, NULL for none;
 * --file replaces it) with the flags applied, checked as the server
 * checks it.  A new string, or NULL with the problems printed and *rc
 * set. */
char	*instcfg_body(struct cfgedit *, const json_t *base, size_t *len,
	    int *rc);

/* commands.c */
int	cmd_list(struct ctl *);
int	cmd_get(struct ctl *);
int	cmd_create(struct ctl *);
int	cmd_update(struct ctl *);
int	cmd_delete(struct ctl *);
int	cmd_start(struct ctl *);
int	cmd_stop(struct ctl *);
int	cmd_restart(struct ctl *);
int	cmd_logs(struct ctl *);
int	cmd_state(struct ctl *);
int	cmd_memory(struct ctl *);
int	cmd_health(struct ctl *);
/* Print an error answer: its detail on stderr (and with --json the body
 * on stdout).  Always EXIT_API. */
int	api_error(struct ctl *, int status, const char *body, size_t len);

/* show.c */
int	show_list(const json_t *instances);
void	show_object(const json_t *);
/* s of len bytes for a terminal: control characters become '?', and at
 * most max characters (0: any) are kept, "..." marking a cut.  New. */
char	*show_clean(const char *s, size_t len, size_t max);
/* "3d04h", "2h05m", "4m09s", "12s" since a started_at, or "-". */
void	show_uptime(const char *started_at, char *buf, size_t len);

/* table.c: cells are copied. */
struct table;
struct table	*table_new(size_t ncols, const char *const *headers);
int		 table_add(struct table *, const char *const *cells);
void		 table_print(const struct table *, FILE *);
void		 table_free(struct table *);

#endif
