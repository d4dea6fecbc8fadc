/*
 * samplerec.h: one reading of the memory sampler as it crosses the pipe
 * from solar-host-sampler to the supervisor: ok, vram, used, total, field
 * by field, big-endian.
 */
#ifndef SOLAR_SAMPLEREC_H
#define SOLAR_SAMPLEREC_H

#include "memory.h"

#define SAMPLEREC_LEN	18	/* 1 + 1 + 8 + 8 bytes, below PIPE_BUF */
/* The descriptor on which solar-host-sampler finds the pipe's write end. */
#define SAMPLER_FD	3

void	samplerec_encode(const struct memfig *, unsigned char *);
/* -1 when the record cannot be one the sampler wrote. */
int	samplerec_decode(const unsigned char *, struct memfig *);

#endif
