/*
 * sampler_main.c: solar-host-sampler, the memory sampler.  solar-host
 * fork+execs it with a pipe on SAMPLER_FD and the interval in seconds as
 * its argument; it writes a reading right away and then one per interval,
 * until the pipe closes.  A program of its own, so that NVML is loaded
 * into a fresh address space, never into a copy of the supervisor's (which
 * holds the API key and every instance's config), and so that ps shows it
 * by its own name.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "memory.h"
#include "samplerec.h"

int
main(int argc, char *argv[])
{
	unsigned char	 rec[SAMPLEREC_LEN];
	struct memfig	 m;
	struct timespec	 ts;
	struct stat	 st;
	char		*end;
	long		 interval;
	ssize_t		 n;

	interval = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 2 || *end != '\0' || interval < 1 || interval > 86400 ||
	    fstat(SAMPLER_FD, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "solar-host-sampler: started by solar-host "
		    "only, with a pipe on descriptor %d\n", SAMPLER_FD);
		return 2;
	}
	for (;;) {
		memory_read(&m);
		samplerec_encode(&m, rec);
		/* Below PIPE_BUF: whole or not at all.  EPIPE (SIGPIPE is
		 * at its default) means the supervisor is gone. */
		while ((n = write(SAMPLER_FD, rec, sizeof(rec))) == -1 &&
		    errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(rec))
			return 0;
		ts.tv_sec = interval;
		ts.tv_nsec = 0;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			continue;
	}
}
