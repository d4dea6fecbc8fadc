/* sup.h: apid's end of the channel to the supervisor (sup.c). */
#ifndef SOLAR_SUP_H
#define SOLAR_SUP_H

#include <stdint.h>

struct apid;
struct chanbuf;
struct chanmsg;

/* What comes down the channel goes to message (-1: malformed, which
 * ends the channel); lost is told once when the channel breaks. */
struct sup_handlers {
	int	(*message)(struct apid *, struct chanmsg *);
	void	(*lost)(struct apid *);
};

int	sup_setup(struct apid *, int fd, const struct sup_handlers *);
void	sup_teardown(struct apid *);
/* Everything apid tells the supervisor; b may be NULL.  -1: not queued. */
int	sup_send(struct apid *, uint32_t type, uint32_t peerid,
	    const struct chanbuf *b);
/* From here on apid's log messages go up as LOG. */
void	sup_log_start(struct apid *);
/* What is queued leaves if the socket takes it now (before an exit). */
void	sup_last_words(struct apid *);

#endif
