#!/bin/sh
# instances_fail.sh: failures while starting (retries, then failed and a
# 500), a crash while running (automatic restart keeping retry_count), a
# silent child (START_STALL_S), and stop cancelling a pending restart.
. "$(dirname "$0")/lib.sh"
START_STALL_S=2 start_daemon

create_fake broken FAKE_FAIL=1
api POST "/instances/$ID/start"
expect_code 500 "failing start"
case $BODY in
'{"detail":"Failed to start instance: exited with status 1: '*' E srv  llama_server: exiting due to model loading error"}') ;;
*) fail "failing start: $BODY" ;;
esac
api GET "/instances/$ID"
[ "$(jqb .status)" = failed ] || fail "status after failing start: $BODY"
[ "$(jqb .retry_count)" = 2 ] || fail "retry_count after failing start: $BODY"
[ "$(jqb .pid)" = null ] || fail "pid after failing start: $BODY"
[ "$(ls logs/broken_*.log | wc -l)" -ge 1 ] || fail "no log file for the failed start"
grep -q '"status": "failed"' config.json || fail "failed not saved"
# A failed instance may be updated and deleted.
api PUT "/instances/$ID" '{"config":{"model":"m","alias":"fixed","api_key":"k"}}'
expect_code 200 "update of a failed instance"

# A crash while running: failed, restarted after 1 s, keeping retry_count.
create_fake crashy 'FAKE_EXIT_AFTER_MS=1500 FAKE_EXIT_STATUS=3'
api POST "/instances/$ID/start"
[ "$(jqb .instance.status)" = running ] || fail "crashy start: $BODY"
FIRST=$(jqb .instance.pid)
crashed_once() { [ "$(field "$ID" .retry_count)" = 1 ]; }
wait_until crashed_once || fail "the crash was not counted"
api GET "/instances/$ID"
case $(jqb .error_message) in
"exited with status 3: "*"fake exit as asked") ;;
*) fail "error_message after the crash: $BODY" ;;
esac
running_again() { [ "$(field "$ID" .status)" = running ] && [ "$(field "$ID" .pid)" != "$FIRST" ]; }
wait_until running_again || fail "no automatic restart after the crash"
[ "$(field "$ID" .retry_count)" = 1 ] || fail "the automatic restart reset retry_count"
final() { [ "$(field "$ID" .status)" = failed ] && [ "$(field "$ID" .retry_count)" = 2 ]; }
wait_until final || fail "second crash: $(field "$ID" .)"
# Stays failed: no third run within the back-off it would have had.
api GET "/instances/$ID"
[ "$(jqb .pid)" = null ] || fail "restarted after MAX_RETRIES: $BODY"

# Killed by a signal.
create victim
api POST "/instances/$ID/start"
VPID=$(jqb .instance.pid)
kill -KILL "$VPID"
killed() { [ "$(field "$ID" .error_message)" = "killed by signal 9" ]; }
wait_until killed || fail "error after SIGKILL: $(field "$ID" .)"
# Stop cancels the pending automatic restart.
api POST "/instances/$ID/stop"
expect_code 200 "stop of a failed instance"
sleep_past_restart() { [ "$(field "$ID" .pid)" != null ]; }
wait_until_short() { _d=$DEADLINE; DEADLINE=3; wait_until "$@"; _r=$?; DEADLINE=$_d; return $_r; }
wait_until_short sleep_past_restart && fail "a stop did not cancel the pending restart"

# Silent and never ready: failed after START_STALL_S.
create_fake mute FAKE_SILENT=1
curl -s -o /dev/null -X POST -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/instances/$ID/start"
stalled() { [ "$(field "$ID" .status)" = failed ]; }
wait_until stalled || fail "a silent child was not failed"
[ "$(field "$ID" .error_message)" = "no output and not ready for 2 s" ] ||
    fail "stall message: $(field "$ID" .error_message)"

# A program that cannot be executed.
stop_daemon TERM
PORT=
LLAMA_SERVER=/nonexistent/llama-server start_daemon
create nothing
api POST "/instances/$ID/start"
expect_code 500 "start of a missing program"
case $(jqb .detail) in
"Failed to start instance: exited with status 127: cannot execute /nonexistent/llama-server: No such file or directory") ;;
*) fail "missing program: $BODY" ;;
esac
pass "retries, crash and automatic restart, stall, missing program"
