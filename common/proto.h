/*
 * proto.h: the messages between solar-host (supervisor) and solar-host-apid,
 * and their codec (proto.c), the only code that reads or writes payload
 * bytes.  Types live in numbered blocks and are never renumbered; a change
 * to any payload bumps PROTO_VERSION, which HELLO carries first.
 *
 * Payloads are fields in a row, nothing between them (channel.h):
 *   u8, u32, u64	unsigned, big-endian
 *   i64		two's complement, big-endian
 *   f64		IEEE 754 binary64 bits as a u64
 *   str		u32 length + bytes, no NUL inside; length 0xffffffff:
 *			absent (NULL)
 *   bytes		u32 length + bytes, any byte
 * A decoder refuses a payload that is short, has bytes left over, or holds
 * a value out of range; each says which below.  Decoded strings are the
 * caller's (the type's free function releases them); "bytes" and line
 * texts point into the message and live as long as it does.
 */
#ifndef SOLAR_PROTO_H
#define SOLAR_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "instance.h"
#include "timefmt.h"

#define PROTO_VERSION		5	/* 5: MEMORY carries figures, not JSON */

/* The descriptor on which apid finds its end of the channel. */
#define APID_CHANNEL_FD		3

struct chanbuf;
struct chanmsg;

enum msg_type {
	/* 1..99: supervisor to apid */
	MSG_HELLO = 1,		/* struct msg_hello; fd: the listener */
	MSG_INSTANCE = 2,	/* instance */
	MSG_INSTANCE_GONE = 3,	/* struct msg_id */
	MSG_LOG_LINES = 4,	/* struct msg_log_lines, live */
	MSG_LOG_HISTORY = 5,	/* struct msg_log_lines, peer id of HISTORY */
	MSG_MEMORY = 6,		/* struct msg_memory */
	MSG_REPLY = 7,		/* struct msg_reply, peer id of the request */
	MSG_ASSET = 8,		/* struct msg_asset: a /docs asset */

	/* 100..199: apid to supervisor */
	MSG_READY = 100,	/* empty: apid serves */
	MSG_LOG = 101,		/* struct msg_log */
	MSG_CREATE = 102,	/* config; peer id: the request */
	MSG_UPDATE = 103,	/* struct msg_update */
	MSG_DELETE = 104,	/* struct msg_id; so are START, STOP, RESTART */
	MSG_START = 105,
	MSG_STOP = 106,
	MSG_RESTART = 107,
	MSG_HISTORY = 108,	/* struct msg_history; peer id: its answer's */
};

/*
 * 1 when messages of this type may carry a descriptor (the table is in
 * proto.c); the channel treats one on any other type as malformed.
 */
int	proto_takes_fd(uint32_t type);

/*
 * The two shapes inside other messages:
 *
 * config: str model, str alias, i64 threads, i64 n_gpu_layers, f64 temp,
 *   f64 top_p, i64 top_k, f64 min_p, i64 ctx_size, str chat_template_file
 *   (may be absent), str host, i64 port, str api_key, u8 special (0 or 1),
 *   u32 n, n x str extra_args, u32 n, n x (str name, str value) env.
 *   Strings at most 4 x INST_STR_MAX bytes, lists at most INST_LIST_MAX;
 *   only chat_template_file may be absent.  The values themselves are for
 *   inst_config_check() to judge.
 *
 * instance: str id (a UUID), config, u32 status (enum inst_status), i64
 *   port (0..65535), i64 pid (>= 0), str created_at (not empty), str
 *   started_at (may be empty or absent), str error_message (may be
 *   absent), i64 retry_count.  Timestamps shorter than TIMEFMT_LEN.
 */

/* HELLO: u32 version, str api_key, u32 log_buffer_size, u32 verbose,
 * u32 http_timeout_s (> 0), u8 allow_extra_args (0/1), u32 max_connections
 * (> 0), u32 ws_max_clients, u32 ws_max_per_instance, u8 sandbox (0/1),
 * u32 header_timeout_s (> 0), u32 ws_max_queued_mb (> 0). */
struct msg_hello {
	uint32_t	 version;
	char		*api_key;
	uint32_t	 log_buffer_size;
	uint32_t	 verbose;
	uint32_t	 http_timeout_s;
	uint8_t		 allow_extra_args;
	uint32_t	 max_connections;
	uint32_t	 ws_max_clients;
	uint32_t	 ws_max_per_instance;
	uint8_t		 sandbox;
	uint32_t	 header_timeout_s;
	uint32_t	 ws_max_queued_mb;
};

/* INSTANCE_GONE, DELETE, START, STOP, RESTART: str id (present). */
struct msg_id {
	char		*id;
};

/*
 * One line of an instance's output: its timestamp in the supervisor's
 * local time (str, shorter than TIMEFMT_LEN) and its text (bytes).
 */
struct msg_line {
	char		 ts[TIMEFMT_LEN];
	const uint8_t	*text;		/* into the ring or the message */
	size_t		 len;
};

