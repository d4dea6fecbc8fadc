/*
 * test_openapi.c: apid/openapi.json against the server's own route table.
 * Every route the server has is in the document, every path and method
 * of the document is served, the key is asked for exactly where the
 * server asks for it, and every $ref resolves.
 *
 * The document comes from $OPENAPI_JSON, else from the source tree next
 * to this file.  Only apid/routes.c is linked: the handlers it names are
 * stubs here, since nothing is ever dispatched.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "config.h"
#include "api.h"
#include "api_docs.h"
#include "api_live.h"
#include "http_reply.h"
#include "routes.h"
#include "testhook.h"
#include "t.h"

/* routes.c: the table, one entry at a time. */
size_t			 routes_count(void);
const struct route	*routes_at(size_t i);

/* Handlers of the documentation and dashboard routes. */
void	api_openapi(struct evhttp_request *, const char **, size_t);
void	api_docs(struct evhttp_request *, const char **, size_t);
void	api_redoc(struct evhttp_request *, const char **, size_t);
void	api_docs_asset(struct evhttp_request *, const char **, size_t);
void	api_ui(struct evhttp_request *, const char **, size_t);

#define STUB(name)							\
void									\
name(struct evhttp_request *req, const char **params, size_t n)	\
{									\
	(void)req;							\
	(void)params;							\
	(void)n;							\
	abort();							\
}

STUB(api_list)
STUB(api_create)
STUB(api_get)
STUB(api_update)
STUB(api_delete)
STUB(api_start)
STUB(api_stop)
STUB(api_restart)
STUB(api_logs_ws)
STUB(api_state)
STUB(api_last_generation)
STUB(api_memory)
STUB(api_test_escape)
STUB(api_openapi)
STUB(api_docs)
STUB(api_redoc)
STUB(api_docs_asset)
STUB(api_ui)

void
http_reply_json(struct evhttp_request *req, int code, const char *body)
{
	(void)req;
	(void)code;
	(void)body;
	abort();
}

void
http_reply_jsonn(struct evhttp_request *req, int code, const char *body,
    size_t len)
{
	(void)req;
	(void)code;
	(void)body;
	(void)len;
	abort();
}

void
http_reply_detail(struct evhttp_request *req, int code, const char *detail)
{
	(void)req;
	(void)code;
	(void)detail;
	abort();
}

/* Stands for every path parameter that has no enum of its own. */
#define SAMPLE_ID	"3f0c2b8e-5d1a-4c7e-9b2f-8a6d4e1c0b7a"
#define PATH_MAX_LEN	1024

/* The pages anyone may GET, whatever the table says (SPEC section 2). */
static const char *const public_paths[] = {
	"/", "/health", "/openapi.json", "/docs", "/redoc", "/ui",
};

