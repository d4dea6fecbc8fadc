#!/bin/sh
# orphans.sh: no process descended from an instance's child outlives its
# stop, its exit or solar-host's shutdown by more than STOP_TIMEOUT_S + 2 s:
# grandchildren that ignore SIGTERM, that called setsid, that a child left
# behind when it forked and exited while starting (on every attempt).  The
# fake writes each grandchild's pid to a file once it is set up.
. "$(dirname "$0")/lib.sh"

STOP_TIMEOUT_S=2
export STOP_TIMEOUT_S
# STOP_TIMEOUT_S + 2 s, and slack for the sanitizer build on a busy machine.
DEADLINE=$((STOP_TIMEOUT_S + 2 + 3))

# gone PID: no such process, or a zombie that is not ours to reap.
gone() {
	[ -e "/proc/$1" ] || return 0
	_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
	set -- $_st
	[ "$1" = Z ] && [ "$2" != "$DAEMON_PID" ]
}

all_gone() {
	for _p in $(cat "$1"); do
		gone "$_p" || return 1
	done
	return 0
}

alive_list() {
	for _p in $(cat "$1"); do
		gone "$_p" || printf '%s ' "$_p"
	done
}

# lines FILE N: FILE holds N pids (for wait_until).
lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -eq "$2" ]
}

# expect_gone FILE WHAT: every pid in FILE is gone within STOP_TIMEOUT_S
# + 2 s (and the slack) of $T0, when the stop or the exit began.
expect_gone() {
	[ -s "$1" ] || fail "$2: no pid recorded"
	_dl=$DEADLINE
	DEADLINE=$((T0 + STOP_TIMEOUT_S + 2 + 3 - $(date +%s)))
	[ "$DEADLINE" -ge 0 ] || DEADLINE=0
	wait_until all_gone "$1" ||
	    fail "$2: left behind: $(alive_list "$1")"
	DEADLINE=$_dl
}

stop_now() {
	T0=$(date +%s)
	api POST "/instances/$1/stop"
	expect_code 200 "stop $1"
}

start_daemon
APID=$(apid_pid)

# A stop: grandchildren that ignore SIGTERM, in the child's group.
create_fake term "FAKE_GRANDCHILD=2 FAKE_PIDFILE=$TMP/term.pids"
api POST "/instances/$ID/start"
expect_code 200 "start term"
wait_until lines "$TMP/term.pids" 2 || fail "term: grandchildren not started"
stop_now "$ID"
expect_gone "$TMP/term.pids" "stop, SIGTERM ignored"
pass "stop: grandchildren that ignore SIGTERM are gone"

# A stop: grandchildren in sessions of their own.
create_fake setsid "FAKE_GRANDCHILD=2 FAKE_SETSID=1 FAKE_PIDFILE=$TMP/setsid.pids"
api POST "/instances/$ID/start"
expect_code 200 "start setsid"
wait_until lines "$TMP/setsid.pids" 2 || fail "setsid: grandchildren not started"
stop_now "$ID"
expect_gone "$TMP/setsid.pids" "stop, setsid"
pass "stop: grandchildren that called setsid are gone"

# A stop that needs SIGKILL for the child too: all gone by then + 2 s.
create_fake stubborn "FAKE_IGNORE_TERM=1 FAKE_GRANDCHILD=1 FAKE_SETSID=1 FAKE_PIDFILE=$TMP/stubborn.pids"
api POST "/instances/$ID/start"
expect_code 200 "start stubborn"
wait_until lines "$TMP/stubborn.pids" 1 || fail "stubborn: grandchild not started"
field "$ID" .pid >>"$TMP/stubborn.pids"
stop_now "$ID"
expect_gone "$TMP/stubborn.pids" "stop after SIGKILL"
pass "stop after SIGKILL: child and grandchild gone"

# A child that forks and exits while starting, on each of its attempts.
for mode in group setsid; do
	opts="FAKE_GRANDCHILD=3 FAKE_FORK_EXIT=1 FAKE_PIDFILE=$TMP/fork-$mode.pids"
	[ "$mode" = setsid ] && opts="$opts FAKE_SETSID=1"
	create_fake "fork-$mode" "$opts"
	T0=$(date +%s)
	api POST "/instances/$ID/start"
	expect_code 500 "start fork-$mode"
	case $(jqb .detail) in
	*"exited with status 1: "*"fake exit after forking") ;;
	*) fail "fork-$mode: detail $(jqb .detail)" ;;
	esac
	[ "$(field "$ID" .retry_count)" = 2 ] ||
	    fail "fork-$mode: retry_count $(field "$ID" .retry_count), want 2"
	lines "$TMP/fork-$mode.pids" 6 ||
	    fail "fork-$mode: $(wc -l <"$TMP/fork-$mode.pids") pids, want 6"
	expect_gone "$TMP/fork-$mode.pids" "fork and exit ($mode)"
done
pass "fork and exit while starting: nothing left after failed (2 attempts)"

# A crash while running takes its grandchildren along.
create_fake crash "FAKE_EXIT_AFTER_MS=1500 FAKE_GRANDCHILD=2 FAKE_SETSID=1 FAKE_PIDFILE=$TMP/crash.pids"
api POST "/instances/$ID/start"
expect_code 200 "start crash"
wait_until lines "$TMP/crash.pids" 2 || fail "crash: grandchildren not started"
wait_until status_is "$ID" failed || fail "crash: not failed"
T0=$(date +%s)
expect_gone "$TMP/crash.pids" "crash"
api POST "/instances/$ID/stop"
pass "crash: grandchildren gone"

# The sweeps never touch the supervisor's own helpers.
[ "$(apid_pid)" = "$APID" ] || fail "the API process was replaced"

# solar-host's shutdown: every instance's processes, whatever they did.
create_fake down1 "FAKE_GRANDCHILD=2 FAKE_PIDFILE=$TMP/down.pids"
api POST "/instances/$ID/start"
expect_code 200 "start down1"
create_fake down2 "FAKE_GRANDCHILD=2 FAKE_SETSID=1 FAKE_IGNORE_TERM=1 FAKE_PIDFILE=$TMP/down.pids"
api POST "/instances/$ID/start"
expect_code 200 "start down2"
wait_until lines "$TMP/down.pids" 4 || fail "down: grandchildren not started"
SUP=$DAEMON_PID
T0=$(date +%s)
stop_daemon TERM
[ "$STATUS" = 0 ] || fail "shutdown: exit status $STATUS"
DAEMON_PID=$SUP
expect_gone "$TMP/down.pids" "shutdown"
DAEMON_PID=
pass "shutdown: no process left below solar-host"
