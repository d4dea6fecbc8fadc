/* test_instance.c: the instance model: request validation (SPEC sections 3
 * and 4), the supervisor's check, JSON out and in, channel form, copies. */
#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "instance.h"
#include "proto.h"
#include "log.h"
#include "instcmp.h"
#include "t.h"

#define MAXWARN	16

static char	*warned[MAXWARN];
static int	 nwarned;

static void	 sink(int, const char *, void *);
static void	 clear_warnings(void);
static json_t	*J(const char *);
static char	*dump(const json_t *);
static char	*repeat(const char *, size_t);
static json_t	*body_with(const char *, const char *);
static json_t	*run(const json_t *, int, struct inst_config *);
static json_t	*run_text(const char *, int);
static void	 expect_detail(const char *, int, const char *, int);
static json_t	*one_error(const char *, const char *, const char *,
		    const char *, int);
static void	 expect_ok(const char *, const char *, struct inst_config *);
static int64_t	 ok_int(const char *, const char *);
static double	 ok_float(const char *, const char *);
static int	 ok_bool(const char *);
static void	 full_config(struct inst_config *);
static void	 full_instance(struct instance *);
static void	 to_msg(struct chanmsg *, const struct chanbuf *, size_t);
static int	 decode_cfg_buf(const struct chanbuf *);
static int	 decode_inst_buf(const struct chanbuf *);
static int	 from_json_text(const char *, struct instance *, char *,
		    size_t);

static void	 test_status(void);
static void	 test_defaults(void);
static void	 test_spec4_examples(void);
static void	 test_table_int(void);
static void	 test_table_float(void);
static void	 test_table_bool(void);
static void	 test_table_string(void);
static void	 test_table_lists(void);
static void	 test_table_body(void);
static void	 test_lax_measured(void);
static void	 test_host_and_strings(void);
static void	 test_env_names(void);
static void	 test_extra_flags(void);
static void	 test_allow_extra(void);
static void	 test_field_order(void);
static void	 test_check(void);
static void	 test_to_json(void);
static void	 test_from_json_fixture(void);
static void	 test_from_json_errors(void);
static void	 test_from_json_warnings(void);
static void	 test_channel_roundtrip(void);
static void	 test_channel_truncated(void);
static void	 test_channel_malformed(void);
static void	 test_copy(void);

/* The file the original wrote (fixtures/original/config.json). */
static const char fixture[] =
    "{\n"
    "  \"instances\": [\n"
    "    {\n"
    "      \"id\": \"a7894838-6701-401e-9733-33893abfd501\",\n"
    "      \"config\": {\n"
    "        \"model\": \"/models/llama-3-8b.gguf\",\n"
    "        \"alias\": \"llama-3:8b\",\n"
    "        \"threads\": 4,\n"
    "        \"n_gpu_layers\": 999,\n"
    "        \"temp\": 0.7,\n"
    "        \"top_p\": 0.9,\n"
    "        \"top_k\": 40,\n"
    "        \"min_p\": 0.05,\n"
    "        \"ctx_size\": 8192,\n"
    "        \"chat_template_file\": \"/models/templates/llama3.jinja\",\n"
    "        \"host\": \"0.0.0.0\",\n"
    "        \"port\": null,\n"
    "        \"api_key\": \"llama3-instance-key\",\n"
    "        \"special\": false\n"
    "      },\n"
    "      \"status\": \"stopped\",\n"
    "      \"port\": null,\n"
    "      \"pid\": null,\n"
    "      \"created_at\": \"2026-11-27T11:26:14.782846Z\",\n"
    "      \"started_at\": null,\n"
    "      \"error_message\": null,\n"
    "      \"retry_count\": 0\n"
    "    },\n"
    "    {\n"
    "      \"id\": \"27cad670-3e58-49b6-8528-2e9c0fb76274\",\n"
    "      \"config\": {\n"
    "        \"model\": \"/models/gpt-oss-120b-F16.gguf\",\n"
    "        \"alias\": \"gpt-oss:120b\",\n"
    "        \"threads\": 1,\n"
    "        \"n_gpu_layers\": 999,\n"
    "        \"temp\": 1.0,\n"
    "        \"top_p\": 1.0,\n"
    "        \"top_k\": 0,\n"
    "        \"min_p\": 0.0,\n"
    "        \"ctx_size\": 131072,\n"
    "        \"chat_template_file\": null,\n"
    "        \"host\": \"0.0.0.0\",\n"
    "        \"port\": null,\n"
    "        \"api_key\": \"gpt-oss-120b-key\",\n"
    "        \"special\": true\n"
    "      },\n"
    "      \"status\": \"running\",\n"
    "      \"port\": 3501,\n"
    "      \"pid\": 12817,\n"
    "      \"created_at\": \"2026-11-27T11:26:14.785751Z\",\n"
    "      \"started_at\": \"2026-11-27T11:26:16.791917Z\",\n"
    "      \"error_message\": null,\n"
    "      \"retry_count\": 0\n"
    "    }\n"
    "  ]\n"
    "}";

#define ID1	"a7894838-6701-401e-9733-33893abfd501"
#define REQ	"\"model\":\"m\",\"alias\":\"a\",\"api_key\":\"k\""
#define MSG_INT_PARSING	"Input should be a valid integer, unable to parse " \
			"string as an integer"
#define MSG_FLOAT_PARSING "Input should be a valid number, unable to parse " \
			"string as a number"
#define MSG_BOOL_PARSING "Input should be a valid boolean, unable to " \
			"interpret input"
#define MSG_ATTRS	"Input should be a valid dictionary or object to " \
			"extract fields from"
#define MSG_DISABLED	"extra_args and env are disabled on this host " \
			"(ALLOW_EXTRA_ARGS=false)"

static void
sink(int prio, const char *msg, void *arg)
{
	(void)prio;
	(void)arg;
	if (nwarned < MAXWARN && (warned[nwarned] = strdup(msg)) != NULL)
		nwarned++;
}

static void
clear_warnings(void)
{
	while (nwarned > 0)
		free(warned[--nwarned]);
}

static json_t *
J(const char *text)
{
	json_error_t	 e;
	json_t		*j;

	j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (j == NULL) {
		fprintf(stderr, "bad test JSON (%s): %s\n", e.text, text);
		exit(2);
	}
	return j;
}

/* Compact text of v; the caller frees it. */
static char *
dump(const json_t *v)
{
	char	*s;

	if ((s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY)) == NULL) {
		fprintf(stderr, "json_dumps failed\n");
		exit(2);
	}
	return s;
}

