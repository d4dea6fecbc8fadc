/* test_uuid.c: uuid_v4's form and uniqueness, and what uuid_valid accepts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uuid.h"
#include "t.h"

#define NIDS	10000

static int	cmp_id(const void *, const void *);

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
main(void)
{
	static const char *const good[] = {
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789ab",
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"3f0c2b8e-1a2b-1c3d-ce4f-0123456789ab",	/* any version */
	};
	static const char *const bad[] = {
		"",
		"3F0C2B8E-1A2B-4C3D-8E4F-0123456789AB",
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789aB",
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789a",
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789abc",
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789ab\n",
		"3f0c2b8e1-a2b-4c3d-8e4f-0123456789ab",
		"3f0c2b8e-1a2b4-c3d-8e4f-0123456789ab",
		"3f0c2b8e-1a2b-4c3d8-e4f-0123456789ab",
		"3f0c2b8e-1a2b-4c3d-8e4f0-123456789ab",
		"3f0c2b8e11a2b14c3d18e4f10123456789ab",
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789ag",
		"3f0c2b8e-1a2b-4c3d-8e4f-01234-6789ab",
		"{3f0c2b8e-1a2b-4c3d-8e4f-0123456789a}",
		"3f0c2b8e-1a2b-4c3d-8e4f-0123456789 b",
		"../../../../../../../../../etc/passw",
	};
	static const char	 variants[] = "89ab";
	char			(*ids)[UUID_STRLEN + 1];
	char			 one[UUID_STRLEN + 2];
	const char		*p;
	size_t			 i;
	int			 badform, badver, badvar, dups, seen;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!uuid_valid(good[i]))
			fprintf(stderr, "rejected \"%s\"\n", good[i]);
		CHECK(uuid_valid(good[i]) == 1);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (uuid_valid(bad[i]))
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
		CHECK(uuid_valid(bad[i]) == 0);
	}
	CHECK(uuid_valid(NULL) == 0);

	/* uuid_v4 writes exactly 36 characters and a NUL, nothing more. */
	memset(one, 'x', sizeof(one));
	uuid_v4(one);
	CHECK(strlen(one) == UUID_STRLEN);
	CHECK(one[UUID_STRLEN + 1] == 'x');

	if ((ids = calloc(NIDS, sizeof(*ids))) == NULL) {
		perror("calloc");
		return 2;
	}
	badform = badver = badvar = 0;
	seen = 0;
	for (i = 0; i < NIDS; i++) {
		uuid_v4(ids[i]);
		if (!uuid_valid(ids[i]))
			badform++;
		if (ids[i][14] != '4')
			badver++;
		p = strchr(variants, ids[i][19]);
		if (p == NULL || ids[i][19] == '\0')
			badvar++;
		else	/* each one shows up: the low two bits are random */
			seen |= 1 << (p - variants);
	}
	CHECK(badform == 0);
	CHECK(badver == 0);
	CHECK(badvar == 0);
	CHECK(seen == 0xf);

	qsort(ids, NIDS, sizeof(*ids), cmp_id);
	dups = 0;
	for (i = 1; i < NIDS; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			dups++;
	CHECK(dups == 0);
	free(ids);

	T_DONE();
}
