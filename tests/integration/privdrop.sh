#!/bin/sh
# privdrop.sh: -u USER binds as root, then both processes run as USER;
# root without -u keeps the API process as nobody without capabilities;
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

# Root without -u: the supervisor and the instances stay root, with the
# warning; the API process runs as nobody with no capability at all.
GID_NOBODY=$(id -g nobody)
PORT=
: >"$TMP/stderr"
start_daemon
grep -q "running as root" "$TMP/stderr" || fail "no warning about root"
gid_of() { awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"; }
field_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
[ "$(uid_of "$DAEMON_PID")" = "0 0 0 0" ] ||
    fail "root supervisor uids: $(uid_of "$DAEMON_PID")"
APID=$(apid_pid)
[ -n "$APID" ] || fail "no API process"
[ "$(uid_of "$APID")" = "$UID_NOBODY $UID_NOBODY $UID_NOBODY $UID_NOBODY" ] ||
    fail "apid uids under root: $(uid_of "$APID")"
[ "$(gid_of "$APID")" = "$GID_NOBODY $GID_NOBODY $GID_NOBODY $GID_NOBODY" ] ||
    fail "apid gids under root: $(gid_of "$APID")"
[ "$(field_of "$APID" Groups)" = "$GID_NOBODY" ] ||
    fail "apid groups: $(field_of "$APID" Groups)"
for f in CapEff CapPrm CapBnd CapAmb; do
	[ "$(field_of "$APID" $f)" = 0000000000000000 ] ||
	    fail "apid $f: $(field_of "$APID" $f)"
done
[ "$(field_of "$APID" NoNewPrivs)" = 1 ] || fail "apid without no_new_privs"
create asroot
api POST "/instances/$ID/start"
expect_code 200 "start under root"
CHILD=$(jqb .instance.pid)
[ "$(uid_of "$CHILD")" = "0 0 0 0" ] || fail "child uids: $(uid_of "$CHILD")"
api GET "/instances/$ID"
expect_code 200 "the API serves"
[ "$(jqb .status)" = running ] || fail "not running: $BODY"
stop_daemon TERM
[ "$STATUS" = 0 ] || fail "exit status $STATUS under root"

PORT=$("$FREEPORT")
HOST=127.0.0.1 API_KEY=$KEY PORT=$PORT "$SOLAR_HOST" -d -u no-such-user-x 2>"$TMP/err" &&
    fail "-u of a missing user accepted"
grep -q "no-such-user-x: no such user" "$TMP/err" || fail "message: $(cat "$TMP/err")"
pass "-u drops both processes to the user after binding; apid is never root"