static char *
repeat(const char *unit, size_t n)
{
	size_t	 len = strlen(unit), i;
	char	*s;

	if ((s = malloc(len * n + 1)) == NULL)
		exit(2);
	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

/* {"config":{<members>}} with the three required fields unless given. */
static json_t *
body_with(const char *key, const char *valuetext)
{
	json_t	*b, *c;

	b = J("{\"config\":{" REQ "}}");
	c = json_object_get(b, "config");
	json_object_set_new(c, key, J(valuetext));
	return b;
}

/* The detail of a refused request, or NULL when it passed (cfg filled). */
static json_t *
run(const json_t *body, int allow_extra, struct inst_config *cfg)
{
	json_t	*detail = (json_t *)1;

	if (inst_config_from_request(body, allow_extra, cfg, &detail) == 0) {
		CHECK(detail == NULL);
		return NULL;
	}
	CHECK(detail != NULL && json_is_array(detail));
	CHECK(cfg->model == NULL && cfg->host == NULL &&
	    cfg->n_extra_args == 0 && cfg->extra_args == NULL);
	return detail;
}

static json_t *
run_text(const char *text, int allow_extra)
{
	struct inst_config	 cfg;
	json_t			*body, *d;

	body = text == NULL ? NULL : J(text);
	d = run(body, allow_extra, &cfg);
	inst_config_free(&cfg);
	json_decref(body);
	return d;
}

/* The whole detail array must print as want. */
static void
expect_detail(const char *text, int allow_extra, const char *want, int line)
{
	json_t	*d;
	char	*got;

	if ((d = run_text(text, allow_extra)) == NULL) {
		t_checks++;
		t_failures++;
		fprintf(stderr, "%s:%d: accepted, want %s\n", __FILE__, line,
		    want);
		return;
	}
	got = dump(d);
	t_checks++;
	if (strcmp(got, want) != 0) {
		t_failures++;
		fprintf(stderr, "%s:%d:\n got  %s\n want %s\n", __FILE__, line,
		    got, want);
	}
	free(got);
	json_decref(d);
}
#define EXPECT_DETAIL(text, allow, want) \
	expect_detail((text), (allow), (want), __LINE__)

/*
 * A config with field set to valuetext must give exactly one entry of
 * the given type and msg at ["body","config",field]; returns the entry
 * (a new reference) for more checks.
 */
static json_t *
one_error(const char *field, const char *valuetext, const char *type,
    const char *msg, int line)
{
	struct inst_config	 cfg;
	json_t			*body, *d, *e = NULL, *loc;
	char			*got;

	body = body_with(field, valuetext);
	d = run(body, 1, &cfg);
	inst_config_free(&cfg);
	t_checks++;
	if (d == NULL || json_array_size(d) != 1) {
		t_failures++;
		got = d == NULL ? strdup("accepted") : dump(d);
		fprintf(stderr, "%s:%d: %s=%s: want one %s, got %s\n",
		    __FILE__, line, field, valuetext, type, got);
		free(got);
		goto out;
	}
	e = json_incref(json_array_get(d, 0));
	CHECK_STR(json_string_value(json_object_get(e, "type")), type);
	CHECK_STR(json_string_value(json_object_get(e, "msg")), msg);
	loc = json_object_get(e, "loc");
	CHECK(json_array_size(loc) >= 3);
	CHECK_STR(json_string_value(json_array_get(loc, 0)), "body");
	CHECK_STR(json_string_value(json_array_get(loc, 1)), "config");
	CHECK_STR(json_string_value(json_array_get(loc, 2)), field);
	/* input is the value as given, the very same one */
	CHECK(json_object_get(e, "input") ==
	    json_object_get(json_object_get(body, "config"), field) ||
	    json_array_size(loc) > 3);
 out:
	json_decref(d);
	json_decref(body);
	return e;
}
#define ONE_ERROR(f, v, type, msg) \
	json_decref(one_error((f), (v), (type), (msg), __LINE__))

static void
expect_ok(const char *field, const char *valuetext, struct inst_config *cfg)
{
	json_t	*body, *d;
	char	*got;

	body = body_with(field, valuetext);
	d = run(body, 1, cfg);
	t_checks++;
	if (d != NULL) {
		t_failures++;
		got = dump(d);
		fprintf(stderr, "%s=%s: refused: %s\n", field, valuetext, got);
		free(got);
		json_decref(d);
	}
	json_decref(body);
}

static int64_t
ok_int(const char *field, const char *valuetext)
{
	struct inst_config	cfg;
	int64_t			v = -12345;

	expect_ok(field, valuetext, &cfg);
	if (strcmp(field, "threads") == 0)
		v = cfg.threads;
	else if (strcmp(field, "port") == 0)
		v = cfg.port;
	else if (strcmp(field, "top_k") == 0)
		v = cfg.top_k;
	inst_config_free(&cfg);
	return v;
}

static double
ok_float(const char *field, const char *valuetext)
{
	struct inst_config	cfg;
	double			v = -12345;

	expect_ok(field, valuetext, &cfg);
	if (strcmp(field, "temp") == 0)
		v = cfg.temp;
	else if (strcmp(field, "min_p") == 0)
		v = cfg.min_p;
	inst_config_free(&cfg);
	return v;
}

static int
ok_bool(const char *valuetext)
{
	struct inst_config	cfg;
	int			v;

	expect_ok("special", valuetext, &cfg);
	v = cfg.special;
	inst_config_free(&cfg);
	return v;
}

static void
test_status(void)
{
	enum inst_status	st = INST_STOPPED;

	CHECK_STR(inst_status_name(INST_STOPPED), "stopped");
	CHECK_STR(inst_status_name(INST_STARTING), "starting");
	CHECK_STR(inst_status_name(INST_RUNNING), "running");
	CHECK_STR(inst_status_name(INST_STOPPING), "stopping");
	CHECK_STR(inst_status_name(INST_FAILED), "failed");
	CHECK(inst_status_parse("failed", &st) == 0 && st == INST_FAILED);
	CHECK(inst_status_parse("stopping", &st) == 0 && st == INST_STOPPING);
	CHECK(inst_status_parse("Running", &st) == -1);
	CHECK(inst_status_parse("", &st) == -1);
	CHECK(st == INST_STOPPING);
}

static void
test_defaults(void)
{
	struct inst_config	 cfg;
	json_t			*body, *j;
	char			*s;

	inst_config_init(&cfg);
	CHECK(cfg.model == NULL && cfg.alias == NULL && cfg.api_key == NULL);
	CHECK(cfg.host == NULL && cfg.chat_template_file == NULL);
	CHECK(cfg.threads == 1 && cfg.n_gpu_layers == 999);
	CHECK(cfg.temp == 1.0 && cfg.top_p == 1.0 && cfg.min_p == 0.0);
	CHECK(cfg.top_k == 0 && cfg.ctx_size == 131072 && cfg.port == 0);
	CHECK(cfg.special == 0 && cfg.n_extra_args == 0 && cfg.n_env == 0);
	inst_config_free(&cfg);
	inst_config_free(&cfg);

	/* Every default filled in; unknown fields ignored. */
	body = J("{\"config\":{" REQ ",\"unknown\":[1,2]},\"other\":1}");
	CHECK(run(body, 1, &cfg) == NULL);
	j = inst_config_to_json(&cfg);
	s = dump(j);
	CHECK_STR(s, "{\"model\":\"m\",\"alias\":\"a\",\"threads\":1,"
	    "\"n_gpu_layers\":999,\"temp\":1.0,\"top_p\":1.0,\"top_k\":0,"
	    "\"min_p\":0.0,\"ctx_size\":131072,\"chat_template_file\":null,"
	    "\"host\":\"0.0.0.0\",\"port\":null,\"api_key\":\"k\","
	    "\"special\":false}");
	CHECK(json_is_real(json_object_get(j, "temp")));
	CHECK(json_is_real(json_object_get(j, "min_p")));
	free(s);
	json_decref(j);
	json_decref(body);
	inst_config_free(&cfg);
	inst_config_free(&cfg);
	CHECK(cfg.model == NULL && cfg.host == NULL);
}

static void
test_spec4_examples(void)
{
	EXPECT_DETAIL("{\"config\":{\"model\":\"/m.gguf\"}}", 1,
	    "[{\"type\":\"missing\",\"loc\":[\"body\",\"config\",\"alias\"],"
	    "\"msg\":\"Field required\",\"input\":{\"model\":\"/m.gguf\"}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"config\",\"api_key\"],"
	    "\"msg\":\"Field required\",\"input\":{\"model\":\"/m.gguf\"}}]");
	EXPECT_DETAIL("{\"model\":\"/m.gguf\",\"alias\":\"a\"}", 1,
	    "[{\"type\":\"missing\",\"loc\":[\"body\",\"config\"],"
	    "\"msg\":\"Field required\","
	    "\"input\":{\"model\":\"/m.gguf\",\"alias\":\"a\"}}]");
	EXPECT_DETAIL(NULL, 1,
	    "[{\"type\":\"missing\",\"loc\":[\"body\"],"
	    "\"msg\":\"Field required\",\"input\":null}]");
	/* FastAPI reads a body of JSON null as none. */
	EXPECT_DETAIL("null", 1,
	    "[{\"type\":\"missing\",\"loc\":[\"body\"],"
	    "\"msg\":\"Field required\",\"input\":null}]");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"threads\":\"many\","
	    "\"temp\":\"hot\"}}", 1,
	    "[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"config\","
	    "\"threads\"],\"msg\":\"" MSG_INT_PARSING "\",\"input\":\"many\"},"
	    "{\"type\":\"float_parsing\",\"loc\":[\"body\",\"config\","
	    "\"temp\"],\"msg\":\"" MSG_FLOAT_PARSING "\",\"input\":\"hot\"}]");
}

static void
test_table_int(void)
{
	json_t	*e;

	CHECK(ok_int("threads", "\"4\"") == 4);
	CHECK(ok_int("threads", "\" 4 \"") == 4);
	CHECK(ok_int("threads", "\"4.0\"") == 4);
	CHECK(ok_int("threads", "4.0") == 4);
	CHECK(ok_int("threads", "\"1_000\"") == 1000);
	CHECK(ok_int("threads", "true") == 1);
	CHECK(ok_int("threads", "\"4.00\"") == 4);
	CHECK(ok_int("threads", "\"+4\"") == 4);
	CHECK(ok_int("port", "null") == 0);
	CHECK(ok_int("port", "65535") == 65535);
	CHECK(ok_int("top_k", "2147483647") == 2147483647);

	ONE_ERROR("threads", "4.5", "int_from_float",
	    "Input should be a valid integer, got a number with a fractional "
	    "part");
	ONE_ERROR("threads", "\"4.5\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "\"many\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "\"\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "null", "int_type",
	    "Input should be a valid integer");
	ONE_ERROR("threads", "[1]", "int_type",
	    "Input should be a valid integer");
	ONE_ERROR("port", "[1]", "int_type", "Input should be a valid integer");
	ONE_ERROR("port", "{}", "int_type", "Input should be a valid integer");

	EXPECT_DETAIL("{\"config\":{" REQ ",\"threads\":0}}", 1,
	    "[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"config\","
	    "\"threads\"],\"msg\":\"Input should be greater than or equal to "
	    "1\",\"input\":0,\"ctx\":{\"ge\":1}}]");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"threads\":\"1025\"}}", 1,
	    "[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"config\","
	    "\"threads\"],\"msg\":\"Input should be less than or equal to "
	    "1024\",\"input\":\"1025\",\"ctx\":{\"le\":1024}}]");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"port\":false}}", 1,
	    "[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"config\","
	    "\"port\"],\"msg\":\"Input should be greater than or equal to 1\","
	    "\"input\":false,\"ctx\":{\"ge\":1}}]");
	e = one_error("ctx_size", "2147483648", "less_than_equal",
	    "Input should be less than or equal to 2147483647", __LINE__);
	CHECK(json_integer_value(json_object_get(json_object_get(e, "ctx"),
	    "le")) == 2147483647);
	json_decref(e);
	ONE_ERROR("n_gpu_layers", "100001", "less_than_equal",
	    "Input should be less than or equal to 100000");
	ONE_ERROR("port", "0", "greater_than_equal",
	    "Input should be greater than or equal to 1");
	ONE_ERROR("port", "65536", "less_than_equal",
	    "Input should be less than or equal to 65535");
	/* Far beyond int64: still just too big. */
	ONE_ERROR("top_k", "\"99999999999999999999999\"", "less_than_equal",
	    "Input should be less than or equal to 2147483647");
	ONE_ERROR("top_k", "\"-99999999999999999999999\"",
	    "greater_than_equal", "Input should be greater than or equal to 0");
}

