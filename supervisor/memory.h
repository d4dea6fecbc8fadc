/*
 * memory.h: the figures of GET /memory: NVIDIA VRAM through NVML (loaded
 * at run time), summed over all GPUs, else RAM from /proc/meminfo; read
 * in a small sampler process, since NVML can block for seconds.
 */
#ifndef SOLAR_MEMORY_H
#define SOLAR_MEMORY_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sampler;

struct memfig {
	int		 ok;		/* 0: neither could be read */
	int		 vram;		/* 1: VRAM, 0: RAM */
	uint64_t	 used;		/* bytes */
	uint64_t	 total;		/* bytes */
};

/* Parse /proc/meminfo's text: used = MemTotal - MemAvailable.  0 or -1. */
int	memory_parse_meminfo(const char *, size_t, struct memfig *);
/* NVML first (dlopen libnvidia-ml.so.1), then /proc/meminfo. */
void	memory_read(struct memfig *);

typedef void (*sampler_fn)(const struct memfig *, void *arg);

/* Fork+exec the sampler program at path (kept, not copied): it sends a
 * reading every interval_s seconds through a pipe; cb gets each one.
 * NULL on failure. */
struct sampler	*sampler_start(struct event_base *, const char *path,
		    int interval_s, sampler_fn, void *arg);
/* 1 when pid was the sampler (then it is restarted). */
int		 sampler_reaped(struct sampler *, pid_t, int status);
void		 sampler_free(struct sampler *);	/* kills and reaps it */
pid_t		 sampler_pid(const struct sampler *);	/* -1: none runs */

#endif
