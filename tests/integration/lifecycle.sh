#!/bin/sh
# lifecycle.sh: SIGTERM and SIGINT end everything with status 0; a busy
# port is exit status 1 with the address named.
. "$(dirname "$0")/lib.sh"

for sig in TERM INT; do
	PORT=
	start_daemon
	APID=$(apid_pid)
	[ -n "$APID" ] || fail "no API process"
	stop_daemon "$sig"
	[ "$STATUS" = 0 ] || fail "SIG$sig: exit status $STATUS, want 0"
	gone() { ! kill -0 "$APID" 2>/dev/null; }
	wait_until gone || fail "SIG$sig: API process $APID still there"
done
pass "SIGTERM and SIGINT: status 0, no process left"

# SIGHUP is ignored.
PORT=
start_daemon
kill -HUP "$DAEMON_PID"
healthy || fail "not serving after SIGHUP"
kill -0 "$DAEMON_PID" || fail "SIGHUP ended the daemon"

# The same port again (another pid file): refused with the address named.
API_KEY=$KEY HOST=127.0.0.1 PORT=$PORT PID_FILE=$TMP/second.pid \
    "$SOLAR_HOST" -d 2>"$TMP/second"
RC=$?
[ "$RC" = 1 ] || fail "second daemon on a busy port: status $RC, want 1"
grep -q "cannot bind 127.0.0.1:$PORT: Address already in use" "$TMP/second" ||
    fail "busy port message: $(cat "$TMP/second")"
healthy || fail "the first daemon stopped serving"
stop_daemon TERM
[ "$STATUS" = 0 ] || fail "exit status $STATUS after SIGTERM"
pass "busy port refused; SIGHUP ignored"

# However the supervisor dies, the API process dies with it.
PORT=
start_daemon
APID=$(apid_pid)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
gone() { ! kill -0 "$APID" 2>/dev/null; }
wait_until gone || fail "API process $APID outlived a SIGKILLed supervisor"
pass "API process dies with the supervisor"