static void
test_table_float(void)
{
	json_t	*e, *ctx;

	CHECK(ok_float("temp", "1") == 1.0);
	CHECK(ok_float("temp", "\"0.7\"") == 0.7);
	CHECK(ok_float("temp", "true") == 1.0);
	CHECK(ok_float("temp", "false") == 0.0);
	CHECK(ok_float("temp", "2") == 2.0);
	CHECK(ok_float("min_p", "\" 1e-5 \"") == 1e-5);

	ONE_ERROR("temp", "\"hot\"", "float_parsing", MSG_FLOAT_PARSING);
	ONE_ERROR("temp", "null", "float_type",
	    "Input should be a valid number");
	ONE_ERROR("temp", "[]", "float_type", "Input should be a valid number");

	/* Over the maximum: 2.5, "inf", "nan" (NaN fails le first). */
	e = one_error("temp", "2.5", "less_than_equal",
	    "Input should be less than or equal to 2", __LINE__);
	ctx = json_object_get(e, "ctx");
	CHECK(json_object_size(ctx) == 1 &&
	    json_is_real(json_object_get(ctx, "le")) &&
	    json_real_value(json_object_get(ctx, "le")) == 2.0);
	CHECK(json_real_value(json_object_get(e, "input")) == 2.5);
	json_decref(e);
	ONE_ERROR("temp", "\"inf\"", "less_than_equal",
	    "Input should be less than or equal to 2");
	ONE_ERROR("temp", "\"nan\"", "less_than_equal",
	    "Input should be less than or equal to 2");
	ONE_ERROR("top_p", "\"NaN\"", "less_than_equal",
	    "Input should be less than or equal to 1");
	ONE_ERROR("min_p", "1.5", "less_than_equal",
	    "Input should be less than or equal to 1");
	e = one_error("top_p", "\"-INFINITY\"", "greater_than_equal",
	    "Input should be greater than or equal to 0", __LINE__);
	ctx = json_object_get(e, "ctx");
	CHECK(json_is_real(json_object_get(ctx, "ge")) &&
	    json_real_value(json_object_get(ctx, "ge")) == 0.0);
	json_decref(e);
	ONE_ERROR("temp", "-0.5", "greater_than_equal",
	    "Input should be greater than or equal to 0");
}

static void
test_table_bool(void)
{
	CHECK(ok_bool("\"yes\"") == 1);
	CHECK(ok_bool("\"on\"") == 1);
	CHECK(ok_bool("\"t\"") == 1);
	CHECK(ok_bool("1") == 1);
	CHECK(ok_bool("1.0") == 1);
	CHECK(ok_bool("\"TRUE\"") == 1);
	CHECK(ok_bool("\"Y\"") == 1);
	CHECK(ok_bool("true") == 1);
	CHECK(ok_bool("\"off\"") == 0);
	CHECK(ok_bool("\"No\"") == 0);
	CHECK(ok_bool("\"0\"") == 0);
	CHECK(ok_bool("0.0") == 0);
	CHECK(ok_bool("false") == 0);

	ONE_ERROR("special", "2", "bool_parsing", MSG_BOOL_PARSING);
	ONE_ERROR("special", "\"maybe\"", "bool_parsing", MSG_BOOL_PARSING);
	ONE_ERROR("special", "\" true\"", "bool_parsing", MSG_BOOL_PARSING);
	ONE_ERROR("special", "\"1.0\"", "bool_parsing", MSG_BOOL_PARSING);
	ONE_ERROR("special", "null", "bool_type",
	    "Input should be a valid boolean");
	ONE_ERROR("special", "[]", "bool_type",
	    "Input should be a valid boolean");
}

static void
test_table_string(void)
{
	char	*s, *t;
	json_t	*e;

	ONE_ERROR("model", "123", "string_type",
	    "Input should be a valid string");
	ONE_ERROR("alias", "null", "string_type",
	    "Input should be a valid string");
	ONE_ERROR("host", "null", "string_type",
	    "Input should be a valid string");
	ONE_ERROR("chat_template_file", "1.5", "string_type",
	    "Input should be a valid string");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"model\":\"\"}}", 1,
	    "[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"config\","
	    "\"model\"],\"msg\":\"String should have at least 1 character\","
	    "\"input\":\"\",\"ctx\":{\"min_length\":1}}]");

	s = repeat("x", 4097);
	if (asprintf(&t, "{\"config\":{" REQ ",\"api_key\":\"%s\"}}", s) ==
	    -1)
		exit(2);
	e = run_text(t, 1);
	CHECK(json_array_size(e) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(e, 0),
	    "type")), "string_too_long");
	CHECK_STR(json_string_value(json_object_get(json_array_get(e, 0),
	    "msg")), "String should have at most 4096 characters");
	CHECK(json_integer_value(json_object_get(json_object_get(
	    json_array_get(e, 0), "ctx"), "max_length")) == 4096);
	CHECK_STR(json_string_value(json_object_get(json_array_get(e, 0),
	    "input")), s);
	json_decref(e);
	free(t);
	free(s);

	EXPECT_DETAIL("{\"config\":{" REQ ",\"alias\":\"a\\u0000b\"}}", 1,
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"config\","
	    "\"alias\"],\"msg\":\"Value error, string contains NUL\","
	    "\"input\":\"a\\u0000b\",\"ctx\":{\"error\":"
	    "\"string contains NUL\"}}]");
}

static void
test_table_lists(void)
{
	char	*items, *t;

	EXPECT_DETAIL("{\"config\":{" REQ ",\"extra_args\":\"--foo\"}}", 1,
	    "[{\"type\":\"list_type\",\"loc\":[\"body\",\"config\","
	    "\"extra_args\"],\"msg\":\"Input should be a valid list\","
	    "\"input\":\"--foo\"}]");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"extra_args\":[\"--foo\",5]}}",
	    1, "[{\"type\":\"string_type\",\"loc\":[\"body\",\"config\","
	    "\"extra_args\",1],\"msg\":\"Input should be a valid string\","
	    "\"input\":5}]");

	items = repeat("\"a\",", 257);
	items[strlen(items) - 1] = '\0';
	if (asprintf(&t, "{\"config\":{" REQ ",\"extra_args\":[%s]}}",
	    items) == -1)
		exit(2);
	free(items);
	items = NULL;
	{
		json_t	*d = run_text(t, 1), *e, *ctx;
		char	*s;

		CHECK(json_array_size(d) == 1);
		e = json_array_get(d, 0);
		CHECK_STR(json_string_value(json_object_get(e, "type")),
		    "too_long");
		CHECK_STR(json_string_value(json_object_get(e, "msg")),
		    "List should have at most 256 items after validation, "
		    "not 257");
		s = dump(json_object_get(e, "loc"));
		CHECK_STR(s, "[\"body\",\"config\",\"extra_args\"]");
		free(s);
		CHECK(json_array_size(json_object_get(e, "input")) == 257);
		ctx = json_object_get(e, "ctx");
		s = dump(ctx);
		CHECK_STR(s, "{\"field_type\":\"List\",\"max_length\":256,"
		    "\"actual_length\":257}");
		free(s);
		json_decref(d);
	}
	free(t);

	EXPECT_DETAIL("{\"config\":{" REQ ",\"env\":[]}}", 1,
	    "[{\"type\":\"dict_type\",\"loc\":[\"body\",\"config\",\"env\"],"
	    "\"msg\":\"Input should be a valid dictionary\",\"input\":[]}]");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"env\":{\"K\":1}}}", 1,
	    "[{\"type\":\"string_type\",\"loc\":[\"body\",\"config\",\"env\","
	    "\"K\"],\"msg\":\"Input should be a valid string\",\"input\":1}]");
	EXPECT_DETAIL("{\"config\":{" REQ ",\"env\":{\"LD_PRELOAD\":"
	    "\"/x.so\"}}}", 1,
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"config\",\"env\","
	    "\"LD_PRELOAD\"],\"msg\":\"Value error, environment variable not "
	    "allowed\",\"input\":\"/x.so\",\"ctx\":{\"error\":\"environment "
	    "variable not allowed\"}}]");
	/* One entry per bad item; a too-long list has only its one. */
	EXPECT_DETAIL("{\"config\":{" REQ ",\"extra_args\":[null,\"ok\","
	    "\"a\\u0000\"],\"env\":{\"TZ\":\"1\",\"B\":[],\"PATH\":\"/bin\"}}}",
	    1,
	    "[{\"type\":\"string_type\",\"loc\":[\"body\",\"config\","
	    "\"extra_args\",0],\"msg\":\"Input should be a valid string\","
	    "\"input\":null},"
	    "{\"type\":\"value_error\",\"loc\":[\"body\",\"config\","
	    "\"extra_args\",2],\"msg\":\"Value error, string contains NUL\","
	    "\"input\":\"a\\u0000\",\"ctx\":{\"error\":\"string contains "
	    "NUL\"}},"
	    "{\"type\":\"string_type\",\"loc\":[\"body\",\"config\",\"env\","
	    "\"B\"],\"msg\":\"Input should be a valid string\",\"input\":[]},"
	    "{\"type\":\"value_error\",\"loc\":[\"body\",\"config\",\"env\","
	    "\"PATH\"],\"msg\":\"Value error, environment variable not "
	    "allowed\",\"input\":\"/bin\",\"ctx\":{\"error\":\"environment "
	    "variable not allowed\"}}]");
}

static void
test_table_body(void)
{
	EXPECT_DETAIL("[1]", 1,
	    "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
	    "\"msg\":\"" MSG_ATTRS "\",\"input\":[1]}]");
	EXPECT_DETAIL("\"x\"", 1,
	    "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
	    "\"msg\":\"" MSG_ATTRS "\",\"input\":\"x\"}]");
	EXPECT_DETAIL("{\"config\":5}", 1,
	    "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\","
	    "\"config\"],\"msg\":\"" MSG_ATTRS "\",\"input\":5}]");
	EXPECT_DETAIL("{\"config\":null}", 1,
	    "[{\"type\":\"model_attributes_type\",\"loc\":[\"body\","
	    "\"config\"],\"msg\":\"" MSG_ATTRS "\",\"input\":null}]");
	EXPECT_DETAIL("{\"config\":{}}", 1,
	    "[{\"type\":\"missing\",\"loc\":[\"body\",\"config\",\"model\"],"
	    "\"msg\":\"Field required\",\"input\":{}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"config\",\"alias\"],"
	    "\"msg\":\"Field required\",\"input\":{}},"
	    "{\"type\":\"missing\",\"loc\":[\"body\",\"config\",\"api_key\"],"
	    "\"msg\":\"Field required\",\"input\":{}}]");
}

