#!/bin/sh
# faults.sh: apid killed with requests in flight; config.json that cannot
# be written, also for a start; LOG_DIR on a full file system; a child that
# floods its output; a child that writes 50 MB without a newline (bounded
# memory, log files rotated at LOG_FILE_MAX_MB, lines cut at 16 KiB).
. "$(dirname "$0")/lib.sh"
WS=$top_builddir/tests/helpers/wsclient

# --- apid killed while requests are in flight --------------------------
STOP_TIMEOUT_S=3 start_daemon
create steady
api POST "/instances/$ID/start"
STEADY=$ID
SPID=$(jqb .instance.pid)
create_fake stubborn FAKE_IGNORE_TERM=1
api POST "/instances/$ID/start"
STUB=$ID
curl -s -o /dev/null -X POST -H "X-API-Key: $KEY" \
    "http://127.0.0.1:$PORT/instances/$STUB/stop" &
CURL=$!
wait_until status_is "$STUB" stopping || fail "never stopping"
OLD=$(apid_pid)
kill -KILL "$OLD"
wait "$CURL" 2>/dev/null
new_apid() { _n=$(apid_pid); [ -n "$_n" ] && [ "$_n" != "$OLD" ] && healthy; }
wait_until new_apid || fail "no new API process"
wait_until status_is "$STUB" stopped || fail "the stop in flight did not finish"
[ "$(field "$STEADY" .pid)" = "$SPID" ] || fail "the running instance was touched"
kill -0 "$SPID" || fail "the running child died"
stop_daemon TERM
pass "apid killed with a request in flight"

# --- config.json that cannot be written: 500 and nothing changes -------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	D=$TMP/ro
	chmod 755 "$TMP"
	mkdir "$D"
	chown nobody "$D"
	PORT=
	CONFIG_FILE=$D/config.json LOG_DIR=$D/logs start_daemon -u nobody
	create keep
	KEEP=$ID
	cp "$D/config.json" "$TMP/cfg.before"
	api GET /instances
	LIST=$BODY
	chmod 555 "$D"
	api POST /instances '{"config":{"model":"m","alias":"new","api_key":"k"}}'
	expect_code 500 "create with config.json unwritable"
	case $BODY in *"config.json"*) ;; *) fail "500 body: $BODY" ;; esac
	api PUT "/instances/$KEEP" '{"config":{"model":"m2","alias":"changed","api_key":"k"}}'
	expect_code 500 "update with config.json unwritable"
	api DELETE "/instances/$KEEP"
	expect_code 500 "delete with config.json unwritable"
	api GET /instances
	[ "$BODY" = "$LIST" ] || fail "the instances changed: $BODY, was $LIST"
	cmp "$D/config.json" "$TMP/cfg.before" || fail "config.json changed"
	chmod 755 "$D"
	api POST /instances '{"config":{"model":"m","alias":"later","api_key":"k"}}'
	expect_code 200 "create once config.json is writable again"
	stop_daemon TERM
	pass "config.json unwritable: 500, nothing changed"
else
	echo "not root or no user nobody: the unwritable config.json case is skipped"
fi

