#!/bin/sh
# slowclient.sh: a WebSocket client that never reads costs a bounded
# amount of memory, and another client of the same instance still gets
# every line; many such clients together are bounded by WS_MAX_QUEUED_MB.
. "$(dirname "$0")/lib.sh"
WS=$top_builddir/tests/helpers/wsclient
# The fake is steered through env, which needs ALLOW_EXTRA_ARGS.
ALLOW_EXTRA_ARGS=true LOG_BUFFER_SIZE=1000 start_daemon
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
api POST "/instances/$ID/stop"
api DELETE "/instances/$ID"
stop_daemon TERM

# 48 stalled clients of one flooding instance: each alone may queue 4 MiB
# (4,096 frames) and fill a socket buffer of 256 KiB, about 20 MB in all
# here; together they hold at most WS_MAX_QUEUED_MB (1).
PORT=
NS=48
N=40000
ALLOW_EXTRA_ARGS=true WS_MAX_QUEUED_MB=1 WS_MAX_PER_INSTANCE=64 start_daemon
create_fake many "FAKE_LINES=$N FAKE_LINE_MS=1 FAKE_LINE_BATCH=40"
APID=$(apid_pid)
BEFORE=$(rss)
SPIDS=
i=0
while [ $i -lt $NS ]; do
	"$WS" -S -k "$KEY" -t 120 "$PORT" "/instances/$ID/logs" >/dev/null &
	SPIDS="$SPIDS $!"
	i=$((i + 1))
done
all() { [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge $NS ]; }
wait_until all || fail "the stalled clients did not connect"
api POST "/instances/$ID/start"
[ "$(jqb .instance.status)" = running ] || fail "start many: $BODY"
printed() { grep -q "fake line $((N - 1)) " logs/many_*.log; }
wait_until printed || fail "the fake did not print its $N lines"
# A client that reads: once its first line is in, the flood has been
# through apid (the supervisor answers HISTORY after the lines it sent).
# Not all of its history: its queue is now the longest, and the first to
# lose lines.
"$WS" -k "$KEY" -n 1 -t 60 "$PORT" "/instances/$ID/logs" >"$TMP/late" ||
    fail "a late client did not get its history"
AFTER=$(rss)
echo "apid RSS: $BEFORE kB before, $AFTER kB with $NS stalled clients after $N lines"
if ldd "$SOLAR_HOST_APID" | grep -q libasan; then
	echo "sanitizer build: apid's RSS is not judged"
else
	[ $((AFTER - BEFORE)) -lt 8000 ] ||
	    fail "apid grew by $((AFTER - BEFORE)) kB with WS_MAX_QUEUED_MB=1"
fi
healthy || fail "not serving with $NS stalled clients"
kill $SPIDS 2>/dev/null
wait $SPIDS 2>/dev/null
pass "a stalled client is bounded, the other gets every line; all stalled clients are bounded together"