/* Cases measured against pydantic-core 2.46 where it is less obvious. */
static void
test_lax_measured(void)
{
	char	*s, *t;
	json_t	*d;

	CHECK(ok_int("threads", "\"1_0.0\"") == 10);
	CHECK(ok_int("threads", "\"0_5\"") == 5);
	CHECK(ok_int("threads", "\"\\u00a04\\u3000\"") == 4);
	CHECK(ok_int("threads", "\"0004\"") == 4);
	ONE_ERROR("threads", "\"\\u001c4\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "\"1__000\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "\"4.\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "\"4e0\"", "int_parsing", MSG_INT_PARSING);
	ONE_ERROR("threads", "1e300", "int_parsing_size",
	    "Unable to parse input string as an integer, exceeded maximum "
	    "size");
	s = repeat("1", 4301);
	if (asprintf(&t, "\"%s\"", s) == -1)
		exit(2);
	ONE_ERROR("top_k", t, "int_parsing_size",
	    "Unable to parse input string as an integer, exceeded maximum "
	    "size");
	free(t);
	free(s);

	CHECK(ok_float("temp", "\"+_1\"") == 1.0);
	CHECK(ok_float("temp", "\"1_.5\"") == 1.5);
	CHECK(ok_float("temp", "\".5\"") == 0.5);
	CHECK(ok_float("min_p", "\"1e-400\"") == 0.0);
	ONE_ERROR("temp", "\" 1_0\"", "float_parsing", MSG_FLOAT_PARSING);
	ONE_ERROR("temp", "\"1__0\"", "float_parsing", MSG_FLOAT_PARSING);
	ONE_ERROR("temp", "\"0x1p0\"", "float_parsing", MSG_FLOAT_PARSING);
	ONE_ERROR("temp", "\"1e400\"", "less_than_equal",
	    "Input should be less than or equal to 2");

	ONE_ERROR("special", "0.5", "bool_type",
	    "Input should be a valid boolean");
	ONE_ERROR("special", "2.0", "bool_parsing", MSG_BOOL_PARSING);

	/* A dictionary's length counts only when its items pass. */
	d = run_text("{\"config\":{" REQ ",\"env\":{\"A\":1}}}", 1);
	CHECK(json_array_size(d) == 1);
	json_decref(d);
}

static void
test_host_and_strings(void)
{
	struct inst_config	 cfg;
	const char *const	 good[] = { "\"127.0.0.1\"", "\"::1\"",
	    "\"::\"", "\"localhost\"", "\"fe80::1\"", "\"::ffff:1.2.3.4\"" };
	const char *const	 bad[] = { "\"example.com\"", "\"\"",
	    "\"1.2.3\"", "\"256.1.1.1\"", "\"LOCALHOST\"", "\" 127.0.0.1\"",
	    "\"fe80::1%eth0\"" };
	json_t			*e;
	char			*s, *t;
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		expect_ok("host", good[i], &cfg);
		inst_config_free(&cfg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = one_error("host", bad[i], "value_error", "Value error, "
		    "host must be an IP address or localhost", __LINE__);
		s = dump(json_object_get(e, "ctx"));
		CHECK_STR(s, "{\"error\":\"host must be an IP address or "
		    "localhost\"}");
		free(s);
		json_decref(e);
	}
	ONE_ERROR("host", "\"::1\\u0000\"", "value_error",
	    "Value error, string contains NUL");

	/* Characters, not bytes: 4096 two-byte or four-byte ones fit. */
	s = repeat("\xc3\xa9", 4096);
	if (asprintf(&t, "\"%s\"", s) == -1)
		exit(2);
	expect_ok("model", t, &cfg);
	CHECK(cfg.model != NULL && strcmp(cfg.model, s) == 0);
	inst_config_free(&cfg);
	free(t);
	free(s);
	s = repeat("\xf0\x9f\x98\x80", 4097);
	if (asprintf(&t, "\"%s\"", s) == -1)
		exit(2);
	ONE_ERROR("alias", t, "string_too_long",
	    "String should have at most 4096 characters");
	ONE_ERROR("chat_template_file", t, "string_too_long",
	    "String should have at most 4096 characters");
	free(t);
	free(s);

	expect_ok("chat_template_file", "\"\"", &cfg);
	CHECK(cfg.chat_template_file != NULL && *cfg.chat_template_file == 0);
	inst_config_free(&cfg);
	expect_ok("chat_template_file", "null", &cfg);
	CHECK(cfg.chat_template_file == NULL);
	inst_config_free(&cfg);

	/* Too long and with a NUL: the length is checked first. */
	s = repeat("x", 4096);
	if (asprintf(&t, "[\"\\u0000%s\"]", s) == -1)
		exit(2);
	free(s);
	e = one_error("extra_args", t, "string_too_long",
	    "String should have at most 4096 characters", __LINE__);
	s = dump(json_object_get(e, "loc"));
	CHECK_STR(s, "[\"body\",\"config\",\"extra_args\",0]");
	free(s);
	json_decref(e);
	free(t);
}

static void
test_env_names(void)
{
	/* Everything off the allowlist, and what of it loads code. */
	const char *const	 denied[] = { "PATH", "LLAMA_API_KEY",
	    "API_KEY", "HOST", "PORT", "CONFIG_FILE", "LOG_DIR", "START_PORT",
	    "MAX_RETRIES", "LOG_BUFFER_SIZE", "LLAMA_SERVER", "STOP_TIMEOUT_S",
	    "START_STALL_S", "ALLOW_EXTRA_ARGS", "LD_PRELOAD", "LD_", "LD_X",
	    "1A", "A-B", "A B", "", "\\u00e9", "A", "_", "HOSTNAME",
	    "PYTHONPATH", "BASH_ENV", "ENV", "GCONV_PATH", "GLIBC_TUNABLES",
	    "LOCPATH", "HOSTALIASES", "GGML_BACKEND_PATH",
	    "OMP_TOOL_LIBRARIES", "OMP_TOOL", "OMP_SCHEDULE", "LLAMA_ARG_HOST",
	    "LLAMA_ARG_MODEL", "CUDA_INJECTION64_PATH", "CUDA_INJECTION32_PATH",
	    "HSA_TOOLS_LIB", "HIP_X_LIB", "ROCR_X_LIBS", "GPU_X_LIBRARY",
	    "GGML_X_LIBRARIES", "HF_TOKEN", "HF_ENDPOINT", "CUDA_", "HIP_",
	    "LC_", "cuda_visible_devices", "Cuda_X", "tz", "lang",
	    "LANGUAGE", "TZDIR", "OMP_NUM_THREADSX", "XCUDA_X" };
	const char *const	 allowed[] = { "CUDA_VISIBLE_DEVICES",
	    "CUDA_DEVICE_ORDER", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
	    "HSA_OVERRIDE_GFX_VERSION", "GPU_MAX_HW_QUEUES",
	    "GGML_CUDA_NO_PINNED", "GGML_VK_VISIBLE_DEVICES", "GGML_BACKEND",
	    "OMP_NUM_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "HF_HOME",
	    "HF_HUB_OFFLINE", "TZ", "LANG", "LC_ALL", "LC_CTYPE", "CUDA_9",
	    "GGML_BACKEND_PATHS", "CUDA_LIBX" };
	struct inst_config	 cfg;
	json_t			*d, *e;
	char			*t;
	size_t			 i;

	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		if (asprintf(&t, "{\"config\":{" REQ ",\"env\":{\"%s\":"
		    "\"v\"}}}", denied[i]) == -1)
			exit(2);
		d = run_text(t, 1);
		t_checks++;
		if (json_array_size(d) != 1) {
			t_failures++;
			fprintf(stderr, "env name %s not refused\n", denied[i]);
		} else {
			e = json_array_get(d, 0);
			CHECK_STR(json_string_value(json_object_get(e, "msg")),
			    "Value error, environment variable not allowed");
			CHECK_STR(json_string_value(json_object_get(e,
			    "input")), "v");
			CHECK(json_array_size(json_object_get(e, "loc")) == 4);
		}
		json_decref(d);
		free(t);
	}
#if JANSSON_VERSION_HEX >= 0x020e00
	/* jansson 2.14 holds names with a NUL inside; JSON can give one. */
	{
		json_t	*body = J("{\"config\":{" REQ ",\"env\":{}}}");
		char	*s;

		json_object_setn_new(json_object_get(json_object_get(body,
		    "config"), "env"), "A\0B", 3, json_string("v"));
		d = run(body, 1, &cfg);
		inst_config_free(&cfg);
		CHECK(json_array_size(d) == 1);
		s = dump(json_object_get(json_array_get(d, 0), "loc"));
		CHECK_STR(s, "[\"body\",\"config\",\"env\",\"A\\u0000B\"]");
		free(s);
		json_decref(d);
		json_decref(body);
	}
#endif
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (asprintf(&t, "{\"%s\":\"v\"}", allowed[i]) == -1)
			exit(2);
		expect_ok("env", t, &cfg);
		CHECK(cfg.n_env == 1 && cfg.env != NULL &&
		    strcmp(cfg.env[0].name, allowed[i]) == 0 &&
		    strcmp(cfg.env[0].value, "v") == 0);
		inst_config_free(&cfg);
		free(t);
	}
}

/*
 * An item of extra_args that names a managed flag, one that names a
 * file, or one that fetches: refused at its index, naming the flag as
 * given, in each form llama.cpp reads (and "=value", which it may one
 * day).  Anything else passes.
 */
