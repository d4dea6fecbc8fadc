/* t.h: the few macros the unit tests share. */
#ifndef SOLAR_T_H
#define SOLAR_T_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int t_failures;
static int t_checks;

#define CHECK(cond) do {						\
	t_checks++;							\
	if (!(cond)) {							\
		t_failures++;						\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *t_g = (got), *t_w = (want);				\
	t_checks++;							\
	if (t_g == NULL || strcmp(t_g, t_w) != 0) {			\
		t_failures++;						\
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, t_g ? t_g : "(null)", t_w);	\
	}								\
} while (0)

/* The descriptors open now (the listing's own one included). */
static inline int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static inline long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

#define T_DONE() do {							\
	fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__,		\
	    t_checks, t_failures);					\
	return t_failures == 0 ? 0 : 1;					\
} while (0)

#endif