/*
 * LOG_LINES: str id, u64 first seq, u32 n, n lines.
 * LOG_HISTORY: str id, u8 last (0/1: the answer's final chunk), u64 first
 * seq, u32 n, n lines.  Line i has seq first + i.
 */
struct msg_log_lines {
	char		*id;
	uint8_t		 last;		/* LOG_HISTORY only */
	uint64_t	 first;
	uint32_t	 n;
	struct msg_line	*lines;
};

/* MEMORY: u8 ok (0/1), u8 vram (0/1), u64 used, u64 total (bytes); when
 * ok is 0 neither VRAM nor RAM could be read and the rest is 0. */
struct msg_memory {
	uint8_t		 ok;
	uint8_t		 vram;
	uint64_t	 used;
	uint64_t	 total;
};

/*
 * REPLY: u32 outcome (enum reply_outcome), str message (may be absent), u8
 * has_instance (0/1), then the instance when it is 1; for REPLY_INVALID
 * only, then str field, str input (each may be absent): the 422 entry's
 * last loc item and its input.
 */
enum reply_outcome {
	REPLY_OK = 0,
	REPLY_NOT_FOUND = 1,	/* no instance with that id */
	REPLY_CONFLICT = 2,	/* it must be stopped first */
	REPLY_FAILED = 3,	/* a start ended in failed; message = error_message */
	REPLY_ERROR = 4,	/* message says why (a refused config, a failed save) */
	REPLY_INVALID = 5,	/* a field only the supervisor can judge (a path
				   outside MODEL_DIRS); message = why */
	REPLY_LIMIT = 6,	/* MAX_INSTANCES reached; message = detail */
	REPLY_PORT_CONFLICT = 7,	/* 409: message names the port and its
					   holder */
};

struct msg_reply {
	uint32_t	 outcome;
	char		*message;
	struct instance	*inst;		/* NULL: none */
	char		*field;		/* REPLY_INVALID only */
	char		*input;
};

/* ASSET: str name (present), bytes content. */
struct msg_asset {
	char		*name;
	const uint8_t	*data;		/* into the message */
	size_t		 len;
};

/* LOG: u32 priority (a syslog level, at most LOG_DEBUG), str message
 * (present). */
struct msg_log {
	uint32_t	 priority;
	char		*message;
};

/* UPDATE: str id (present), config. */
struct msg_update {
	char			*id;
	struct inst_config	 config;
};

/* HISTORY: str id (present), u64 since (the first seq wanted). */
struct msg_history {
	char		*id;
	uint64_t	 since;
};

/*
 * One pair per message type.  An encoder appends to b (whose failed flag
 * says if that went wrong); a decoder reads the whole payload of m into
 * its struct: 0, or -1 when malformed, with nothing left to free.  After
 * a 0, the type's free function releases what was decoded.
 */
void	proto_hello_encode(struct chanbuf *, const struct msg_hello *);
int	proto_hello_decode(struct chanmsg *, struct msg_hello *);
void	proto_hello_free(struct msg_hello *);

void	proto_instance_encode(struct chanbuf *, const struct instance *);
int	proto_instance_decode(struct chanmsg *, struct instance *);

void	proto_id_encode(struct chanbuf *, const char *id);
int	proto_id_decode(struct chanmsg *, struct msg_id *);
void	proto_id_free(struct msg_id *);

/* LOG_LINES and LOG_HISTORY (history 1: with the last flag). */
void	proto_log_lines_encode(struct chanbuf *, const struct msg_log_lines *,
	    int history);
int	proto_log_lines_decode(struct chanmsg *, struct msg_log_lines *,
	    int history);
void	proto_log_lines_free(struct msg_log_lines *);

void	proto_memory_encode(struct chanbuf *, const struct msg_memory *);
int	proto_memory_decode(struct chanmsg *, struct msg_memory *);

void	proto_reply_encode(struct chanbuf *, const struct msg_reply *);
int	proto_reply_decode(struct chanmsg *, struct msg_reply *);
void	proto_reply_free(struct msg_reply *);

void	proto_asset_encode(struct chanbuf *, const char *name,
	    const void *data, size_t len);
int	proto_asset_decode(struct chanmsg *, struct msg_asset *);
void	proto_asset_free(struct msg_asset *);

/* READY has no payload: sent without a buffer, decoded to check that. */
int	proto_ready_decode(struct chanmsg *);

void	proto_log_encode(struct chanbuf *, const struct msg_log *);
int	proto_log_decode(struct chanmsg *, struct msg_log *);
void	proto_log_free(struct msg_log *);

void	proto_create_encode(struct chanbuf *, const struct inst_config *);
int	proto_create_decode(struct chanmsg *, struct inst_config *);

void	proto_update_encode(struct chanbuf *, const char *id,
	    const struct inst_config *);
int	proto_update_decode(struct chanmsg *, struct msg_update *);
void	proto_update_free(struct msg_update *);

void	proto_history_encode(struct chanbuf *, const struct msg_history *);
int	proto_history_decode(struct chanmsg *, struct msg_history *);
void	proto_history_free(struct msg_history *);

#endif
