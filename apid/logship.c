/*
 * logship.c: log lines from the supervisor to the WebSocket clients.  A
 * log client first asks for the history since its ?since=; live lines
 * that arrive meanwhile are held, and at the seam those the history
 * already gave are dropped.  Every live line also feeds the instance's
 * runtime, whose changes go out as state events.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "apid.h"
#include "cache.h"
#include "channel.h"
#include "pyjson.h"
#include "logship.h"
#include "proto.h"
#include "runtime.h"
#include "strbuf.h"
#include "sup.h"
#include "wsession.h"
#include "wsqueue.h"

/* One log client: live lines are held until the history is in. */
struct logsub {
	TAILQ_ENTRY(logsub)	 entry;
	struct wsess		*s;
	int			 hist_wait;
	uint32_t		 hist_req;
	uint64_t		 since;
	uint64_t		 hist_next;
};
TAILQ_HEAD(logsubs, logsub);

static struct logsubs	 subs = TAILQ_HEAD_INITIALIZER(subs);
static uint32_t		 next_hist_req = 1;

/* ?since=N, digits only; anything else means from the start. */
static uint64_t
logship_since(struct evhttp_request *req)
{
	const char		*query, *since;
	struct evkeyvalq	 q;
	char			*end;
	unsigned long long	 v;
	uint64_t		 n = 0;

	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL && evhttp_parse_query_str(query, &q) == 0 &&
	    (since = evhttp_find_header(&q, "since")) != NULL) {
		v = strtoull(since, &end, 10);
		if (*since >= '0' && *since <= '9' && *end == '\0')
			n = v;
	}
	evhttp_clear_headers(&q);
	return n;
}

void
logship_start(struct wsess *s, struct evhttp_request *req)
{
	struct msg_history	 hist;
	struct logsub		*sub;
	struct chanbuf		 b;

	if ((sub = calloc(1, sizeof(*sub))) == NULL) {
		wss_close(s, 1011);
		return;
	}
	sub->s = s;
	sub->since = logship_since(req);
	sub->hist_wait = 1;
	sub->hist_req = next_hist_req++;
	TAILQ_INSERT_TAIL(&subs, sub, entry);
	hist.id = (char *)wss_id(s);
	hist.since = sub->since;
	chanbuf_init(&b);
	proto_history_encode(&b, &hist);
	if (sup_send(apid, MSG_HISTORY, sub->hist_req, &b) == -1)
		wss_close(s, 1011);
	chanbuf_free(&b);
}

void
logship_end(struct wsess *s)
{
	struct logsub	*sub;

	TAILQ_FOREACH(sub, &subs, entry)
		if (sub->s == s)
			break;
	if (sub != NULL) {
		TAILQ_REMOVE(&subs, sub, entry);
		free(sub);
	}
}

/* {"seq":N,"timestamp":"...","line":"..."} */
static struct frame *
log_frame(uint64_t seq, const char *ts, const uint8_t *text, size_t len)
{
	struct strbuf	 sb;
	struct frame	*f = NULL;

	strbuf_init(&sb);
	strbuf_addf(&sb, "{\"seq\":%llu,\"timestamp\":", (unsigned long long)seq);
	pyjson_dump_string(&sb, ts, strlen(ts), 0);
	strbuf_adds(&sb, ",\"line\":");
	pyjson_dump_string(&sb, (const char *)text, len, 0);
	strbuf_addc(&sb, '}');
	if (!sb.failed)
		f = frame_new(seq, sb.data, sb.len);
	strbuf_free(&sb);
	return f;
}

/* A live log client of the instance id. */
static int
logship_live(const struct logsub *sub, const char *id)
{
	return !wss_finishing(sub->s) && strcmp(wss_id(sub->s), id) == 0;
}

static int
logship_any(const char *id)
{
	struct logsub	*sub;

	TAILQ_FOREACH(sub, &subs, entry)
		if (logship_live(sub, id))
			return 1;
	return 0;
}

static void
logship_state_event(const char *id, struct runtime *rt)
{
	struct strbuf	 sb;

	strbuf_init(&sb);
	runtime_event(rt, &sb);
	if (!sb.failed)
		wss_broadcast(WSS_STATE, id, sb.data, sb.len);
	strbuf_free(&sb);
}

/* The lines of a LOG_LINES or LOG_HISTORY, each with its seq, to cb. */
typedef void (*line_fn)(uint64_t seq, const char *ts, const uint8_t *text,
    size_t len, void *arg);

static void
walk_lines(const struct msg_log_lines *ll, line_fn cb, void *arg)
{
	uint32_t	 i;

	for (i = 0; i < ll->n; i++)
		cb(ll->first + i, ll->lines[i].ts, ll->lines[i].text,
		    ll->lines[i].len, arg);
}

struct live {
	const char	*id;
	struct runtime	*rt;
	int		 logs;
	struct timeval	 now;
};

static void
live_line(uint64_t seq, const char *ts, const uint8_t *text, size_t len,
    void *arg)
{
	struct live	*lv = arg;
	struct logsub	*sub;
	struct frame	*f;

	if (lv->rt != NULL && runtime_feed(lv->rt, (const char *)text, len,
	    &lv->now) == 1)
		logship_state_event(lv->id, lv->rt);
	if (!lv->logs || (f = log_frame(seq, ts, text, len)) == NULL)
		return;
	TAILQ_FOREACH(sub, &subs, entry) {
		if (!logship_live(sub, lv->id))
			continue;
		if (sub->hist_wait)
			wsq_hold(wss_queue(sub->s), f);
		/* Lines the history already gave can still come as live ones. */
		else if (seq >= sub->since && seq >= sub->hist_next)
			wsq_push(wss_queue(sub->s), f);
	}
	frame_unref(f);
}

void
logship_lines(struct apid *a, const struct msg_log_lines *ll)
{
	struct live	 lv;
	struct logsub	*sub;

	lv.id = ll->id;
	lv.rt = cache_runtime(a->cache, ll->id);
	lv.logs = logship_any(ll->id);
	gettimeofday(&lv.now, NULL);
	walk_lines(ll, live_line, &lv);
	if (lv.logs)
		TAILQ_FOREACH(sub, &subs, entry)
			if (strcmp(wss_id(sub->s), ll->id) == 0)
				wss_pump(sub->s);
}

static void
history_line(uint64_t seq, const char *ts, const uint8_t *text, size_t len,
    void *arg)
{
	struct logsub	*sub = arg;
	struct frame	*f;

	if (seq < sub->since || (f = log_frame(seq, ts, text, len)) == NULL)
		return;
	wsq_push(wss_queue(sub->s), f);
	frame_unref(f);
}

/* The seam: live lines the history already had are dropped. */
static void
logship_seam(struct logsub *sub)
{
	struct wsq	*q = wss_queue(sub->s);
	struct frame	*f;

	sub->hist_wait = 0;
	while ((f = wsq_unhold(q)) != NULL) {
		if (f->seq >= sub->hist_next && f->seq >= sub->since)
			wsq_push(q, f);
		frame_unref(f);
	}
	wss_pump(sub->s);
}

/* The client may have left meanwhile: then the history is forgotten. */
void
logship_history(struct apid *a, uint32_t req, const struct msg_log_lines *ll)
{
	struct logsub	*sub;

	(void)a;
	TAILQ_FOREACH(sub, &subs, entry)
		if (sub->hist_wait && sub->hist_req == req)
			break;
	if (sub == NULL)
		return;
	walk_lines(ll, history_line, sub);
	sub->hist_next = ll->first + ll->n;
	if (ll->last)
		logship_seam(sub);
}
