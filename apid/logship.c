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
#include "json.h"
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
	struct logsub	*sub;
	struct chanbuf	 b;

	if ((sub = calloc(1, sizeof(*sub))) == NULL) {
		wss_close(s, 1011);
		return;
	}
	sub->s = s;
	sub->since = logship_since(req);
	sub->hist_wait = 1;
	sub->hist_req = next_hist_req++;
	TAILQ_INSERT_TAIL(&subs, sub, entry);
	chanbuf_init(&b);
	chanbuf_str(&b, wss_id(s));
	chanbuf_u64(&b, sub->since);
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
	json_write_string(&sb, ts, strlen(ts), 0);
	strbuf_adds(&sb, ",\"line\":");
	json_write_string(&sb, (const char *)text, len, 0);
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

/* Read "u64 first, u32 count" and walk the lines with cb. */
typedef void (*line_fn)(uint64_t seq, const char *ts, const uint8_t *text,
    size_t len, void *arg);

static int
walk_lines(struct chanmsg *m, line_fn cb, void *arg, uint64_t *next)
{
	const uint8_t	*text;
	uint64_t	 first;
	uint32_t	 n, i;
	size_t		 len;
	char		*ts;

	if (chanmsg_u64(m, &first) == -1 || chanmsg_u32(m, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (chanmsg_str(m, &ts) == -1 || ts == NULL)
			return -1;
		if (chanmsg_bytes(m, &text, &len) == -1) {
			free(ts);
			return -1;
		}
		cb(first + i, ts, text, len, arg);
		free(ts);
	}
	*next = first + n;
	return chanmsg_end(m);
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

int
logship_lines(struct apid *a, struct chanmsg *m)
{
	struct live	 lv;
	struct logsub	*sub;
	uint64_t	 next;
	char		*id = NULL;
	int		 rc;

	if (chanmsg_str(m, &id) == -1 || id == NULL)
		return -1;
	lv.id = id;
	lv.rt = cache_runtime(a->cache, id);
	lv.logs = logship_any(id);
	gettimeofday(&lv.now, NULL);
	rc = walk_lines(m, live_line, &lv, &next);
	if (lv.logs)
		TAILQ_FOREACH(sub, &subs, entry)
			if (strcmp(wss_id(sub->s), id) == 0)
				wss_pump(sub->s);
	free(id);
	return rc;
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

int
logship_history(struct apid *a, struct chanmsg *m)
{
	struct logsub	*sub, dummy;
	uint64_t	 next;
	uint8_t		 last;
	char		*id = NULL;

	(void)a;
	if (chanmsg_str(m, &id) == -1 || id == NULL ||
	    chanmsg_u8(m, &last) == -1 || last > 1) {
		free(id);
		return -1;
	}
	free(id);
	TAILQ_FOREACH(sub, &subs, entry)
		if (sub->hist_wait && sub->hist_req == m->peerid)
			break;
	if (sub == NULL) {
		/* The client left meanwhile: check the rest and forget it. */
		memset(&dummy, 0, sizeof(dummy));
		dummy.since = UINT64_MAX;
		return walk_lines(m, history_line, &dummy, &next);
	}
	if (walk_lines(m, history_line, sub, &next) == -1)
		return -1;
	sub->hist_next = next;
	if (last)
		logship_seam(sub);
	return 0;
}
