/*
 * instance_args.c: what a key holder may hand a llama-server child
 * through env and extra_args (SPEC section 3, second hardening pass).
 * env names come from an allowlist; extra_args may not name a flag that
 * solar-host manages, that makes the child read or write a file, or that
 * makes it fetch from the network.  The tables follow llama.cpp's
 * common/arg.cpp, which matches a flag exactly after turning '_' into
 * '-' in a "--" flag; it has no "--flag=value" form, but we refuse that
 * too, so that a later parser that learns it finds nothing to take.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "instance.h"
#include "instance_rules.h"

/* Longer than any flag of ours: a longer item cannot match one. */
#define FLAG_MAX	64

enum refusal {
	R_MANAGED,
	R_FILE,
	R_NETWORK,
};

struct flag {
	const char	*name;
	enum refusal	 why;
};

/*
 * Allowed when a name starts with one of these (and has more after it),
 * or is one of the exact names; never when it loads code (below).
 */
static const char *const env_prefix[] = {
	"CUDA_", "HIP_", "ROCR_", "HSA_", "GPU_", "GGML_", "LC_",
};
static const char *const env_exact[] = {
	"OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "HF_HOME",
	"HF_HUB_OFFLINE", "TZ", "LANG",
};

/* Each names a shared library (or a directory of them) a runtime loads:
 * code of the caller's choosing in the child. */
static const char *const env_code[] = {
	"GGML_BACKEND_PATH",		/* ggml's dynamic backends */
	"CUDA_INJECTION64_PATH",	/* the CUDA driver's injection hook */
	"CUDA_INJECTION32_PATH",
	"HSA_TOOLS_LIB",		/* ROCr's tool libraries */
	"OMP_TOOL_LIBRARIES",		/* OpenMP's OMPT tools */
};
/* The same by convention, for runtimes we have not read. */
static const char *const env_code_suffix[] = {
	"_LIB", "_LIBS", "_LIBRARY", "_LIBRARIES",
};

/*
 * The flags of llama-server (tools/server and common/arg.cpp, 2026) that
 * override a field solar-host validated, that name a file or directory
 * to read, write or serve, or that fetch from the network.  Flags that
 * only tune (--threads, --ctx-size ...) may be given again: the last
 * one wins, and the config then no longer says what runs, but nothing
 * escapes.
 */
static const struct flag flags[] = {
	/* the fields of InstanceConfig, and the key */
	{ "--host", R_MANAGED }, { "--port", R_MANAGED },
	{ "--api-key", R_MANAGED }, { "--api-key-file", R_MANAGED },
	{ "-m", R_MANAGED }, { "--model", R_MANAGED },
	{ "-a", R_MANAGED }, { "--alias", R_MANAGED },
	{ "--chat-template-file", R_MANAGED },
	/* files read, written or served */
	{ "--log-file", R_FILE }, { "--path", R_FILE },
	{ "--ssl-key-file", R_FILE }, { "--ssl-cert-file", R_FILE },
	{ "--mcp-servers-config", R_FILE }, { "--webui-config-file", R_FILE },
	{ "--slot-save-path", R_FILE }, { "--media-path", R_FILE },
	{ "--models-dir", R_FILE }, { "--models-preset", R_FILE },
	{ "--grammar-file", R_FILE },
	{ "-jf", R_FILE }, { "--json-schema-file", R_FILE },
	{ "--lora", R_FILE }, { "--lora-scaled", R_FILE },
	{ "--control-vector", R_FILE }, { "--control-vector-scaled", R_FILE },
	{ "-mm", R_FILE }, { "--mmproj", R_FILE },
	{ "-md", R_FILE }, { "--model-draft", R_FILE },
	{ "-mv", R_FILE }, { "--model-vocoder", R_FILE },
	{ "-lcs", R_FILE }, { "--lookup-cache-static", R_FILE },
	{ "-lcd", R_FILE }, { "--lookup-cache-dynamic", R_FILE },
	{ "-f", R_FILE }, { "--file", R_FILE },
	{ "-bf", R_FILE }, { "--binary-file", R_FILE },
	{ "-sysf", R_FILE }, { "--system-prompt-file", R_FILE },
	{ "--prompt-cache", R_FILE },
	{ "-o", R_FILE }, { "--output", R_FILE }, { "--output-file", R_FILE },
	/* downloads, remote presets, remote devices */
	{ "-mu", R_NETWORK }, { "--model-url", R_NETWORK },
	{ "-mmu", R_NETWORK }, { "--mmproj-url", R_NETWORK },
	{ "-hf", R_NETWORK }, { "-hfr", R_NETWORK }, { "--hf-repo", R_NETWORK },
	{ "-hfd", R_NETWORK }, { "-hfrd", R_NETWORK },
	{ "--hf-repo-draft", R_NETWORK },
	{ "-hff", R_NETWORK }, { "--hf-file", R_NETWORK },
	{ "-hfv", R_NETWORK }, { "-hfrv", R_NETWORK },
	{ "--hf-repo-v", R_NETWORK },
	{ "-hffv", R_NETWORK }, { "--hf-file-v", R_NETWORK },
	{ "-hft", R_NETWORK }, { "--hf-token", R_NETWORK },
	{ "-dr", R_NETWORK }, { "--docker-repo", R_NETWORK },
	{ "--rpc", R_NETWORK },
};

