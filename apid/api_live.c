/*
 * api_live.c: the endpoints of live data (SPEC section 6): the log and
 * state WebSockets, GET .../state, GET .../last-generation, GET /memory.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_live.h"
#include "apid.h"
#include "cache.h"
#include "http_reply.h"
#include "pyjson.h"
#include "logship.h"
#include "memview.h"
#include "runtime.h"
#include "strbuf.h"
#include "timefmt.h"
#include "ws.h"
#include "wsession.h"

/* A state session opens with the whole state; events follow (logship.c). */
static void
live_state_start(struct wsess *s, struct evhttp_request *req)
{
	struct runtime	*rt = cache_runtime(apid->cache, wss_id(s));
	struct strbuf	 sb;

	(void)req;
	if (rt == NULL) {
		wss_error_close(s, "{\"error\":\"Instance not found\"}");
		return;
	}
	strbuf_init(&sb);
	runtime_first_frame(rt, &sb);
	if (!sb.failed)
		wss_send_text(s, sb.data, sb.len);
	strbuf_free(&sb);
}

static const struct wss_owner	logs_owner = { logship_start, logship_end };
static const struct wss_owner	state_owner = { live_state_start, NULL };

void
api_logs_ws(struct evhttp_request *req, const char **params, size_t n)
{
	(void)n;
	wss_upgrade(req, WSS_LOGS, params[0], &logs_owner);
}

/* The same path serves the state as JSON and, upgraded, as events. */
void
api_state(struct evhttp_request *req, const char **params, size_t n)
{
	struct runtime	*rt;
	struct strbuf	 sb;

	(void)n;
	if (ws_is_upgrade(evhttp_request_get_input_headers(req))) {
		wss_upgrade(req, WSS_STATE, params[0], &state_owner);
		return;
	}
	if ((rt = cache_runtime(apid->cache, params[0])) == NULL) {
		http_reply_detail(req, 404, "Instance not found");
		return;
	}
	strbuf_init(&sb);
	runtime_state_json(rt, &sb);
	if (sb.failed)
		http_reply_detail(req, 500, "out of memory");
	else
		http_reply_jsonn(req, 200, sb.data, sb.len);
	strbuf_free(&sb);
}

/* FastAPI's answer to a query integer that is not one. */
static void
reply_query_int(struct evhttp_request *req, const char *name,
    const char *value)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	strbuf_adds(&sb, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":"
	    "[\"query\",");
	pyjson_dump_string(&sb, name, strlen(name), 0);
	strbuf_adds(&sb, "],\"msg\":\"Input should be a valid integer, unable "
	    "to parse string as an integer\",\"input\":");
	pyjson_dump_string(&sb, value, strlen(value), 0);
	strbuf_adds(&sb, "}]}");
	if (sb.failed)
		http_reply_detail(req, 500, "out of memory");
	else
		http_reply_jsonn(req, 422, sb.data, sb.len);
	strbuf_free(&sb);
}

/* An int as pydantic reads one from a query string; 0 or -1. */
static int
query_int(const char *s, long *out)
{
	char	*end;
	long	 v;

	while (*s == ' ' || *s == '\t')
		s++;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

void
api_last_generation(struct evhttp_request *req, const char **params,
    size_t n)
{
	static const char *const why[] = {
		NULL,
		"No generation metrics available",
		"No generation metrics after the specified timestamp",
		"No recent generation metrics within the specified window",
	};
	const char		*query, *v;
	struct evkeyvalq	 q;
	struct runtime		*rt;
	struct strbuf		 sb;
	struct timeval		 after, now;
	enum runtime_gen	 r;
	long			 within = -1;
	int			 has_after = 0;

	(void)n;
	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, &q) == 0) {
		if ((v = evhttp_find_header(&q, "within_s")) != NULL &&
		    query_int(v, &within) == -1) {
			reply_query_int(req, "within_s", v);
			evhttp_clear_headers(&q);
			return;
		}
		/* Unparseable or negative: ignored, as the original did. */
		if ((v = evhttp_find_header(&q, "after")) != NULL &&
		    timefmt_parse(v, &after) == 0)
			has_after = 1;
	}
	evhttp_clear_headers(&q);
	if ((rt = cache_runtime(apid->cache, params[0])) == NULL) {
		http_reply_detail(req, 404, "Instance not found");
		return;
	}
	gettimeofday(&now, NULL);
	strbuf_init(&sb);
	r = runtime_last_generation(rt, has_after ? &after : NULL,
	    within < 0 ? -1 : within, &now, &sb);
	if (r != RUNTIME_GEN_OK)
		http_reply_detail(req, 404, why[r]);
	else if (sb.failed)
		http_reply_detail(req, 500, "out of memory");
	else
		http_reply_jsonn(req, 200, sb.data, sb.len);
	strbuf_free(&sb);
}

void
api_memory(struct evhttp_request *req, const char **params, size_t n)
{
	char	 body[256];

	(void)params;
	(void)n;
	if (!apid->memory.ok) {
		http_reply_detail(req, 503, "Memory information not available");
		return;
	}
	memview_json(&apid->memory, body, sizeof(body));
	http_reply_json(req, 200, body);
}
