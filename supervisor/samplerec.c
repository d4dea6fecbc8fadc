/* samplerec.c: the memory sampler's records (samplerec.h). */
#include <stdint.h>

#include "samplerec.h"

static void
put_u64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void
samplerec_encode(const struct memfig *m, unsigned char *rec)
{
	rec[0] = m->ok != 0;
	rec[1] = m->vram != 0;
	put_u64(rec + 2, m->used);
	put_u64(rec + 10, m->total);
}

/* Our own program wrote it, so anything odd means a broken stream. */
int
samplerec_decode(const unsigned char *rec, struct memfig *m)
{
	if (rec[0] > 1 || rec[1] > 1)
		return -1;
	m->ok = rec[0];
	m->vram = rec[1];
	m->used = get_u64(rec + 2);
	m->total = get_u64(rec + 10);
	if (m->ok == 0 && (m->vram != 0 || m->used != 0 || m->total != 0))
		return -1;
	if (m->used > m->total)
		return -1;
	return 0;
}
