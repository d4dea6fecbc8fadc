#!/bin/sh
# instances_run.sh: start, the command line and environment of the child,
# its log file, stop, restart, and the rules for each status.
. "$(dirname "$0")/lib.sh"
SP=$(start_port)
API_KEY_SECRET=$KEY ALLOW_EXTRA_ARGS=true start_daemon

create_fake "llama-3:8b" "FAKE_RECORD=$TMP/record FAKE_LOAD_MS=100" '"temp":0.7,"chat_template_file":"/t.jinja","special":true,"extra_args":["--mlock","--x y"],"env":{"GGML_TEST_MARK":"100"}'
M=$TMP/models/fake$_nfake.gguf
api POST "/instances/$ID/start"
expect_code 200 "start"
[ "$(jqb .message)" = "Instance $ID started successfully" ] || fail "start message: $BODY"
[ "$(jqb .instance.status)" = running ] || fail "start answered before running: $BODY"
PID=$(jqb .instance.pid)
IPORT=$(jqb .instance.port)
# The first free port from START_PORT up (another test may hold one).
[ "$IPORT" -ge "$SP" ] && [ "$IPORT" -lt $((SP + 50)) ] ||
    fail "port $IPORT, want the first free from START_PORT $SP"
[ "$(jqb .instance.started_at)" != null ] || fail "started_at not set"
kill -0 "$PID" || fail "no process $PID"
curl -sf "http://127.0.0.1:$IPORT/health" >/dev/null || fail "the child does not serve"

# The command line, argument by argument, and the built environment.
wait_until test -s "$TMP/record" || fail "the fake recorded nothing"
ARGS=$(sed -n 's/^arg //p' "$TMP/record" | tail -n +2 | tr '\n' '|')
[ "$ARGS" = "--model|$M|--alias|llama-3:8b|--threads|1|--n-gpu-layers|999|--temp|0.7|--top-p|1.0|--top-k|0|--min-p|0.0|--ctx-size|131072|--host|0.0.0.0|--port|$IPORT|--no-warmup|--jinja|--chat-template-file|/t.jinja|--special|--mlock|--x y|" ] ||
    fail "command line: $ARGS"
grep -q "^env LLAMA_API_KEY=ik$" "$TMP/record" || fail "no LLAMA_API_KEY"
grep -q "^env API_KEY" "$TMP/record" && fail "API_KEY reached the child"
grep -q "^env API_KEY_SECRET" "$TMP/record" && fail "an unrelated variable reached the child"
grep -q "^env GGML_TEST_MARK=100$" "$TMP/record" || fail "the config's env is missing"
grep -q "^env PATH=" "$TMP/record" || fail "PATH was not passed"
FDS=$(grep -c "^fd " "$TMP/record")
[ "$FDS" = 3 ] || fail "the child has $FDS descriptors open: $(grep '^fd ' "$TMP/record")"
grep -q "^fd 0 /dev/null$" "$TMP/record" || fail "stdin is not /dev/null"
grep "^pgid" "$TMP/record" | awk '{ exit !($2 == $6 && $4 == $6) }' ||
    fail "not its own process group: $(grep '^pgid' "$TMP/record")"

# Its log file.
LOGF=$(ls logs/llama-3-8b_*.log 2>/dev/null | head -n 1)
[ -n "$LOGF" ] || fail "no log file logs/llama-3-8b_*.log: $(ls logs)"
wait_until grep -q "listening on" "$LOGF" || fail "log file lacks the output"

# Start again: succeeds at once, changes nothing.
api POST "/instances/$ID/start"
expect_code 200 "start of a running instance"
[ "$(jqb .instance.pid)" = "$PID" ] || fail "a second start changed the pid"

api PUT "/instances/$ID" '{"config":{"model":"m","alias":"a","api_key":"k"}}'
expect_code 400 "update while running"
expect_body '{"detail":"Cannot update running instance. Stop it first."}' "update while running"
api DELETE "/instances/$ID"
expect_code 400 "delete while running"
expect_body '{"detail":"Cannot delete running instance. Stop it first."}' "delete while running"

