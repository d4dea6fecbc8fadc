#!/bin/sh
# store.sh: config.json as the original wrote it loads and is written back
# byte for byte; a bad file stops start-up with its line and is never
# overwritten; a crash between write and rename leaves the old file; boot
# starts what was running; shutdown stops every child and keeps statuses.
. "$(dirname "$0")/lib.sh"

# The original's file, with nothing running, comes back byte for byte.
sed -e 's/"status": "running"/"status": "stopped"/' \
    -e 's/"pid": 12817/"pid": null/' \
    -e 's/"started_at": "2026-11-27T11:26:16.791917Z"/"started_at": null/' \
    "$FIXTURES/original/config.json" >config.json
cp config.json "$TMP/expected"
start_daemon
cmp config.json "$TMP/expected" || fail "config.json was not rewritten byte for byte"
api GET /instances
[ "$(jqb length)" = 2 ] || fail "fixture instances: $BODY"
[ "$(jqb '.[0].config.temp')" = 0.7 ] || fail "fixture temp: $BODY"
# A create and a delete give back the same bytes.
create transient
api DELETE "/instances/$ID"
cmp config.json "$TMP/expected" || fail "create+delete did not give back the same bytes"
stop_daemon TERM

# The original's file as it is: the instance saved as running starts.
cp "$FIXTURES/original/config.json" config.json
PORT=
start_daemon
RUNNING=27cad670-3e58-49b6-8528-2e9c0fb76274
wait_until status_is "$RUNNING" running || fail "the instance saved as running did not start"
CPID=$(field "$RUNNING" .pid)
[ "$CPID" != 12817 ] || fail "the stale pid was kept"
kill -0 "$CPID" || fail "no child $CPID"

# Shutdown: every child stopped, status kept, exit status 0.
stop_daemon TERM
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
kill -0 "$CPID" 2>/dev/null && fail "child $CPID outlived the shutdown"
grep -q '"status": "running"' config.json || fail "shutdown did not keep the running status"

# Boot again: it starts again.
PORT=
start_daemon
wait_until status_is "$RUNNING" running || fail "not started again on the next boot"
CPID=$(field "$RUNNING" .pid)

# SIGKILL of the supervisor: the child dies too.
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
gone() { ! kill -0 "$CPID" 2>/dev/null; }
wait_until gone || fail "child $CPID outlived a SIGKILLed supervisor"

# A config.json that is not JSON: refused with file and line, untouched.
printf '{\n  "instances": [\n    {"id": 1,}\n  ]\n}' >config.json
cp config.json "$TMP/bad"
PORT=$("$FREEPORT")
API_KEY=$KEY HOST=127.0.0.1 PORT=$PORT "$SOLAR_HOST" -d 2>"$TMP/err"
[ $? = 1 ] || fail "started with a broken config.json"
grep -q "config.json:3: Expecting property name enclosed in double quotes" "$TMP/err" ||
    fail "message: $(cat "$TMP/err")"
cmp config.json "$TMP/bad" || fail "a broken config.json was overwritten"
"$SOLAR_HOST" -n 2>"$TMP/err" && fail "-n accepted a broken config.json"
grep -q "config.json:3:" "$TMP/err" || fail "-n message: $(cat "$TMP/err")"

# Wrong types are refused with the place named.
printf '{"instances": [{"id": "a7894838-6701-401e-9733-33893abfd501", "config": {"model": "m", "alias": "a", "api_key": "k", "threads": "x"}, "status": "stopped", "created_at": "2026-11-27T11:26:14Z"}]}' >config.json
"$SOLAR_HOST" -n 2>"$TMP/err" && fail "-n accepted threads \"x\""
grep -q "instances\[0\].config.threads" "$TMP/err" || fail "type message: $(cat "$TMP/err")"

# A crash between writing and renaming leaves the old file whole.
if "$SOLAR_HOST" -V | grep -q "test hooks"; then
	rm config.json
	PORT=
	start_daemon
	create keep
	cp config.json "$TMP/before"
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_PID=
	PORT=
	SOLAR_HOST_FAULT=store-before-rename start_daemon
	api POST /instances '{"config":{"model":"m","alias":"lost","api_key":"k"}}'
	wait "$DAEMON_PID"
	DAEMON_PID=
	cmp config.json "$TMP/before" || fail "config.json changed by a crash before rename"
	[ -f config.json.tmp ] || fail "the fault point was not reached"
	PORT=
	start_daemon
	api GET /instances
	[ "$(jqb 'map(.config.alias) | join(",")')" = keep ] ||
	    fail "after the crash: $BODY"
else
	echo "built without test hooks: the crash-before-rename case is skipped"
fi
pass "config.json: original's bytes, boot, shutdown, bad file, crash safety"
