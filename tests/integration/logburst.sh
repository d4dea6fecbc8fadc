#!/bin/sh
# logburst.sh: output read in one turn can be many times the ring's size
# (a read takes up to 64 KiB, a turn 16 reads); a live client still gets
# every line, because the ring ships its unsent lines before it would
# overwrite them.
. "$(dirname "$0")/lib.sh"
WS=$top_builddir/tests/helpers/wsclient
LOG_BUFFER_SIZE=50 start_daemon
N=3000
create_fake burst FAKE_BURST=$N

"$WS" -k "$KEY" -n $((N + 4)) -t 60 "$PORT" "/instances/$ID/logs" >"$TMP/live" &
CLIENT=$!
connected() { [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge 1 ]; }
wait_until connected || fail "the client did not connect"
api POST "/instances/$ID/start"
[ "$(jqb .instance.status)" = running ] || fail "start: $BODY"
wait "$CLIENT" || fail "the client stopped early with $(grep -c '"line":"burst' "$TMP/live") burst lines: $(tail -c 300 "$TMP/live")"
[ "$(grep -c '"line":"burst' "$TMP/live")" = "$N" ] ||
    fail "the client got $(grep -c '"line":"burst' "$TMP/live") of $N burst lines"
jq -s '[.[].seq] as $s | [range(1; $s | length)] | all(. as $i | $s[$i] == $s[$i - 1] + 1)' "$TMP/live" |
    grep -q true || fail "the client saw a gap in seq"
jq -rs '.[-1].line' "$TMP/live" | grep -qx "burst $((N - 1))" ||
    fail "the last line: $(tail -n 1 "$TMP/live")"
# The log file has them all too; the ring, only the last 50.
[ "$(cat logs/*.log | grep -c '^burst ')" = "$N" ] || fail "log file: $(cat logs/*.log | grep -c '^burst ') burst lines"
pass "$N lines in one write through a ring of 50, none lost"
