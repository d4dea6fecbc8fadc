/*
 * proto.c: what the messages of proto.h may carry besides their payload.
 * The channel asks here, so a descriptor on any other message is refused
 * in one place, before a dispatch function sees it.
 */
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The types that may come with a descriptor; any other with one is
 * malformed. */
static const uint32_t proto_fd_types[] = {
	MSG_HELLO,		/* the listening socket */
};

int
proto_takes_fd(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(proto_fd_types) / sizeof(proto_fd_types[0]);
	    i++)
		if (proto_fd_types[i] == type)
			return 1;
	return 0;
}
