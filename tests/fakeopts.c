/*
 * fakeopts.c: the options of the test suite's and the benchmarks' fake
 * llama-servers come from a file beside the model they are given
 * (MODEL.fake, one NAME=VALUE a line), since an instance's "env" may
 * only carry an allowlist of names.  Each line becomes an environment
 * variable of the fake's own, where the fakes look them up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeopts.h"

void
fakeopts_load(int argc, char *argv[])
{
	FILE	*f;
	char	 path[4096], line[4096], *eq;
	int	 i;

	for (i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--model") == 0 ||
		    strcmp(argv[i], "-m") == 0)
			break;
	if (i >= argc - 1 || snprintf(path, sizeof(path), "%s.fake",
	    argv[i + 1]) >= (int)sizeof(path) ||
	    (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((eq = strchr(line, '=')) == NULL || eq == line)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
	}
	fclose(f);
}
