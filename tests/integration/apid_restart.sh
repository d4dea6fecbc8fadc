#!/bin/sh
# apid_restart.sh: SIGKILL of the API process while a client keeps
# connecting: a new one serves, and not one connection is refused.
. "$(dirname "$0")/lib.sh"
start_daemon

OLD=$(apid_pid)
[ -n "$OLD" ] || fail "no API process found"
grep -q NoNewPrivs:.*1 "/proc/$OLD/status" || fail "apid has no_new_privs unset"

"$HAMMER" "$PORT" 3 >"$TMP/hammer" &
HPID=$!
# Let the hammer land some requests on the old process first.
sleep_until_served() { [ -s "$TMP/hammer" ] || curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; }
wait_until sleep_until_served || fail "no answer before the kill"
kill -KILL "$OLD"

new_apid() { _n=$(apid_pid); [ -n "$_n" ] && [ "$_n" != "$OLD" ]; }
wait_until new_apid || fail "no new API process after SIGKILL"
wait_until healthy || fail "not served after the API process was killed"
wait "$HPID"
read -r RESULT <"$TMP/hammer"
echo "hammer: $RESULT"
case $RESULT in
*" refused=0 "*) ;;
*) fail "connections were refused while the API process restarted: $RESULT" ;;
esac
case $RESULT in ok=0*) fail "the hammer was never answered: $RESULT" ;; esac

# Killed again and again, it still comes back (with a back-off).
for i in 1 2 3; do
	OLD=$(apid_pid)
	kill -KILL "$OLD"
	wait_until new_apid || fail "no new API process after kill $i"
done
wait_until healthy || fail "not served after repeated kills"
pass "API process restarted with no refused connection"