static int	 name_is(const char *, size_t, const char *);
static int	 name_ends(const char *, size_t, const char *);

static int
name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(s, name, n) == 0;
}

static int
name_ends(const char *s, size_t n, const char *suffix)
{
	size_t	len = strlen(suffix);

	return n >= len && memcmp(s + n - len, suffix, len) == 0;
}

int
inst_env_loads_code(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < sizeof(env_code) / sizeof(env_code[0]); i++)
		if (name_is(s, n, env_code[i]))
			return 1;
	for (i = 0; i < sizeof(env_code_suffix) / sizeof(env_code_suffix[0]);
	    i++)
		if (name_ends(s, n, env_code_suffix[i]))
			return 1;
	return 0;
}

/* Names are case-sensitive, as the runtimes read them: cuda_x is not
 * CUDA_x, and is refused. */
int
inst_env_name_ok(const char *s, size_t n)
{
	size_t	i, len;
	int	listed = 0;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	for (i = 0; !listed && i < sizeof(env_exact) / sizeof(env_exact[0]);
	    i++)
		listed = name_is(s, n, env_exact[i]);
	for (i = 0; !listed && i < sizeof(env_prefix) / sizeof(env_prefix[0]);
	    i++) {
		len = strlen(env_prefix[i]);
		listed = n > len && memcmp(s, env_prefix[i], len) == 0;
	}
	return listed && !inst_env_loads_code(s, n);
}

/*
 * Why arg may not be an item of extra_args, or NULL when it may.  Every
 * item is checked as if it were a flag, whatever precedes it: a value
 * that happens to spell a refused flag is refused too, which costs
 * little, while guessing which items are values would need the arity of
 * every flag of every llama-server version.  why is filled with the
 * message (without pydantic's "Value error, ").
 */
const char *
inst_arg_refused(const char *arg, char *why, size_t whylen)
{
	const struct flag	*f;
	const char		*eq, *what;
	char			 norm[FLAG_MAX + 1];
	size_t			 n, i;
	int			 dashdash;

	n = (eq = strchr(arg, '=')) != NULL ? (size_t)(eq - arg) : strlen(arg);
	if (n < 2 || arg[0] != '-' || n > FLAG_MAX)
		return NULL;
	dashdash = arg[1] == '-';
	/*
	 * llama.cpp reads --api_key as --api-key.  It is case-sensitive, so
	 * --PORT only makes it exit; refusing it costs nothing and holds if
	 * a later parser is not.  Short flags stay as given: -C is not -c.
	 */
	for (i = 0; i < n; i++)
		norm[i] = !dashdash ? arg[i] : arg[i] == '_' ? '-' :
		    (char)tolower((unsigned char)arg[i]);
	norm[n] = '\0';
	for (f = flags; f < flags + sizeof(flags) / sizeof(flags[0]); f++) {
		if (strcmp(norm, f->name) != 0)
			continue;
		switch (f->why) {
		case R_MANAGED:
			what = "is managed by solar-host";
			break;
		case R_FILE:
			what = "is not allowed: it names a file";
			break;
		default:
			what = "is not allowed: it fetches from the network";
			break;
		}
		snprintf(why, whylen, "flag %.*s %s", (int)n, arg, what);
		return why;
	}
	/* --fim-qwen-7b-default, --gpt-oss-20b-default ...: presets that
	 * download a model and set --port. */
	if (dashdash && (name_ends(norm, n, "-default") ||
	    name_ends(norm, n, "-spec"))) {
		snprintf(why, whylen, "flag %.*s is not allowed: it downloads "
		    "a model and sets the port", (int)n, arg);
		return why;
	}
	return NULL;
}
