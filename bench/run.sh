#!/bin/sh
# run.sh: solar-host's benchmark suite (issue 6).  One command runs it all
# on 127.0.0.1 and prints a table: each figure, the baseline measured in
# the same run where there is one, their ratio, the target from the issue
# and PASS or MISS.  Every figure is the median of several runs (A B A B:
# baseline, then daemon, in turn).  See bench/README.md.
#
# usage: run.sh [-B builddir] [--quick] [--runs N] [--duration S]
#               [--log-seconds S] [--soak S] [--conns N] [--threads N]
#               [--only api,logs,lifecycle,memory,bigline,slowloris]
set -u

usage() {
	sed -n '8,10p' "$0" | sed 's/^# //' >&2
	exit 2
}

SRC=$(cd "$(dirname "$0")" && pwd)
BUILD=${top_builddir:-}
RUNS=5
DUR=5		# seconds of each wrk run
LOGSECS=10	# seconds of each log run (the issue: 10 s)
SOAK=600	# seconds of the soak (the issue: 10 minutes)
CONNS=50
THREADS=1
SAMPLES=20	# starts per run of the start figure
CREATES=1000
LORIS_TRIES=100	# fresh clients timed per slowloris run
ONLY=api,logs,lifecycle,memory,bigline,slowloris
# --quick first: flags given with it still win.
for _a in "$@"; do
	[ "$_a" = --quick ] && RUNS=3 DUR=2 LOGSECS=2 SOAK=30 SAMPLES=10 \
	    LORIS_TRIES=50
done
while [ $# -gt 0 ]; do
	case $1 in
	-B) BUILD=$2; shift ;;
	--quick) ;;
	--runs) RUNS=$2; shift ;;
	--duration) DUR=$2; shift ;;
	--log-seconds) LOGSECS=$2; shift ;;
	--soak) SOAK=$2; shift ;;
	--conns) CONNS=$2; shift ;;
	--threads) THREADS=$2; shift ;;
	--only) ONLY=$2; shift ;;
	*) usage ;;
	esac
	shift
done
if [ -z "$BUILD" ]; then
	if [ -x "$SRC/../supervisor/solar-host" ]; then
		BUILD=$(cd "$SRC/.." && pwd)
	else
		echo "run.sh: give the build tree with -B (or top_builddir=)" >&2
		exit 2
	fi
fi
BUILD=$(cd "$BUILD" && pwd)
SOLAR_HOST=$BUILD/supervisor/solar-host
SOLAR_HOST_APID=$BUILD/apid/solar-host-apid
SOLAR_HOST_SAMPLER=$BUILD/supervisor/solar-host-sampler
export SOLAR_HOST_APID SOLAR_HOST_SAMPLER
for f in "$SOLAR_HOST" "$SOLAR_HOST_APID" "$SOLAR_HOST_SAMPLER" "$BUILD/common/libcommon.a"; do
	[ -e "$f" ] || { echo "run.sh: $f is missing: build first" >&2; exit 2; }
done
# Only the API figures need wrk.
if case ",$ONLY," in *,api,*) true ;; *) false ;; esac &&
    ! command -v wrk >/dev/null 2>&1; then
	echo "run.sh: wrk is missing (Debian: apt-get install -y wrk)" >&2
	exit 2
fi

KEY=bench-key-0123456789
WORK=$(mktemp -d "${TMPDIR:-/tmp}/solar-bench.XXXXXX") || exit 2
PIDS=		# everything started in the background, to end on exit
RESULTS=$WORK/results
: >"$RESULTS"

