/*
 * proto.h: the messages between solar-host (supervisor) and solar-host-apid.
 * Types live in numbered blocks and are never renumbered; a change to any
 * payload bumps PROTO_VERSION, which HELLO carries first.
 */
#ifndef SOLAR_PROTO_H
#define SOLAR_PROTO_H

#define PROTO_VERSION		1

/* The descriptor on which apid finds its end of the channel. */
#define APID_CHANNEL_FD		3

enum msg_type {
	/* 1..99: supervisor to apid */
	MSG_HELLO = 1,		/* u32 version, str api_key, u32 log_buffer_size; fd: listener */
	MSG_INSTANCE = 2,
	MSG_INSTANCE_GONE = 3,
	MSG_LOG_LINES = 4,
	MSG_LOG_HISTORY = 5,
	MSG_MEMORY = 6,
	MSG_REPLY = 7,

	/* 100..199: apid to supervisor */
	MSG_READY = 100,	/* empty: apid serves */
	MSG_LOG = 101,		/* u32 priority, str message */
	MSG_CREATE = 102,
	MSG_UPDATE = 103,
	MSG_DELETE = 104,
	MSG_START = 105,
	MSG_STOP = 106,
	MSG_RESTART = 107,
	MSG_HISTORY = 108,
};

#endif
