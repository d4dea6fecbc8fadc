#!/bin/sh
# limits.sh: at MAX_CONNECTIONS a new client closes the oldest connection
# that has sent no request yet; when every connection is busy (here:
# WebSocket sessions) accepting pauses until one ends.  A client that
# trickles its request is closed at HTTP_TIMEOUT_S although it never goes
# quiet; WebSocket clients are capped per instance.
. "$(dirname "$0")/lib.sh"
IDLE=$top_builddir/tests/helpers/idle
TRICKLE=$top_builddir/tests/helpers/trickle
WS=$top_builddir/tests/helpers/wsclient

MAX_CONNECTIONS=8 HTTP_TIMEOUT_S=3 WS_MAX_PER_INSTANCE=2 start_daemon
established() { ss -Htn state established "( sport = :$PORT )" | wc -l; }
eight() { [ "$(established)" -ge 8 ]; }
PIDS=
i=0
while [ $i -lt 8 ]; do
	"$IDLE" "$PORT" "" 30 &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
wait_until eight || fail "the 8 connections did not open"
# A ninth is served at once: one of the eight that sent nothing makes room.
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/health" ||
    fail "a ninth client was not served while 8 connections sent nothing"
for p in $PIDS; do wait "$p"; done

# Eight WebSocket sessions (4 instances, 2 each) cannot make room...
WPIDS=
i=0
while [ $i -lt 4 ]; do
	create "held$i"
	"$WS" -k "$KEY" -t 30 "$PORT" "/instances/$ID/logs" >/dev/null &
	WPIDS="$WPIDS $!"
	"$WS" -k "$KEY" -t 30 "$PORT" "/instances/$ID/logs" >/dev/null &
	WPIDS="$WPIDS $!"
	i=$((i + 1))
done
wait_until eight || fail "the 8 WebSocket sessions did not open"
# ...so the ninth waits in the backlog while they are open...
CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/health")
[ "$CODE" = 000 ] || fail "a ninth connection was served at MAX_CONNECTIONS=8 ($CODE)"
# ...and is served once they are gone.
kill $WPIDS
wait $WPIDS 2>/dev/null
wait_until healthy || fail "not served again after connections closed"

# Trickling never goes quiet, yet is closed at the deadline.
START=$(date +%s)
"$TRICKLE" "$PORT" 20 || fail "a trickling client was never closed"
TOOK=$(( $(date +%s) - START ))
[ "$TOOK" -lt 10 ] || fail "the trickling client was closed after ${TOOK} s"

# WebSocket clients per instance.
create capped
"$WS" -k "$KEY" -t 30 "$PORT" "/instances/$ID/logs" >/dev/null &
W1=$!
"$WS" -k "$KEY" -t 30 "$PORT" "/instances/$ID/logs" >/dev/null &
W2=$!
two() { [ "$(established)" -ge 2 ]; }
wait_until two || fail "two WebSocket clients did not connect"
"$WS" -k "$KEY" -n 1 -t 10 "$PORT" "/instances/$ID/logs" >"$TMP/third"
[ "$(cat "$TMP/third")" = "HTTP 503" ] || fail "third client: $(cat "$TMP/third")"
kill "$W1" "$W2"
wait "$W1" "$W2" 2>/dev/null
pass "room made at the connection limit, busy limit, request deadline, WebSocket cap"
