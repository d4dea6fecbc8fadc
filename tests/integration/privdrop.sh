#!/bin/sh
# privdrop.sh: -u USER binds as root, then both processes run as USER;
# -u without root is refused.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	"$SOLAR_HOST" -n >/dev/null 2>&1 || fail "-n failed"
	PORT=$("$FREEPORT") HOST=127.0.0.1 API_KEY=$KEY \
	    "$SOLAR_HOST" -d -u nobody 2>"$TMP/err" && fail "-u accepted without root"
	grep -q "only root" "$TMP/err" || fail "-u without root: $(cat "$TMP/err")"
	echo "not root: only the refusal was tested"
	exit 77
fi
id nobody >/dev/null 2>&1 || { echo "no user nobody: skipped"; exit 77; }
UID_NOBODY=$(id -u nobody)
chown nobody "$TMP"

# A port below 1024 needs root to bind: proof that binding came first.
PORT=
for p in 901 902 903 904 905 906 907 908 909; do
	hex=$(printf '%04X' "$p")
	grep -q ":$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null && continue
	PORT=$p
	break
done
[ -n "$PORT" ] || fail "no free port below 1024"
start_daemon -u nobody
uid_of() { awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"; }
[ "$(uid_of "$DAEMON_PID")" = "$UID_NOBODY $UID_NOBODY $UID_NOBODY $UID_NOBODY" ] ||
    fail "supervisor uids: $(uid_of "$DAEMON_PID")"
APID=$(apid_pid)
[ "$(uid_of "$APID")" = "$UID_NOBODY $UID_NOBODY $UID_NOBODY $UID_NOBODY" ] ||
    fail "apid uids: $(uid_of "$APID")"
grep -q "^Groups:.*0" "/proc/$DAEMON_PID/status" && fail "still in group 0"
# The children get USER's home and names, not root's.
HOME_NOBODY=$(getent passwd nobody | cut -d: -f6)
create_fake rec "FAKE_RECORD=$TMP/record"
api POST "/instances/$ID/start"
expect_code 200 "start as nobody"
wait_until test -s "$TMP/record" || fail "the fake recorded nothing"
grep -qx "env HOME=$HOME_NOBODY" "$TMP/record" ||
    fail "the child's HOME: $(grep '^env HOME=' "$TMP/record")"
grep -qx "env USER=nobody" "$TMP/record" && grep -qx "env LOGNAME=nobody" "$TMP/record" ||
    fail "the child's USER and LOGNAME: $(grep -E '^env (USER|LOGNAME)=' "$TMP/record")"
stop_daemon TERM
[ "$STATUS" = 0 ] || fail "exit status $STATUS"

PORT=$("$FREEPORT")
HOST=127.0.0.1 API_KEY=$KEY PORT=$PORT "$SOLAR_HOST" -d -u no-such-user-x 2>"$TMP/err" &&
    fail "-u of a missing user accepted"
grep -q "no-such-user-x: no such user" "$TMP/err" || fail "message: $(cat "$TMP/err")"
pass "-u drops both processes to the user after binding"