static const struct {
	const char	*name;
	unsigned int	 bit;
} methods[] = {
	{ "get", EVHTTP_REQ_GET },
	{ "put", EVHTTP_REQ_PUT },
	{ "post", EVHTTP_REQ_POST },
	{ "delete", EVHTTP_REQ_DELETE },
	{ "options", EVHTTP_REQ_OPTIONS },
	{ "head", EVHTTP_REQ_HEAD },
	{ "patch", EVHTTP_REQ_PATCH },
	{ "trace", EVHTTP_REQ_TRACE },
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

static json_t	*doc;

static void	check(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* CHECK with a message saying which path and method failed. */
static void
check(int ok, const char *fmt, ...)
{
	va_list	 ap;

	t_checks++;
	if (ok)
		return;
	t_failures++;
	fprintf(stderr, "test_openapi: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *
document_path(void)
{
	static char	 buf[4096];
	const char	*env = getenv("OPENAPI_JSON"), *slash;

	if (env != NULL && *env != '\0')
		return env;
	if ((slash = strrchr(__FILE__, '/')) == NULL)
		return "../../apid/openapi.json";
	(void)snprintf(buf, sizeof(buf), "%.*s/../../apid/openapi.json",
	    (int)(slash - __FILE__), __FILE__);
	return buf;
}

static int
is_param(const char *seg, size_t len)
{
	return len > 2 && seg[0] == '{' && seg[len - 1] == '}';
}

static int
is_test_route(const char *pattern)
{
	return strncmp(pattern, "/_test/", 7) == 0;
}

/*
 * The table's pattern and the document's path name the same route:
 * the same literal segments, and a parameter wherever the other has one,
 * whatever each calls it ("{id}" in the table, "{instance_id}" here).
 */
static int
same_shape(const char *a, const char *b)
{
	size_t	 an, bn;

	for (;;) {
		if (*a == '\0' || *b == '\0')
			return *a == '\0' && *b == '\0';
		if (*a != '/' || *b != '/')
			return 0;
		a++;
		b++;
		an = strcspn(a, "/");
		bn = strcspn(b, "/");
		if (is_param(a, an) || is_param(b, bn)) {
			if (!is_param(a, an) || !is_param(b, bn))
				return 0;
		} else if (an != bn || strncmp(a, b, an) != 0)
			return 0;
		a += an;
		b += bn;
	}
}

/* A JSON pointer within the document ("#/components/schemas/X"). */
static json_t *
resolve_pointer(const char *ref)
{
	json_t		*cur = doc;
	const char	*p;
	char		 tok[256], *end;
	size_t		 n, i, k;
	unsigned long	 idx;

	if (strcmp(ref, "#") == 0)
		return doc;
	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (p = ref + 2; cur != NULL; p += n + 1) {
		n = strcspn(p, "/");
		for (i = 0, k = 0; i < n && k < sizeof(tok) - 1; i++, k++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') {
				tok[k] = '~';
				i++;
			} else if (p[i] == '~' && i + 1 < n && p[i + 1] == '1') {
				tok[k] = '/';
				i++;
			} else
				tok[k] = p[i];
		}
		if (i < n)
			return NULL;
		tok[k] = '\0';
		if (json_is_object(cur))
			cur = json_object_get(cur, tok);
		else if (json_is_array(cur) && tok[0] >= '0' && tok[0] <= '9') {
			idx = strtoul(tok, &end, 10);
			cur = *end == '\0' ? json_array_get(cur, idx) : NULL;
		} else
			return NULL;
		if (p[n] == '\0')
			break;
	}
	return cur;
}

/* An object, or what its $ref names (a chain of them, if need be). */
static json_t *
deref(json_t *v)
{
	json_t	*ref;
	int	 hops;

	for (hops = 0; hops < 8 && json_is_object(v); hops++) {
		ref = json_object_get(v, "$ref");
		if (!json_is_string(ref))
			return v;
		v = resolve_pointer(json_string_value(ref));
	}
	return json_is_object(v) ? v : NULL;
}

static size_t	 nrefs;

static void
check_refs(json_t *v, const char *where)
{
	const char	*key;
	json_t		*item, *ref;
	size_t		 i;

	if (json_is_object(v)) {
		if ((ref = json_object_get(v, "$ref")) != NULL) {
			nrefs++;
			check(json_is_string(ref) &&
			    resolve_pointer(json_string_value(ref)) != NULL,
			    "%s: $ref %s does not resolve", where,
			    json_is_string(ref) ? json_string_value(ref) :
			    "(not a string)");
		}
		json_object_foreach(v, key, item)
			check_refs(item, key);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			check_refs(item, where);
	}
}

/* The parameter called name, in, declared on the path item or the operation. */
static json_t *
find_param(json_t *item, json_t *op, const char *name, const char *in)
{
	json_t	*lists[2], *p;
	size_t	 i, k;

	lists[0] = json_object_get(op, "parameters");
	lists[1] = json_object_get(item, "parameters");
	for (k = 0; k < 2; k++)
		json_array_foreach(lists[k], i, p) {
			p = deref(p);
			if (p == NULL)
				continue;
			if (json_is_string(json_object_get(p, "name")) &&
			    json_is_string(json_object_get(p, "in")) &&
			    strcmp(json_string_value(json_object_get(p, "name")),
			    name) == 0 &&
			    strcmp(json_string_value(json_object_get(p, "in")),
			    in) == 0)
				return p;
		}
	return NULL;
}

/*
 * The document's path made concrete: each "{name}" becomes the first
 * value of its parameter's enum, or a UUID.  Returns the number of
 * parameters, and checks each is declared as a required path parameter.
 */
static size_t
concrete_path(const char *path, json_t *item, json_t *op, const char *method,
    char *out, size_t outlen)
{
	const char	*p = path, *value;
	char		 name[256];
	json_t		*param, *en;
	size_t		 n, count = 0, len = 0;

	out[0] = '\0';
	while (*p != '\0') {
		n = strcspn(p + 1, "/") + 1;	/* the '/' and the segment */
		if (is_param(p + 1, n - 1) && n - 3 < sizeof(name)) {
			memcpy(name, p + 2, n - 3);
			name[n - 3] = '\0';
			param = find_param(item, op, name, "path");
			check(param != NULL && json_is_true(json_object_get(
			    param, "required")),
			    "%s %s: {%s} is not a required path parameter",
			    method, path, name);
			en = param != NULL ? json_object_get(json_object_get(
			    param, "schema"), "enum") : NULL;
			value = json_is_string(json_array_get(en, 0)) ?
			    json_string_value(json_array_get(en, 0)) : SAMPLE_ID;
			len += (size_t)snprintf(out + len, outlen - len, "/%s",
			    value);
			count++;
		} else
			len += (size_t)snprintf(out + len, outlen - len,
			    "%.*s", (int)n, p);
		if (len >= outlen)
			break;
		p += n;
	}
	check(len < outlen, "%s: path too long", path);
	return count;
}

/* Every path parameter declared names a segment of the path. */
static void
check_param_names(const char *path, json_t *list, const char *where)
{
	json_t		*p;
	const char	*name, *s;
	char		 seg[260];
	size_t		 i;

	json_array_foreach(list, i, p) {
		p = deref(p);
		check(p != NULL, "%s %s: parameter %zu unresolved", where,
		    path, i);
		if (p == NULL || !json_is_string(json_object_get(p, "in")) ||
		    strcmp(json_string_value(json_object_get(p, "in")),
		    "path") != 0)
			continue;
		name = json_string_value(json_object_get(p, "name"));
		s = NULL;
		if (name != NULL) {
			(void)snprintf(seg, sizeof(seg), "{%s}", name);
			s = strstr(path, seg);
		}
		check(s != NULL, "%s %s: path parameter %s is not in the path",
		    where, path, name != NULL ? name : "(unnamed)");
	}
}

static int
method_bit(const char *name, unsigned int *bit)
{
	size_t	 i;

	for (i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].name, name) == 0) {
			*bit = methods[i].bit;
			return 1;
		}
	return 0;
}

static int
listed_public(const char *path)
{
	size_t	 i;

	for (i = 0; i < sizeof(public_paths) / sizeof(public_paths[0]); i++)
		if (strcmp(path, public_paths[i]) == 0)
			return 1;
	return 0;
}

/* An operation needs no key when it says nothing of security. */
static int
op_public(json_t *op)
{
	json_t	*sec = json_object_get(op, "security");

	return sec == NULL || (json_is_array(sec) && json_array_size(sec) == 0);
}

static const char *
op_text(json_t *op)
{
	json_t	*d = json_object_get(op, "description");

	return json_is_string(d) ? json_string_value(d) : "";
}

static void
check_header(void)
{
	json_t	*v, *scheme;

	v = json_object_get(doc, "openapi");
	check(json_is_string(v) && strncmp(json_string_value(v), "3.1.", 4) == 0,
	    "openapi is not 3.1.x");
	v = json_object_get(doc, "info");
	CHECK_STR(json_string_value(json_object_get(v, "title")), "solar-host");
	CHECK_STR(json_string_value(json_object_get(v, "version")),
	    PACKAGE_VERSION);
	scheme = json_object_get(json_object_get(json_object_get(doc,
	    "components"), "securitySchemes"), "APIKeyHeader");
	CHECK(json_is_object(scheme));
	CHECK_STR(json_string_value(json_object_get(scheme, "type")), "apiKey");
	CHECK_STR(json_string_value(json_object_get(scheme, "in")), "header");
	CHECK_STR(json_string_value(json_object_get(scheme, "name")),
	    "X-API-Key");
	/* Else every operation without its own would inherit it. */
	check(json_object_get(doc, "security") == NULL,
	    "the document has a global security requirement");
	CHECK(json_is_object(json_object_get(doc, "paths")));
}

/* Every route of the table, in the document. */
static void
check_table_in_document(void)
{
	const struct route	*r;
	json_t			*paths = json_object_get(doc, "paths"), *item;
	json_t			*op;
	const char		*path, *found;
	size_t			 i, m, seen = 0;

	CHECK(routes_count() > 0);
	for (i = 0; i < routes_count(); i++) {
		r = routes_at(i);
		if (is_test_route(r->pattern))
			continue;	/* test builds only, never documented */
		found = NULL;
		json_object_foreach(paths, path, item)
			if (same_shape(r->pattern, path)) {
				found = path;
				break;
			}
		check(found != NULL, "route %s is not in the document",
		    r->pattern);
		if (found == NULL)
			continue;
		for (m = 0; m < NMETHODS; m++) {
			if ((r->methods & methods[m].bit) == 0)
				continue;
			seen++;
			op = json_object_get(item, methods[m].name);
			check(json_is_object(op), "route %s %s is not in the "
			    "document (as %s)", methods[m].name, r->pattern,
			    found);
			if (!json_is_object(op))
				continue;
			if (r->public == ROUTE_WEBSOCKET)
				check(strstr(op_text(op), "WebSocket") != NULL,
				    "%s %s: a WebSocket route whose "
				    "description does not say so",
				    methods[m].name, found);
			if (r->public == ROUTE_PUBLIC_GET &&
			    methods[m].bit == EVHTTP_REQ_GET)
				check(op_public(op), "%s %s: public in the "
				    "table, asks for the key in the document",
				    methods[m].name, found);
		}
	}
	CHECK(seen > 0);
}

static void
check_operation(const char *path, json_t *item, const char *method,
    unsigned int bit, json_t *op, json_t *ids, json_t *want_sec)
{
	const struct route	*r;
	const char		*params[8], *code;
	char			 concrete[PATH_MAX_LEN], storage[4 * PATH_MAX_LEN];
	json_t			*id, *responses, *resp;
	size_t			 nparams, ndoc;
	unsigned int		 allowed;
	int			 pub, server_pub;

	/* Served: routes_match finds a route of the same shape. */
	ndoc = concrete_path(path, item, op, method, concrete,
	    sizeof(concrete));
	r = routes_match(concrete, bit, params, &nparams, 8, storage,
	    sizeof(storage), &allowed);
	check(r != NULL, "%s %s (as %s) is not served", method, path,
	    concrete);
	if (r != NULL) {
		check(same_shape(r->pattern, path) && nparams == ndoc,
		    "%s %s is served by route %s", method, path, r->pattern);
		check(!is_test_route(r->pattern),
		    "%s %s: a test-only route is documented", method, path);
	}

	/* The key, where and only where the server asks for it. */
	pub = op_public(op);
	server_pub = bit == EVHTTP_REQ_GET && routes_public_get(concrete);
	check(pub == server_pub, "%s %s: %s in the document, %s on the "
	    "server", method, path, pub ? "public" : "needs the key",
	    server_pub ? "public" : "needs the key");
	if (listed_public(path))
		check(pub && bit == EVHTTP_REQ_GET, "%s %s: should be a "
		    "public GET", method, path);
	if (!pub)
		check(json_equal(json_object_get(op, "security"), want_sec),
		    "%s %s: security is not [{\"APIKeyHeader\":[]}]",
		    method, path);

	/* A well-formed operation. */
	check_param_names(path, json_object_get(op, "parameters"), method);
	id = json_object_get(op, "operationId");
	check(json_is_string(id), "%s %s: no operationId", method, path);
	if (json_is_string(id)) {
		check(json_object_get(ids, json_string_value(id)) == NULL,
		    "%s %s: operationId %s used twice", method, path,
		    json_string_value(id));
		json_object_set_new(ids, json_string_value(id), json_true());
	}
	responses = json_object_get(op, "responses");
	check(json_is_object(responses) && json_object_size(responses) > 0,
	    "%s %s: no responses", method, path);
	json_object_foreach(responses, code, resp) {
		resp = deref(resp);
		check(resp != NULL && json_is_string(json_object_get(resp,
		    "description")), "%s %s: response %s has no description",
		    method, path, code);
	}
	if (!pub)
		check(json_object_get(responses, "401") != NULL,
		    "%s %s: needs the key but documents no 401", method, path);
}

/* Every path and method of the document, served by the table. */
static void
check_document_in_table(void)
{
	static const char *const item_keys[] = {
		"parameters", "summary", "description", "servers", "$ref",
	};
	json_t		*paths = json_object_get(doc, "paths"), *item, *op;
	json_t		*ids, *want_sec;
	const char	*path, *key;
	size_t		 i, nops = 0;
	unsigned int	 bit;
	int		 other;

	ids = json_object();
	want_sec = json_pack("[{s:[]}]", "APIKeyHeader");
	CHECK(ids != NULL && want_sec != NULL);
	if (ids == NULL || want_sec == NULL)
		exit(1);
	json_object_foreach(paths, path, item) {
		check(path[0] == '/', "path %s does not start with /", path);
		check_param_names(path, json_object_get(item, "parameters"),
		    "path item");
		json_object_foreach(item, key, op) {
			if (!method_bit(key, &bit)) {
				other = 0;
				for (i = 0; i < sizeof(item_keys) /
				    sizeof(item_keys[0]); i++)
					if (strcmp(key, item_keys[i]) == 0)
						other = 1;
				check(other, "%s: unknown key %s", path, key);
				continue;
			}
			nops++;
			check(json_is_object(op), "%s %s: not an object", key,
			    path);
			if (json_is_object(op))
				check_operation(path, item, key, bit, op, ids,
				    want_sec);
		}
	}
	for (i = 0; i < sizeof(public_paths) / sizeof(public_paths[0]); i++)
		check(json_is_object(json_object_get(json_object_get(paths,
		    public_paths[i]), "get")), "GET %s is not documented",
		    public_paths[i]);
	CHECK(nops > 0);
	json_decref(ids);
	json_decref(want_sec);
}

/* The live-data operations say what SPEC section 6 says. */
static void
check_live(void)
{
	json_t	*paths = json_object_get(doc, "paths"), *item, *op, *p;

	item = json_object_get(paths, "/instances/{instance_id}/logs");
	op = json_object_get(item, "get");
	CHECK(json_object_get(json_object_get(op, "responses"), "101") != NULL);
	CHECK(json_object_get(json_object_get(op, "responses"), "401") != NULL);
	CHECK(strstr(op_text(op), "WebSocket") != NULL);
	CHECK(find_param(item, op, "api_key", "query") != NULL);

	item = json_object_get(paths, "/instances/{instance_id}/state");
	op = json_object_get(item, "get");
	CHECK(json_object_get(json_object_get(op, "responses"), "200") != NULL);
	CHECK(strstr(op_text(op), "WebSocket") != NULL);

	item = json_object_get(paths,
	    "/instances/{instance_id}/last-generation");
	op = json_object_get(item, "get");
	p = find_param(item, op, "after", "query");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "schema"), "type")), "string");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "schema"), "format")), "date-time");
	p = find_param(item, op, "within_s", "query");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "schema"), "type")), "integer");
}

int
main(void)
{
	json_error_t	 err;
	const char	*path = document_path();

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL) {
		fprintf(stderr, "test_openapi: %s:%d:%d: %s\n", path,
		    err.line, err.column, err.text);
		return 1;
	}
	check_header();
	check_table_in_document();
	check_document_in_table();
	check_live();
	check_refs(doc, "document");
	CHECK(nrefs > 0);
	json_decref(doc);
	T_DONE();
}
