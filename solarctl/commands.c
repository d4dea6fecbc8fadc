/*
 * commands.c: one function per command: the request, then the answer,
 * as it came with --json, readable otherwise.  An instance is named by
 * its id, by the first characters of its id, or by its alias.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "pyjson.h"
#include "solarctl.h"
#include "strbuf.h"
#include "uuid.h"

#define PATH_LEN	(64 + UUID_STRLEN)
#define BODY_SHOWN	200	/* characters of a body that is not ours */

static int	 call(struct ctl *, enum http_method, const char *,
		    const char *, size_t, struct http_resp *);
static int	 answer_json(struct ctl *, const struct http_resp *,
		    json_t **);
static void	 print_body(const struct http_resp *);
static void	 print_line(const char *, const char *);
static int	 resolve(struct ctl *, const char *, char *);
static int	 simple(struct ctl *, enum http_method, const char *, int);
static int	 show_get(struct ctl *, const char *, int);
static int	 outcome(struct ctl *, const struct http_resp *, int);

int
api_error(struct ctl *ctl, int status, const char *body, size_t len)
{
	struct strbuf	 sb;
	json_t		*v, *detail, *entry;
	char		*clean;
	size_t		 i;

	v = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL);
	detail = json_object_get(v, "detail");
	strbuf_init(&sb);
	if (json_is_string(detail))
		print_line(json_string_value(detail), NULL);
	else if (json_is_array(detail)) {
		/* 422: one entry a line, each as the server wrote it. */
		json_array_foreach(detail, i, entry) {
			strbuf_reset(&sb);
			pyjson_dump_compact(&sb, entry);
			if (!sb.failed)
				print_line(sb.data, NULL);
		}
	} else if (detail != NULL) {
		pyjson_dump_compact(&sb, detail);
		if (!sb.failed)
			print_line(sb.data, NULL);
	} else {
		clean = show_clean(body, strcspn(body, "\r\n"), BODY_SHOWN);
		if (clean != NULL && *clean != '\0')
			fprintf(stderr, "solarctl: HTTP %d: %s\n", status,
			    clean);
		else
			fprintf(stderr, "solarctl: HTTP %d\n", status);
		free(clean);
	}
	strbuf_free(&sb);
	json_decref(v);
	if (status == 401 && ctl->t.key_from != NULL) {
		if (ctl->t.key != NULL)
			fprintf(stderr, "solarctl: the key came from %s\n",
			    ctl->t.key_from);
		else
			fprintf(stderr, "solarctl: %s\n", ctl->t.key_from);
	}
	if (ctl->json && len > 0) {
		fwrite(body, 1, len, stdout);
		if (body[len - 1] != '\n')
			putchar('\n');
	}
	return EXIT_API;
}

/* "solarctl: text", text made safe for a terminal. */
static void
print_line(const char *text, const char *suffix)
{
	char	*clean;

	if ((clean = show_clean(text, strlen(text), 0)) == NULL)
		return;
	fprintf(stderr, "solarctl: %s%s\n", clean, suffix != NULL ? suffix :
	    "");
	free(clean);
}

/* EXIT_OK with a 2xx answer in resp; anything else is printed. */
static int
call(struct ctl *ctl, enum http_method method, const char *path,
    const char *body, size_t len, struct http_resp *resp)
{
	char	err[512];
	int	rc;

	if (http_request(ctl, method, path, body, len, resp, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "solarctl: %s\n", err);
		return EXIT_CONN;
	}
	if (resp->status >= 200 && resp->status < 300)
		return EXIT_OK;
	rc = api_error(ctl, resp->status, resp->body, resp->len);
	http_resp_free(resp);
	return rc;
}

static int
answer_json(struct ctl *ctl, const struct http_resp *resp, json_t **out)
{
	if ((*out = json_loadb(resp->body, resp->len,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL)) == NULL) {
		fprintf(stderr, "solarctl: %s answered with something that "
		    "is not JSON\n", ctl->t.url);
		return EXIT_API;
	}
	return EXIT_OK;
}

static void
print_body(const struct http_resp *resp)
{
	fwrite(resp->body, 1, resp->len, stdout);
	if (resp->len == 0 || resp->body[resp->len - 1] != '\n')
		putchar('\n');
}

