/* memview.h: the body of GET /memory, from the supervisor's figures
 * (memview.c). */
#ifndef SOLAR_MEMVIEW_H
#define SOLAR_MEMVIEW_H

#include <stddef.h>

struct msg_memory;

/* {"used_gb":..,"total_gb":..,"percent":..,"memory_type":"VRAM"|"RAM"}:
 * GB of 1024^3 bytes, each rounded to 2 decimals, floats as Python prints
 * them.  Caller's buffer, cut to fit. */
void	memview_json(const struct msg_memory *, char *, size_t);

#endif