# Restart: a new child.
api POST "/instances/$ID/restart"
expect_code 200 "restart"
[ "$(jqb .message)" = "Instance $ID restarted successfully" ] || fail "restart message: $BODY"
[ "$(jqb .instance.status)" = running ] || fail "restart status: $BODY"
NEWPID=$(jqb .instance.pid)
[ "$NEWPID" != "$PID" ] || fail "restart kept the pid"
kill -0 "$PID" 2>/dev/null && fail "the old child $PID survived the restart"

# Stop.
api POST "/instances/$ID/stop"
expect_code 200 "stop"
[ "$(jqb .message)" = "Instance $ID stopped successfully" ] || fail "stop message: $BODY"
[ "$(jqb .instance.status)" = stopped ] || fail "stop status: $BODY"
[ "$(jqb .instance.pid)" = null ] || fail "pid after stop: $BODY"
[ "$(jqb .instance.started_at)" = null ] || fail "started_at after stop: $BODY"
[ "$(jqb .instance.port)" = "$IPORT" ] || fail "port not kept after stop: $BODY"
kill -0 "$NEWPID" 2>/dev/null && fail "child $NEWPID still runs after stop"
grep -q '"status": "stopped"' config.json || fail "stop not saved"
api POST "/instances/$ID/stop"
expect_code 200 "stop of a stopped instance"

# A slow load: the start answers after about 2 s with "starting".
create_fake slow "FAKE_LOAD_MS=5000 FAKE_PROBELOG=$TMP/probelog"
api POST "/instances/$ID/start"
expect_code 200 "start of a slow instance"
[ "$(jqb .instance.status)" = starting ] || fail "slow start answered: $BODY"
wait_until status_is "$ID" running || fail "the slow instance never ran"
# Every probe, of a loading (503) and of a ready child, read its answer to
# the end: none closed with unread bytes, which resets the connection.
wait_until grep -q clean "$TMP/probelog" || fail "no probe was logged"
grep -qv '^clean$' "$TMP/probelog" &&
    fail "a probe reset its connection: $(sort "$TMP/probelog" | uniq -c)"
SLOW=$ID

# A child that ignores SIGTERM is killed after STOP_TIMEOUT_S; other
# requests are served meanwhile.
stop_daemon TERM
PORT=
STOP_TIMEOUT_S=2 start_daemon
wait_until status_is "$SLOW" running || fail "the slow instance did not come back after a restart of the daemon"
create_fake stubborn FAKE_IGNORE_TERM=1
api POST "/instances/$ID/start"
[ "$(jqb .instance.status)" = running ] || fail "stubborn start: $BODY"
SPID=$(jqb .instance.pid)
curl -s -o "$TMP/stopbody" -X POST -H "X-API-Key: $KEY" \
    "http://127.0.0.1:$PORT/instances/$ID/stop" &
CURL=$!
wait_until status_is "$ID" stopping || fail "never stopping"
api GET /instances
expect_code 200 "a read while a stop waits"
wait "$CURL"
[ "$(jq -r .instance.status "$TMP/stopbody")" = stopped ] || fail "stubborn stop: $(cat "$TMP/stopbody")"
kill -0 "$SPID" 2>/dev/null && fail "stubborn child survived SIGKILL"

# A start while stopping waits for the stop, then starts.
api POST "/instances/$ID/start"
expect_code 200 "start again"
curl -s -o /dev/null -X POST -H "X-API-Key: $KEY" \
    "http://127.0.0.1:$PORT/instances/$ID/stop" &
CURL=$!
wait_until status_is "$ID" stopping || fail "never stopping (2)"
api POST "/instances/$ID/start"
expect_code 200 "start while stopping"
[ "$(jqb .instance.status)" = running ] || fail "start while stopping: $BODY"
wait "$CURL"
pass "start, child, log file, restart, stop, slow start, stop timeout"
