#!/bin/sh
# keyfile.sh: without API_KEY a key is generated, stored with mode 0600
# next to config.json, its path (never the key) printed; reused next time.
. "$(dirname "$0")/lib.sh"

API_KEY= start_daemon
KEYFILE=$TMP/solar-host.key
[ -f "$KEYFILE" ] || fail "no key file at $KEYFILE"
MODE=$(stat -c %a "$KEYFILE")
[ "$MODE" = 600 ] || fail "key file mode $MODE, want 600"
GEN=$(cat "$KEYFILE")
[ ${#GEN} -ge 32 ] || fail "generated key too short: ${#GEN} characters"
grep -q "generated and stored in $(realpath "$TMP")/solar-host.key$" "$TMP/stderr" ||
    fail "key file path not printed: $(cat "$TMP/stderr")"
grep -qF "$GEN" "$TMP/stderr" && fail "the key itself was printed"

req GET /nowhere -H "X-API-Key: $GEN"
expect_code 404 "the generated key"
req GET /nowhere -H "X-API-Key: $KEY"
expect_code 401 "another key"
stop_daemon TERM

API_KEY= start_daemon
[ "$(cat "$KEYFILE")" = "$GEN" ] || fail "the key changed on the second start"
grep -q "read from .*solar-host.key" "$TMP/stderr" ||
    fail "second start did not say it read the key file"
req GET /nowhere -H "X-API-Key: $GEN"
expect_code 404 "the reused key"
stop_daemon TERM

# With CONFIG_FILE elsewhere the key lives beside it.
mkdir "$TMP/state"
CONFIG_FILE=$TMP/state/config.json API_KEY= start_daemon
[ -f "$TMP/state/solar-host.key" ] || fail "key not next to CONFIG_FILE"
stop_daemon TERM

# A key file others can read is refused.
chmod 644 "$KEYFILE"
API_KEY= HOST=127.0.0.1 PORT=$PORT "$SOLAR_HOST" -d 2>"$TMP/err"
RC=$?
[ "$RC" = 1 ] || fail "world-readable key file: status $RC, want 1"
grep -q "solar-host.key: readable by others" "$TMP/err" ||
    fail "world-readable key file message: $(cat "$TMP/err")"
pass "key file generated, 0600, reused, refused when readable by others"
