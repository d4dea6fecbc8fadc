/* sup.h: the supervisor's process state and the interfaces of its modules. */
#ifndef SOLAR_SUP_H
#define SOLAR_SUP_H

#include <sys/types.h>
#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "settings.h"

struct event_base;
struct apidproc;
struct chanbuf;
struct instances;
struct sampler;
struct assets;

struct sup {
	struct event_base	*base;
	struct settings		 settings;
	char			*api_key;	/* from API_KEY or the key file */
	const char		*apid_path;
	int			 listen_fd;
	int			 verbose;
	int			 foreground_stderr;	/* children keep our stderr */
	int			 shutting_down;
	int			 apid_drop;	/* root without -u: apid as nobody */
	uid_t			 apid_uid;
	gid_t			 apid_gid;
	struct apidproc		*apid;
	struct instances	*instances;
	struct sampler		*sampler;
	struct assets		*assets;	/* NULL: docs load from the CDN */
	struct msg_memory	 memory;	/* ok 0 until read */
};

/* main.c: the last memory figures, to a new apid as to the running one. */
void		 sup_send_memory(struct sup *);

/* apidproc.c: the API process, restarted whenever it dies. */
struct apidproc	*apidproc_new(struct sup *);
void		 apidproc_free(struct apidproc *);
int		 apidproc_start(struct apidproc *);
/* 1 when pid was the API process (then it is handled). */
int		 apidproc_reaped(struct apidproc *, pid_t, int status);
/* Ask it to exit; 1 while it still runs. */
int		 apidproc_stop(struct apidproc *);
void		 apidproc_kill(struct apidproc *);
int		 apidproc_alive(const struct apidproc *);
pid_t		 apidproc_pid(const struct apidproc *);	/* 0 or less: none */
size_t		 apidproc_pending(const struct apidproc *);	/* bytes unsent */
/* Queue a message for apid; -1 (and dropped) while there is none. */
int		 apidproc_send(struct apidproc *, uint32_t type, uint32_t peerid,
		    const struct chanbuf *);
/* Changes with every new apid: answers to a dead one's requests are dropped. */
unsigned int	 apidproc_generation(const struct apidproc *);

/* listener.c */
int		 listener_open(const char *host, int port, char *err, size_t errlen);

/* keyfile.c */
char		*path_beside(const char *config_file, const char *name);
char		*keyfile_path(const char *config_file);
int		 keyfile_load_or_create(const char *path, char **key, int *created,
		    char *err, size_t errlen);

/* assets.c: local Swagger UI and ReDoc files */
struct assets	*assets_load(const char *dir, char *err, size_t errlen);
void		 assets_send(const struct assets *, struct apidproc *);
void		 assets_free(struct assets *);

/* notify.c: systemd readiness (NOTIFY_SOCKET) */
void		 notify_init(void);
void		 notify_send(const char *);
void		 notify_free(void);

/* pidfile.c: PID_FILE, held locked while solar-host runs. */
char		*pidfile_path(const struct settings *);
/* Create it locked; -1 with the reason (another solar-host) in err. */
int		 pidfile_create(const char *path, char *err, size_t errlen);
int		 pidfile_write_self(void);	/* after detaching */
void		 pidfile_remove_self(void);
/* The pid of the solar-host that holds path locked: 0 when none does
 * (no file, or a stale one), -1 with err. */
pid_t		 pidfile_running(const char *path, char *err, size_t errlen);

/* control.c: -s stop|status|reload; the exit status. */
int		 control_run(const char *cmd, const struct settings *);

/* daemonlog.c: where a detached solar-host logs. */
int		 daemonlog_open(const struct settings *, char *err,
		    size_t errlen);
void		 daemonlog_detached(void);
void		 daemonlog_reopen(void);

/* privdrop.c */
int		 privdrop(const char *user, char *err, size_t errlen);
/* Whom apid runs as when we are root without -u (none otherwise). */
int		 privdrop_apid_user(struct sup *, const char *user, char *err,
		    size_t errlen);
/* In apid's child before exec: that user, no capabilities.  -1: errno. */
int		 privdrop_child(const struct sup *);

#endif
