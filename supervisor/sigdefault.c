/*
 * sigdefault.c: a child gets every signal disposition back to its default.
 * An ignored signal stays ignored across exec, and glibc's sigaction()
 * refuses the two real-time signals it keeps for itself (32 and 33), which
 * an ignoring parent would otherwise hand down: those go through the raw
 * system call.
 */
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sigdefault.h"

/* The kernel's own layout of struct sigaction, for rt_sigaction(2). */
struct kernel_sigaction {
	void		*handler;
	unsigned long	 flags;
	void		*restorer;
	unsigned long	 mask;
};

void
sigdefault_all(void)
{
	struct kernel_sigaction	 ksa;
	struct sigaction	 sa;
	sigset_t		 none;
	int			 sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = (void *)SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &sa, NULL) == -1 && errno == EINVAL)
			(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL,
			    sizeof(ksa.mask));
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}
