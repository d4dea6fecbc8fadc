/* uuid.h: random UUIDs, version 4, lowercase 8-4-4-4-12. */
#ifndef SOLAR_UUID_H
#define SOLAR_UUID_H

#define UUID_STRLEN	36

void	uuid_v4(char out[UUID_STRLEN + 1]);	/* randomness from libsodium */
int	uuid_valid(const char *);		/* 1 for a lowercase 8-4-4-4-12 */

#endif
