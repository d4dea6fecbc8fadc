/*
 * instcmp.c: whether two configs or instances hold the same values, every
 * field compared (strings by content, NULL only equal to NULL); shared by
 * the tests of the model and of the codec.
 */
#include <string.h>

#include "instcmp.h"

static int
instcmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
instcmp_config(const struct inst_config *a, const struct inst_config *b)
{
	size_t	 i;

	if (!instcmp_str(a->model, b->model) ||
	    !instcmp_str(a->alias, b->alias) ||
	    !instcmp_str(a->host, b->host) ||
	    !instcmp_str(a->api_key, b->api_key) ||
	    !instcmp_str(a->chat_template_file, b->chat_template_file) ||
	    a->threads != b->threads || a->n_gpu_layers != b->n_gpu_layers ||
	    a->temp != b->temp || a->top_p != b->top_p ||
	    a->top_k != b->top_k || a->min_p != b->min_p ||
	    a->ctx_size != b->ctx_size || a->port != b->port ||
	    a->special != b->special || a->n_extra_args != b->n_extra_args ||
	    a->n_env != b->n_env)
		return 0;
	for (i = 0; i < a->n_extra_args; i++)
		if (!instcmp_str(a->extra_args[i], b->extra_args[i]))
			return 0;
	for (i = 0; i < a->n_env; i++)
		if (!instcmp_str(a->env[i].name, b->env[i].name) ||
		    !instcmp_str(a->env[i].value, b->env[i].value))
			return 0;
	return 1;
}

int
instcmp_instance(const struct instance *a, const struct instance *b)
{
	return strcmp(a->id, b->id) == 0 &&
	    instcmp_config(&a->config, &b->config) &&
	    a->status == b->status && a->port == b->port &&
	    a->pid == b->pid && strcmp(a->created_at, b->created_at) == 0 &&
	    strcmp(a->started_at, b->started_at) == 0 &&
	    instcmp_str(a->error_message, b->error_message) &&
	    a->retry_count == b->retry_count;
}
