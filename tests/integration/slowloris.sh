#!/bin/sh
# slowloris.sh: clients that hold connections without sending a request
# cannot keep others out.  With far more of them than MAX_CONNECTIONS
# (and than the API process's descriptor limit, MAX_CONNECTIONS + 64), a
# fresh client is served long before HTTP_TIMEOUT_S would free a slot;
# a connection that does not complete its request head within
# HEADER_TIMEOUT_S is closed, while a keep-alive connection idle between
# requests is not.
. "$(dirname "$0")/lib.sh"
RAW=$top_builddir/tests/helpers/rawsend
TRICKLE=$top_builddir/tests/helpers/trickle
IDLERS=150	# over MAX_CONNECTIONS + 64 descriptors
TRICKLERS=20

# Only making room can serve the fresh client: both deadlines are long.
MAX_CONNECTIONS=20 HTTP_TIMEOUT_S=600 HEADER_TIMEOUT_S=600 start_daemon
APID=$(apid_pid)
[ -n "$APID" ] || fail "no API process"
(ulimit -S -n $((IDLERS + 64)) && exec "$RAW" -t 120 -H "$IDLERS" "$PORT" "") \
    >"$TMP/idlers" &
HOLD=$!
wait_until grep -q "^open $IDLERS\$" "$TMP/idlers" ||
    fail "the idle clients did not connect: $(cat "$TMP/idlers")"
TPIDS=
i=0
while [ $i -lt $TRICKLERS ]; do
	"$TRICKLE" "$PORT" 120 &
	TPIDS="$TPIDS $!"
	i=$((i + 1))
done
# Each served request is a fresh client; several, to see it go on.
i=0
while [ $i -lt 5 ]; do
	curl -sf -o /dev/null --max-time "$DEADLINE" \
	    "http://127.0.0.1:$PORT/health" ||
	    fail "a fresh client was not served ($i) with $IDLERS idle and $TRICKLERS trickling clients held"
	i=$((i + 1))
done
[ "$(apid_pid)" = "$APID" ] || fail "the API process was replaced"
kill "$HOLD" $TPIDS 2>/dev/null
wait "$HOLD" $TPIDS 2>/dev/null
stop_daemon TERM

# HEADER_TIMEOUT_S closes what sends no head, whatever HTTP_TIMEOUT_S says.
PORT=
HTTP_TIMEOUT_S=600 HEADER_TIMEOUT_S=2 start_daemon
START=$(date +%s)
"$RAW" -t "$DEADLINE" "$PORT" "" >/dev/null ||
    fail "a connection that sent nothing was not closed"
"$RAW" -t "$DEADLINE" "$PORT" "GET /health HTTP/1.1\r\nHost: x\r\n" \
    >/dev/null || fail "a connection that sent half a head was not closed"
"$TRICKLE" "$PORT" "$DEADLINE" || fail "a trickling head was never closed"
TOOK=$(( $(date +%s) - START ))
[ "$TOOK" -lt $((DEADLINE - 2)) ] ||
    fail "three head deadlines of 2 s took $TOOK s"
# Answered, then idle: a keep-alive connection has HTTP_TIMEOUT_S.
"$RAW" -t 4 "$PORT" "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" >"$TMP/ka"
RC=$?
grep -q '^HTTP/1.1 200' "$TMP/ka" || fail "keep-alive: $(head -n 1 "$TMP/ka")"
[ "$RC" = 3 ] || fail "an idle keep-alive connection was closed within 4 s"
healthy || fail "not serving"
pass "a fresh client served past $IDLERS idle and $TRICKLERS trickling clients; head deadline"
