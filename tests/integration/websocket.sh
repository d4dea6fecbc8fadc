#!/bin/sh
# websocket.sh: the log WebSocket (history, ?since, the seam with live
# lines, auth, unknown ids), the state endpoints, last-generation, and a
# new API process getting the history again.
. "$(dirname "$0")/lib.sh"
WS=$top_builddir/tests/helpers/wsclient
LOG_BUFFER_SIZE=50 start_daemon

create_fake chatty FAKE_LINES=100
api POST "/instances/$ID/start"
[ "$(jqb .instance.status)" = running ] || fail "start: $BODY"
wait_until grep -q "fake line 99" logs/chatty_*.log || fail "the fake did not print"

# History: the ring holds the last 50 lines.
got_all() {
	"$WS" -k "$KEY" -n 50 -t 10 "$PORT" "/instances/$ID/logs" >"$TMP/hist"
	grep -q '"line":"fake line 99 ' "$TMP/hist"
}
wait_until got_all || fail "history: $(tail -3 "$TMP/hist")"
[ "$(wc -l <"$TMP/hist")" = 50 ] || fail "history has $(wc -l <"$TMP/hist") lines"
FIRST=$(head -n 1 "$TMP/hist" | jq .seq)
LAST=$(tail -n 1 "$TMP/hist" | jq .seq)
[ $((LAST - FIRST)) = 49 ] || fail "history seqs $FIRST..$LAST"
jq -e 'select(.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+$") | not)' "$TMP/hist" >/dev/null &&
    fail "a timestamp is not local ISO form: $(head -n 1 "$TMP/hist")"
head -n 1 "$TMP/hist" | grep -Eq '^\{"seq":[0-9]+,"timestamp":"[^"]+","line":"' ||
    fail "frame form: $(head -n 1 "$TMP/hist")"

# ?since=N: held lines with seq >= N only.
SINCE=$((LAST - 4))
"$WS" -k "$KEY" -n 5 -t 10 "$PORT" "/instances/$ID/logs?since=$SINCE" >"$TMP/since"
[ "$(head -n 1 "$TMP/since" | jq .seq)" = "$SINCE" ] || fail "since: $(head -n 1 "$TMP/since")"

# The key: header or query parameter; a 401 before any upgrade.
"$WS" -n 1 -t 10 "$PORT" "/instances/$ID/logs" >"$TMP/noauth"
[ "$(head -n 1 "$TMP/noauth")" = "HTTP 401" ] || fail "no key: $(cat "$TMP/noauth")"
"$WS" -k wrong -n 1 -t 10 "$PORT" "/instances/$ID/logs" >"$TMP/noauth"
[ "$(head -n 1 "$TMP/noauth")" = "HTTP 401" ] || fail "wrong key: $(cat "$TMP/noauth")"
"$WS" -q -k "$KEY" -n 1 -t 10 "$PORT" "/instances/$ID/logs" >"$TMP/qauth"
head -n 1 "$TMP/qauth" | grep -q '"seq"' || fail "key in the query: $(cat "$TMP/qauth")"
"$WS" -q -k "$KEY" -n 1 -t 10 "$PORT" "/instances" >"$TMP/qauth"
[ "$(head -n 1 "$TMP/qauth")" = "HTTP 401" ] || fail "api_key accepted off WebSocket paths"

