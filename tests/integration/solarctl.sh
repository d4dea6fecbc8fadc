#!/bin/sh
# solarctl.sh: the command-line client against the real daemon: every
# command, its table and its --json (the server's body as it came), the
# exit statuses (2 usage, 3 API, 4 connection), where the URL and key come
# from, and logs over the WebSocket: the history, --since, and -f with
# live lines until SIGINT, the instance's deletion or the daemon's end.
. "$(dirname "$0")/lib.sh"
CTL=$top_builddir/solarctl/solarctl
[ -x "$CTL" ] || fail "$CTL is not built"
ALLOW_EXTRA_ARGS=true start_daemon

SOLAR_HOST_URL=http://127.0.0.1:$PORT
SOLAR_HOST_API_KEY=$KEY
export SOLAR_HOST_URL SOLAR_HOST_API_KEY

# ctl ARGS...: stdout in $OUT, stderr in $ERR, exit status in $RC.
ctl() {
	timeout -s KILL "$DEADLINE" "$CTL" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

expect_rc() {
	[ "$RC" = "$1" ] ||
	    fail "$2: exit status $RC, want $1 (stdout: $OUT) (stderr: $ERR)"
}

expect_err() {
	[ "$ERR" = "$1" ] || fail "$2: stderr '$ERR', want '$1'"
}

# outj FILTER: jq on the last stdout.
outj() {
	printf '%s' "$OUT" | jq -r "$1"
}

# jqc FILTER TEXT: compact jq output.
jqc() {
	printf '%s' "$2" | jq -c "$1"
}

# --json prints the body as the server sent it: compare with curl's.
same_as_api() {
	api GET "$1"
	[ "$OUT" = "$BODY" ] || fail "$2: --json printed '$OUT', the API said '$BODY'"
}

# --- usage errors: 2, and the usage line is the man page's SYNOPSIS ----
USAGE='usage: solarctl [--json] [--key key | --key-file file] [--settings file] [--timeout seconds] [--url url] command [argument ...]'
ctl
expect_rc 2 "no command"
[ "$ERR" = "$USAGE" ] || fail "usage line: $ERR"
if command -v mandoc >/dev/null 2>&1; then
	SYN=$(mandoc -Tascii -O width=200 "$top_srcdir/man/solarctl.1" | col -bx |
	    sed -n '/^SYNOPSIS/,/^[A-Z]/p' | sed -n 2p |
	    sed 's/^[[:space:]]*//; s/[[:space:]][[:space:]]*/ /g')
	[ "usage: $SYN" = "$USAGE" ] || fail "SYNOPSIS '$SYN' is not the usage line"
fi
ctl --help
expect_rc 0 "--help"
echo "$OUT" | grep -q '^  logs \[-f\] \[--since seq\] instance$' || fail "--help: $OUT"
ctl -V
expect_rc 0 "-V"
echo "$OUT" | grep -Eq '^solarctl [0-9]' || fail "-V: $OUT"
ctl frobnicate
expect_rc 2 "unknown command"
ctl --frobnicate list
expect_rc 2 "unknown flag"
expect_err "solarctl: --frobnicate: unknown flag
$USAGE" "unknown flag"
ctl list extra
expect_rc 2 "an argument too many"
expect_err "usage: solarctl list" "an argument too many"
ctl get
expect_rc 2 "no instance named"
ctl list --model /m.gguf
expect_rc 2 "a config flag on list"
ctl get x --since 3
expect_rc 2 "--since on get"
ctl logs --since -1 x
expect_rc 2 "--since -1"
ctl --timeout 0 list
expect_rc 2 "--timeout 0"
ctl list --url
expect_rc 2 "--url without a value"
ctl --url ftp://127.0.0.1/ list
expect_rc 2 "an ftp URL"
ctl update x
expect_rc 2 "update with nothing to change"
pass "usage errors"

# --- health and memory ---------------------------------------------------
ctl health
expect_rc 0 "health"
echo "$OUT" | grep -Eq '^status +healthy$' || fail "health table: $OUT"
ctl --json health
expect_rc 0 "health --json"
same_as_api /health "health --json"
# Public: no key at all is fine.
SOLAR_HOST_API_KEY= ctl health
expect_rc 0 "health without a key"

has_memory() { ctl memory --json; [ "$RC" = 0 ]; }
wait_until has_memory || fail "memory: $RC $OUT $ERR"
[ "$(outj 'keys_unsorted | join(",")')" = "used_gb,total_gb,percent,memory_type" ] ||
    fail "memory --json: $OUT"
ctl memory
expect_rc 0 "memory"
echo "$OUT" | grep -Eq '^memory_type +(RAM|VRAM)$' || fail "memory table: $OUT"
echo "$OUT" | grep -Eq '^total_gb +[0-9.]+$' || fail "memory table: $OUT"
pass "health, memory"

# --- create ---------------------------------------------------------------
ctl list
expect_rc 0 "empty list"
[ "$(echo "$OUT" | tr -s ' ')" = "ID ALIAS STATUS PORT PID RETRIES UPTIME ERROR" ] ||
    fail "empty list: $OUT"
ctl --json list
same_as_api /instances "empty list --json"
[ "$OUT" = "[]" ] || fail "empty list --json: $OUT"

# The fake prints lines as told in a file beside its model.
fake_model FAKE_LINES=30
M=$MODEL
MODEL=
ctl create --model "$M" --alias "llama-3:8b" --api-key ik --threads 4 \
    --ctx-size 1_024 --temp 0.7 --top-p 0.9 --top-k 40 --min-p 0.05 \
    --n-gpu-layers 12 --host 127.0.0.1 --chat-template-file /t.jinja \
    --special --extra-arg --mlock --extra-arg "--x y" \
    --env GGML_FAKE=30 --env OMP_NUM_THREADS=2
expect_rc 0 "create"
api GET /instances
ID=$(jqb '.[0].id')
[ "$OUT" = "Instance $ID created successfully" ] || fail "create said: $OUT"
api GET "/instances/$ID"
[ "$(jqc .config "$BODY")" = '{"model":"'"$M"'","alias":"llama-3:8b","threads":4,"n_gpu_layers":12,"temp":0.7,"top_p":0.9,"top_k":40,"min_p":0.05,"ctx_size":1024,"chat_template_file":"/t.jinja","host":"127.0.0.1","port":null,"api_key":"ik","special":true,"extra_args":["--mlock","--x y"],"env":{"GGML_FAKE":"30","OMP_NUM_THREADS":"2"}}' ] ||
    fail "the config created from flags: $(jqc .config "$BODY")"

# From a file: a bare InstanceConfig, a request body, stdin; --json.
printf '{"model":"/f.gguf","alias":"from-file","api_key":"k2","thread":3}' >"$TMP/cfg.json"
ctl --json create --file "$TMP/cfg.json" --threads 2
expect_rc 0 "create --file"
FID=$(outj .instance.id)
[ "$(outj .message)" = "Instance $FID created successfully" ] || fail "create --json: $OUT"
[ "$(outj .instance.config.threads)" = 2 ] || fail "flags over the file: $OUT"
expect_err "solarctl: $TMP/cfg.json: unknown field \"thread\" ignored" "unknown field"
printf '{"config":{"model":"/s.gguf","alias":"stdin","api_key":"k3","port":"31999"}}' |
    timeout -s KILL "$DEADLINE" "$CTL" --json create --file - >"$TMP/out" 2>"$TMP/err" ||
    fail "create --file -: $(cat "$TMP/err")"
SID=$(jq -r .instance.id "$TMP/out")
[ "$(jq -r .instance.config.port "$TMP/out")" = 31999 ] || fail "create from stdin: $(cat "$TMP/out")"

# Refused before sending: 2, field by field, nothing created.
ctl create --model /m.gguf --alias bad --api-key k --threads many --temp hot
expect_rc 2 "invalid flags"
expect_err 'solarctl: invalid config: threads: Input should be a valid integer, unable to parse string as an integer (got "many")
solarctl: invalid config: temp: Input should be a valid number, unable to parse string as a number (got "hot")' "invalid flags"
ctl create --alias bad --api-key k
expect_rc 2 "no model"
expect_err "solarctl: invalid config: model: Field required" "no model"
ctl create --model /m.gguf --alias bad --api-key k --env LD_PRELOAD=/x.so
expect_rc 2 "a forbidden variable"
ctl create --model /m.gguf --alias bad --api-key k --env PYTHONPATH=/tmp
expect_rc 2 "a variable off the allowlist"
expect_err "solarctl: invalid config: env.PYTHONPATH: Value error, environment variable not allowed (got \"/tmp\")" "a variable off the allowlist"
ctl create --model /m.gguf --alias bad --api-key k --extra-arg --port=1
expect_rc 2 "a managed flag"
expect_err "solarctl: invalid config: extra_args[0]: Value error, flag --port is managed by solar-host (got \"--port=1\")" "a managed flag"
printf '{"config":' >"$TMP/bad.json"
ctl create --file "$TMP/bad.json"
expect_rc 2 "a file that is not JSON"
expect_err "solarctl: $TMP/bad.json:1:11: Expecting value" "a file that is not JSON"
ctl create --file "$TMP/nonexistent.json"
expect_rc 2 "a missing file"
api GET /instances
[ "$(jqb length)" = 3 ] || fail "a refused create created something: $BODY"
pass "create from flags, from a file, refused"

# --- list and get ---------------------------------------------------------
ctl list
expect_rc 0 "list"
[ "$(echo "$OUT" | wc -l)" = 4 ] || fail "list: $OUT"
echo "$OUT" | sed -n 2p | tr -s ' ' | grep -q "^$(echo "$ID" | cut -c1-8) llama-3:8b stopped - - 0 - -$" ||
    fail "list row: $(echo "$OUT" | sed -n 2p)"
ctl --json list
same_as_api /instances "list --json"
[ "$(outj 'map(.config.alias) | join(",")')" = "llama-3:8b,from-file,stdin" ] ||
    fail "list --json: $OUT"

for name in "$ID" "$(echo "$ID" | cut -c1-8)" "llama-3:8b"; do
	ctl --json get "$name"
	expect_rc 0 "get $name"
	same_as_api "/instances/$ID" "get $name --json"
done
ctl get llama-3:8b
expect_rc 0 "get"
echo "$OUT" | grep -Eq "^id +$ID$" || fail "get: $OUT"
echo "$OUT" | grep -Eq '^  temp +0.7$' || fail "get: the config: $OUT"
echo "$OUT" | grep -Eq "^  extra_args +--mlock '--x y'$" || fail "get: extra_args: $OUT"
echo "$OUT" | grep -Eq '^    GGML_FAKE +30$' || fail "get: env: $OUT"
echo "$OUT" | grep -Eq '^  api_key +\(hidden' || fail "get: api_key: $OUT"
echo "$OUT" | grep -q ' ik$' && fail "get printed the instance key: $OUT"

# Not found: the server's detail as it gave it, 3.
ctl get 00000000-0000-4000-8000-000000000000
expect_rc 3 "get of an unknown id"
expect_err "solarctl: Instance not found" "get of an unknown id"
ctl --json get 00000000-0000-4000-8000-000000000000
expect_rc 3 "get --json of an unknown id"
[ "$OUT" = '{"detail":"Instance not found"}' ] || fail "error body with --json: $OUT"
ctl get no-such-alias
expect_rc 3 "get of an unknown alias"
# Two instances with one alias: the name is ambiguous.
ctl create --model /m.gguf --alias twin --api-key k
expect_rc 0 "create twin"
ctl create --model /m.gguf --alias twin --api-key k
expect_rc 0 "create its twin"
ctl get twin
expect_rc 2 "an ambiguous alias"
pass "list, get, names"

# --- start, state, logs -------------------------------------------------
ctl start llama-3:8b
expect_rc 0 "start"
IPORT=$(field "$ID" .port)
[ "$OUT" = "Instance $ID started successfully: running on port $IPORT" ] ||
    fail "start said: $OUT"
ctl list
echo "$OUT" | grep "^$(echo "$ID" | cut -c1-8) " | tr -s ' ' |
    grep -Eq "^[0-9a-f]{8} llama-3:8b running $IPORT [0-9]+ 0 [0-9]+s -$" ||
    fail "list of a running instance: $OUT"

ctl state "$ID"
expect_rc 0 "state"
echo "$OUT" | grep -Eq '^phase +idle$' || fail "state: $OUT"
ctl --json state "$ID"
[ "$(outj '.instance_id + " " + .phase')" = "$ID idle" ] || fail "state --json: $OUT"

wait_until grep -q "fake line 29" logs/llama-3-8b_*.log || fail "the fake did not print"
# The history: every held line, then solarctl leaves by itself.
ctl --json logs llama-3:8b
expect_rc 0 "logs --json"
cp "$TMP/out" "$TMP/hist.json"
grep -q '"line":"fake line 29 ' "$TMP/hist.json" || fail "logs --json: $(tail -n 2 "$TMP/hist.json")"
jq -s '[.[].seq] as $s | $s[0] == 0 and
    ([range(1; $s | length)] | all(. as $i | $s[$i] == $s[$i - 1] + 1))' "$TMP/hist.json" |
    grep -q true || fail "history seqs: $(jq -c .seq "$TMP/hist.json" | tr '\n' ' ')"
NHIST=$(wc -l <"$TMP/hist.json")
ctl logs llama-3:8b
expect_rc 0 "logs"
[ "$(echo "$OUT" | wc -l)" = "$NHIST" ] || fail "logs printed $(echo "$OUT" | wc -l) lines, want $NHIST"
[ "$(echo "$OUT" | head -n 1)" = "$(head -n 1 "$TMP/hist.json" | jq -r '.timestamp + " " + .line')" ] ||
    fail "logs line form: $(echo "$OUT" | head -n 1)"
echo "$OUT" | grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+ ' &&
    fail "a line without its time stamp: $OUT"
# --since N: the held lines from N on.
SINCE=$((NHIST - 5))
ctl --json logs --since "$SINCE" "$ID"
expect_rc 0 "logs --since"
[ "$(echo "$OUT" | head -n 1 | jq .seq)" = "$SINCE" ] || fail "logs --since $SINCE: $OUT"
[ "$(echo "$OUT" | wc -l)" = 5 ] || fail "logs --since $SINCE: $OUT"
ctl logs 00000000-0000-4000-8000-000000000000
expect_rc 3 "logs of an unknown id"
expect_err "solarctl: Instance not found" "logs of an unknown id"
ctl --key wrong logs "$ID"
expect_rc 3 "logs with a wrong key"
expect_err "solarctl: Invalid or missing API key
solarctl: the key came from --key" "logs with a wrong key"
pass "start, state, logs history and --since"

# -f: live lines, nothing lost, until SIGINT (exit 0).
fake_model FAKE_LINES=300 FAKE_LINE_MS=5
ctl create --model "$MODEL" --alias live --api-key k
"$CTL" --json logs -f --since 0 live >"$TMP/follow.json" 2>"$TMP/follow.err" &
F1=$!
"$CTL" logs -f live >"$TMP/follow.txt" 2>"$TMP/follow2.err" &
F2=$!
sleep 1
ctl start live
expect_rc 0 "start live"
wait_until grep -q "fake line 299 " "$TMP/follow.json" ||
    fail "logs -f got no live lines: $(tail -n 2 "$TMP/follow.json") $(cat "$TMP/follow.err")"
wait_until grep -q "fake line 299 " "$TMP/follow.txt" ||
    fail "logs -f (text) got no live lines: $(tail -n 2 "$TMP/follow.txt")"
kill -INT "$F1"
wait "$F1"
[ $? = 0 ] || fail "logs -f after SIGINT: exit status not 0: $(cat "$TMP/follow.err")"
kill -TERM "$F2"
wait "$F2"
[ $? = 0 ] || fail "logs -f after SIGTERM: exit status not 0: $(cat "$TMP/follow2.err")"
jq -s '[.[].seq] as $s | $s[0] == 0 and
    ([range(1; $s | length)] | all(. as $i | $s[$i] == $s[$i - 1] + 1))' "$TMP/follow.json" |
    grep -q true || fail "live seqs: $(jq -c .seq "$TMP/follow.json" | tr '\n' ' ' | head -c 400)"
grep -q " fake line 150 " "$TMP/follow.txt" || fail "logs -f text: $(head -n 3 "$TMP/follow.txt")"
# -f with --since: held lines from there, then on.
LAST=$(tail -n 1 "$TMP/follow.json" | jq .seq)
"$CTL" --json logs -f --since "$((LAST - 2))" live >"$TMP/follow3.json" 2>&1 &
F3=$!
has_lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_until has_lines "$TMP/follow3.json" 3 || fail "logs -f --since: $(cat "$TMP/follow3.json")"
[ "$(head -n 1 "$TMP/follow3.json" | jq .seq)" = "$((LAST - 2))" ] ||
    fail "logs -f --since $((LAST - 2)): $(head -n 1 "$TMP/follow3.json")"
# The instance deleted: the server ends the stream (exit 0).
ctl stop live
expect_rc 0 "stop live"
ctl delete live
expect_rc 0 "delete live"
wait "$F3"
[ $? = 0 ] || fail "logs -f of a deleted instance: exit status not 0"
pass "logs -f: live lines, --since, SIGINT, SIGTERM, deletion"

# --- update, stop, restart, delete --------------------------------------
ctl update "$ID" --threads 8
expect_rc 3 "update while running"
expect_err "solarctl: Cannot update running instance. Stop it first." "update while running"
ctl delete "$ID"
expect_rc 3 "delete while running"
expect_err "solarctl: Cannot delete running instance. Stop it first." "delete while running"
ctl stop "$ID"
expect_rc 0 "stop"
[ "$OUT" = "Instance $ID stopped successfully: stopped" ] || fail "stop said: $OUT"
ctl --json stop "$ID"
[ "$(outj .instance.status)" = stopped ] || fail "stop --json: $OUT"

ctl update llama-3:8b --threads 8 --no-special --port 30001 --env GGML_NEW=1 \
    --env GGML_FAKE --chat-template-file ""
expect_rc 0 "update"
[ "$OUT" = "Instance $ID updated successfully" ] || fail "update said: $OUT"
api GET "/instances/$ID"
[ "$(jqc .config "$BODY")" = '{"model":"'"$M"'","alias":"llama-3:8b","threads":8,"n_gpu_layers":12,"temp":0.7,"top_p":0.9,"top_k":40,"min_p":0.05,"ctx_size":1024,"chat_template_file":null,"host":"127.0.0.1","port":30001,"api_key":"ik","special":false,"extra_args":["--mlock","--x y"],"env":{"OMP_NUM_THREADS":"2","GGML_NEW":"1"}}' ] ||
    fail "the config after update: $(jqc .config "$BODY")"
ctl --json update "$ID" --port auto --no-extra-args --no-env --temp 1
expect_rc 0 "update --json"
# The body as it came: the float as the server writes it (1.0).
echo "$OUT" | grep -Fq '"config":{"model":"'"$M"'","alias":"llama-3:8b","threads":8,"n_gpu_layers":12,"temp":1.0,"top_p":0.9,"top_k":40,"min_p":0.05,"ctx_size":1024,"chat_template_file":null,"host":"127.0.0.1","port":null,"api_key":"ik","special":false}' ||
    fail "update --json: $OUT"
# get --json, edited, back with --file.
ctl --json get "$ID"
printf '%s' "$OUT" | jq '.config.ctx_size = 4096' >"$TMP/inst.json"
ctl update "$ID" --file "$TMP/inst.json" --top-k 7
expect_rc 0 "update --file"
[ "$(field "$ID" '.config.ctx_size, .config.top_k' | tr '\n' ' ')" = "4096 7 " ] ||
    fail "update --file: $(field "$ID" .config)"
ctl update "$ID" --threads 0
expect_rc 2 "update refused before sending"
expect_err "solarctl: invalid config: threads: Input should be greater than or equal to 1 (got \"0\")" "update --threads 0"
[ "$(field "$ID" .config.threads)" = 8 ] || fail "a refused update changed threads"

ctl restart "$ID"
expect_rc 0 "restart"
[ "$OUT" = "Instance $ID restarted successfully: running on port $(field "$ID" .port)" ] ||
    fail "restart said: $OUT"
ctl --json restart "$ID"
[ "$(outj '.message + " " + .instance.status')" = "Instance $ID restarted successfully running" ] ||
    fail "restart --json: $OUT"
ctl --json start "$ID"
[ "$(outj .instance.status)" = running ] || fail "start --json: $OUT"
ctl stop "$ID"
ctl delete "$ID"
expect_rc 0 "delete"
[ "$OUT" = "Instance $ID deleted successfully" ] || fail "delete said: $OUT"
ctl --json delete "$FID"
[ "$(outj .message)" = "Instance $FID deleted successfully" ] || fail "delete --json: $OUT"
ctl get "$ID"
expect_rc 3 "get after delete"
pass "update, stop, restart, delete"

# --- where the URL and the key come from --------------------------------
ctl --key wrong list
expect_rc 3 "a wrong key"
expect_err "solarctl: Invalid or missing API key
solarctl: the key came from --key" "a wrong key"
ctl --key wrong --json list
[ "$OUT" = '{"detail":"Invalid or missing API key"}' ] || fail "a wrong key, --json: $OUT"
mkdir "$TMP/dotenv"
(
	cd "$TMP/dotenv" || exit 1
	unset SOLAR_HOST_URL SOLAR_HOST_API_KEY
	printf 'HOST=0.0.0.0\nPORT=%s\nexport api_key="%s"\nLOG_DIR=x\n' "$PORT" "$KEY" >.env
	ctl list
	expect_rc 0 ".env"
	printf 'HOST=0.0.0.0\nPORT=%s\nAPI_KEY=wrong\n' "$PORT" >.env
	ctl list
	expect_rc 3 "the key of .env"
	SOLAR_HOST_API_KEY=$KEY ctl list
	expect_rc 0 "SOLAR_HOST_API_KEY over .env"
	ctl --key "$KEY" list
	expect_rc 0 "--key over .env"
	SOLAR_HOST_URL=http://127.0.0.1:1 ctl --key "$KEY" --url "http://127.0.0.1:$PORT/" list
	expect_rc 0 "--url over SOLAR_HOST_URL"
	printf 'this is not a setting\n' >.env
	ctl list
	expect_rc 2 "a malformed .env"
	echo "$ERR" | grep -q '^solarctl: .env:1: ' || fail "a malformed .env: $ERR"

	# The key the daemon generated, where it keeps it.
	printf 'PORT=%s\n' "$PORT" >.env
	ctl list
	expect_rc 3 "no key anywhere"
	expect_err "solarctl: Invalid or missing API key
solarctl: no key found: looked in --key, SOLAR_HOST_API_KEY, API_KEY of .env and ./solar-host.key" "no key anywhere"
	printf '%s\n' "$KEY" >solar-host.key
	ctl list
	expect_rc 0 "./solar-host.key"
	printf 'wrong\n' >solar-host.key
	ctl list
	expect_rc 3 "a wrong ./solar-host.key"
	expect_err "solarctl: Invalid or missing API key
solarctl: the key came from the key file ./solar-host.key" "a wrong key file"
	printf 'PORT=%s\nAPI_KEY=%s\n' "$PORT" "$KEY" >.env
	ctl list
	expect_rc 0 "API_KEY of .env over the key file, as the daemon does"
	mkdir -p state
	printf '%s\n' "$KEY" >state/solar-host.key
	printf 'PORT=%s\nCONFIG_FILE=state/config.json\n' "$PORT" >other.env
	ctl --settings other.env list
	expect_rc 0 "the key file beside CONFIG_FILE of --settings"
	ctl --settings missing.env list
	expect_rc 2 "a missing --settings file"
	printf 'PORT=%s\n' "$PORT" >.env
	ctl --key-file state/solar-host.key list
	expect_rc 0 "--key-file"
	ctl --key-file nonexistent.key list
	expect_rc 2 "a missing --key-file"
	expect_err "solarctl: nonexistent.key: no such key file" "a missing --key-file"
	rm -f solar-host.key
) || exit 1
pass "URL and key from flags, environment, .env, key files"

# --- no answer: 4 ---------------------------------------------------------
CLOSED=$("$FREEPORT")
ctl --url "http://127.0.0.1:$CLOSED" list
expect_rc 4 "nothing listening"
expect_err "solarctl: cannot connect to http://127.0.0.1:$CLOSED: Connection refused" "nothing listening"
ctl --url "http://127.0.0.1:$CLOSED" logs 00000000-0000-4000-8000-000000000000
expect_rc 4 "logs with nothing listening"
# A stopped API process: the connection waits in the backlog, unanswered.
APID=$(apid_pid)
kill -STOP "$APID"
ctl --timeout 1 list
kill -CONT "$APID" 2>/dev/null
expect_rc 4 "no answer"
expect_err "solarctl: http://127.0.0.1:$PORT did not answer within 1 s" "no answer"
wait_until healthy || fail "the daemon did not recover"
# The daemon goes away under logs -f: 4.
ctl create --model /m.gguf --alias last --api-key k
ctl start last
expect_rc 0 "start for the last follower"
"$CTL" logs -f last >"$TMP/gone.out" 2>"$TMP/gone.err" &
F4=$!
# Following, not refused: the child's first lines came through.
wait_until test -s "$TMP/gone.out" || fail "logs -f last: $(cat "$TMP/gone.err")"
stop_daemon TERM
wait "$F4"
RC=$?
[ "$RC" = 4 ] || fail "logs -f when the daemon went away: exit status $RC ($(cat "$TMP/gone.err"))"
pass "connection failures"

# --- a 422 from the server: each entry as a line of its JSON ------------
ALLOW_EXTRA_ARGS=false start_daemon
ctl create --model /m.gguf --alias x --api-key k --extra-arg --mlock
expect_rc 3 "extra_args refused by the server"
[ "$(echo "$ERR" | wc -l)" = 1 ] || fail "422: $ERR"
echo "$ERR" | sed 's/^solarctl: //' | jq -e '.loc == ["body","config","extra_args"]' >/dev/null ||
    fail "422 entry: $ERR"
ctl --json create --model /m.gguf --alias x --api-key k --env GGML_A=b
expect_rc 3 "env refused by the server"
[ "$(outj '.detail[0].loc | join(".")')" = "body.config.env" ] || fail "422 --json: $OUT"
pass "validation errors of the server"