/*
 * An id as it is; otherwise the instance whose alias is arg, or, failing
 * that, whose id starts with arg.  None is an API error (as the server's
 * 404 for an unknown id is); several are a usage error.
 */
static int
resolve(struct ctl *ctl, const char *arg, char *id)
{
	struct http_resp resp;
	struct strbuf	 ids;
	json_t		*all = NULL, *inst;
	const char	*s, *iid;
	size_t		 i, n, len = strlen(arg);
	int		 rc, pass;

	if (uuid_valid(arg)) {
		memcpy(id, arg, UUID_STRLEN + 1);
		return EXIT_OK;
	}
	if (len == 0) {
		fprintf(stderr, "solarctl: an empty instance name\n");
		return EXIT_USAGE;
	}
	if ((rc = call(ctl, HTTP_GET, "/instances", NULL, 0, &resp)) !=
	    EXIT_OK)
		return rc;
	rc = answer_json(ctl, &resp, &all);
	http_resp_free(&resp);
	if (rc != EXIT_OK)
		return rc;
	strbuf_init(&ids);
	for (pass = 0, n = 0; pass < 2 && n == 0; pass++) {
		json_array_foreach(all, i, inst) {
			iid = json_string_value(json_object_get(inst, "id"));
			if (iid == NULL || !uuid_valid(iid))
				continue;
			if (pass == 0) {
				s = json_string_value(json_object_get(
				    json_object_get(inst, "config"), "alias"));
				if (s == NULL || strcmp(s, arg) != 0)
					continue;
			} else if (strncasecmp(iid, arg, len) != 0)
				continue;
			if (n++ == 0)
				memcpy(id, iid, UUID_STRLEN + 1);
			strbuf_addf(&ids, " %s", iid);
		}
	}
	json_decref(all);
	if (n == 1)
		rc = EXIT_OK;
	else if (n == 0) {
		print_line(arg, ": no instance has this id or alias");
		rc = EXIT_API;
	} else {
		print_line(arg, ": names several instances:");
		if (!ids.failed)
			fprintf(stderr, "%s\n", ids.data + 1);
		rc = EXIT_USAGE;
	}
	strbuf_free(&ids);
	return rc;
}

