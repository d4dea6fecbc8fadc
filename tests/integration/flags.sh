#!/bin/sh
# flags.sh: -V, -n, -f, usage, settings precedence, apid refusing to be
# started by hand.
. "$(dirname "$0")/lib.sh"

OUT=$("$SOLAR_HOST" -V) || fail "-V failed"
case $OUT in "solar-host "[0-9]*) ;; *) fail "-V printed '$OUT'" ;; esac

"$SOLAR_HOST" -Z 2>"$TMP/err" && fail "-Z accepted"
grep -q "^usage: solar-host \[-dnVv\] \[-f file\] \[-s stop | status | reload\] \[-u user\]$" "$TMP/err" ||
    fail "usage: $(cat "$TMP/err")"
"$SOLAR_HOST" extra 2>/dev/null && fail "an operand was accepted"

# -n with good settings.
"$SOLAR_HOST" -n 2>"$TMP/err" || fail "-n with defaults: $(cat "$TMP/err")"
grep -q "configuration OK" "$TMP/err" || fail "-n said: $(cat "$TMP/err")"

# -n with a bad .env names the file and line.
printf '# comment\nPORT=8001\nPORT=http\n' >.env
"$SOLAR_HOST" -n 2>"$TMP/err" && fail "-n accepted PORT=http"
grep -q "^solar-host: .env:3: PORT" "$TMP/err" || fail "-n said: $(cat "$TMP/err")"
printf 'just words\n' >.env
"$SOLAR_HOST" -n 2>"$TMP/err" && fail "-n accepted a line without ="
grep -q ".env:1:" "$TMP/err" || fail "-n said: $(cat "$TMP/err")"
rm .env

# The environment is checked too.
PORT=0 "$SOLAR_HOST" -n 2>"$TMP/err" && fail "-n accepted PORT=0"
grep -q "PORT" "$TMP/err" || fail "-n said: $(cat "$TMP/err")"

# -f names a file that must exist; ./.env may be missing.
"$SOLAR_HOST" -n -f "$TMP/none.env" 2>"$TMP/err" && fail "-f of a missing file accepted"
grep -q "none.env" "$TMP/err" || fail "-f missing: $(cat "$TMP/err")"

# Unknown keys are warnings, not errors.
printf 'NOT_A_SETTING=1\n' >"$TMP/other.env"
"$SOLAR_HOST" -n -f "$TMP/other.env" 2>"$TMP/err" || fail "unknown key refused"
grep -q "other.env:1: unknown setting" "$TMP/err" || fail "no warning: $(cat "$TMP/err")"

# Precedence: .env over defaults (lower-case key), the environment over .env.
P1=$("$FREEPORT")
printf 'port=%s\nhost=127.0.0.1\napi_key="from-file"\n' "$P1" >.env
PORT=$P1
env -u API_KEY -u PORT -u HOST "$SOLAR_HOST" -d 2>"$TMP/stderr" &
DAEMON_PID=$!
wait_until healthy || fail "not serving on the .env port $P1"
req GET /nowhere -H "X-API-Key: from-file"
expect_code 404 "the key from .env"
stop_daemon TERM
P2=$("$FREEPORT")
PORT=$P2
env -u HOST API_KEY=from-env PORT=$P2 "$SOLAR_HOST" -d 2>"$TMP/stderr" &
DAEMON_PID=$!
wait_until healthy || fail "not serving on the environment's port $P2"
req GET /nowhere -H "X-API-Key: from-env"
expect_code 404 "the key from the environment"
req GET /nowhere -H "X-API-Key: from-file"
expect_code 401 "the key from .env after the environment overrode it"
stop_daemon TERM
rm .env

# The API program refuses to be started by hand.
"$SOLAR_HOST_APID" 2>"$TMP/err" && fail "apid started by hand"
grep -q "started by solar-host" "$TMP/err" || fail "apid said: $(cat "$TMP/err")"
"$SOLAR_HOST_APID" 3</dev/null 2>/dev/null && fail "apid accepted a file on fd 3"
# So does the sampler, which needs a pipe on fd 3.
"$SOLAR_HOST_SAMPLER" 5 2>"$TMP/err" && fail "the sampler started by hand"
grep -q "started by solar-host" "$TMP/err" || fail "the sampler said: $(cat "$TMP/err")"
"$SOLAR_HOST_SAMPLER" 5 3</dev/null 2>/dev/null && fail "the sampler accepted a file on fd 3"

# ps tells the three apart: pgrep -x solar-host finds the supervisor only.
start_daemon
sampler_runs() { pgrep -x -P "$DAEMON_PID" solar-host-samp >/dev/null; }
wait_until sampler_runs ||
    fail "no solar-host-sampler under the supervisor: $(ps -o pid=,comm= --ppid "$DAEMON_PID")"
[ "$(pgrep -x solar-host | grep -c "^$DAEMON_PID$")" = 1 ] &&
    [ -z "$(pgrep -x solar-host -P "$DAEMON_PID")" ] ||
    fail "pgrep -x solar-host finds more than the supervisor: $(ps -o pid=,comm= --ppid "$DAEMON_PID")"
stop_daemon TERM

pass "flags, settings precedence, apid and the sampler refuse to start by hand, names in ps"
