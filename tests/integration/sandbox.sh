#!/bin/sh
# sandbox.sh: the API process runs with no_new_privs and a seccomp filter
# of its own; it cannot open a file, make a socket, execute a program or
# fork; SANDBOX=false says so loudly.
. "$(dirname "$0")/lib.sh"

if [ "${SANDBOX:-true}" = false ]; then
	echo "SANDBOX=false in this run (sanitizer build): skipped"
	exit 77
fi
start_daemon
APID=$(apid_pid)
field_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
[ "$(field_of "$APID" NoNewPrivs)" = 1 ] || fail "apid NoNewPrivs: $(field_of "$APID" NoNewPrivs)"
[ "$(field_of "$APID" Seccomp)" = 2 ] || fail "apid is not in seccomp filter mode"
A=$(field_of "$APID" Seccomp_filters)
S=$(field_of "$DAEMON_PID" Seccomp_filters)
[ -n "$A" ] && [ "$A" -gt "${S:-0}" ] || fail "Seccomp_filters: apid $A, supervisor $S"
grep -Eq "Landlock is not offered|apid: " "$TMP/stderr" || true

if ! "$SOLAR_HOST" -V | grep -q "test hooks"; then
	echo "built without test hooks: the escape attempts are skipped"
	pass "no_new_privs and a seccomp filter"
	exit 0
fi
api POST "/_test/escape?what=open"
expect_body '{"detail":"open failed: Permission denied"}' "open in apid"
api POST "/_test/escape?what=socket"
expect_body '{"detail":"socket failed: Permission denied"}' "socket in apid"
for what in exec fork; do
	OLD=$(apid_pid)
	api POST "/_test/escape?what=$what"
	[ "$CODE" = 200 ] && fail "$what in apid answered: $BODY"
	died() { grep -q "API process $OLD killed by signal 31" "$TMP/stderr"; }
	wait_until died || fail "$what did not kill apid with SIGSYS: $(tail -3 "$TMP/stderr")"
	new_apid() { _n=$(apid_pid); [ -n "$_n" ] && [ "$_n" != "$OLD" ] && healthy; }
	wait_until new_apid || fail "no new apid after the $what attempt"
done
stop_daemon TERM

# Without the sandbox it says so, loudly, and the same attempt succeeds:
# the checks above are not vacuous.
PORT=
SANDBOX=false start_daemon
grep -q "WITHOUT its sandbox" "$TMP/stderr" || fail "no warning with SANDBOX=false"
api POST "/_test/escape?what=open"
expect_body '{"detail":"open succeeded: "}' "open without the sandbox"
pass "apid confined: no files, sockets, exec or fork"