static void
test_extra_flags(void)
{
	static const struct {
		const char	*args;	/* JSON array items */
		size_t		 index;
		const char	*msg;
	} refused[] = {
		{ "\"--port\",\"1\"", 0, "flag --port is managed by solar-host" },
		{ "\"--port=1\"", 0, "flag --port is managed by solar-host" },
		{ "\"--mlock\",\"--host\",\"0.0.0.0\"", 1,
		    "flag --host is managed by solar-host" },
		{ "\"--api-key\",\"\"", 0,
		    "flag --api-key is managed by solar-host" },
		{ "\"--api_key\",\"x\"", 0,
		    "flag --api_key is managed by solar-host" },
		{ "\"--API-KEY=x\"", 0,
		    "flag --API-KEY is managed by solar-host" },
		{ "\"--api-key-file\",\"/k\"", 0,
		    "flag --api-key-file is managed by solar-host" },
		{ "\"-m\",\"/etc/shadow\"", 0,
		    "flag -m is managed by solar-host" },
		{ "\"-m=/etc/shadow\"", 0, "flag -m is managed by solar-host" },
		{ "\"--model\",\"/x\"", 0,
		    "flag --model is managed by solar-host" },
		{ "\"-a\",\"x\"", 0, "flag -a is managed by solar-host" },
		{ "\"--alias=x\"", 0, "flag --alias is managed by solar-host" },
		{ "\"--chat-template-file\",\"/t\"", 0,
		    "flag --chat-template-file is managed by solar-host" },
		{ "\"--chat_template_file=/t\"", 0,
		    "flag --chat_template_file is managed by solar-host" },
		{ "\"--log-file=/etc/x\"", 0,
		    "flag --log-file is not allowed: it names a file" },
		{ "\"--log-file\",\"/etc/x\"", 0,
		    "flag --log-file is not allowed: it names a file" },
		{ "\"--path\",\"/\"", 0,
		    "flag --path is not allowed: it names a file" },
		{ "\"--ssl-key-file\",\"/k\"", 0,
		    "flag --ssl-key-file is not allowed: it names a file" },
		{ "\"--ssl-cert-file\",\"/c\"", 0,
		    "flag --ssl-cert-file is not allowed: it names a file" },
		{ "\"--mcp-servers-config\",\"/c\"", 0,
		    "flag --mcp-servers-config is not allowed: it names a file" },
		{ "\"--slot-save-path\",\"/tmp\"", 0,
		    "flag --slot-save-path is not allowed: it names a file" },
		{ "\"--lora\",\"/l.gguf\"", 0,
		    "flag --lora is not allowed: it names a file" },
		{ "\"-mm\",\"/p.gguf\"", 0,
		    "flag -mm is not allowed: it names a file" },
		{ "\"--grammar-file\",\"/etc/shadow\"", 0,
		    "flag --grammar-file is not allowed: it names a file" },
		{ "\"-jf\",\"/s\"", 0, "flag -jf is not allowed: it names a file" },
		{ "\"-mu\",\"http://x/m\"", 0,
		    "flag -mu is not allowed: it fetches from the network" },
		{ "\"--model-url=http://x/m\"", 0,
		    "flag --model-url is not allowed: it fetches from the "
		    "network" },
		{ "\"-hf\",\"u/m\"", 0,
		    "flag -hf is not allowed: it fetches from the network" },
		{ "\"--hf-repo\",\"u/m\"", 0,
		    "flag --hf-repo is not allowed: it fetches from the network" },
		{ "\"--rpc\",\"10.0.0.1:50052\"", 0,
		    "flag --rpc is not allowed: it fetches from the network" },
		{ "\"--gpt-oss-20b-default\"", 0,
		    "flag --gpt-oss-20b-default is not allowed: it downloads a "
		    "model and sets the port" },
		{ "\"--fim-qwen-7b-spec\"", 0,
		    "flag --fim-qwen-7b-spec is not allowed: it downloads a "
		    "model and sets the port" },
		/* a value that spells a refused flag is refused too */
		{ "\"--override-kv\",\"--port\"", 1,
		    "flag --port is managed by solar-host" },
	};
	static const char *const passed[] = {
		"\"--port-x\"", "\"-M\"", "\"-mx\"", "\"-C\",\"0xff\"",
		"\"--mlock\"", "\"-fa\",\"on\"", "\"--ctx-size\",\"4096\"",
		"\"--temp\",\"0.1\"", "\"-ctk\",\"q8_0\"", "\"--no-mmproj\"",
		"\"-\"", "\"--\"", "\"port\"", "\"x=--port\"", "\"/etc/shadow\"",
		"\"--jinja\"", "\"--chat-template\",\"chatml\"",
		"\"--defaults\"", "\" --port\"",
	};
	struct inst_config	 cfg;
	json_t			*d, *e, *loc;
	char			*t, msg[256];
	size_t			 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (asprintf(&t, "{\"config\":{" REQ ",\"extra_args\":[%s]}}",
		    refused[i].args) == -1)
			exit(2);
		d = run_text(t, 1);
		t_checks++;
		if (json_array_size(d) != 1) {
			t_failures++;
			fprintf(stderr, "extra_args [%s] not refused once\n",
			    refused[i].args);
			json_decref(d);
			free(t);
			continue;
		}
		e = json_array_get(d, 0);
		snprintf(msg, sizeof(msg), "Value error, %s", refused[i].msg);
		CHECK_STR(json_string_value(json_object_get(e, "type")),
		    "value_error");
		CHECK_STR(json_string_value(json_object_get(e, "msg")), msg);
		CHECK_STR(json_string_value(json_object_get(json_object_get(e,
		    "ctx"), "error")), refused[i].msg);
		loc = json_object_get(e, "loc");
		CHECK(json_array_size(loc) == 4 &&
		    strcmp(json_string_value(json_array_get(loc, 2)),
		    "extra_args") == 0 &&
		    json_integer_value(json_array_get(loc, 3)) ==
		    (json_int_t)refused[i].index);
		CHECK(json_is_string(json_object_get(e, "input")));
		json_decref(d);
		free(t);
	}
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
		if (asprintf(&t, "[%s]", passed[i]) == -1)
			exit(2);
		expect_ok("extra_args", t, &cfg);
		CHECK(cfg.n_extra_args > 0);
		inst_config_free(&cfg);
		free(t);
	}
	/* Two bad items, two entries, in order. */
	d = run_text("{\"config\":{" REQ ",\"extra_args\":[\"--port\",\"1\","
	    "\"-m\",\"/x\"]}}", 1);
	CHECK(json_array_size(d) == 2);
	CHECK(json_integer_value(json_array_get(json_object_get(
	    json_array_get(d, 1), "loc"), 3)) == 2);
	json_decref(d);
}

static void
test_allow_extra(void)
{
	struct inst_config	 cfg;
	json_t			*body, *d;
	char			*items, *t;
	size_t			 i;

	EXPECT_DETAIL("{\"config\":{" REQ ",\"extra_args\":[\"-v\"],"
	    "\"env\":{\"TZ\":\"1\"}}}", 0,
	    "[{\"type\":\"value_error\",\"loc\":[\"body\",\"config\","
	    "\"extra_args\"],\"msg\":\"Value error, " MSG_DISABLED "\","
	    "\"input\":[\"-v\"],\"ctx\":{\"error\":\"" MSG_DISABLED "\"}},"
	    "{\"type\":\"value_error\",\"loc\":[\"body\",\"config\",\"env\"],"
	    "\"msg\":\"Value error, " MSG_DISABLED "\",\"input\":{\"TZ\":\"1\"},"
	    "\"ctx\":{\"error\":\"" MSG_DISABLED "\"}}]");
	/* The refusal follows the field's own rules. */
	EXPECT_DETAIL("{\"config\":{" REQ ",\"extra_args\":[5]}}", 0,
	    "[{\"type\":\"string_type\",\"loc\":[\"body\",\"config\","
	    "\"extra_args\",0],\"msg\":\"Input should be a valid string\","
	    "\"input\":5}]");
	/* Empty ones are fine either way. */
	body = J("{\"config\":{" REQ ",\"extra_args\":[],\"env\":{}}}");
	CHECK(run(body, 0, &cfg) == NULL);
	CHECK(cfg.n_extra_args == 0 && cfg.n_env == 0);
	inst_config_free(&cfg);
	json_decref(body);

	/* Accepted when allowed, in order. */
	body = J("{\"config\":{" REQ ",\"extra_args\":[\"--a\",\"\","
	    "\"\\u00e9\"],\"env\":{\"TZ\":\"1\",\"LANG\":\"\"}}}");
	CHECK(run(body, 1, &cfg) == NULL);
	CHECK(cfg.n_extra_args == 3 && strcmp(cfg.extra_args[0], "--a") == 0 &&
	    strcmp(cfg.extra_args[1], "") == 0 &&
	    strcmp(cfg.extra_args[2], "\xc3\xa9") == 0);
	CHECK(cfg.n_env == 2 && strcmp(cfg.env[0].name, "TZ") == 0 &&
	    strcmp(cfg.env[1].name, "LANG") == 0 &&
	    strcmp(cfg.env[1].value, "") == 0);
	inst_config_free(&cfg);
	json_decref(body);

	/* 256 of each is the most. */
	items = repeat("\"a\",", 256);
	items[strlen(items) - 1] = '\0';
	if (asprintf(&t, "{\"config\":{" REQ ",\"extra_args\":[%s]}}",
	    items) == -1)
		exit(2);
	body = J(t);
	CHECK(run(body, 1, &cfg) == NULL && cfg.n_extra_args == 256);
	inst_config_free(&cfg);
	json_decref(body);
	free(t);
	free(items);

	body = J("{\"config\":{" REQ ",\"env\":{}}}");
	for (i = 0; i < 257; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "CUDA_K%zu", i);
		json_object_set_new(json_object_get(json_object_get(body,
		    "config"), "env"), name, json_string("v"));
	}
	d = run(body, 1, &cfg);
	inst_config_free(&cfg);
	CHECK(json_array_size(d) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(d, 0),
	    "msg")), "Dictionary should have at most 256 items after "
	    "validation, not 257");
	items = dump(json_object_get(json_array_get(d, 0), "ctx"));
	CHECK_STR(items, "{\"field_type\":\"Dictionary\",\"max_length\":256,"
	    "\"actual_length\":257}");
	free(items);
	json_decref(d);
	json_object_del(json_object_get(json_object_get(body, "config"),
	    "env"), "CUDA_K0");
	CHECK(run(body, 1, &cfg) == NULL && cfg.n_env == 256);
	inst_config_free(&cfg);
	json_decref(body);
}

