#!/bin/sh
# systemd.sh: READY=1 on NOTIFY_SOCKET once the API serves, STOPPING=1 at
# shutdown; SIGHUP opens every running child's log file again (logrotate).
. "$(dirname "$0")/lib.sh"
NOTIFY=$top_builddir/tests/helpers/notifyrecv

"$NOTIFY" "$TMP/notify.sock" 2 60 >"$TMP/notes" &
NPID=$!
bound() { [ -S "$TMP/notify.sock" ]; }
wait_until bound || fail "the notification socket is not there"
NOTIFY_SOCKET=$TMP/notify.sock start_daemon
ready() { grep -qx "READY=1" "$TMP/notes"; }
wait_until ready || fail "no READY=1: $(cat "$TMP/notes")"

# logrotate moves the file, then sends SIGHUP.
create_fake rotated 'FAKE_LINES=100000 FAKE_LINE_MS=20'
api POST "/instances/$ID/start"
LOGF=$(ls logs/rotated_*.log)
wait_until grep -q "fake line 3 " "$LOGF" || fail "no lines in $LOGF"
mv "$LOGF" "$LOGF.1"
kill -HUP "$DAEMON_PID"
reopened() { [ -s "$LOGF" ] && grep -q "fake line" "$LOGF"; }
wait_until reopened || fail "no new $LOGF after SIGHUP"
kill -0 "$DAEMON_PID" || fail "SIGHUP ended the daemon"

stop_daemon TERM
wait "$NPID" || fail "no STOPPING=1: $(cat "$TMP/notes")"
[ "$(cat "$TMP/notes")" = "READY=1
STOPPING=1" ] || fail "notifications: $(cat "$TMP/notes")"
pass "NOTIFY_SOCKET readiness, SIGHUP reopens log files"
