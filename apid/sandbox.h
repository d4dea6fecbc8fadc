/* sandbox.h: apid's confinement (sandbox.c). */
#ifndef SOLAR_SANDBOX_H
#define SOLAR_SANDBOX_H

#include <stddef.h>

int	sandbox_apply(int enabled, unsigned int max_connections, char *err,
	    size_t errlen);

#endif
