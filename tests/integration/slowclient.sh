#!/bin/sh
# slowclient.sh: a WebSocket client that never reads costs a bounded
# amount of memory, and another client of the same instance still gets
# every line.
. "$(dirname "$0")/lib.sh"
WS=$top_builddir/tests/helpers/wsclient
LOG_BUFFER_SIZE=1000 start_daemon
N=60000
create_fake flood "FAKE_LINES=$N FAKE_LINE_MS=1 FAKE_LINE_BATCH=10"
APID=$(apid_pid)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$APID/status"; }
BEFORE=$(rss)

"$WS" -S -k "$KEY" -t 60 "$PORT" "/instances/$ID/logs" >/dev/null &
STALLED=$!
"$WS" -k "$KEY" -n $((N + 4)) -t 60 "$PORT" "/instances/$ID/logs" >"$TMP/fast" &
FAST=$!
# Both connected before the flood starts.
two() { [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge 2 ]; }
wait_until two || fail "the clients did not connect"
api POST "/instances/$ID/start"
[ "$(jqb .instance.status)" = running ] || fail "start: $BODY"
wait "$FAST" || fail "the reading client stopped early: $(tail -2 "$TMP/fast")"
grep -c '"line":"fake line' "$TMP/fast" | grep -qx "$N" ||
    fail "the reading client got $(grep -c '"line":"fake line' "$TMP/fast") of $N lines"
jq -s '[.[].seq] as $s | [range(1; $s | length)] | all(. as $i | $s[$i] == $s[$i - 1] + 1)' "$TMP/fast" |
    grep -q true || fail "the reading client saw a gap"
AFTER=$(rss)
echo "apid RSS: $BEFORE kB before, $AFTER kB with a stalled client after $N lines"
# Unbounded, the stalled client's queue alone would hold over 10 MB here.
# AddressSanitizer's quarantine makes RSS meaningless: not judged there.
if ldd "$SOLAR_HOST_APID" | grep -q libasan; then
	echo "sanitizer build: apid's RSS is not judged"
else
	[ $((AFTER - BEFORE)) -lt 6000 ] || fail "apid grew by $((AFTER - BEFORE)) kB"
fi
healthy || fail "not serving with a stalled client"
kill "$STALLED" 2>/dev/null
wait "$STALLED" 2>/dev/null
pass "a stalled client is bounded; the other gets every line"