/* Every problem, one entry each, in SPEC section 3's field order. */
static void
test_field_order(void)
{
	json_t	*d;
	size_t	 i;
	const char *const want[] = { "model", "alias", "threads",
	    "n_gpu_layers", "temp", "top_p", "top_k", "min_p", "ctx_size",
	    "chat_template_file", "host", "port", "api_key", "special",
	    "extra_args", "env" };

	d = run_text("{\"config\":{\"env\":5,\"extra_args\":5,\"special\":5,"
	    "\"port\":\"x\",\"host\":\"x\",\"chat_template_file\":5,"
	    "\"ctx_size\":-1,\"min_p\":2,\"top_k\":-1,\"top_p\":2,\"temp\":3,"
	    "\"n_gpu_layers\":-1,\"threads\":0,\"alias\":\"\"}}", 1);
	CHECK(json_array_size(d) == 16);
	for (i = 0; i < json_array_size(d) && i < 16; i++)
		CHECK_STR(json_string_value(json_array_get(json_object_get(
		    json_array_get(d, i), "loc"), 2)), want[i]);
	json_decref(d);
}

static void
full_config(struct inst_config *c)
{
	static const char *const args[] = { "--flash-attn", "--mlock",
	    "\xe6\x97\xa5\xe6\x9c\xac" };
	size_t	i;

	inst_config_init(c);
	c->model = strdup("/models/\xc3\xa9t\xc3\xa9.gguf");
	c->alias = strdup("llama-3:8b");
	c->threads = 8;
	c->n_gpu_layers = 33;
	c->temp = 0.5;
	c->top_p = 0.25;
	c->top_k = 40;
	c->min_p = 0.125;
	c->ctx_size = 8192;
	c->chat_template_file = strdup("/t.jinja");
	c->host = strdup("::1");
	c->port = 3600;
	c->api_key = strdup("k\xf0\x9f\x98\x80");
	c->special = 1;
	c->extra_args = calloc(3, sizeof(char *));
	c->n_extra_args = 3;
	for (i = 0; i < 3; i++)
		c->extra_args[i] = strdup(args[i]);
	c->env = calloc(2, sizeof(*c->env));
	c->n_env = 2;
	c->env[0].name = strdup("CUDA_VISIBLE_DEVICES");
	c->env[0].value = strdup("0,1");
	c->env[1].name = strdup("HF_HOME");
	c->env[1].value = strdup("h\xc3\xa9");
}

static void
full_instance(struct instance *in)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "%s", ID1);
	full_config(&in->config);
	in->status = INST_RUNNING;
	in->port = 3600;
	in->pid = 4242;
	snprintf(in->created_at, sizeof(in->created_at),
	    "2026-11-27T10:11:58.123456Z");
	snprintf(in->started_at, sizeof(in->started_at),
	    "2026-11-27T10:20:23Z");
	in->error_message = strdup("exited with status 1: \xc3\xa9");
	in->retry_count = 1;
}




static void
test_check(void)
{
	struct inst_config	c;
	char			*saved;

	full_config(&c);
	CHECK(inst_config_check(&c, 1) == NULL);
	CHECK_STR(inst_config_check(&c, 0), MSG_DISABLED);

	c.threads = 0;
	CHECK_STR(inst_config_check(&c, 1), "threads must be from 1 to 1024");
	c.threads = 1024;
	c.temp = NAN;
	CHECK_STR(inst_config_check(&c, 1), "temp must be from 0.0 to 2.0");
	c.temp = 2.0;
	c.port = 65536;
	CHECK_STR(inst_config_check(&c, 1), "port must be from 1 to 65535");
	c.port = 0;
	CHECK(inst_config_check(&c, 1) == NULL);
	c.ctx_size = -1;
	CHECK_STR(inst_config_check(&c, 1),
	    "ctx_size must be from 0 to 2147483647");
	c.ctx_size = 0;

	saved = c.model;
	c.model = NULL;
	CHECK_STR(inst_config_check(&c, 1), "model is missing");
	c.model = (char *)"";
	CHECK_STR(inst_config_check(&c, 1),
	    "model must be 1 to 4096 characters");
	c.model = (char *)"\xc3(";
	CHECK_STR(inst_config_check(&c, 1), "model must be UTF-8");
	c.model = saved;

	saved = c.host;
	c.host = (char *)"example.com";
	CHECK_STR(inst_config_check(&c, 1),
	    "host must be an IP address or localhost");
	c.host = NULL;
	CHECK_STR(inst_config_check(&c, 1), "host is missing");
	c.host = saved;

	saved = c.chat_template_file;
	c.chat_template_file = repeat("x", 4097);
	CHECK_STR(inst_config_check(&c, 1),
	    "chat_template_file must be at most 4096 characters");
	free(c.chat_template_file);
	c.chat_template_file = NULL;
	CHECK(inst_config_check(&c, 1) == NULL);
	c.chat_template_file = saved;

	saved = c.extra_args[1];
	c.extra_args[1] = repeat("\xc3\xa9", 4097);
	CHECK_STR(inst_config_check(&c, 1),
	    "extra_args[1] must be at most 4096 characters");
	free(c.extra_args[1]);
	c.extra_args[1] = saved;
	c.n_extra_args = 257;
	CHECK_STR(inst_config_check(&c, 1),
	    "extra_args must have at most 256 items");
	c.n_extra_args = 3;
	saved = c.extra_args[2];
	c.extra_args[2] = (char *)"--port=1";
	CHECK_STR(inst_config_check(&c, 1),
	    "extra_args[2] flag --port is managed by solar-host");
	c.extra_args[2] = (char *)"-m";
	CHECK_STR(inst_config_check(&c, 1),
	    "extra_args[2] flag -m is managed by solar-host");
	c.extra_args[2] = saved;

	saved = c.env[1].name;
	c.env[1].name = (char *)"LD_PRELOAD";
	CHECK_STR(inst_config_check(&c, 1),
	    "env.LD_PRELOAD is not an allowed variable name");
	c.env[1].name = (char *)"PYTHONPATH";
	CHECK_STR(inst_config_check(&c, 1),
	    "env.PYTHONPATH is not an allowed variable name");
	c.env[1].name = (char *)"GGML_BACKEND_PATH";
	CHECK_STR(inst_config_check(&c, 1),
	    "env.GGML_BACKEND_PATH is not an allowed variable name");
	c.env[1].name = (char *)"CUDA_VISIBLE_DEVICES";
	CHECK_STR(inst_config_check(&c, 1),
	    "env.CUDA_VISIBLE_DEVICES is given twice");
	c.env[1].name = saved;
	saved = c.env[1].value;
	c.env[1].value = NULL;
	CHECK_STR(inst_config_check(&c, 1), "env.HF_HOME is missing");
	c.env[1].value = saved;
	CHECK(inst_config_check(&c, 1) == NULL);
	inst_config_free(&c);
}

static void
test_to_json(void)
{
	struct instance	 in;
	json_t		*j, *c;
	const char	*key;
	json_t		*v;
	char		*s;
	size_t		 i = 0;
	const char *const order[] = { "model", "alias", "threads",
	    "n_gpu_layers", "temp", "top_p", "top_k", "min_p", "ctx_size",
	    "chat_template_file", "host", "port", "api_key", "special",
	    "extra_args", "env" };

	full_instance(&in);
	j = instance_to_json(&in);
	c = json_object_get(j, "config");
	json_object_foreach(c, key, v) {
		CHECK(i < 16 && strcmp(key, order[i]) == 0);
		i++;
	}
	CHECK(i == 16);
	CHECK(json_is_real(json_object_get(c, "temp")) &&
	    json_real_value(json_object_get(c, "temp")) == 0.5);
	CHECK(json_is_real(json_object_get(c, "top_p")) &&
	    json_real_value(json_object_get(c, "top_p")) == 0.25);
	CHECK(json_is_real(json_object_get(c, "min_p")) &&
	    json_real_value(json_object_get(c, "min_p")) == 0.125);
	s = dump(j);
	CHECK_STR(s, "{\"id\":\"" ID1 "\",\"config\":{"
	    "\"model\":\"/models/\xc3\xa9t\xc3\xa9.gguf\","
	    "\"alias\":\"llama-3:8b\",\"threads\":8,\"n_gpu_layers\":33,"
	    "\"temp\":0.5,\"top_p\":0.25,\"top_k\":40,\"min_p\":0.125,"
	    "\"ctx_size\":8192,\"chat_template_file\":\"/t.jinja\","
	    "\"host\":\"::1\",\"port\":3600,"
	    "\"api_key\":\"k\xf0\x9f\x98\x80\",\"special\":true,"
	    "\"extra_args\":[\"--flash-attn\",\"--mlock\","
	    "\"\xe6\x97\xa5\xe6\x9c\xac\"],\"env\":{\"CUDA_VISIBLE_DEVICES\":"
	    "\"0,1\",\"HF_HOME\":\"h\xc3\xa9\"}},\"status\":\"running\","
	    "\"port\":3600,\"pid\":4242,"
	    "\"created_at\":\"2026-11-27T10:11:58.123456Z\","
	    "\"started_at\":\"2026-11-27T10:20:23Z\","
	    "\"error_message\":\"exited with status 1: \xc3\xa9\","
	    "\"retry_count\":1}");
	free(s);
	json_decref(j);
	instance_free(&in);

	/* The nulls of a fresh instance; no extra_args, no env. */
	full_instance(&in);
	inst_config_free(&in.config);
	in.config.model = strdup("m");
	in.config.alias = strdup("a");
	in.config.api_key = strdup("k");
	in.config.host = strdup("0.0.0.0");
	in.status = INST_STOPPED;
	in.port = 0;
	in.pid = 0;
	in.started_at[0] = '\0';
	free(in.error_message);
	in.error_message = NULL;
	in.retry_count = 0;
	j = instance_to_json(&in);
	s = dump(j);
	CHECK_STR(s, "{\"id\":\"" ID1 "\",\"config\":{\"model\":\"m\","
	    "\"alias\":\"a\",\"threads\":1,\"n_gpu_layers\":999,"
	    "\"temp\":1.0,\"top_p\":1.0,\"top_k\":0,\"min_p\":0.0,"
	    "\"ctx_size\":131072,\"chat_template_file\":null,"
	    "\"host\":\"0.0.0.0\",\"port\":null,\"api_key\":\"k\","
	    "\"special\":false},\"status\":\"stopped\",\"port\":null,"
	    "\"pid\":null,\"created_at\":\"2026-11-27T10:11:58.123456Z\","
	    "\"started_at\":null,\"error_message\":null,\"retry_count\":0}");
	free(s);
	json_decref(j);
	instance_free(&in);
	instance_free(&in);
}

