#!/bin/sh
# pidfile.sh: a detached solar-host can be found and stopped: the pid file
# beside config.json (locked while it runs, a stale one replaced, a second
# start refused), -s status, reload and stop, and its messages in a file
# when syslog is not reachable (said once) or when LOG_FILE says so.
. "$(dirname "$0")/lib.sh"

PORT=$("$FREEPORT")
export API_KEY=$KEY HOST=127.0.0.1 PORT LLAMA_SERVER=$FAKE
START_PORT=$(start_port)
export START_PORT

# /dev/log, where it exists, is covered in a private mount namespace, so
# that syslog is unreachable here as on a machine without a syslog daemon.
cat >"$TMP/nolog.sh" <<'NOLOG'
#!/bin/sh
if [ -e /dev/log ]; then
	exec unshare -m sh -c 'mount --make-rprivate / &&
	    mount --bind /dev/null /dev/log && exec "$@"' sh "$@"
fi
exec "$@"
NOLOG
chmod +x "$TMP/nolog.sh"
if [ -e /dev/log ] && ! unshare -m true 2>/dev/null; then
	echo "cannot hide /dev/log (not root?)"
	exit 77
fi

# Exited: no such process, or a zombie its parent has not reaped yet.
gone() {
	! kill -0 "$1" 2>/dev/null ||
	    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
}

ctl_s() {
	"$SOLAR_HOST" -s "$1" >"$TMP/s.out" 2>&1
	SRC=$?
	SOUT=$(cat "$TMP/s.out")
}

ctl_s status
[ "$SRC" = 3 ] || fail "status before any start: exit $SRC ($SOUT)"
echo "$SOUT" | grep -q "not running" || fail "status before any start: $SOUT"

"$TMP/nolog.sh" "$SOLAR_HOST" 2>"$TMP/start.err"
[ $? = 0 ] || fail "a detached start failed: $(cat "$TMP/start.err")"
wait_until healthy || fail "the detached daemon does not serve"
grep -q "syslog is not reachable (/dev/log); logging to ./solar-host.log" \
    "$TMP/start.err" || fail "not said on stderr: $(cat "$TMP/start.err")"
[ "$(grep -c "syslog is not reachable" "$TMP/start.err")" = 1 ] ||
    fail "said more than once: $(cat "$TMP/start.err")"
grep -q "listening on 127.0.0.1 port $PORT" solar-host.log ||
    fail "solar-host.log: $(cat solar-host.log)"
[ -f solar-host.pid ] || fail "no solar-host.pid: $(ls)"
PID=$(cat solar-host.pid)
DAEMON_PID=$PID		# so that a failure below still ends it
[ "$(cat "/proc/$PID/comm" 2>/dev/null)" = solar-host ] ||
    fail "solar-host.pid holds $PID, which is not solar-host"

ctl_s status
[ "$SRC" = 0 ] || fail "status: exit $SRC ($SOUT)"
[ "$SOUT" = "solar-host is running as pid $PID (./solar-host.pid)" ] ||
    fail "status: $SOUT"

# A second start in the same place is refused before it binds anything.
PORT2=$("$FREEPORT")
PORT=$PORT2 "$SOLAR_HOST" -d 2>"$TMP/second.err" &&
    fail "a second solar-host started"
grep -q "already running as pid $PID (./solar-host.pid)" "$TMP/second.err" ||
    fail "second start: $(cat "$TMP/second.err")"

ctl_s reload
[ "$SRC" = 0 ] || fail "reload: exit $SRC ($SOUT)"
reopened() { grep -q "SIGHUP received" solar-host.log; }
wait_until reopened || fail "reload sent no SIGHUP: $(tail -n 3 solar-host.log)"
ctl_s bogus
[ "$SRC" = 1 ] || fail "-s bogus: exit $SRC"

ctl_s stop
[ "$SRC" = 0 ] || fail "stop: exit $SRC ($SOUT)"
[ "$SOUT" = "solar-host (pid $PID) stopped" ] || fail "stop: $SOUT"
DAEMON_PID=
gone "$PID" || fail "pid $PID still runs after stop"
[ -e solar-host.pid ] && fail "the pid file is left after a clean exit"
ctl_s stop
[ "$SRC" = 1 ] || fail "stop when stopped: exit $SRC ($SOUT)"
pass "pid file, -s status, reload, stop; syslog unreachable: solar-host.log"

# A stale file (its process gone, nothing holds it) is taken over;
# LOG_FILE names the file, and syslog is not tried.
echo 999999 >solar-host.pid
mkdir state
LOG_FILE=$TMP/state/daemon.log PID_FILE=$TMP/state/sh.pid \
    "$TMP/nolog.sh" "$SOLAR_HOST" 2>"$TMP/start.err" ||
    fail "start with LOG_FILE: $(cat "$TMP/start.err")"
wait_until healthy || fail "the daemon with LOG_FILE does not serve"
grep -q "syslog" "$TMP/start.err" && fail "LOG_FILE set, yet: $(cat "$TMP/start.err")"
grep -q "listening on" state/daemon.log || fail "state/daemon.log: $(ls state)"
PID=$(cat state/sh.pid)
DAEMON_PID=$PID
PID_FILE=$TMP/state/sh.pid ctl_s stop
[ "$SRC" = 0 ] || fail "stop by PID_FILE: exit $SRC ($SOUT)"
gone "$PID" || fail "pid $PID still runs"
DAEMON_PID=
rm solar-host.pid
start_daemon
[ "$(cat solar-host.pid)" = "$DAEMON_PID" ] || fail "-d: solar-host.pid is $(cat solar-host.pid)"
echo 999999 >"$TMP/stale.pid"
stop_daemon TERM
[ -e solar-host.pid ] && fail "-d left its pid file"
PID_FILE=$TMP/stale.pid start_daemon
[ "$(cat "$TMP/stale.pid")" = "$DAEMON_PID" ] || fail "a stale pid file was not taken over"
pass "a stale pid file is taken over; PID_FILE and LOG_FILE"
