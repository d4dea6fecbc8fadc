#!/bin/sh
# memory.sh: GET /memory from the sampler process: RAM on a machine
# without NVIDIA's library, figures in GiB rounded to 2 decimals.
. "$(dirname "$0")/lib.sh"
start_daemon
has_memory() { api GET /memory; [ "$CODE" = 200 ]; }
wait_until has_memory || fail "GET /memory: $CODE $BODY"
echo "$BODY"
[ "$(jqb 'keys_unsorted | join(",")')" = "used_gb,total_gb,percent,memory_type" ] ||
    fail "fields: $BODY"
[ "$(jqb .memory_type)" = RAM ] || fail "memory_type: $BODY"
TOTAL_KB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
WANT=$(awk -v k="$TOTAL_KB" 'BEGIN { printf "%.2f", k / 1048576 }')
[ "$(jqb '.total_gb * 100 | round / 100')" = "$(echo "$WANT" | sed 's/0*$//; s/\.$//')" ] ||
    fail "total_gb $(jqb .total_gb), want $WANT"
jqb '.used_gb <= .total_gb and .percent >= 0 and .percent <= 100' | grep -q true ||
    fail "figures: $BODY"
req GET /memory
expect_code 401 "memory without a key"
# The sampler is a child of the supervisor, and dies with it.
SAMPLER=$(pgrep -P "$DAEMON_PID" | while read -r p; do
	[ "$p" != "$(apid_pid)" ] && echo "$p"; done | head -n 1)
[ -n "$SAMPLER" ] || fail "no sampler process"
stop_daemon TERM
[ "$STATUS" = 0 ] || fail "exit status $STATUS"
gone() { ! kill -0 "$SAMPLER" 2>/dev/null; }
wait_until gone || fail "the sampler outlived the supervisor"
pass "GET /memory"
