/*
 * hello.c: the supervisor's first message.  It carries the settings apid
 * serves with and the listening socket; apid starts serving, ships its
 * log up, sandboxes itself and answers READY.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <unistd.h>

#include "apid.h"
#include "hello.h"
#include "http.h"
#include "log.h"
#include "proto.h"
#include "sandbox.h"
#include "sup.h"

/* The settings of HELLO into a. */
static void
hello_settings(struct apid *a, const struct msg_hello *h)
{
	a->log_buffer_size = h->log_buffer_size;
	a->http_timeout_s = h->http_timeout_s;
	a->allow_extra_args = h->allow_extra_args;
	a->max_connections = h->max_connections;
	a->ws_max_clients = h->ws_max_clients;
	a->ws_max_per_instance = h->ws_max_per_instance;
	a->sandbox = h->sandbox;
	a->header_timeout_s = h->header_timeout_s;
	a->ws_max_queued = (size_t)h->ws_max_queued_mb * 1024 * 1024;
	log_setverbose((int)h->verbose);
}

int
hello_message(struct apid *a, struct msg_hello *h, int fd)
{
	char	 err[256];

	/* Taken, not copied: one copy of the key to wipe at exit. */
	a->api_key = h->api_key;
	h->api_key = NULL;
	hello_settings(a, h);
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
	log_debug("serving (protocol %u, pid %ld)", h->version,
	    (long)getpid());
	return sup_send(a, MSG_READY, 0, NULL);
}