# --- a start that cannot be saved: 500, nothing runs, nothing retried ---
# SOLAR_HOST_FAULT=store-fail: every save fails while config.json.fail is
# there (store.c), root or not.
if "$SOLAR_HOST" -V | grep -q "test hooks"; then
	N=$TMP/nosave
	mkdir "$N"
	PORT=
	MAX_RETRIES=3 CONFIG_FILE=$N/config.json LOG_DIR=$N/logs \
	    SOLAR_HOST_FAULT=store-fail start_daemon
	create_fake unsaved "FAKE_RECORD=$N/ran"
	U=$ID
	api GET "/instances/$U"
	BEFORE=$BODY
	: >"$N/config.json.fail"
	api POST "/instances/$U/start"
	expect_code 500 "start that cannot be saved"
	case $BODY in *"config.json"*) ;; *) fail "500 body: $BODY" ;; esac
	a_child() {
		[ -e "$N/ran" ] || ls "$N"/logs/unsaved_*.log ||
		    pgrep -P "$DAEMON_PID" -f -- "--alias unsaved( |\$)"
	}
	a_child >/dev/null 2>&1 && fail "a child of the unsaved start exists"
	api GET "/instances/$U"
	[ "$BODY" = "$BEFORE" ] || fail "the instance changed: $BODY, was $BEFORE"
	[ "$(jqb '.status,.pid,.port' | tr '\n' ' ')" = "stopped null null " ] ||
	    fail "not stopped with pid and port null: $BODY"
	# Three retry intervals and more: no attempt may come.
	DEADLINE=4 wait_until a_child && fail "the unsaved start was retried"
	[ "$BODY" = "$(curl -s -H "X-API-Key: $KEY" \
	    "http://127.0.0.1:$PORT/instances/$U")" ] || fail "changed later"
	rm "$N/config.json.fail"
	api POST "/instances/$U/start"
	expect_code 200 "start once saving works again"
	[ "$(jqb .instance.status)" = running ] || fail "not running: $BODY"
	# A crash while saving fails: the automatic restart waits for a store
	# that can record it.
	create_fake crasher FAKE_EXIT_AFTER_MS=1500
	C=$ID
	api POST "/instances/$C/start"
	expect_code 200 "crasher start"
	: >"$N/config.json.fail"
	wait_until status_is "$C" failed || fail "the crasher never crashed"
	starts() {
		[ "$(grep -c "(crasher): started pid" "$TMP/stderr")" -ge "$1" ]
	}
	DEADLINE=4 wait_until starts 2 && fail "restarted though it cannot be saved"
	[ "$(field "$C" .pid)" = null ] ||
	    fail "a pid while failed: $(field "$C" .pid)"
	rm "$N/config.json.fail"
	wait_until starts 2 || fail "no restart once saving works again"
	stop_daemon TERM
	pass "unsaved start: 500, no child, no retry; restarts wait for saving"
else
	echo "built without test hooks: the unsaved start case is skipped"
fi

# --- a child that writes 100 MB as fast as it can ----------------------
PORT=
start_daemon
create_fake flood FAKE_LINES=1100000
api POST "/instances/$ID/start"
expect_code 200 "flood start"
wait_until status_is "$ID" running || fail "the flooding child never ran"
# The API answers promptly all along.
SLOW=0
# Rotated at 100 MiB: the pieces count too.
big() { [ "$(find logs -name 'flood_*' -printf '%s\n' | awk '{ t += $1 } END { print t + 0 }')" -ge 100000000 ]; }
END=$(( $(date +%s) + 120 ))
while ! big; do
	[ "$(date +%s)" -lt "$END" ] || fail "the flood did not reach the log file in time"
	T=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "http://127.0.0.1:$PORT/health")
	awk -v t="$T" 'BEGIN { exit !(t > 1.0) }' && SLOW=$((SLOW + 1))
done
# Timing means little under AddressSanitizer: not judged there.
if ! ldd "$SOLAR_HOST" | grep -q libasan; then
	[ "$SLOW" -le 2 ] || fail "/health took over a second $SLOW times during the flood"
fi
api GET "/instances/$ID"
[ "$(jqb .status)" = running ] || fail "the flooding child is not running: $BODY"
stop_daemon TERM
pass "100 MB of output: the child never blocks, the API never stalls"

# --- 50 MB without a newline, then lots of lines, into 1 MiB log files --
# No file in LOG_DIR ever passes 1 MiB, at most 2 rotated pieces remain
# beside the file, the supervisor's memory stays bounded (it took 125 MB
# when a partial line could fill the ring), the files are not
# world-readable, and the API gets the long line in marked pieces.
PORT=
RL=$TMP/rotlogs
LOG_DIR=$RL LOG_FILE_MAX_MB=1 LOG_FILE_KEEP=2 start_daemon
create_fake huge 'FAKE_NONL_BYTES=50000000 FAKE_NONL_END=1 FAKE_LINES=30000 FAKE_LINE_BATCH=500'
HUGE=$ID
api POST "/instances/$HUGE/start"
expect_code 200 "start of the long-line writer"
# The peak: the daemon was started for this case.
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
largest() { find "$RL" -type f -printf '%s\n' | sort -n | tail -n 1; }
done_huge() { grep -q "fake line 29999 " "$RL"/huge_*.log; }
MAXFILE=0
END=$(( $(date +%s) + 120 ))
while ! done_huge; do
	[ "$(date +%s)" -lt "$END" ] || fail "the long line and the lines after it never reached the log"
	F=$(largest)
	[ -n "$F" ] && [ "$F" -gt "$MAXFILE" ] && MAXFILE=$F
	sleep 0.05
done
F=$(largest)
[ "$F" -gt "$MAXFILE" ] && MAXFILE=$F
MAXRSS=$(hwm_kb)
[ "$MAXFILE" -le 1048576 ] || fail "a log file reached $MAXFILE bytes, over LOG_FILE_MAX_MB=1"
ls "$RL" >"$TMP/logs.list"
NFILES=$(grep -c '^huge_' "$TMP/logs.list")
[ "$NFILES" = 3 ] || fail "want huge_T.log, .1 and .2: $(cat "$TMP/logs.list")"
grep '^huge_' "$TMP/logs.list" | grep -Eqv '^huge_[0-9]+\.log(\.[12])?$' &&
    fail "unexpected names: $(cat "$TMP/logs.list")"
