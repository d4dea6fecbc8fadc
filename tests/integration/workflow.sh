#!/bin/sh
# workflow.sh: the original README's complete workflow, as its users run
# it, passes against solar-host unchanged.
. "$(dirname "$0")/lib.sh"
start_daemon
SOLAR_URL=http://127.0.0.1:$PORT SOLAR_KEY=$KEY MODEL=/models/m.gguf \
    sh "$FIXTURES/complete-workflow.sh" >"$TMP/out" 2>&1 ||
    fail "the workflow failed: $(cat "$TMP/out")"
cat "$TMP/out"
grep -q "^Status after stop: stopped$" "$TMP/out" || fail "workflow output"
pass "the original README's workflow"