# Unknown id: upgraded, told, closed with 1000.
"$WS" -k "$KEY" -t 10 "$PORT" "/instances/nope/logs" >"$TMP/unknown"
[ "$(cat "$TMP/unknown")" = '{"error":"Instance not found"}
CLOSE 1000' ] || fail "unknown id: $(cat "$TMP/unknown")"

# A plain GET of a WebSocket path.
api GET "/instances/$ID/logs"
expect_code 404 "plain GET of the logs path"

# Live lines across the seam: nothing lost, nothing repeated.
create_fake stream 'FAKE_LINES=400 FAKE_LINE_MS=5'
SID=$ID
api POST "/instances/$SID/start"
"$WS" -k "$KEY" -n 300 -t 20 "$PORT" "/instances/$SID/logs?since=0" >"$TMP/live" ||
    fail "live lines: $(tail -2 "$TMP/live")"
jq -s '[.[].seq] as $s | ($s | length) == 300 and
    ([range(1; 300)] | all(. as $i | $s[$i] == $s[$i - 1] + 1))' "$TMP/live" |
    grep -q true || fail "seqs not consecutive: $(jq -c .seq "$TMP/live" | tr '\n' ' ' | head -c 400)"

# The state as JSON.
api GET "/instances/$SID/state"
expect_code 200 "state"
[ "$(jqb '.instance_id + " " + .phase + " " + (.busy|tostring)')" = "$SID idle false" ] ||
    fail "state: $BODY"
[ "$(jqb 'keys_unsorted | join(",")')" = "instance_id,busy,phase,prefill_progress,active_slots,slot_id,task_id,prefill_prompt_tokens,generated_tokens,decode_tps,decode_ms_per_token,checkpoint_index,checkpoint_total,timestamp" ] ||
    fail "state fields: $BODY"
api GET /instances/nope/state
expect_code 404 "state of an unknown id"
api GET "/instances/$SID/last-generation"
expect_code 404 "no generation yet"
expect_body '{"detail":"No generation metrics available"}' "no generation yet"
api GET "/instances/$SID/last-generation?within_s=abc"
expect_code 422 "within_s=abc"
expect_body '{"detail":[{"type":"int_parsing","loc":["query","within_s"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}' "within_s=abc"

# Requests as llama-server prints them: state events and metrics.
create_fake talker "FAKE_SCRIPT=$FIXTURES/llama-server/baseline.log FAKE_LINE_MS=300"
TID=$ID
"$WS" -k "$KEY" -n 3 -t 20 "$PORT" "/instances/$TID/state" >"$TMP/state" &
WSP=$!
wait_until test -s "$TMP/state" || fail "no first state frame"
head -n 1 "$TMP/state" | jq -e '.type == "instance_state" and (.data | keys_unsorted | join(",")) == "instance_id,busy,prefill_progress,active_slots,timestamp"' >/dev/null ||
    fail "first state frame: $(head -n 1 "$TMP/state")"
api POST "/instances/$TID/start"
wait "$WSP" || fail "state events: $(cat "$TMP/state")"
sed -n 2p "$TMP/state" | jq -e '.seq == 0 and .type == "instance_state" and .data.busy == true' >/dev/null ||
    fail "first state event: $(sed -n 2p "$TMP/state")"
has_gen() { api GET "/instances/$TID/last-generation"; [ "$CODE" = 200 ]; }
wait_until has_gen || fail "no generation metrics: $BODY"
[ "$(jqb '[.slot_id, .task_id, .prompt_tokens, .generated_tokens, .decode_tps] | map(tostring) | join(" ")')" = "3 1 6 16 1852.54" ] ||
    fail "first generation: $BODY"
api GET "/instances/$TID/last-generation?after=2999-01-01T00:00:00Z"
expect_body '{"detail":"No generation metrics after the specified timestamp"}' "after in the future"
api GET "/instances/$TID/last-generation?within_s=0&after=garbage"
case $CODE in 200|404) ;; *) fail "within_s=0: $CODE" ;; esac

# A new API process gets the history from the supervisor's ring.
OLD=$(apid_pid)
kill -KILL "$OLD"
new_apid() { _n=$(apid_pid); [ -n "$_n" ] && [ "$_n" != "$OLD" ] && healthy; }
wait_until new_apid || fail "no new API process"
api GET /instances
CHATTY=$(jqb '.[] | select(.config.alias == "chatty") | .id')
"$WS" -k "$KEY" -n 50 -t 10 "$PORT" "/instances/$CHATTY/logs" >"$TMP/hist2"
cmp "$TMP/hist" "$TMP/hist2" || fail "history after an apid restart differs"
pass "logs history, since, seam, auth, state, last-generation, apid restart"
