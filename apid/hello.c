/*
 * hello.c: the supervisor's first message.  It carries the settings apid
 * serves with and the listening socket; apid starts serving, ships its
 * log up, sandboxes itself and answers READY.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <unistd.h>

#include "apid.h"
#include "channel.h"
#include "hello.h"
#include "http.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"
#include "sup.h"

/* The settings into a; the listening socket, or -1 when malformed. */
static int
hello_settings(struct apid *a, struct chanmsg *m)
{
	uint32_t	 bufsize, verbose, timeout, maxconn, wsmax, wsper;
	uint32_t	 htimeout, wsqueued;
	uint8_t		 allow_extra, sandbox;
	int		 fd;

	if (chanmsg_str(m, &a->api_key) == -1 || a->api_key == NULL ||
	    chanmsg_u32(m, &bufsize) == -1 || chanmsg_u32(m, &verbose) == -1 ||
	    chanmsg_u32(m, &timeout) == -1 || timeout == 0 ||
	    chanmsg_u8(m, &allow_extra) == -1 || allow_extra > 1 ||
	    chanmsg_u32(m, &maxconn) == -1 || maxconn == 0 ||
	    chanmsg_u32(m, &wsmax) == -1 || chanmsg_u32(m, &wsper) == -1 ||
	    chanmsg_u8(m, &sandbox) == -1 || sandbox > 1 ||
	    chanmsg_u32(m, &htimeout) == -1 || htimeout == 0 ||
	    chanmsg_u32(m, &wsqueued) == -1 || wsqueued == 0 ||
	    chanmsg_end(m) == -1 || (fd = chanmsg_take_fd(m)) == -1)
		return -1;
	a->log_buffer_size = bufsize;
	a->http_timeout_s = timeout;
	a->allow_extra_args = allow_extra;
	a->max_connections = maxconn;
	a->ws_max_clients = wsmax;
	a->ws_max_per_instance = wsper;
	a->sandbox = sandbox;
	a->header_timeout_s = htimeout;
	a->ws_max_queued = (size_t)wsqueued * 1024 * 1024;
	log_setverbose((int)verbose);
	return fd;
}

int
hello_message(struct apid *a, struct chanmsg *m)
{
	uint32_t	 version;
	char		 err[256];
	int		 fd;

	if (a->serving)
		return -1;
	if (chanmsg_u32(m, &version) == -1)
		return -1;
	if (version != PROTO_VERSION) {
		log_warnx("protocol version %u, expected %u", version,
		    PROTO_VERSION);
		return -1;
	}
	if ((fd = hello_settings(a, m)) == -1)
		return -1;
	if (http_setup(a, fd) == -1) {
		close(fd);
		log_warnx("cannot serve on the listening socket");
		return -1;
	}
	a->serving = 1;
	sup_log_start(a);
	/* Everything is in hand: from here on, no files, no new processes. */
	if (sandbox_apply(a->sandbox, a->max_connections, err,
	    sizeof(err)) == -1) {
		log_warnx("cannot sandbox the API process: %s", err);
		sup_last_words(a);
		exit(1);
	}
	log_debug("serving (protocol %u, pid %ld)", version, (long)getpid());
	return sup_send(a, MSG_READY, 0, NULL);
}
