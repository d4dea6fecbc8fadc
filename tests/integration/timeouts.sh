#!/bin/sh
# timeouts.sh: idle connections and trickled requests are closed after
# HTTP_TIMEOUT_S; apid's log messages reach the supervisor's log.
. "$(dirname "$0")/lib.sh"
IDLE=$top_builddir/tests/helpers/idle

HTTP_TIMEOUT_S=1 start_daemon -v
"$IDLE" "$PORT" "" 8 || fail "an idle connection was not closed"
"$IDLE" "$PORT" "GET /health HTTP/1.1\r\nHost: x\r\n" 8 ||
    fail "a request that stopped half-way was not closed"
healthy || fail "not serving after closing idle connections"

# Relayed through LOG: the supervisor writes it with the "apid:" prefix,
# while apid itself would have written "solar-host-apid:".
grep -q "^solar-host: apid: serving (protocol " "$TMP/stderr" ||
    fail "apid's debug message was not relayed by the supervisor"
grep -q "^solar-host-apid:" "$TMP/stderr" &&
    fail "apid wrote to stderr itself after set-up"
stop_daemon TERM

# The default is long: the same idle connection is still open after 2 s.
PORT=
start_daemon
"$IDLE" "$PORT" "" 2 && fail "closed an idle connection long before 60 s"
pass "idle and trickling connections closed; log relayed"
