/* sigdefault.h: every signal back to its default, for a child before exec. */
#ifndef SOLAR_SIGDEFAULT_H
#define SOLAR_SIGDEFAULT_H

/* Dispositions to SIG_DFL and an empty mask; async-signal-safe. */
void	sigdefault_all(void);

#endif
