/*
 * main.c: solar-host-apid, the API process.  Started only by solar-host,
 * with the channel on a fixed descriptor; sets up everything it needs, then
 * serves HTTP on the socket HELLO hands it.  It opens no files after start.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "api_docs.h"
#include "apid.h"
#include "cache.h"
#include "dispatch.h"
#include "http.h"
#include "log.h"
#include "proto.h"
#include "request.h"
#include "sup.h"

struct apid	*apid;

static const struct sup_handlers handlers = {
	dispatch_message,
	request_fail_all,	/* nobody is left to answer them */
};

/* solar-host gives us a connected AF_UNIX stream socket on a fixed fd. */
static int
started_by_supervisor(void)
{
	struct sockaddr_storage	 ss;
	struct stat		 st;
	socklen_t		 len = sizeof(ss);
	int			 type;
	socklen_t		 tlen = sizeof(type);

	if (fstat(APID_CHANNEL_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockname(APID_CHANNEL_FD, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family != AF_UNIX)
		return 0;
	if (getsockopt(APID_CHANNEL_FD, SOL_SOCKET, SO_TYPE, &type,
	    &tlen) == -1 || type != SOCK_STREAM)
		return 0;
	return 1;
}

static void
on_terminate(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char *argv[])
{
	static struct apid	 state;
	struct event		*ev_term, *ev_int;

	(void)argv;
	log_procname("solar-host-apid");
	log_init(1, 0);
	if (argc != 1 || !started_by_supervisor()) {
		fprintf(stderr, "solar-host-apid: this program is started by "
		    "solar-host(8), not by hand\n");
		return 1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("no_new_privs");
	/* No local-time conversion may read files later. */
	if (setenv("TZ", "UTC", 1) == -1)
		fatal("setenv");
	tzset();
	if (sodium_init() == -1)
		fatalx("libsodium cannot be initialised");
	/* jansson would read /dev/urandom on first use otherwise. */
	json_object_seed(randombytes_random());
	signal(SIGPIPE, SIG_IGN);
	/* Bodies of tens of KB per request: keep the heap instead of giving
	 * it back and faulting it in again each time. */
	(void)mallopt(M_TRIM_THRESHOLD, 4 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);

	apid = &state;
	if ((apid->base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	log_libevent();
	ev_term = evsignal_new(apid->base, SIGTERM, on_terminate, apid->base);
	ev_int = evsignal_new(apid->base, SIGINT, on_terminate, apid->base);
	if (ev_term == NULL || ev_int == NULL ||
	    evsignal_add(ev_term, NULL) == -1 || evsignal_add(ev_int, NULL) == -1)
		fatalx("cannot set up signal events");
	if ((apid->cache = cache_new()) == NULL)
		fatal("cache");
	if (sup_setup(apid, APID_CHANNEL_FD, &handlers) == -1)
		fatal("channel");

	event_base_dispatch(apid->base);

	request_fail_all(apid);
	http_teardown(apid);
	sup_teardown(apid);
	cache_free(apid->cache);
	apid->cache = NULL;
	docs_free();
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(apid->base);
	if (apid->api_key != NULL)
		sodium_memzero(apid->api_key, strlen(apid->api_key));
	free(apid->api_key);
	return 0;
}
