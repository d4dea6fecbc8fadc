# lib.sh: shared by the integration tests: a private daemon on a free
# loopback port in a temporary directory, waits with deadlines, checks.
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
SOLAR_HOST=$top_builddir/supervisor/solar-host
SOLAR_HOST_APID=$top_builddir/apid/solar-host-apid
SOLAR_HOST_SAMPLER=$top_builddir/supervisor/solar-host-sampler
FREEPORT=$top_builddir/tests/helpers/freeport
HAMMER=$top_builddir/tests/helpers/hammer
FAKE=$top_builddir/tests/fake-llama-server
FIXTURES=${SOLAR_FIXTURES:-$top_srcdir/tests/fixtures}
export SOLAR_HOST_APID SOLAR_HOST_SAMPLER
# Deadlines are generous: the machines are small and the sanitizer build slow.
DEADLINE=${TEST_DEADLINE:-20}
KEY=test-key-0123456789
TESTNAME=$(basename "$0" .sh)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/solar-test.XXXXXX")
DAEMON_PID=
cleanup() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1

fail() {
	echo "FAIL: $TESTNAME: $*" >&2
	if [ -f "$TMP/stderr" ]; then
		echo "--- daemon stderr:" >&2
		tail -n 30 "$TMP/stderr" >&2
	fi
	exit 1
}

pass() {
	echo "ok: $TESTNAME: $*"
}

# wait_until CMD...: poll CMD until it succeeds or the deadline passes.
wait_until() {
	_end=$(( $(date +%s) + DEADLINE ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
	return 0
}

healthy() {
	curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/health"
}

# start_daemon [flags...]: settings come from the environment of the caller.
start_daemon() {
	PORT=${PORT:-$("$FREEPORT")}
	API_KEY=${API_KEY-$KEY} HOST=${HOST:-127.0.0.1} PORT=$PORT \
	    LLAMA_SERVER=${LLAMA_SERVER:-$FAKE} \
	    START_PORT=${START_PORT:-$(start_port)} \
	    "$SOLAR_HOST" -d "$@" 2>>"$TMP/stderr" &
	DAEMON_PID=$!
	wait_until healthy || fail "daemon did not serve /health on port $PORT"
}

# A base for instance ports that differs between concurrent tests.
start_port() {
	echo $(( 20000 + ($$ % 400) * 100 ))
}

# The API process is the supervisor's child that is not a llama-server.
apid_pid() {
	pgrep -P "$DAEMON_PID" -f solar-host-apid | head -n 1
}

# stop_daemon SIGNAL: send it and wait for the exit status (in $STATUS).
stop_daemon() {
	kill "-$1" "$DAEMON_PID"
	wait "$DAEMON_PID"
	STATUS=$?
	DAEMON_PID=
}

# req METHOD PATH [curl args...]: status in $CODE, body in $TMP/body,
# headers in $TMP/headers.
req() {
	_m=$1
	_p=$2
	shift 2
	CODE=$(curl -s -X "$_m" -o "$TMP/body" -D "$TMP/headers" \
	    -w '%{http_code}' --max-time 10 "$@" "http://127.0.0.1:$PORT$_p")
	BODY=$(cat "$TMP/body")
}

# header NAME: the value of a response header of the last req.
header() {
	tr -d '\r' <"$TMP/headers" | grep -i "^$1: " | head -n 1 |
	    sed 's/^[^:]*: //'
}

expect_code() {
	[ "$CODE" = "$1" ] || fail "$2: status $CODE, want $1 (body: $BODY)"
}

expect_body() {
	[ "$BODY" = "$1" ] || fail "$2: body '$BODY', want '$1'"
}

expect_header() {
	_got=$(header "$1")
	[ "$_got" = "$2" ] || fail "$3: header $1 is '$_got', want '$2'"
}

expect_no_header() {
	_got=$(header "$1")
	[ -z "$_got" ] || fail "$2: header $1 is '$_got', want none"
}

# api METHOD PATH [JSON]: an authenticated request with a JSON body.
api() {
	if [ $# -ge 3 ]; then
		req "$1" "$2" -H "X-API-Key: $KEY" \
		    -H "Content-Type: application/json" --data-binary "$3"
	else
		req "$1" "$2" -H "X-API-Key: $KEY"
	fi
}

# jqb FILTER: apply jq to the last body.
jqb() {
	printf '%s' "$BODY" | jq -r "$1"
}

# create ALIAS [extra JSON fields]: an instance of the fake; its id in $ID.
create() {
	api POST /instances '{"config":{"model":"'"${MODEL:-/m.gguf}"'","alias":"'"$1"'","api_key":"ik"'"${2:+,$2}"'}}'
	expect_code 200 "create $1"
	ID=$(jqb .instance.id)
}

# fake_model NAME=VALUE...: a model file whose options for the fake sit
# beside it (MODEL.fake, tests/fakeopts.c); its path in $MODEL.
fake_model() {
	_nfake=$(( ${_nfake:-0} + 1 ))
	mkdir -p "$TMP/models"
	MODEL=$TMP/models/fake$_nfake.gguf
	: >"$MODEL"
	: >"$MODEL.fake"
	for _o in "$@"; do
		printf '%s\n' "$_o" >>"$MODEL.fake"
	done
}

# create_fake ALIAS 'NAME=VALUE ...' [extra JSON fields]: create with a
# model file that steers the fake.
create_fake() {
	_cf_alias=$1
	# shellcheck disable=SC2086
	fake_model $2
	shift 2
	create "$_cf_alias" "$@"
	MODEL=
}

# status_is ID STATUS: for wait_until.
status_is() {
	[ "$(curl -s -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/instances/$1" |
	    jq -r .status)" = "$2" ]
}

field() {
	curl -s -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/instances/$1" |
	    jq -r "$2"
}