MODE=$(stat -c %a "$RL"/huge_*.log)
case $MODE in *[1-7]) fail "log file mode $MODE: readable by others" ;; esac
if ! ldd "$SOLAR_HOST" | grep -q libasan; then
	[ "$MAXRSS" -lt 32768 ] || fail "the supervisor reached $MAXRSS kB during a 50 MB line"
fi
echo "supervisor's peak RSS (VmHWM) after the 50 MB line: $MAXRSS kB; largest file $MAXFILE bytes"
api GET "/instances/$HUGE"
[ "$(jqb .status)" = running ] || fail "the long-line writer is not running: $BODY"

# A line of 100,000 bytes: 7 pieces of at most 16 KiB, marked, which
# joined give the line back.
create_fake pieces 'FAKE_NONL_BYTES=100000 FAKE_NONL_END=1 FAKE_LINES=1'
api POST "/instances/$ID/start"
wait_until grep -q "fake line 0 " "$RL"/pieces_*.log || fail "no line after the long one"
"$WS" -k "$KEY" -n 12 -t 20 "$PORT" "/instances/$ID/logs?since=0" >"$TMP/pieces.ws" ||
    fail "history of the long line: $(tail -c 300 "$TMP/pieces.ws")"
jq -r .line "$TMP/pieces.ws" | sed -n '5,11p' >"$TMP/pieces"
LC_ALL=C awk '
	{ if (length($0) > 16384) bad = bad " long:" NR }
	NR == 1 && !/^n+ \342\200\246$/ { bad = bad " first" }
	NR > 1 && NR < 7 && !/^\342\200\246 n+ \342\200\246$/ { bad = bad " mid:" NR }
	NR == 7 && !/^\342\200\246 n+$/ { bad = bad " last" }
	{ gsub(/[^n]/, ""); total += length($0) }
	END { if (NR != 7 || total != 100000 || bad != "") {
		print NR, total, bad; exit 1 } }' "$TMP/pieces" ||
    fail "pieces of the long line: $(LC_ALL=C awk '{ print length($0) }' "$TMP/pieces" | tr '\n' ' ')"
stop_daemon TERM
pass "50 MB without a newline: bounded memory, 1 MiB files, 2 kept, marked pieces"

# --- LOG_DIR on a full file system --------------------------------------
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "cannot make a private mount namespace: the full-disk case is skipped"
	exit 0
fi
mkdir "$TMP/full"
PORT=$("$FREEPORT")
API_KEY=$KEY HOST=127.0.0.1 PORT=$PORT LLAMA_SERVER=$FAKE \
    START_PORT=$(start_port) LOG_DIR=$TMP/full \
    CONFIG_FILE=$TMP/full-config.json \
    unshare -m --propagation private sh -c '
	mount -t tmpfs -o size=256k tmpfs "$1" &&
	head -c 200k /dev/zero >"$1/filler" &&
	exec "$2" -d' sh "$TMP/full" "$SOLAR_HOST" 2>>"$TMP/stderr" &
DAEMON_PID=$!
wait_until healthy || fail "daemon in a mount namespace did not start"
create_fake filler 'FAKE_LINES=30000 FAKE_LINE_MS=1 FAKE_LINE_BATCH=2'
FID=$ID
# 30000 lines and the fake's 4 lines of start-up.
"$WS" -k "$KEY" -n 30004 -t 90 "$PORT" "/instances/$FID/logs?since=0" >"$TMP/full.ws" &
WSP=$!
api POST "/instances/$FID/start"
full() { grep -q "cannot write .*filler_.*No space left" "$TMP/stderr"; }
wait_until full || fail "the full disk was not reported: $(tail -3 "$TMP/stderr")"
api GET "/instances/$FID"
[ "$(jqb .status)" = running ] || fail "the child stopped on a full disk: $BODY"
nsenter -t "$DAEMON_PID" -m rm -f "$TMP/full/filler" || fail "cannot free space"
recovered() { grep -q "filler_.*can be written again" "$TMP/stderr"; }
wait_until recovered || fail "no recovery once space returned"
wait "$WSP" 2>/dev/null
[ "$(grep -c '"line":"fake line' "$TMP/full.ws")" = 30000 ] ||
    fail "lines lost for the WebSocket client: $(grep -c '"line":"fake line' "$TMP/full.ws") of 30000"
stop_daemon TERM
pass "full LOG_DIR: children run, clients get every line, writing resumes"