cleanup() {
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() {
	echo "-- $*" >&2
}

# --- the bench programs: from the build tree, else built here ----------
BIN=$BUILD/bench
if ! [ -x "$BIN/limit" ] || ! [ -x "$BIN/fake" ] ||
    ! [ -x "$BIN/wsbench" ] || ! [ -x "$BIN/benchcli" ] ||
    ! [ -x "$BIN/loris" ]; then
	BIN=$WORK/bin
	mkdir -p "$BIN"
	CFLAGS_B="-std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra"
	EV=$(pkg-config --libs libevent_core 2>/dev/null || echo -levent_core)
	EVX=$(pkg-config --libs libevent_extra 2>/dev/null || echo -levent_extra)
	say "building the bench programs in $BIN"
	${CC:-cc} $CFLAGS_B -o "$BIN/fake" "$SRC/fake.c" &&
	${CC:-cc} $CFLAGS_B -o "$BIN/benchcli" "$SRC/benchcli.c" &&
	${CC:-cc} $CFLAGS_B -o "$BIN/loris" "$SRC/loris.c" &&
	${CC:-cc} $CFLAGS_B -o "$BIN/limit" "$SRC/limit.c" $EVX $EV &&
	${CC:-cc} $CFLAGS_B -I"$SRC/../common" -o "$BIN/wsbench" \
	    "$SRC/wsbench.c" "$BUILD/common/libcommon.a" -lwslay $EVX $EV \
	    -ljansson -lsodium -lbsd -lmd || exit 2
fi
FAKE=$BIN/fake
CLI=$BIN/benchcli
LORIS=$BIN/loris
WSB=$BIN/wsbench
LIMIT=$BIN/limit

# --- numbers ----------------------------------------------------------
# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: awk arithmetic, whole from 100 up, else 3 digits.
calc() {
	awk "BEGIN { v = $1; a = v < 0 ? -v : v;
	    if (a >= 100 || v == int(v)) printf \"%.0f\\n\", v;
	    else printf \"%.3g\\n\", v }"
}

# holds EXPR: 0 when the awk condition holds.
holds() {
	awk "BEGIN { exit !($1) }"
}

# kv KEY LINE [DEFAULT]: the value of KEY=... in a line of key=value
# words, or DEFAULT when it is not there.
kv() {
	_kv=$(printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1)
	printf '%s\n' "${_kv:-${3:-}}"
}

# row FIGURE VALUE BASELINE RATIO TARGET RESULT
row() {
	printf '%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$RESULTS"
	say "$1: $2 (baseline $3, ratio $4; target $5: $6)"
}

verdict() {
	if holds "$1"; then echo PASS; else echo MISS; fi
}

# --- daemons ----------------------------------------------------------
wait_health() {
	_end=$(( $(date +%s) + 20 ))
	while ! "$CLI" req -p "$1" /health >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.02
	done
}

# start_daemon DIR [VAR=VALUE...]: a private daemon in DIR; DPID, DPORT.
start_daemon() {
	_dir=$1
	shift
	mkdir -p "$_dir"
	DPORT=$("$CLI" freeport)
	(cd "$_dir" && exec env API_KEY=$KEY HOST=127.0.0.1 PORT=$DPORT \
	    LLAMA_SERVER="$FAKE" START_PORT=$(( 30000 + ($$ % 300) * 100 )) \
	    "$@" "$SOLAR_HOST" -d) 2>>"$_dir/stderr" &
	DPID=$!
	PIDS="$PIDS $DPID"
	if ! wait_health "$DPORT"; then
		echo "run.sh: the daemon did not start; $_dir/stderr:" >&2
		tail -n 20 "$_dir/stderr" >&2
		exit 1
	fi
}

stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	forget "$DPID"
}

# forget PID: a process reaped, no longer to be killed on exit.
forget() {
	_keep=
	for _q in $PIDS; do
		[ "$_q" = "$1" ] || _keep="$_keep $_q"
	done
	PIDS=$_keep
}

