/*
 * memview.c: GET /memory's body.  The supervisor sends the figures as
 * numbers; the JSON is apid's, like every other HTTP body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmt.h"
#include "memview.h"
#include "proto.h"

#define MEMVIEW_GIB		(1024.0 * 1024.0 * 1024.0)

static double	round2(double);

/*
 * Python's round(x, 2): the exact binary value rounded, half to even.
 * printf rounds the exact value too, so its digits read back give it.
 */
static double
round2(double x)
{
	char	 s[64];

	if (snprintf(s, sizeof(s), "%.2f", x) >= (int)sizeof(s))
		return x;
	return strtod(s, NULL);
}

void
memview_json(const struct msg_memory *m, char *buf, size_t len)
{
	char	 used[FMT_DOUBLE_LEN], total[FMT_DOUBLE_LEN];
	char	 pct[FMT_DOUBLE_LEN];
	double	 p = 0.0;

	if (m->total != 0)
		p = round2((double)m->used / (double)m->total * 100.0);
	fmt_double(round2((double)m->used / MEMVIEW_GIB), used, sizeof(used));
	fmt_double(round2((double)m->total / MEMVIEW_GIB), total,
	    sizeof(total));
	fmt_double(p, pct, sizeof(pct));
	(void)snprintf(buf, len, "{\"used_gb\":%s,\"total_gb\":%s,"
	    "\"percent\":%s,\"memory_type\":\"%s\"}", used, total, pct,
	    m->vram != 0 ? "VRAM" : "RAM");
}
