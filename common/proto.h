/*
 * proto.h: the messages between solar-host (supervisor) and solar-host-apid.
 * Types live in numbered blocks and are never renumbered; a change to any
 * payload bumps PROTO_VERSION, which HELLO carries first.
 */
#ifndef SOLAR_PROTO_H
#define SOLAR_PROTO_H

#include <stdint.h>

#define PROTO_VERSION		4

/* The descriptor on which apid finds its end of the channel. */
#define APID_CHANNEL_FD		3

enum msg_type {
	/* 1..99: supervisor to apid */
	MSG_HELLO = 1,		/* u32 version, str api_key, u32 log_buffer_size,
				   u32 verbose, u32 http_timeout_s,
				   u8 allow_extra_args, u32 max_connections,
				   u32 ws_max_clients, u32 ws_max_per_instance,
				   u8 sandbox, u32 header_timeout_s,
				   u32 ws_max_queued_mb; fd: listener */
	MSG_INSTANCE = 2,	/* instance */
	MSG_INSTANCE_GONE = 3,	/* str id */
	MSG_LOG_LINES = 4,
	MSG_LOG_HISTORY = 5,
	MSG_MEMORY = 6,
	MSG_REPLY = 7,
	MSG_ASSET = 8,		/* str name, bytes content: a /docs asset */

	/* 100..199: apid to supervisor */
	MSG_READY = 100,	/* empty: apid serves */
	MSG_LOG = 101,		/* u32 priority, str message */
	MSG_CREATE = 102,	/* config */
	MSG_UPDATE = 103,	/* str id, config */
	MSG_DELETE = 104,	/* str id; so are START, STOP, RESTART */
	MSG_START = 105,
	MSG_STOP = 106,
	MSG_RESTART = 107,
	MSG_HISTORY = 108,
};

/*
 * 1 when messages of this type may carry a descriptor (the table is in
 * proto.c); the channel treats one on any other type as malformed.
 */
int	proto_takes_fd(uint32_t type);

/*
 * REPLY: u32 outcome, str message (or absent), u8 has_instance, instance;
 * for REPLY_INVALID only, then str field, str input: the 422 entry's
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

#endif