static int
from_json_text(const char *text, struct instance *in, char *err,
    size_t errlen)
{
	json_t	*j = J(text);
	int	 r;

	err[0] = '\0';
	r = instance_from_json(j, in, err, errlen);
	json_decref(j);
	return r;
}

static void
test_from_json_fixture(void)
{
	struct instance	 in;
	json_t		*file, *arr, *back;
	char		 err[256];
	size_t		 i;

	clear_warnings();
	file = J(fixture);
	arr = json_object_get(file, "instances");
	CHECK(json_array_size(arr) == 2);
	for (i = 0; i < json_array_size(arr); i++) {
		CHECK(instance_from_json(json_array_get(arr, i), &in, err,
		    sizeof(err)) == 0);
		/* What we write back is what we read, key order included. */
		back = instance_to_json(&in);
		CHECK(json_equal(back, json_array_get(arr, i)));
		{
			char	*a = dump(back), *b = dump(json_array_get(arr,
			    i));

			CHECK_STR(a, b);
			free(a);
			free(b);
		}
		json_decref(back);
		if (i == 0) {
			CHECK(in.config.temp == 0.7 && in.config.top_p == 0.9 &&
			    in.config.min_p == 0.05 && in.config.top_k == 40);
			CHECK_STR(in.config.chat_template_file,
			    "/models/templates/llama3.jinja");
			CHECK(in.status == INST_STOPPED && in.port == 0 &&
			    in.pid == 0 && in.started_at[0] == '\0' &&
			    in.error_message == NULL);
		} else {
			CHECK(in.status == INST_RUNNING && in.port == 3501 &&
			    in.pid == 12817 && in.config.special == 1);
			CHECK_STR(in.started_at, "2026-11-27T11:26:16.791917Z");
			CHECK(in.config.chat_template_file == NULL);
		}
		instance_free(&in);
	}
	CHECK(nwarned == 0);
	json_decref(file);

	/* Only id and config are needed; the rest has defaults. */
	CHECK(from_json_text("{\"id\":\"" ID1 "\",\"config\":{" REQ
	    ",\"threads\":4.0},\"extra\":1}", &in, err, sizeof(err)) == 0);
	CHECK(in.config.threads == 4 && in.status == INST_STOPPED);
	CHECK_STR(in.config.host, "0.0.0.0");
	CHECK(in.created_at[0] != '\0' && in.retry_count == 0);
	instance_free(&in);
}

static void
test_from_json_errors(void)
{
	static const struct {
		const char	*members;	/* of the entry, after id */
		const char	*want;
	} cases[] = {
		{ "\"config\":{" REQ ",\"threads\":\"4\"}",
		    "config.threads: must be an integer" },
		{ "\"config\":{" REQ ",\"threads\":4.5}",
		    "config.threads: must be an integer" },
		{ "\"config\":{" REQ ",\"threads\":true}",
		    "config.threads: must be an integer" },
		{ "\"config\":{" REQ ",\"port\":\"1\"}",
		    "config.port: must be an integer or null" },
		{ "\"config\":{" REQ ",\"temp\":\"1\"}",
		    "config.temp: must be a number" },
		{ "\"config\":{" REQ ",\"temp\":null}",
		    "config.temp: must be a number" },
		{ "\"config\":{" REQ ",\"special\":1}",
		    "config.special: must be a boolean" },
		{ "\"config\":{" REQ ",\"host\":null}",
		    "config.host: must be a string" },
		{ "\"config\":{" REQ ",\"chat_template_file\":1}",
		    "config.chat_template_file: must be a string or null" },
		{ "\"config\":{" REQ ",\"model\":\"a\\u0000\"}",
		    "config.model: contains NUL" },
		{ "\"config\":{\"alias\":\"a\",\"api_key\":\"k\"}",
		    "config.model: missing" },
		{ "\"config\":{" REQ ",\"extra_args\":[\"a\",1]}",
		    "config.extra_args[1]: must be a string" },
		{ "\"config\":{" REQ ",\"extra_args\":{}}",
		    "config.extra_args: must be a list of strings" },
		{ "\"config\":{" REQ ",\"env\":{\"A\":null}}",
		    "config.env.A: must be a string" },
		{ "\"config\":{" REQ ",\"env\":[]}",
		    "config.env: must be an object of strings" },
		{ "\"config\":[]", "config: must be an object" },
		{ "\"cfg\":{}", "config: missing" },
		{ "\"config\":{" REQ "},\"status\":\"paused\"",
		    "status: must be one of stopped, starting, running, "
		    "stopping, failed" },
		{ "\"config\":{" REQ "},\"port\":0",
		    "port: must be an integer from 1 to 65535 or null" },
		{ "\"config\":{" REQ "},\"pid\":-5",
		    "pid: must be a process id or null" },
		{ "\"config\":{" REQ "},\"created_at\":\"yesterday\"",
		    "created_at: must be a timestamp" },
		{ "\"config\":{" REQ "},\"started_at\":5",
		    "started_at: must be a timestamp or null" },
		{ "\"config\":{" REQ "},\"error_message\":[]",
		    "error_message: must be a string or null" },
		{ "\"config\":{" REQ "},\"retry_count\":null",
		    "retry_count: must be an integer" },
	};
	struct instance	 in;
	char		 err[256], *t, *s;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (asprintf(&t, "{\"id\":\"" ID1 "\",%s}", cases[i].members) ==
		    -1)
			exit(2);
		CHECK(from_json_text(t, &in, err, sizeof(err)) == -1);
		CHECK_STR(err, cases[i].want);
		CHECK(in.config.model == NULL && in.error_message == NULL);
		free(t);
	}
	CHECK(from_json_text("[]", &in, err, sizeof(err)) == -1);
	CHECK_STR(err, "must be an object");
	CHECK(from_json_text("{\"config\":{" REQ "}}", &in, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "id: missing");
	CHECK(from_json_text("{\"id\":\"A7894838-6701-401e-9733-33893abfd501\","
	    "\"config\":{" REQ "}}", &in, err, sizeof(err)) == -1);
	CHECK_STR(err, "id: must be a lowercase UUID");

	/* What the channel could not carry is refused, not warned about. */
	s = repeat("x", 16385);
	if (asprintf(&t, "{\"id\":\"" ID1 "\",\"config\":{" REQ ","
	    "\"api_key\":\"%s\"}}", s) == -1)
		exit(2);
	CHECK(from_json_text(t, &in, err, sizeof(err)) == -1);
	CHECK_STR(err, "config.api_key: is longer than 16384 bytes");
	free(t);
	free(s);
	s = repeat("\"a\",", 257);
	s[strlen(s) - 1] = '\0';
	if (asprintf(&t, "{\"id\":\"" ID1 "\",\"config\":{" REQ ","
	    "\"extra_args\":[%s]}}", s) == -1)
		exit(2);
	CHECK(from_json_text(t, &in, err, sizeof(err)) == -1);
	CHECK_STR(err, "config.extra_args: has more than 256 items");
	free(t);
	free(s);
#if JANSSON_VERSION_HEX >= 0x020e00
	{
		json_t	*j = J("{\"id\":\"" ID1 "\",\"config\":{" REQ ","
		    "\"env\":{}}}");

		json_object_setn_new(json_object_get(json_object_get(j,
		    "config"), "env"), "A\0B", 3, json_string("v"));
		CHECK(instance_from_json(j, &in, err, sizeof(err)) == -1);
		CHECK_STR(err, "config.env: a name contains NUL");
		json_decref(j);
	}
#endif
}

static void
test_from_json_warnings(void)
{
	struct instance	in;
	char		err[256], *s, *t;

	clear_warnings();
	CHECK(from_json_text("{\"id\":\"" ID1 "\",\"config\":{" REQ ","
	    "\"threads\":0,\"temp\":3.5,\"host\":\"example.com\","
	    "\"env\":{\"LD_PRELOAD\":\"/x.so\"}}}", &in, err,
	    sizeof(err)) == 0);
	/* The values stay as the file has them. */
	CHECK(in.config.threads == 0 && in.config.temp == 3.5);
	CHECK_STR(in.config.host, "example.com");
	CHECK(in.config.n_env == 1);
	CHECK(nwarned == 4);
	if (nwarned == 4) {
		CHECK_STR(warned[0], "instance " ID1 ": config.threads: "
		    "must be from 1 to 1024");
		CHECK_STR(warned[1], "instance " ID1 ": config.temp: must be "
		    "from 0.0 to 2.0");
		CHECK_STR(warned[2], "instance " ID1 ": config.host: must be "
		    "an IP address or localhost");
		CHECK_STR(warned[3], "instance " ID1 ": config.env.LD_PRELOAD: "
		    "is not an allowed variable name");
	}
	instance_free(&in);
	clear_warnings();

	/* A model path longer than ours, as the original allowed. */
	s = repeat("x", 5000);
	if (asprintf(&t, "{\"id\":\"" ID1 "\",\"config\":{" REQ ","
	    "\"model\":\"%s\"}}", s) == -1)
		exit(2);
	CHECK(from_json_text(t, &in, err, sizeof(err)) == 0);
	CHECK(in.config.model != NULL && strlen(in.config.model) == 5000);
	CHECK(nwarned == 1);
	if (nwarned == 1)
		CHECK_STR(warned[0], "instance " ID1 ": config.model: must be "
		    "1 to 4096 characters");
	instance_free(&in);
	clear_warnings();
	free(t);
	free(s);
}

