/* instcmp.h: field-by-field equality of configs and instances, for tests. */
#ifndef SOLAR_INSTCMP_H
#define SOLAR_INSTCMP_H

#include "instance.h"

int	instcmp_config(const struct inst_config *, const struct inst_config *);
int	instcmp_instance(const struct instance *, const struct instance *);

#endif