# api METHOD PATH [BODY]: the status on stdout, the body in $WORK/body.
api() {
	if [ $# -ge 3 ]; then
		"$CLI" req -p "$DPORT" -k "$KEY" -X "$1" -d "$3" \
		    -o "$WORK/body" "$2"
	else
		"$CLI" req -p "$DPORT" -k "$KEY" -X "$1" -o "$WORK/body" "$2"
	fi
}

# create ALIAS OPTJSON: a new instance's id in ID.  The fake's options go
# in a file beside its model (tests/fakeopts.c), one NAME=VALUE a line.
create() {
	mkdir -p "$WORK/models"
	printf '%s' "$2" | jq -r 'to_entries[] | "\(.key)=\(.value)"' \
	    >"$WORK/models/$1.gguf.fake"
	_c=$(api POST /instances '{"config":{"model":"'"$WORK/models/$1.gguf"'","alias":"'"$1"'","api_key":"ik"}}')
	[ "$_c" = 200 ] || { echo "run.sh: create: $_c $(cat "$WORK/body")" >&2; exit 1; }
	ID=$(sed 's/^{"instance":{"id":"\([^"]*\)".*/\1/' "$WORK/body")
}

# start ID: started and running; its pid in FPID.
start() {
	_c=$(api POST "/instances/$1/start")
	if [ "$_c" != 200 ] || ! grep -q '"status":"running"' "$WORK/body"; then
		echo "run.sh: start: $_c $(cat "$WORK/body")" >&2
		exit 1
	fi
	FPID=$(sed 's/.*"pid":\([0-9]*\).*/\1/' "$WORK/body")
}

stop_delete() {
	api POST "/instances/$1/stop" >/dev/null
	api DELETE "/instances/$1" >/dev/null
}

# --- the machine ------------------------------------------------------
echo "solar-host benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
echo "load: $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min)"
echo "runs: $RUNS per figure; wrk -t$THREADS -c$CONNS -d${DUR}s; log runs ${LOGSECS}s; soak ${SOAK}s; work dir $WORK"
echo "build: $BUILD"
echo

# --- API --------------------------------------------------------------
# wrk_run URL [wrk args...]: "rps p99_ms errors" of one run.
wrk_run() {
	_url=$1
	shift
	wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency \
	    -H "X-API-Key: $KEY" "$@" "$_url" 2>&1 | awk '
	    function ms(v) {
		if (v ~ /us$/) return v / 1000;
		if (v ~ /ms$/) return v + 0;
		if (v ~ /m$/) return v * 60000;
		if (v ~ /s$/) return v * 1000;
		return v;
	    }
	    $1 == "99%" { p99 = ms($2) }
	    $1 == "Requests/sec:" { rps = $2 }
	    /Non-2xx/ { err += $NF }
	    /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	    END { printf "%s %s %d\n", rps + 0, p99 + 0, err }'
}

# api_figure NAME PATH RPS_TARGET [wrk args...]: RUNS pairs, limit first.
api_figure() {
	_name=$1 _path=$2 _target=$3
	shift 3
	: >"$WORK/pairs"
	_i=1
	while [ $_i -le "$RUNS" ]; do
		_a=$(wrk_run "http://127.0.0.1:$LPORT$_path" "$@")
		_b=$(wrk_run "http://127.0.0.1:$DPORT$_path" "$@")
		say "$_name run $_i: limit $_a, solar-host $_b (req/s p99_ms errors)"
		echo "$_a $_b" >>"$WORK/pairs"
		_i=$((_i + 1))
	done
	# Columns: limit rps p99 errors, daemon rps p99 errors.
	for _colc in 1 2 4 5; do
		awk -v c=$_colc '{ print $c }' "$WORK/pairs" >"$WORK/col$_colc"
	done
	awk '{ print $4 / ($1 + 1e-9) }' "$WORK/pairs" >"$WORK/r.rps"
	awk '{ print $5 / ($2 + 1e-9) }' "$WORK/pairs" >"$WORK/r.p99"
	_err=$(awk '{ e += $3 + $6 } END { print e + 0 }' "$WORK/pairs")
	_rr=$(calc "$(median "$WORK/r.rps")")
	_rp=$(calc "$(median "$WORK/r.p99")")
	if [ -n "$_target" ]; then
		_t1=">= $_target" _v1=$(verdict "$_rr >= $_target")
		_t2="<= 1.5x" _v2=$(verdict "$_rp <= 1.5")
	else
		_t1=- _v1=- _t2=- _v2=-
	fi
	row "$_name req/s" "$(calc "$(median "$WORK/col4")")" \
	    "$(calc "$(median "$WORK/col1")")" "$_rr" "$_t1" "$_v1"
	row "$_name p99 ms" "$(calc "$(median "$WORK/col5")")" \
	    "$(calc "$(median "$WORK/col2")")" "$_rp" "$_t2" "$_v2"
	[ "$_err" = 0 ] || say "$_name: $_err errors or non-2xx answers in all"
}

bench_api() {
	say "API: a daemon with 100 instances, and the limit with its bodies"
	start_daemon "$WORK/api"
	_r=$("$CLI" creates -p "$DPORT" -k "$KEY" -n 100)
	[ "$(kv failed "$_r")" = 0 ] || { echo "run.sh: creates: $_r" >&2; exit 1; }
	api GET /health >/dev/null; cp "$WORK/body" "$WORK/b.health"
	api GET /instances >/dev/null; cp "$WORK/body" "$WORK/b.list"
	ONE=$(sed 's/^\[{"id":"\([^"]*\)".*/\1/' "$WORK/b.list")
	api GET "/instances/$ONE" >/dev/null; cp "$WORK/body" "$WORK/b.one"
	create cycle '{}'
	cp "$WORK/body" "$WORK/b.created"
	api DELETE "/instances/$ID" >/dev/null; cp "$WORK/body" "$WORK/b.deleted"
	say "bodies: /health $(wc -c <"$WORK/b.health") B, /instances $(wc -c <"$WORK/b.list") B, one $(wc -c <"$WORK/b.one") B"
	LPORT=$("$CLI" freeport)
	"$LIMIT" -p "$LPORT" "$WORK/b.health" "$WORK/b.list" "$WORK/b.one" \
	    "$WORK/b.created" "$WORK/b.deleted" &
	LPID=$!
	PIDS="$PIDS $LPID"
	wait_health "$LPORT" || { echo "run.sh: the limit did not start" >&2; exit 1; }
	# Warm both up.
	DUR0=$DUR
	DUR=1
	wrk_run "http://127.0.0.1:$LPORT/instances" >/dev/null
	wrk_run "http://127.0.0.1:$DPORT/instances" >/dev/null
	DUR=$DUR0
	api_figure "GET /health" /health 0.90
	api_figure "GET /instances (100)" /instances 0.80
	api_figure "GET /instances/{id}" "/instances/$ONE" 0.85
	api_figure "create+delete" /instances "" -s "$SRC/cycle.lua"
	kill -TERM "$LPID"
	wait "$LPID" 2>/dev/null
	forget "$LPID"
	stop_daemon
}

# --- logs -------------------------------------------------------------
wait_file() {
	_wf_n=0
	while ! [ -e "$1" ] && [ $_wf_n -lt 1000 ]; do
		sleep 0.01
		_wf_n=$((_wf_n + 1))
	done
	[ -e "$1" ]
}

# log_run RATE SECONDS INSTANCES CLIENTS: one run of the fake at RATE
# lines/s for SECONDS in each of INSTANCES instances with CLIENTS
# WebSocket clients each; wsbench's line in WSOUT, the fake's "done"
# line (of the first instance) in FDONE, B lines in the log files in
# FILELINES.
log_run() {
	_lr_lines=$(( $1 * $2 ))
	_lr_paths= _lr_fpids= _lr_ids=
	_lr_k=0
	while [ $_lr_k -lt "$3" ]; do
		create "r$1-$_lr_k" '{"BENCH_WAIT":"1","BENCH_LINES":"'$_lr_lines'","BENCH_RATE":"'$1'","BENCH_LEN":"100","BENCH_STATS":"'"$WORK/fstats$_lr_k"'"}'
		rm -f "$WORK/fstats$_lr_k"
		start "$ID"
		_lr_ids="$_lr_ids $ID"
		_lr_fpids="$_lr_fpids $FPID"
		_lr_paths="$_lr_paths /instances/$ID/logs"
		_lr_k=$((_lr_k + 1))
	done
	rm -f "$WORK/ready"
	"$WSB" -k "$KEY" -c "$4" -n "$_lr_lines" -t $(( $2 + 30 )) \
	    -r "$WORK/ready" "$DPORT" $_lr_paths >"$WORK/ws.out" 2>"$WORK/ws.err" &
	_lr_wp=$!
	if wait_file "$WORK/ready"; then
		for _lr_p in $_lr_fpids; do
			kill -USR1 "$_lr_p"
		done
	fi
	wait "$_lr_wp"
	WSOUT=$(cat "$WORK/ws.out")
	[ -s "$WORK/ws.err" ] && say "wsbench: $(cat "$WORK/ws.err")"
	# The fakes are done; the files hold what the supervisor read.
	_lr_n=0
	while ! grep -q '^done' "$WORK/fstats0" 2>/dev/null && [ $_lr_n -lt 500 ]; do
		sleep 0.02
		_lr_n=$((_lr_n + 1))
	done
	FDONE=$(cat "$WORK/fstats0" 2>/dev/null)
	for _lr_i in $_lr_ids; do
		stop_delete "$_lr_i"
	done
	# Rotated pieces (.log.N) count too.
	FILELINES=$(cat "$WORK"/logs/logs/r"$1"-*.log* 2>/dev/null | grep -c '^B ')
	rm -f "$WORK"/logs/logs/*.log*
}

# The floor: the fake's pipe read directly, as the supervisor reads it.
floor_run() {
	rm -f "$WORK/fifo"
	mkfifo "$WORK/fifo"
	"$WSB" -i -n $(( $1 * $2 )) -t $(( $2 + 30 )) <"$WORK/fifo" \
	    >"$WORK/ws.out" &
	_fl_wp=$!
	env BENCH_LINES=$(( $1 * $2 )) BENCH_RATE="$1" BENCH_LEN=100 \
	    "$FAKE" --host 127.0.0.1 --port "$("$CLI" freeport)" \
	    2>"$WORK/fifo" >/dev/null &
	_fl_fp=$!
	PIDS="$PIDS $_fl_fp"
	wait "$_fl_wp"
	kill -TERM "$_fl_fp"
	wait "$_fl_fp" 2>/dev/null
	forget "$_fl_fp"
	WSOUT=$(cat "$WORK/ws.out")
}

# rate_trial RATE: 0 when one instance sustains RATE lines/s of 100 bytes
# for LOGSECS into its log file and one WebSocket client, none lost.
rate_trial() {
	log_run "$1" "$LOGSECS" 1 1
	_rt_lost=$(kv lost "$WSOUT")
	_rt_dup=$(kv dup "$WSOUT")
	_rt_late=$(echo "$FDONE" | awk '{ print $4 / 1e6 }')
	_rt_slack=$(awk "BEGIN { s = $LOGSECS * 20; print (s > 100 ? s : 100) }")
	say "rate $1/s: ws lost ${_rt_lost:-?} dup ${_rt_dup:-?}, file $FILELINES of $(( $1 * LOGSECS )), fake ${_rt_late:-?} ms late (allowed $_rt_slack)"
	[ "${_rt_lost:-1}" = 0 ] && [ "${_rt_dup:-1}" = 0 ] &&
	    [ "$FILELINES" = $(( $1 * LOGSECS )) ] &&
	    holds "${_rt_late:-1e9} <= $_rt_slack"
}

RATES="25000 50000 100000 150000 200000 300000 400000 600000 800000 1000000"

bench_logs() {
	say "logs: latency at 1,000 lines/s, the pipe floor in turn"
	start_daemon "$WORK/logs"
	: >"$WORK/f50"; : >"$WORK/f99"; : >"$WORK/fmax"
	: >"$WORK/d50"; : >"$WORK/d99"; : >"$WORK/dmax"
	_lost=0
	_i=1
	while [ $_i -le "$RUNS" ]; do
		floor_run 1000 "$LOGSECS"
		say "floor run $_i: $WSOUT"
		kv p50_us "$WSOUT" >>"$WORK/f50"
		kv p99_us "$WSOUT" >>"$WORK/f99"
		kv max_us "$WSOUT" >>"$WORK/fmax"
		log_run 1000 "$LOGSECS" 1 1
		say "solar-host run $_i: $WSOUT"
		kv p50_us "$WSOUT" >>"$WORK/d50"
		kv p99_us "$WSOUT" >>"$WORK/d99"
		kv max_us "$WSOUT" >>"$WORK/dmax"
		_lost=$((_lost + $(kv lost "$WSOUT" 999999)))
		_i=$((_i + 1))
	done
	_v=$(calc "$(median "$WORK/d50") / 1000")
	row "log latency p50 ms (1,000/s)" "$_v" \
	    "$(calc "$(median "$WORK/f50") / 1000")" "-" "<= 0.3" \
	    "$(verdict "$_v <= 0.3")"
	_v=$(calc "$(median "$WORK/d99") / 1000")
	row "log latency p99 ms (1,000/s)" "$_v" \
	    "$(calc "$(median "$WORK/f99") / 1000")" "-" "<= 2" \
	    "$(verdict "$_v <= 2")"
	row "log latency max ms (1,000/s)" \
	    "$(calc "$(median "$WORK/dmax") / 1000")" \
	    "$(calc "$(median "$WORK/fmax") / 1000")" "-" "-" \
	    "$([ "$_lost" = 0 ] && echo "-" || echo "lost $_lost")"

	say "logs: the highest rate one instance sustains for ${LOGSECS}s"
	: >"$WORK/best"
	_i=1
	while [ $_i -le "$RUNS" ]; do
		_best=0
		if rate_trial 200000; then
			_best=200000
			for _r in $RATES; do
				[ "$_r" -le 200000 ] && continue
				rate_trial "$_r" || break
				_best=$_r
			done
		else
			for _r in $(echo "$RATES" | tr ' ' '\n' | sort -rn); do
				[ "$_r" -ge 200000 ] && continue
				if rate_trial "$_r"; then
					_best=$_r
					break
				fi
			done
		fi
		echo "$_best" >>"$WORK/best"
		say "rate run $_i: $_best lines/s"
		_i=$((_i + 1))
	done
	_v=$(median "$WORK/best")
	row "log rate, lines/s, none lost" "$_v" "-" "-" ">= 200000" \
	    "$(verdict "$_v >= 200000")"

	say "logs: 10 instances x 10 clients at 1,000 lines/s each"
	: >"$WORK/m99"
	_lost=0
	_i=1
	while [ $_i -le "$RUNS" ]; do
		log_run 1000 "$LOGSECS" 10 10
		say "10x10 run $_i: $WSOUT"
		kv p99_us "$WSOUT" >>"$WORK/m99"
		_lost=$((_lost + $(kv lost "$WSOUT" 999999) + $(kv dup "$WSOUT" 0)))
		_i=$((_i + 1))
	done
	row "10x10 at 1,000/s: lines lost" "$_lost" "-" "-" "0" \
	    "$(verdict "$_lost == 0")"
	row "10x10 at 1,000/s: latency p99 ms" \
	    "$(calc "$(median "$WORK/m99") / 1000")" "-" "-" "-" "-"
	stop_daemon
}

# --- lifecycle --------------------------------------------------------
bench_lifecycle() {
	say "lifecycle: POST .../start with a fake ready after 50 ms"
	start_daemon "$WORK/life"
	create life '{"BENCH_LOAD_MS":"50","BENCH_STATS":"'"$WORK/lstats"'"}'
	: >"$WORK/after"; : >"$WORK/total"
	_worst=0
	_i=1
	while [ $_i -le "$RUNS" ]; do
		_r=$("$CLI" start -p "$DPORT" -k "$KEY" -n "$SAMPLES" \
		    -s "$WORK/lstats" "$ID")
		say "start run $_i: $_r"
		kv after_ready_p50_ms "$_r" >>"$WORK/after"
		kv total_p50_ms "$_r" >>"$WORK/total"
		_m=$(kv after_ready_max_ms "$_r")
		holds "$_m > $_worst" && _worst=$_m
		_i=$((_i + 1))
	done
	_v=$(median "$WORK/after")
	row "start: answer after ready, ms" "$_v" "-" "-" "<= 20" \
	    "$(verdict "$_v <= 20")"
	row "start: worst answer after ready, ms" "$_worst" "-" "-" "-" "-"
	row "start: request to answer, ms" "$(median "$WORK/total")" "50" \
	    "-" "-" "-"
	stop_daemon

	say "lifecycle: $CREATES creates, one after the other"
	: >"$WORK/creates"
	_i=1
	while [ $_i -le "$RUNS" ]; do
		rm -rf "$WORK/many"
		start_daemon "$WORK/many"
		_r=$("$CLI" creates -p "$DPORT" -k "$KEY" -n "$CREATES")
		say "creates run $_i: $_r"
		kv ms "$_r" >>"$WORK/creates"
		stop_daemon
		_i=$((_i + 1))
	done
	_v=$(calc "$(median "$WORK/creates") / 1000")
	row "$CREATES creates, s" "$_v" "-" "-" "<= 10" "$(verdict "$_v <= 10")"

	say "lifecycle: start-up to /health, empty config.json and $CREATES instances in turn"
	: >"$WORK/up0"; : >"$WORK/up1"
	_i=1
	while [ $_i -le "$RUNS" ]; do
		for _which in 0 1; do
			rm -rf "$WORK/boot"
			mkdir -p "$WORK/boot"
			[ $_which = 1 ] && cp "$WORK/many/config.json" "$WORK/boot/"
			_port=$("$CLI" freeport)
			_r=$(cd "$WORK/boot" && "$CLI" startup -p "$_port" -- \
			    env API_KEY=$KEY HOST=127.0.0.1 PORT="$_port" \
			    LLAMA_SERVER="$FAKE" "$SOLAR_HOST" -d 2>>"$WORK/boot.err")
			kv ms "$_r" >>"$WORK/up$_which"
		done
		say "start-up run $_i: empty $(tail -n 1 "$WORK/up0") ms, $CREATES instances $(tail -n 1 "$WORK/up1") ms"
		_i=$((_i + 1))
	done
	_v=$(median "$WORK/up1")
	row "start-up to /health, $CREATES instances, ms" "$_v" \
	    "$(median "$WORK/up0")" "-" "<= 200" "$(verdict "$_v <= 200")"
}

# --- memory -----------------------------------------------------------
rss_total() {
	kv total "$("$CLI" rss "$DPID")"
}

bench_memory() {
	say "memory: idle"
	: >"$WORK/idle"
	_i=1
	while [ $_i -le "$RUNS" ]; do
		rm -rf "$WORK/idle.d"
		start_daemon "$WORK/idle.d"
		sleep 1
		_r=$("$CLI" rss "$DPID")
		say "idle run $_i: $_r"
		kv total "$_r" >>"$WORK/idle"
		stop_daemon
		_i=$((_i + 1))
	done
	_v=$(calc "$(median "$WORK/idle") / 1024")
	row "RSS idle, MiB" "$_v" "-" "-" "<= 6" "$(verdict "$_v <= 6")"

	say "memory: 100 instances with full rings (1,000 lines of 150 bytes)"
	start_daemon "$WORK/rings"
	_k=0
	while [ $_k -lt 100 ]; do
		create "ring$_k" '{"BENCH_LINES":"1000","BENCH_RATE":"100000","BENCH_LEN":"150"}'
		start "$ID"
		_k=$((_k + 1))
	done
	_n=0
	while [ "$(cat "$WORK"/rings/logs/*.log | grep -c '^B ')" -lt 100000 ] &&
	    [ $_n -lt 300 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	sleep 1
	_r=$("$CLI" rss "$DPID")
	say "100 full rings: $_r"
	_v=$(calc "$(kv total "$_r") / 1024")
	row "RSS, 100 instances, full rings, MiB" "$_v" "-" "-" "<= 30" \
	    "$(verdict "$_v <= 30")"
	stop_daemon

	# A tenth of it (3 s at least) lets the allocator settle first.
	_w=$(( SOAK / 10 ))
	[ $_w -lt 3 ] && _w=3
	say "memory: a soak of ${SOAK}s after ${_w}s of warm-up (create, start, WebSocket, stop, delete)"
	start_daemon "$WORK/soak"
	mkdir -p "$WORK/models"
	printf 'BENCH_LINES=300\nBENCH_RATE=100000\nBENCH_LEN=150\n' \
	    >"$WORK/models/soak.gguf.fake"
	_r=$("$CLI" soak -p "$DPORT" -k "$KEY" -P "$DPID" -s "$SOAK" -w "$_w" \
	    -L "$WORK/soak/logs" -m "$WORK/models/soak.gguf")
	say "soak: $_r"
	_a=$(kv rss_start_kb "$_r" 0)
	_b=$(kv rss_end_kb "$_r" 0)
	row "RSS soak start, MiB" "$(calc "$_a / 1024")" "-" "-" "-" "-"
	row "RSS soak half-way, MiB" "$(calc "$(kv rss_mid_kb "$_r" 0) / 1024")" \
	    "-" "-" "-" "-"
	row "RSS soak end ($(kv measured "$_r") cycles), MiB" \
	    "$(calc "$_b / 1024")" "-" "-" "growth <= 0.25" \
	    "$(verdict "$_b - $_a <= 256 && $(kv failed "$_r" 1) == 0")"
	stop_daemon
}

# --- memory bound: one runaway line and 256 stalled clients ----------
# bigline_run: one run; its peaks in kB appended to bl.sup, bl.apid,
# bl.total (supervisor + apid + sampler), the seconds the fake took to
# write the 50 MB to bl.secs.
bigline_run() {
	rm -rf "$WORK/bl.d" "$WORK/blstats" "$WORK/ready"
	start_daemon "$WORK/bl.d" WS_MAX_CLIENTS=256 WS_MAX_PER_INSTANCE=256
	create "bigline" '{"BENCH_WAIT":"1","BENCH_NONL":"50000000","BENCH_LINES":"0","BENCH_STATS":"'"$WORK/blstats"'"}'
	start "$ID"
	"$WSB" -S -k "$KEY" -c 256 -t 90 -r "$WORK/ready" "$DPORT" \
	    "/instances/$ID/logs" >/dev/null 2>"$WORK/ws.err" &
	_bl_wp=$!
	PIDS="$PIDS $_bl_wp"
	wait_file "$WORK/ready" ||
	    say "bigline: not every client connected: $(cat "$WORK/ws.err")"
	kill -USR1 "$FPID"
	_bl_s=0 _bl_a=0 _bl_t=0 _bl_n=0 _bl_after=0
	# Every 0.1 s while it writes and for 3 s after, 90 s at most.
	while [ $_bl_n -lt 900 ] && [ $_bl_after -lt 30 ]; do
		_bl_r=$("$CLI" rss "$DPID")
		_bl_1=$(kv supervisor "$_bl_r" 0)
		_bl_2=$(kv apid "$_bl_r" 0)
		_bl_3=$(( _bl_1 + _bl_2 + $(kv sampler "$_bl_r" 0) ))
		[ "$_bl_1" -gt "$_bl_s" ] && _bl_s=$_bl_1
		[ "$_bl_2" -gt "$_bl_a" ] && _bl_a=$_bl_2
		[ "$_bl_3" -gt "$_bl_t" ] && _bl_t=$_bl_3
		grep -q '^nonl' "$WORK/blstats" 2>/dev/null &&
		    _bl_after=$((_bl_after + 1))
		sleep 0.1
		_bl_n=$((_bl_n + 1))
	done
	say "bigline: peaks supervisor=${_bl_s} apid=${_bl_a} total=${_bl_t} kB; $(grep '^nonl' "$WORK/blstats" 2>/dev/null)"
	echo "$_bl_s" >>"$WORK/bl.sup"
	echo "$_bl_a" >>"$WORK/bl.apid"
	echo "$_bl_t" >>"$WORK/bl.total"
	awk '/^nonl/ { print $3 / 1e9 }' "$WORK/blstats" >>"$WORK/bl.secs"
	kill "$_bl_wp" 2>/dev/null
	wait "$_bl_wp" 2>/dev/null
	forget "$_bl_wp"
	stop_daemon
}

bench_bigline() {
	say "memory: a child writes 50 MB without a newline; 256 WebSocket clients of its log never read"
	: >"$WORK/bl.sup"
	: >"$WORK/bl.apid"
	: >"$WORK/bl.total"
	: >"$WORK/bl.secs"
	_i=1
	while [ $_i -le "$RUNS" ]; do
		bigline_run
		_i=$((_i + 1))
	done
	row "50 MB line, peak RSS supervisor, MiB" \
	    "$(calc "$(median "$WORK/bl.sup") / 1024")" "-" "-" "-" "-"
	row "50 MB line, peak RSS apid, MiB" \
	    "$(calc "$(median "$WORK/bl.apid") / 1024")" "-" "-" "-" "-"
	_v=$(calc "$(median "$WORK/bl.total") / 1024")
	row "50 MB line, peak RSS all, MiB" "$_v" "-" "-" "< 64" \
	    "$(verdict "$_v < 64")"
	row "50 MB line, seconds to drain" "$(median "$WORK/bl.secs")" "-" \
	    "-" "-" "-"
}

# --- slowloris ---------------------------------------------------------
# A fresh client's GET /health while 2,000 connections that send nothing
# and 200 that send a header byte a second are held against a daemon with
# the default settings (MAX_CONNECTIONS 512, HEADER_TIMEOUT_S 10), each
# opened again as soon as the daemon closes it; the baseline is the same
# client with nothing held.
bench_slowloris() {
	say "slowloris: a fresh GET /health, 2,000 idle and 200 slowloris connections held"
	start_daemon "$WORK/loris"
	: >"$WORK/l50"; : >"$WORK/l99"; : >"$WORK/lmax"; : >"$WORK/b50"
	_failed=0
	_i=1
	while [ $_i -le "$RUNS" ]; do
		_b=$("$LORIS" -p "$DPORT" -i 0 -s 0 -n "$LORIS_TRIES")
		_r=$("$LORIS" -p "$DPORT" -n "$LORIS_TRIES")
		say "slowloris run $_i: none held: $_b; held: $_r"
		kv p50_ms "$_b" >>"$WORK/b50"
		kv p50_ms "$_r" >>"$WORK/l50"
		kv p99_ms "$_r" >>"$WORK/l99"
		kv max_ms "$_r" >>"$WORK/lmax"
		_failed=$((_failed + $(kv failed "$_r" "$LORIS_TRIES")))
		_i=$((_i + 1))
	done
	row "slowloris: GET /health p50 ms" "$(calc "$(median "$WORK/l50")")" \
	    "$(calc "$(median "$WORK/b50")")" "-" "-" "-"
	_v=$(calc "$(median "$WORK/l99")")
	row "slowloris: GET /health p99 ms" "$_v" "-" "-" "<= 2000" \
	    "$(verdict "$_v <= 2000")"
	row "slowloris: GET /health max ms" "$(calc "$(median "$WORK/lmax")")" \
	    "-" "-" "-" "-"
	row "slowloris: tries not served in 10 s" "$_failed" "-" "-" "0" \
	    "$(verdict "$_failed == 0")"
	stop_daemon
}

T0=$(date +%s)
case ",$ONLY," in *,api,*) bench_api ;; esac
case ",$ONLY," in *,logs,*) bench_logs ;; esac
case ",$ONLY," in *,lifecycle,*) bench_lifecycle ;; esac
case ",$ONLY," in *,memory,*) bench_memory ;; esac
case ",$ONLY," in *,bigline,*) bench_bigline ;; esac
case ",$ONLY," in *,slowloris,*) bench_slowloris ;; esac

echo
awk -F'|' 'BEGIN {
	printf "%-40s %12s %12s %7s %14s  %s\n", "figure", "solar-host",
	    "baseline", "ratio", "target", "result"
    }
    { printf "%-40s %12s %12s %7s %14s  %s\n", $1, $2, $3, $4, $5, $6 }' \
    "$RESULTS"
echo
echo "baseline: the limit (bench/limit) for the API; the fake's pipe read directly for latency; an empty config.json for start-up"
echo "load after: $(cut -d ' ' -f 1-3 /proc/loadavg); took $(( $(date +%s) - T0 )) s"
grep -q '|MISS$' "$RESULTS" && exit 1
exit 0