/* A request on one instance, answered {"instance":..,"message":..}. */
static int
simple(struct ctl *ctl, enum http_method method, const char *suffix,
    int with_status)
{
	struct http_resp resp;
	char		 id[UUID_STRLEN + 1], path[PATH_LEN];
	int		 rc;

	if ((rc = resolve(ctl, ctl->args[0], id)) != EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/instances/%s%s", id, suffix);
	if ((rc = call(ctl, method, path, NULL, 0, &resp)) != EXIT_OK)
		return rc;
	rc = outcome(ctl, &resp, with_status);
	http_resp_free(&resp);
	return rc;
}

/* The server's message, and where the instance now stands. */
static int
outcome(struct ctl *ctl, const struct http_resp *resp, int with_status)
{
	json_t		*v, *inst, *port;
	const char	*msg, *status;
	char		*clean;
	int		 rc;

	if (ctl->json) {
		print_body(resp);
		return EXIT_OK;
	}
	if ((rc = answer_json(ctl, resp, &v)) != EXIT_OK)
		return rc;
	inst = json_object_get(v, "instance");
	port = json_object_get(inst, "port");
	if ((msg = json_string_value(json_object_get(v, "message"))) == NULL)
		msg = "done";
	status = json_string_value(json_object_get(inst, "status"));
	if ((clean = show_clean(msg, strlen(msg), 0)) == NULL)
		rc = EXIT_FAIL;
	else if (!with_status || status == NULL)
		printf("%s\n", clean);
	else if (json_is_integer(port) && strcmp(status, "stopped") != 0 &&
	    strcmp(status, "failed") != 0)
		printf("%s: %s on port %lld\n", clean, status,
		    (long long)json_integer_value(port));
	else
		printf("%s: %s\n", clean, status);
	free(clean);
	json_decref(v);
	return rc;
}

/* GET a path and show the object it gives. */
static int
show_get(struct ctl *ctl, const char *path, int is_list)
{
	struct http_resp resp;
	json_t		*v;
	int		 rc;

	if ((rc = call(ctl, HTTP_GET, path, NULL, 0, &resp)) != EXIT_OK)
		return rc;
	if (ctl->json)
		print_body(&resp);
	else if ((rc = answer_json(ctl, &resp, &v)) == EXIT_OK) {
		if (!is_list)
			show_object(v);
		else if (show_list(v) == -1) {
			fprintf(stderr, "solarctl: out of memory\n");
			rc = EXIT_FAIL;
		}
		json_decref(v);
	}
	http_resp_free(&resp);
	return rc;
}

int
cmd_list(struct ctl *ctl)
{
	return show_get(ctl, "/instances", 1);
}

int
cmd_get(struct ctl *ctl)
{
	char	id[UUID_STRLEN + 1], path[PATH_LEN];
	int	rc;

	if ((rc = resolve(ctl, ctl->args[0], id)) != EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/instances/%s", id);
	return show_get(ctl, path, 0);
}

int
cmd_state(struct ctl *ctl)
{
	char	id[UUID_STRLEN + 1], path[PATH_LEN];
	int	rc;

	if ((rc = resolve(ctl, ctl->args[0], id)) != EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/instances/%s/state", id);
	return show_get(ctl, path, 0);
}

int
cmd_memory(struct ctl *ctl)
{
	return show_get(ctl, "/memory", 0);
}

int
cmd_health(struct ctl *ctl)
{
	return show_get(ctl, "/health", 0);
}

int
cmd_create(struct ctl *ctl)
{
	struct http_resp resp;
	char		*body;
	size_t		 len;
	int		 rc;

	if ((body = instcfg_body(&ctl->edit, NULL, &len, &rc)) == NULL)
		return rc;
	rc = call(ctl, HTTP_POST, "/instances", body, len, &resp);
	free(body);
	if (rc != EXIT_OK)
		return rc;
	rc = outcome(ctl, &resp, 0);
	http_resp_free(&resp);
	return rc;
}

/* The API replaces the whole config: the current one is the base. */
int
cmd_update(struct ctl *ctl)
{
	struct http_resp resp;
	json_t		*inst = NULL;
	char		 id[UUID_STRLEN + 1], path[PATH_LEN], *body;
	size_t		 len;
	int		 rc;

	if (!ctl->edit.used) {
		fprintf(stderr, "solarctl: update: nothing to change (give "
		    "config flags or --file)\n");
		return EXIT_USAGE;
	}
	if ((rc = resolve(ctl, ctl->args[0], id)) != EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/instances/%s", id);
	if (ctl->edit.file == NULL) {
		if ((rc = call(ctl, HTTP_GET, path, NULL, 0, &resp)) !=
		    EXIT_OK)
			return rc;
		rc = answer_json(ctl, &resp, &inst);
		http_resp_free(&resp);
		if (rc != EXIT_OK)
			return rc;
	}
	body = instcfg_body(&ctl->edit, json_object_get(inst, "config"),
	    &len, &rc);
	json_decref(inst);
	if (body == NULL)
		return rc;
	rc = call(ctl, HTTP_PUT, path, body, len, &resp);
	free(body);
	if (rc != EXIT_OK)
		return rc;
	rc = outcome(ctl, &resp, 0);
	http_resp_free(&resp);
	return rc;
}

int
cmd_delete(struct ctl *ctl)
{
	return simple(ctl, HTTP_DELETE, "", 0);
}

int
cmd_start(struct ctl *ctl)
{
	return simple(ctl, HTTP_POST, "/start", 1);
}

int
cmd_stop(struct ctl *ctl)
{
	return simple(ctl, HTTP_POST, "/stop", 1);
}

int
cmd_restart(struct ctl *ctl)
{
	return simple(ctl, HTTP_POST, "/restart", 1);
}

int
cmd_logs(struct ctl *ctl)
{
	char	id[UUID_STRLEN + 1];
	int	rc;

	if ((rc = resolve(ctl, ctl->args[0], id)) != EXIT_OK)
		return rc;
	return wslogs_run(ctl, id);
}
