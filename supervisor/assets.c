/*
 * assets.c: the Swagger UI and ReDoc files for sites without internet
 * (DOCS_ASSETS_DIR), read once at start-up here, since apid reads no
 * files, and handed to every API process.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "docsassets.h"
#include "proto.h"
#include "sup.h"

#define ASSET_MAX	(8 * 1024 * 1024)

static const char *const asset_names[DOCS_NASSETS] = { DOCS_ASSET_NAMES };
#define NASSETS	DOCS_NASSETS

struct assets {
	char	*data[NASSETS];
	size_t	 len[NASSETS];
};

static int
asset_read(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "DOCS_ASSETS_DIR: %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ASSET_MAX) {
		snprintf(err, errlen, "DOCS_ASSETS_DIR: %s: not a file of at "
		    "most %d bytes", path, ASSET_MAX);
		close(fd);
		return -1;
	}
	if ((*out = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, *out + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	*len = got;
	return 0;
}

struct assets *
assets_load(const char *dir, char *err, size_t errlen)
{
	struct assets	*a;
	char		 path[4200];
	size_t		 i;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < NASSETS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, asset_names[i]);
		if (asset_read(path, &a->data[i], &a->len[i], err,
		    errlen) == -1) {
			assets_free(a);
			return NULL;
		}
	}
	return a;
}

void
assets_send(const struct assets *a, struct apidproc *ap)
{
	struct chanbuf	 b;
	size_t		 i;

	if (a == NULL)
		return;
	chanbuf_init(&b);
	for (i = 0; i < NASSETS; i++) {
		chanbuf_reset(&b);
		proto_asset_encode(&b, asset_names[i], a->data[i], a->len[i]);
		(void)apidproc_send(ap, MSG_ASSET, 0, &b);
	}
	chanbuf_free(&b);
}

void
assets_free(struct assets *a)
{
	size_t	 i;

	if (a == NULL)
		return;
	for (i = 0; i < NASSETS; i++)
		free(a->data[i]);
	free(a);
}