/* A received message holding the first len bytes of b. */
static void
to_msg(struct chanmsg *m, const struct chanbuf *b, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->len = len;
	if ((m->data = malloc(len > 0 ? len : 1)) == NULL)
		exit(2);
	if (len > 0)
		memcpy(m->data, b->sb.data, len);
}

static int
decode_cfg_buf(const struct chanbuf *b)
{
	struct chanmsg		m;
	struct inst_config	c;
	int			r;

	to_msg(&m, b, b->sb.len);
	r = proto_create_decode(&m, &c);
	if (r == 0)
		r = chanmsg_end(&m);
	inst_config_free(&c);
	chanmsg_clear(&m);
	return r;
}

static int
decode_inst_buf(const struct chanbuf *b)
{
	struct chanmsg	m;
	struct instance	in;
	int		r;

	to_msg(&m, b, b->sb.len);
	r = proto_instance_decode(&m, &in);
	instance_free(&in);
	chanmsg_clear(&m);
	return r;
}

static void
test_channel_roundtrip(void)
{
	struct instance		in, out;
	struct inst_config	c, d;
	struct chanbuf		b;
	struct chanmsg		m;

	full_instance(&in);
	chanbuf_init(&b);
	proto_instance_encode(&b, &in);
	CHECK(!b.sb.failed);
	to_msg(&m, &b, b.sb.len);
	CHECK(proto_instance_decode(&m, &out) == 0);
	CHECK(chanmsg_end(&m) == 0);
	CHECK(instcmp_instance(&in, &out));
	CHECK(out.config.model != in.config.model);
	chanmsg_clear(&m);
	instance_free(&out);

	/* Absent optional strings and empty lists travel too. */
	free(in.config.chat_template_file);
	in.config.chat_template_file = NULL;
	free(in.error_message);
	in.error_message = NULL;
	in.started_at[0] = '\0';
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	to_msg(&m, &b, b.sb.len);
	CHECK(proto_instance_decode(&m, &out) == 0 && chanmsg_end(&m) == 0);
	CHECK(instcmp_instance(&in, &out) && out.error_message == NULL &&
	    out.config.chat_template_file == NULL);
	chanmsg_clear(&m);
	instance_free(&out);
	instance_free(&in);

	inst_config_init(&c);
	c.model = strdup("m");
	c.alias = strdup("a");
	c.api_key = strdup("k");
	c.host = strdup("0.0.0.0");
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	to_msg(&m, &b, b.sb.len);
	CHECK(proto_create_decode(&m, &d) == 0 && chanmsg_end(&m) == 0);
	CHECK(instcmp_config(&c, &d) && d.extra_args == NULL && d.env == NULL);
	chanmsg_clear(&m);
	inst_config_free(&d);
	inst_config_free(&c);
	chanbuf_free(&b);
}

static void
test_channel_truncated(void)
{
	struct instance		in, out;
	struct inst_config	c;
	struct chanbuf		b;
	struct chanmsg		m;
	size_t			len;
	int			fails = 0;

	full_instance(&in);
	chanbuf_init(&b);
	proto_instance_encode(&b, &in);
	for (len = 0; len < b.sb.len; len++) {
		to_msg(&m, &b, len);
		if (proto_instance_decode(&m, &out) == 0)
			fails++;
		else if (out.config.model != NULL ||
		    out.config.extra_args != NULL || out.config.env != NULL ||
		    out.error_message != NULL)
			fails++;
		instance_free(&out);
		chanmsg_clear(&m);
	}
	CHECK(fails == 0);

	chanbuf_reset(&b);
	proto_create_encode(&b, &in.config);
	for (len = 0; len < b.sb.len; len++) {
		to_msg(&m, &b, len);
		if (proto_create_decode(&m, &c) == 0 || c.model != NULL ||
		    c.n_extra_args != 0 || c.n_env != 0)
			fails++;
		inst_config_free(&c);
		chanmsg_clear(&m);
	}
	CHECK(fails == 0);
	/* And leftover bytes are there for the caller to see. */
	chanbuf_u8(&b, 0);
	CHECK(decode_cfg_buf(&b) == -1);
	chanbuf_free(&b);
	instance_free(&in);
}

static void
test_channel_malformed(void)
{
	struct instance		in;
	struct inst_config	c;
	struct chanbuf		b;
	char			**args;
	char			*saved;
	size_t			 i;

	chanbuf_init(&b);

	/* 257 extra_args or env entries: refused by count. */
	full_config(&c);
	args = calloc(257, sizeof(char *));
	for (i = 0; i < 257; i++)
		args[i] = strdup("a");
	for (i = 0; i < c.n_extra_args; i++)
		free(c.extra_args[i]);
	free(c.extra_args);
	c.extra_args = args;
	c.n_extra_args = 257;
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == -1);
	c.n_extra_args = 256;
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == 0);
	c.n_extra_args = 257;
	inst_config_free(&c);

	full_config(&c);
	c.env = realloc(c.env, 257 * sizeof(*c.env));
	for (i = 2; i < 257; i++) {
		if (asprintf(&c.env[i].name, "K%zu", i) == -1)
			exit(2);
		c.env[i].value = strdup("v");
	}
	c.n_env = 257;
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == -1);
	inst_config_free(&c);

	/* Required strings absent; strings over 4 x 4096 bytes. */
	full_config(&c);
	saved = c.api_key;
	c.api_key = NULL;
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == -1);
	c.api_key = saved;
	saved = c.host;
	c.host = NULL;
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == -1);
	c.host = saved;
	saved = c.extra_args[2];
	c.extra_args[2] = NULL;
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == -1);
	c.extra_args[2] = saved;
	saved = c.model;
	c.model = repeat("x", 16385);
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == -1);
	free(c.model);
	c.model = repeat("x", 16384);
	chanbuf_reset(&b);
	proto_create_encode(&b, &c);
	CHECK(decode_cfg_buf(&b) == 0);
	free(c.model);
	c.model = saved;
	inst_config_free(&c);

	/* special is 0 or 1, nothing else. */
	chanbuf_reset(&b);
	chanbuf_str(&b, "m");
	chanbuf_str(&b, "a");
	chanbuf_i64(&b, 1);
	chanbuf_i64(&b, 999);
	chanbuf_f64(&b, 1.0);
	chanbuf_f64(&b, 1.0);
	chanbuf_i64(&b, 0);
	chanbuf_f64(&b, 0.0);
	chanbuf_i64(&b, 131072);
	chanbuf_str(&b, NULL);
	chanbuf_str(&b, "0.0.0.0");
	chanbuf_i64(&b, 0);
	chanbuf_str(&b, "k");
	chanbuf_u8(&b, 2);
	chanbuf_u32(&b, 0);
	chanbuf_u32(&b, 0);
	CHECK(decode_cfg_buf(&b) == -1);
	b.sb.data[b.sb.len - 9] = 1;
	CHECK(decode_cfg_buf(&b) == 0);

	/* The instance's own fields. */
	full_instance(&in);
	in.status = (enum inst_status)5;
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	CHECK(decode_inst_buf(&b) == -1);
	in.status = INST_FAILED;
	in.port = 65536;
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	CHECK(decode_inst_buf(&b) == -1);
	in.port = 0;
	in.pid = -1;
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	CHECK(decode_inst_buf(&b) == -1);
	in.pid = 0;
	in.created_at[0] = '\0';
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	CHECK(decode_inst_buf(&b) == -1);
	snprintf(in.created_at, sizeof(in.created_at), "2026-11-27T10:20:23Z");
	in.id[0] = 'A';
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	CHECK(decode_inst_buf(&b) == -1);
	in.id[0] = 'a';
	chanbuf_reset(&b);
	proto_instance_encode(&b, &in);
	CHECK(decode_inst_buf(&b) == 0);
	instance_free(&in);
	chanbuf_free(&b);
}

static void
test_copy(void)
{
	struct instance		a, b;
	struct inst_config	c;

	full_instance(&a);
	CHECK(instance_copy(&b, &a) == 0);
	CHECK(instcmp_instance(&a, &b));
	CHECK(b.config.model != a.config.model &&
	    b.config.extra_args != a.config.extra_args &&
	    b.config.extra_args[0] != a.config.extra_args[0] &&
	    b.config.env != a.config.env &&
	    b.config.env[0].name != a.config.env[0].name &&
	    b.error_message != a.error_message);
	a.config.extra_args[0][0] = 'X';
	a.config.threads = 3;
	CHECK(b.config.extra_args[0][0] == '-' && b.config.threads == 8);
	instance_free(&a);
	CHECK(inst_config_copy(&c, &b.config) == 0);
	CHECK(instcmp_config(&c, &b.config));
	instance_free(&b);
	instance_free(&b);
	CHECK(b.config.model == NULL && b.error_message == NULL &&
	    b.id[0] == '\0');
	inst_config_free(&c);
	inst_config_free(&c);
	CHECK(c.model == NULL && c.extra_args == NULL && c.n_env == 0);

	/* A copy of an empty config is empty. */
	inst_config_init(&a.config);
	CHECK(inst_config_copy(&c, &a.config) == 0);
	CHECK(instcmp_config(&c, &a.config) && c.model == NULL);
	inst_config_free(&c);
}

int
main(void)
{
	log_init(1, 0);
	log_set_sink(sink, NULL);

	test_status();
	test_defaults();
	test_spec4_examples();
	test_table_int();
	test_table_float();
	test_table_bool();
	test_table_string();
	test_table_lists();
	test_table_body();
	test_lax_measured();
	test_host_and_strings();
	test_env_names();
	test_extra_flags();
	test_allow_extra();
	test_field_order();
	test_check();
	test_to_json();
	test_from_json_fixture();
	test_from_json_errors();
	test_from_json_warnings();
	test_channel_roundtrip();
	test_channel_truncated();
	test_channel_malformed();
	test_copy();

	clear_warnings();
	log_set_sink(NULL, NULL);
	T_DONE();
}
