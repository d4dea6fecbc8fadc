#!/bin/sh
# hostile.sh: hostile input over HTTP: malformed request lines, huge and
# lying headers and bodies, absurd chunks, bad bytes and numbers in JSON,
# path tricks, forbidden names, unknown methods, and floods of connections.
# After each case the daemon answers, neither process was restarted, no
# process was left behind, the API process holds no more descriptors than
# before, and config.json is byte for byte unchanged unless the request
# was valid.  hostile_ws.sh reads the shared part (up to HOSTILE_LIB).
. "$(dirname "$0")/lib.sh"
RAW=$top_builddir/tests/helpers/rawsend
RAW_T=10		# seconds for one raw exchange
NCASES=0
VALID=

# raw TEXT [rawsend flags...]: send TEXT (rawsend decodes \r \n \0 \xNN).
# The answer goes to $TMP/out; $STATUSES lists the status codes in it in
# order, $STATUS is the first, $RBODY what follows the first blank line,
# and $RC is rawsend's exit status (0: the server closed, 3: still open).
raw() {
	_text=$1
	shift
	"$RAW" -t "$RAW_T" "$@" "$PORT" "$_text" >"$TMP/out"
	RC=$?
	raw_parse
}

# raw_file FILE [rawsend flags...]: the same with the bytes of FILE.
raw_file() {
	_file=$1
	shift
	"$RAW" -t "$RAW_T" -f "$_file" "$@" "$PORT" >"$TMP/out"
	RC=$?
	raw_parse
}

raw_parse() {
	case $RC in
	0|3) ;;
	*) fail "$CASE: rawsend failed ($RC)" ;;
	esac
	STATUSES=$(tr -d '\r' <"$TMP/out" |
	    grep -ao 'HTTP/1\.[01] [0-9][0-9][0-9]' | cut -d ' ' -f 2 |
	    tr '\n' ' ' | sed 's/ $//')
	STATUS=${STATUSES%% *}
	RBODY=$(tr -d '\r' <"$TMP/out" | sed '1,/^$/d')
}

answer() {
	head -c 300 "$TMP/out" | tr -d '\r' | tr '\n' '|'
}

# expect_status CODE...: the first answer's status is one of these ("" is
# no answer at all).
expect_status() {
	for _c in "$@"; do
		[ "$STATUS" = "$_c" ] && return 0
	done
	fail "$CASE: status '${STATUS}', want one of '$*' (answer: $(answer))"
}

expect_statuses() {
	[ "$STATUSES" = "$1" ] ||
	    fail "$CASE: statuses '$STATUSES', want '$1' (answer: $(answer))"
}

expect_rbody() {
	[ "$RBODY" = "$1" ] || fail "$CASE: body '$RBODY', want '$1'"
}

# The server ended the connection before rawsend's deadline.
expect_closed() {
	[ "$RC" = 0 ] || fail "$CASE: the connection was still open after $RAW_T s"
}

# expect_detail JQ: the 422 entries of the last api call satisfy JQ.
expect_detail() {
	[ "$CODE" = 422 ] || fail "$CASE: status $CODE, want 422 (body: $BODY)"
	printf '%s' "$BODY" | jq -e "$1" >/dev/null ||
	    fail "$CASE: body $BODY does not satisfy $1"
}

# post_file FILE [curl args...]: POST /instances with FILE as the body.
post_file() {
	_file=$1
	shift
	req POST /instances -H "X-API-Key: $KEY" \
	    -H "Content-Type: application/json" --data-binary @"$_file" "$@"
}

children() {
	pgrep -P "$DAEMON_PID" | sort -n | tr '\n' ' '
}

apid_fds() {
	ls "/proc/$APID/fd" 2>/dev/null | wc -l
}

fds_back() {
	[ "$(apid_fds)" -le $((BASEFDS + 2)) ]
}

two_children() {
	[ "$(pgrep -P "$DAEMON_PID" | wc -l)" -eq 2 ]
}

no_established() {
	[ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -eq 0 ]
}

# nofile_for N: a soft descriptor limit of at least N that a helper may
# raise itself to (at most 8192), or failure when the hard limit is lower.
nofile_for() {
	_hard=$(ulimit -H -n)
	if [ "$_hard" = unlimited ] || [ "$_hard" -gt 8192 ]; then
		_hard=8192
	fi
	[ "$_hard" -ge "$1" ] || return 1
	echo "$_hard"
}

# hostile_start: the daemon, and what after_case compares with.
hostile_start() {
	# Short, so that connections left hanging on purpose end soon.
	HTTP_TIMEOUT_S=2 ALLOW_EXTRA_ARGS=true start_daemon
	wait_until test -f config.json || fail "no config.json"
	cp config.json "$TMP/config.saved"
	APID=$(apid_pid)
	[ -n "$APID" ] || fail "no API process"
	wait_until two_children ||
	    fail "want two children (API process, memory sampler): $(children)"
	CHILDREN=$(children)
	healthy || fail "not serving"
	if ls "/proc/$APID/fd" >/dev/null 2>&1; then
		BASEFDS=$(apid_fds)
	else
		BASEFDS=
		echo "note: /proc/$APID/fd unreadable, descriptors not counted"
	fi
}

# after_case NAME: the daemon survived NAME unharmed.
after_case() {
	wait_until healthy || fail "$1: /health no longer answers"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "$1: the supervisor is gone"
	[ "$(apid_pid)" = "$APID" ] ||
	    fail "$1: the API process was replaced ($APID, now $(apid_pid))"
	[ "$(children)" = "$CHILDREN" ] ||
	    fail "$1: the supervisor's children are '$(children)', want '$CHILDREN'"
	if [ -n "$VALID" ]; then
		cp config.json "$TMP/config.saved"
	else
		cmp -s config.json "$TMP/config.saved" ||
		    fail "$1: config.json changed: $(diff "$TMP/config.saved" config.json | head -n 10)"
	fi
	if [ -n "$BASEFDS" ]; then
		wait_until fds_back ||
		    fail "$1: the API process holds $(apid_fds) descriptors, $BASEFDS before"
	fi
	NCASES=$((NCASES + 1))
}

# run NAME [COMMAND...]: COMMAND (by default case_NAME), then the checks.
# A case that sends a valid request (config.json may change) sets VALID.
run() {
	CASE=$1
	VALID=
	shift
	if [ $# -gt 0 ]; then
		"$@"
	else
		"case_$CASE"
	fi
	after_case "$CASE"
	pass "$CASE"
}

KH="X-API-Key: $KEY\r\n"
CLOSE='Connection: close\r\n'

[ -n "${HOSTILE_LIB:-}" ] && return 0

hostile_start

# --- request lines ----------------------------------------------------

case_request_line_garbage() {
	raw '\x01\x02\xffgarbage\r\n\r\n'
	expect_status 400
	expect_closed
}
run request_line_garbage

case_request_line_nul() {
	raw '\0\0\0\0\r\n\r\n'
	expect_status 400
	expect_closed
}
run request_line_nul

case_request_line_no_version() {
	raw 'GET /health\r\n\r\n'
	expect_status 400
	expect_closed
}
run request_line_no_version

case_http_9_9() {
	raw 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n'
	expect_status 400 505
	expect_closed
}
run http_9_9

case_tls_handshake() {
	# A TLS ClientHello: no line end ever comes; the timeout ends it.
	raw '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
	expect_status "" 400
	expect_closed
}
run tls_handshake

case_uri_100k() {
	_u=$(head -c 102400 /dev/zero | tr '\0' a)
	raw "GET /$_u HTTP/1.1\r\nHost: x\r\n$KH\r\n"
	expect_status 400 413 414 431
	expect_closed
}
run uri_100k

case_query_100k() {
	_q=$(head -c 102400 /dev/zero | tr '\0' q)
	raw "GET /health?a=$_q HTTP/1.1\r\nHost: x\r\n\r\n"
	expect_status 400 413 414 431
	expect_closed
}
run query_100k

case_query_16k() {
	# Under the header limit: a plain answer.
	_q=$(head -c 16384 /dev/zero | tr '\0' q)
	raw "GET /health?a=$_q HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 200
}
run query_16k

# --- headers -------------------------------------------------------------

case_headers_200() {
	_h=$(i=0; while [ $i -lt 200 ]; do
		printf 'X-H%d: v%d\\r\\n' $i $i
		i=$((i + 1))
	done)
	raw "GET /health HTTP/1.1\r\nHost: x\r\n$_h$CLOSE\r\n"
	expect_status 200
}
run headers_200

case_header_64k() {
	_v=$(head -c 65536 /dev/zero | tr '\0' b)
	raw "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: $_v\r\n\r\n"
	expect_status 400 413 431
	expect_closed
}
run header_64k

case_header_nul() {
	# RFC 9110: refuse it, or read the NUL as a space.
	raw "GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n$CLOSE\r\n"
	expect_status 200 400
}
run header_nul

case_header_no_colon() {
	raw "GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n$CLOSE\r\n"
	expect_status 400
}
run header_no_colon

case_header_obs_fold() {
	raw "GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n$CLOSE\r\n"
	expect_status 200 400
}
run header_obs_fold

case_bare_lf() {
	raw 'GET /health HTTP/1.1\nHost: x\nConnection: close\n\n'
	expect_status 200 400
}
run bare_lf

case_key_prefix() {
	_half=$(printf '%s' "$KEY" | cut -c 1-8)
	raw "GET /instances HTTP/1.1\r\nHost: x\r\nX-API-Key: $_half\r\n$CLOSE\r\n"
	expect_status 401
	raw "GET /instances HTTP/1.1\r\nHost: x\r\nX-API-Key: ${KEY}x\r\n$CLOSE\r\n"
	expect_status 401
}
run key_prefix

# --- bodies: Content-Length and chunks ----------------------------------

POST="POST /instances HTTP/1.1\r\nHost: x\r\n$KH"

case_content_length_negative() {
	raw "${POST}Content-Length: -1\r\n\r\n{}"
	expect_status 400
	expect_closed
}
run content_length_negative

case_content_length_huge() {
	raw "${POST}Content-Length: 99999999999999999999\r\n\r\n{}"
	expect_status 400 413
	expect_closed
}
run content_length_huge

case_content_length_lie_then_close() {
	# 100 promised, 2 sent, then the client stops writing.
	raw "${POST}Content-Length: 100\r\n\r\n{}" -s
	expect_status "" 400
	expect_closed
}
run content_length_lie_then_close

case_content_length_lie_then_wait() {
	# 100 promised, 2 sent, and the client waits: the timeout ends it.
	raw "${POST}Content-Length: 100\r\n\r\n{}"
	expect_status "" 400 408
	expect_closed
}
run content_length_lie_then_wait

case_content_length_short() {
	# The rest is read as the next request, which is garbage.
	raw "${POST}Content-Length: 2\r\n\r\n{}GARBAGE\r\n\r\n"
	expect_statuses "422 400"
	expect_closed
}
run content_length_short

case_content_length_twice() {
	# RFC 9112 section 6.3: differing lengths are an unrecoverable error.
	raw "${POST}Content-Length: 2\r\nContent-Length: 5\r\n$CLOSE\r\n{}abc"
	expect_status 400
}
run content_length_twice

CHUNKED="${POST}Transfer-Encoding: chunked\r\n"

case_chunk_size_2p64() {
	raw "$CHUNKED\r\nffffffffffffffff\r\nabc"
	expect_status 400 413
	expect_closed
}
run chunk_size_2p64

case_chunk_size_7fffffff() {
	raw "$CHUNKED\r\n7fffffff\r\nabc"
	expect_status 413
	expect_closed
}
run chunk_size_7fffffff

case_chunk_size_garbage() {
	raw "$CHUNKED\r\nzz\r\nabc\r\n0\r\n\r\n"
	expect_status 400 413
	expect_closed
}
run chunk_size_garbage

case_chunked_and_length() {
	raw "${CHUNKED}Content-Length: 3\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
	expect_status 400
	expect_closed
}
run chunked_and_length

case_chunks_over_1mib() {
	# Each chunk is small; together they are 1 MiB + 1.
	{
		printf 'POST /instances HTTP/1.1\r\nHost: x\r\nX-API-Key: %s\r\n' "$KEY"
		printf 'Transfer-Encoding: chunked\r\n\r\n'
		i=0
		while [ $i -lt 16 ]; do
			printf '10000\r\n'
			head -c 65536 /dev/zero | tr '\0' a
			printf '\r\n'
			i=$((i + 1))
		done
		printf '1\r\na\r\n0\r\n\r\n'
	} >"$TMP/chunks"
	raw_file "$TMP/chunks"
	expect_status 413
	expect_closed
}
run chunks_over_1mib

case_no_key_before_body() {
	# Refused before the body is looked at, and nothing is created.
	_b='{"config":{"model":"/m","alias":"nokey","api_key":"k"}}'
	raw "POST /instances HTTP/1.1\r\nHost: x\r\nContent-Length: ${#_b}\r\n$CLOSE\r\n$_b"
	expect_status 401
	expect_rbody '{"detail":"Invalid or missing API key"}'
	# Too big to read at all: the library's 413 comes first.
	raw "POST /instances HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"
	expect_status 401 413
}
run no_key_before_body

case_trickled_request() {
	# One byte every 200 ms: "this slow to send its request" is closed
	# after HTTP_TIMEOUT_S (2 s), long before the 60 bytes are out.
	raw "GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaa\r\n\r\n" \
	    -c 1 -p 200 -t 8
	expect_status "" 400 408
	expect_closed
}
run trickled_request

case_request_in_pieces() {
	# Torn apart but quick: an ordinary request.
	raw "GET /health HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n" -c 3 -p 5
	expect_status 200
}
run request_in_pieces

case_pipelined_100() {
	_r=$(i=0; while [ $i -lt 99 ]; do
		printf 'GET /health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'
		i=$((i + 1))
	done)
	raw "${_r}GET /health HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_statuses "$(yes 200 | head -n 100 | tr '\n' ' ' | sed 's/ $//')"
}
run pipelined_100

# --- methods -------------------------------------------------------------

# An unknown or unwanted method: refused, not echoed (TRACE), not
# obeyed (CONNECT).
method_case() {
	raw "$1 /instances HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 400 405 501
	expect_closed
	grep -q "$KEY" "$TMP/out" && fail "$CASE: the request was echoed"
	:
}

for m in FOO PROPFIND TRACE CONNECT; do
	run "method_$m" method_case "$m"
done

case_head_without_key() {
	raw "HEAD /health HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 401
}
run head_without_key

case_head_has_no_body() {
	# A HEAD answer ends at its blank line (RFC 9112 section 6.3): the
	# next answer on the connection must follow it at once.
	raw "HEAD /health HTTP/1.1\r\nHost: x\r\n$KH\r\nGET /health HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 405
	_next=$(tr -d '\r' <"$TMP/out" | sed -n '/^$/{n;p;q;}')
	case $_next in
	"HTTP/1.1 200 OK") ;;
	*) fail "$CASE: after the HEAD answer's head comes '$_next', want the next answer" ;;
	esac
}
run head_has_no_body

case_options_edges() {
	# Not a preflight: 405.  OPTIONS *: no such path.
	raw "OPTIONS /instances HTTP/1.1\r\nHost: x\r\nOrigin: http://e.test\r\n$CLOSE\r\n"
	expect_status 405
	raw "OPTIONS * HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 400 404
	# A preflight echoes the requested headers, even 20 KB of them.
	_h=$(head -c 20000 /dev/zero | tr '\0' h)
	raw "OPTIONS /instances HTTP/1.1\r\nHost: x\r\nOrigin: http://e.test\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: $_h\r\n$CLOSE\r\n"
	expect_status 200
}
run options_edges

# --- paths ---------------------------------------------------------------

case_path_nul() {
	raw "GET /instances/%00 HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 404
	expect_rbody '{"detail":"Instance not found"}'
	raw "DELETE /instances/%00 HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 404
}
run path_nul

case_path_dot_dot() {
	raw "GET /instances/%2e%2e HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 404
	expect_rbody '{"detail":"Instance not found"}'
	raw "POST /instances/%2e%2e/%2e%2e/start HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 404
	# A public path does not lend its freedom from the key to others.
	raw "GET /health/../instances HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 401
	raw "GET /health/%2e%2e/instances HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 401
}
run path_dot_dot

case_path_double_slash() {
	# "//instances" is a path (RFC 9112 origin-form), not a host name.
	raw "GET //instances HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 404
	expect_rbody '{"detail":"Not Found"}'
	raw "GET //health HTTP/1.1\r\nHost: x\r\n$CLOSE\r\n"
	expect_status 401
}
run path_double_slash

case_path_control_chars() {
	raw "GET /inst\x01ances\x7f HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 400 404
	raw "GET /instances/%0d%0aX-Injected:%20yes HTTP/1.1\r\nHost: x\r\n$KH$CLOSE\r\n"
	expect_status 404
	grep -qi '^X-Injected' "$TMP/out" && fail "$CASE: a header was injected"
	:
}
run path_control_chars

case_long_instance_id() {
	_id=$(head -c 10240 /dev/zero | tr '\0' i)
	api GET "/instances/$_id"
	expect_code 404 "$CASE"
	expect_body '{"detail":"Instance not found"}' "$CASE"
	api POST "/instances/$_id/start"
	expect_code 404 "$CASE"
	expect_body '{"detail":"Instance not found"}' "$CASE"
	api DELETE "/instances/$_id"
	expect_code 404 "$CASE"
}
run long_instance_id

# --- JSON bodies ---------------------------------------------------------

CFG='"model":"/m.gguf","alias":"h","api_key":"k"'
PARSE_ERROR='{"detail":"There was an error parsing the body"}'

case_body_invalid_utf8() {
	printf '{"config":{"model":"/m\377.gguf","alias":"h","api_key":"k"}}' >"$TMP/b"
	post_file "$TMP/b"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
}
run body_invalid_utf8

case_body_overlong_utf8() {
	# "/" as two bytes, and a UTF-16 surrogate: neither is UTF-8.
	printf '{"config":{"model":"\300\257m","alias":"h","api_key":"k"}}' >"$TMP/b"
	post_file "$TMP/b"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
	printf '{"config":{"model":"/m\355\240\200","alias":"h","api_key":"k"}}' >"$TMP/b"
	post_file "$TMP/b"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
}
run body_overlong_utf8

case_body_raw_nul() {
	# A raw control character in a string is not JSON (Python's words).
	printf '{"config":{"model":"/m\000.gguf","alias":"h","api_key":"k"}}' >"$TMP/b"
	post_file "$TMP/b"
	expect_code 422 "$CASE"
	expect_body '{"detail":[{"type":"json_invalid","loc":["body",22],"msg":"JSON decode error","input":{},"ctx":{"error":"Invalid control character at"}}]}' "$CASE"
}
run body_raw_nul

case_body_utf8_bom() {
	# The original reads bytes with json.loads, which skips a UTF-8 BOM.
	VALID=1
	printf '\357\273\277{"config":{"model":"/m.gguf","alias":"bom","api_key":"k"}}' >"$TMP/b"
	post_file "$TMP/b"
	expect_code 200 "$CASE"
	api DELETE "/instances/$(jqb .instance.id)"
	expect_code 200 "$CASE: delete"
}
run body_utf8_bom

case_model_escaped_nul() {
	api POST /instances '{"config":{"model":"/m\u0000.gguf","alias":"h","api_key":"k"}}'
	expect_detail '.detail | length == 1 and (.[0] | .type == "value_error" and .loc == ["body","config","model"] and .msg == "Value error, string contains NUL" and .input == "/m\u0000.gguf")'
}
run model_escaped_nul

nest() {
	printf '%*s' "$1" '' | tr ' ' "$2"
}

case_nesting_64_and_65() {
	# 64 levels parse (and are no object); 65 do not.
	api POST /instances "$(nest 64 '[')$(nest 64 ']')"
	expect_detail '.detail[0].type == "model_attributes_type" and .detail[0].loc == ["body"]'
	api POST /instances "$(nest 65 '[')$(nest 65 ']')"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
	# Inside a config, counting the two objects around it.
	api POST /instances "{\"config\":{$CFG,\"extra_args\":$(nest 63 '[')$(nest 63 ']')}}"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
}
run nesting_64_and_65

case_nesting_100000() {
	nest 100000 '[' >"$TMP/b"
	nest 100000 ']' >>"$TMP/b"
	post_file "$TMP/b"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
	# Unclosed objects, deeper still.
	nest 100000 '{' | sed 's/{/{"a":/g' >"$TMP/b"
	post_file "$TMP/b"
	expect_code 400 "$CASE"
	expect_body "$PARSE_ERROR" "$CASE"
}
run nesting_100000

# temp VALUE TYPE BOUND: one entry, the pydantic one (the input of a value
# that is not finite has no JSON form; it is not judged).
temp_case() {
	api POST /instances "{\"config\":{$CFG,\"temp\":$1}}"
	expect_detail ".detail | length == 1 and (.[0] | .type == \"$2\" and .loc == [\"body\",\"config\",\"temp\"] and .msg == \"$3\" and .ctx == $4)"
}

case_temp_1e999() {
	temp_case 1e999 less_than_equal 'Input should be less than or equal to 2' '{"le":2.0}'
}
run temp_1e999

case_temp_minus_1e999() {
	temp_case -1e999 greater_than_equal 'Input should be greater than or equal to 0' '{"ge":0.0}'
}
run temp_minus_1e999

case_temp_nan() {
	temp_case NaN less_than_equal 'Input should be less than or equal to 2' '{"le":2.0}'
}
run temp_nan

case_temp_infinity() {
	temp_case Infinity less_than_equal 'Input should be less than or equal to 2' '{"le":2.0}'
	temp_case -Infinity greater_than_equal 'Input should be greater than or equal to 0' '{"ge":0.0}'
}
run temp_infinity

case_threads_1e30() {
	api POST /instances "{\"config\":{$CFG,\"threads\":1e30}}"
	expect_code 422 "$CASE"
	expect_body '{"detail":[{"type":"int_parsing_size","loc":["body","config","threads"],"msg":"Unable to parse input string as an integer, exceeded maximum size","input":1e+30}]}' "$CASE"
}
run threads_1e30

case_threads_huge_string() {
	api POST /instances "{\"config\":{$CFG,\"threads\":\"99999999999999999999999\"}}"
	expect_code 422 "$CASE"
	expect_body '{"detail":[{"type":"less_than_equal","loc":["body","config","threads"],"msg":"Input should be less than or equal to 1024","input":"99999999999999999999999","ctx":{"le":1024}}]}' "$CASE"
}
run threads_huge_string

case_threads_huge_integer() {
	# Python would keep the int and say less_than_equal; our parser holds
	# integers beyond 64 bits as doubles (a documented approximation).
	api POST /instances "{\"config\":{$CFG,\"threads\":99999999999999999999999}}"
	expect_code 422 "$CASE"
	expect_detail '.detail[0].loc == ["body","config","threads"] and (.detail[0].type | test("int_parsing_size|less_than_equal"))'
}
run threads_huge_integer

case_ranges_at_once() {
	api POST /instances "{\"config\":{$CFG,\"threads\":0,\"n_gpu_layers\":100001,\"top_k\":2147483648,\"ctx_size\":-1,\"port\":65536}}"
	expect_code 422 "$CASE"
	expect_body '{"detail":[{"type":"greater_than_equal","loc":["body","config","threads"],"msg":"Input should be greater than or equal to 1","input":0,"ctx":{"ge":1}},{"type":"less_than_equal","loc":["body","config","n_gpu_layers"],"msg":"Input should be less than or equal to 100000","input":100001,"ctx":{"le":100000}},{"type":"less_than_equal","loc":["body","config","top_k"],"msg":"Input should be less than or equal to 2147483647","input":2147483648,"ctx":{"le":2147483647}},{"type":"greater_than_equal","loc":["body","config","ctx_size"],"msg":"Input should be greater than or equal to 0","input":-1,"ctx":{"ge":0}},{"type":"less_than_equal","loc":["body","config","port"],"msg":"Input should be less than or equal to 65535","input":65536,"ctx":{"le":65535}}]}' "$CASE"
}
run ranges_at_once

case_body_text_plain() {
	# Not declared JSON: the body is a string, which is no object.
	req POST /instances -H "X-API-Key: $KEY" -H 'Content-Type: text/plain' \
	    --data-binary "{\"config\":{$CFG}}"
	expect_detail '.detail[0].type == "model_attributes_type" and .detail[0].loc == ["body"]'
}
run body_text_plain

# --- alias, model, extra_args, env ---------------------------------------

case_alias_dot_dot() {
	VALID=1
	create '../../etc/passwd'
	api POST "/instances/$ID/start"
	expect_code 200 "$CASE: start"
	[ "$(jqb .instance.status)" = running ] || fail "$CASE: start: $BODY"
	ls -A logs | grep -Eqx '\.\.-\.\.-etc-passwd_[0-9]+\.log' ||
	    fail "$CASE: log files: $(ls -A logs)"
	[ "$(find "$TMP" -name '*.log' ! -path "$TMP/logs/*" | wc -l)" = 0 ] ||
	    fail "$CASE: a log file outside logs/"
	ls / /etc | grep -Eq '^passwd_[0-9]+\.log$' &&
	    fail "$CASE: a log file escaped to /etc"
	api POST "/instances/$ID/stop"
	expect_code 200 "$CASE: stop"
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run alias_dot_dot

case_alias_control_chars() {
	VALID=1
	create '\u0001\n'
	grep -qF '"alias": "\u0001\n",' config.json ||
	    fail "$CASE: alias in config.json: $(grep alias config.json)"
	api POST "/instances/$ID/start"
	expect_code 200 "$CASE: start"
	ls -A logs | grep -Eqx -- '--_[0-9]+\.log' ||
	    fail "$CASE: log files: $(ls -A logs)"
	api POST "/instances/$ID/stop"
	expect_code 200 "$CASE: stop"
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run alias_control_chars

# The daemon's own log names the alias: a newline in it would forge a
# line, an ESC would reach the terminal of whoever reads it.
case_alias_controls_in_log() {
	VALID=1
	create 'esc\nsolar-host: forged\u001b[31m'
	grep -qF 'esc\nsolar-host: forged\x1b[31m) created' "$TMP/stderr" ||
	    fail "$CASE: not escaped: $(grep -a -A 1 'esc' "$TMP/stderr" | tail -n 2)"
	grep -q '^solar-host: forged' "$TMP/stderr" &&
	    fail "$CASE: a forged line reached the log"
	LC_ALL=C grep -q "$(printf '\033')" "$TMP/stderr" &&
	    fail "$CASE: an ESC reached the log"
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run alias_controls_in_log

# A hard link planted where a start's log file goes (the name has the
# start's second: every second of the next minute is taken) is refused,
# its target untouched, and the start fails naming the file.
case_log_hard_link() {
	VALID=1
	create hardlink
	mkdir -p logs
	: >"$TMP/precious"
	_now=$(date +%s)
	for _t in $(seq "$_now" $((_now + 60))); do
		ln "$TMP/precious" "logs/hardlink_$_t.log" ||
		    fail "$CASE: cannot link"
	done
	api POST "/instances/$ID/start"
	wait_until status_is "$ID" failed ||
	    fail "$CASE: not failed: $(field "$ID" .)"
	_msg=$(field "$ID" .error_message)
	case $_msg in
	*refusing*logs/hardlink_*.log*link*) ;;
	*) fail "$CASE: error_message: $_msg" ;;
	esac
	[ ! -s "$TMP/precious" ] || fail "$CASE: the link's target was written"
	rm -f logs/hardlink_*.log
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run log_hard_link

case_alias_characters_not_bytes() {
	# 4096 two-byte characters are 4096 characters; one more is too many.
	VALID=1
	_e=$(printf '\303\251')	# U+00E9
	_a=$(head -c 4096 /dev/zero | tr '\0' e | sed "s/e/$_e/g")
	[ "$(printf '%s' "$_a" | wc -c)" = 8192 ] || fail "$CASE: bad test data"
	api POST /instances "{\"config\":{\"model\":\"/m\",\"alias\":\"$_a$_e\",\"api_key\":\"k\"}}"
	expect_detail '.detail | length == 1 and (.[0] | .type == "string_too_long" and .loc == ["body","config","alias"])'
	cmp -s config.json "$TMP/config.saved" || fail "$CASE: config.json changed"
	api POST /instances "{\"config\":{\"model\":\"/m\",\"alias\":\"$_a\",\"api_key\":\"k\"}}"
	expect_code 200 "$CASE"
	api DELETE "/instances/$(jqb .instance.id)"
	expect_code 200 "$CASE: delete"
}
run alias_characters_not_bytes

case_model_dot_dot() {
	# A model path is the client's to choose: data, not a place to write.
	VALID=1
	api POST /instances '{"config":{"model":"../../../../etc/shadow","alias":"m","api_key":"k"}}'
	expect_code 200 "$CASE"
	[ "$(jqb .instance.config.model)" = ../../../../etc/shadow ] ||
	    fail "$CASE: $BODY"
	api DELETE "/instances/$(jqb .instance.id)"
	expect_code 200 "$CASE: delete"
}
run model_dot_dot

case_extra_args_nul() {
	api POST /instances "{\"config\":{$CFG,\"extra_args\":[\"--ok\",\"a\\u0000b\"]}}"
	expect_detail '.detail | length == 1 and (.[0] | .type == "value_error" and .loc == ["body","config","extra_args",1] and .msg == "Value error, string contains NUL" and .input == "a\u0000b")'
}
run extra_args_nul

case_extra_args_257() {
	_l=$(i=0; while [ $i -lt 257 ]; do printf '"a",'; i=$((i + 1)); done)
	api POST /instances "{\"config\":{$CFG,\"extra_args\":[${_l%,}]}}"
	expect_detail '.detail | length == 1 and (.[0] | .type == "too_long" and .loc == ["body","config","extra_args"] and .ctx.actual_length == 257)'
}
run extra_args_257

env_name_case() {
	api POST /instances "{\"config\":{$CFG,\"env\":{\"$1\":\"v\"}}}"
	expect_detail ".detail | length == 1 and (.[0] | .type == \"value_error\" and .loc == [\"body\",\"config\",\"env\",\"$1\"] and .msg == \"Value error, environment variable not allowed\")"
}

# Off the allowlist: each of these ran code in a child, or overrode a
# validated flag (LLAMA_ARG_*), before the second hardening pass.
for n in LD_PRELOAD PATH API_KEY LLAMA_API_KEY 1BAD A-B 'A\u0000B' \
    PYTHONPATH BASH_ENV ENV GCONV_PATH GLIBC_TUNABLES LOCPATH HOSTALIASES \
    GGML_BACKEND_PATH OMP_TOOL_LIBRARIES LLAMA_ARG_HOST LLAMA_ARG_MODEL \
    CUDA_INJECTION64_PATH HSA_TOOLS_LIB; do
	run "env_name_$n" env_name_case "$n"
done

# extra_flag_case ITEMS INDEX MSG: extra_args [ITEMS] refused at INDEX.
extra_flag_case() {
	api POST /instances "{\"config\":{$CFG,\"extra_args\":[$1]}}"
	expect_detail ".detail | length == 1 and (.[0] | .type == \"value_error\" and .loc == [\"body\",\"config\",\"extra_args\",$2] and .msg == \"Value error, $3\" and .ctx.error == \"$3\")"
}

run extra_api_key_empty extra_flag_case '"--api-key",""' 0 \
    'flag --api-key is managed by solar-host'
run extra_model_shadow extra_flag_case '"--mlock","-m","/etc/shadow"' 1 \
    'flag -m is managed by solar-host'
run extra_log_file_eq extra_flag_case '"--log-file=/etc/x"' 0 \
    'flag --log-file is not allowed: it names a file'
run extra_port extra_flag_case '"--port","1"' 0 \
    'flag --port is managed by solar-host'
run extra_host_underscore extra_flag_case '"--HOST","0.0.0.0"' 0 \
    'flag --HOST is managed by solar-host'
run extra_hf_repo extra_flag_case '"-hf","evil/model"' 0 \
    'flag -hf is not allowed: it fetches from the network'

case_env_value_nul() {
	api POST /instances "{\"config\":{$CFG,\"env\":{\"OK\":\"a\\u0000b\"}}}"
	expect_detail '.detail | length == 1 and (.[0] | .type == "value_error" and .loc == ["body","config","env","OK"] and .msg == "Value error, string contains NUL")'
}
run env_value_nul

# --- ports ---------------------------------------------------------------
# An explicit port is no way to borrow someone else's socket: the API's
# and a live instance's are refused (409, the port named), a foreign
# holder fails the start (the port named), and a 200 from a socket the
# child does not hold is no readiness.

case_port_is_api_port() {
	api POST /instances "{\"config\":{$CFG,\"port\":$PORT}}"
	expect_code 409 "$CASE: create"
	expect_body "{\"detail\":\"port $PORT is the API's port\"}" "$CASE: create"
}
run port_is_api_port

case_port_update_to_api_port() {
	VALID=1
	create upd
	api PUT "/instances/$ID" "{\"config\":{$CFG,\"port\":$PORT}}"
	expect_code 409 "$CASE: update"
	expect_body "{\"detail\":\"port $PORT is the API's port\"}" "$CASE: update"
	[ "$(field "$ID" .config.port)" = null ] || fail "$CASE: the port changed"
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run port_update_to_api_port

case_port_of_running_instance() {
	VALID=1
	_port=$("$FREEPORT")
	create first "\"port\":$_port"
	_first=$ID
	api POST "/instances/$_first/start"
	[ "$(jqb .instance.status)" = running ] || fail "$CASE: first: $BODY"
	create second "\"port\":$_port"
	api POST "/instances/$ID/start"
	expect_code 409 "$CASE: start"
	expect_body "{\"detail\":\"port $_port is held by instance $_first\"}" "$CASE: start"
	[ "$(field "$ID" .status)" = stopped ] || fail "$CASE: second: $(field "$ID" .status)"
	api POST "/instances/$ID/restart"
	expect_code 409 "$CASE: restart"
	api POST "/instances/$_first/stop"
	expect_code 200 "$CASE: stop"
	api DELETE "/instances/$ID"
	api DELETE "/instances/$_first"
	expect_code 200 "$CASE: delete"
}
run port_of_running_instance

# foreign PORT: a llama-server of no instance's, answering 200 on PORT.
foreign() {
	"$FAKE" --host 127.0.0.1 --port "$1" --model "$TMP/none" \
	    2>"$TMP/foreign.log" &
	FOREIGN=$!
	wait_until curl -sf -o /dev/null "http://127.0.0.1:$1/health" ||
	    fail "$CASE: the foreign server does not answer"
}

foreign_gone() {
	kill "$FOREIGN" 2>/dev/null
	wait "$FOREIGN" 2>/dev/null
}

case_port_foreign_holder() {
	VALID=1
	_port=$("$FREEPORT")
	foreign "$_port"
	create borrower "\"port\":$_port"
	api POST "/instances/$ID/start"
	foreign_gone
	expect_code 500 "$CASE: start"
	expect_body "{\"detail\":\"Failed to start instance: port $_port is already in use on 0.0.0.0\"}" "$CASE: start"
	[ "$(field "$ID" .status)" = failed ] || fail "$CASE: $(field "$ID" .status)"
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run port_foreign_holder

# The bind probe passed, then someone else's server came up on the port
# while the child has bound nothing: its 200 must not make it running.
case_port_spoofed_readiness() {
	VALID=1
	_port=$("$FREEPORT")
	create_fake spoofed FAKE_NO_LISTEN=1 "\"host\":\"127.0.0.1\",\"port\":$_port"
	api POST "/instances/$ID/start"
	expect_code 200 "$CASE: start"
	[ "$(jqb .instance.status)" = starting ] || fail "$CASE: $BODY"
	foreign "$_port"
	wait_until grep -q "port $_port answers, but not for it" "$TMP/stderr" ||
	    fail "$CASE: the probe never reached the foreign server"
	sleep 1.5
	_st=$(field "$ID" .status)
	foreign_gone
	[ "$_st" = starting ] || fail "$CASE: status $_st, want starting"
	api POST "/instances/$ID/stop"
	expect_code 200 "$CASE: stop"
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run port_spoofed_readiness

# --- processes -------------------------------------------------------------
# A child's grandchild that called setsid and ignores SIGTERM does not
# outlive the child's stop (STOP_TIMEOUT_S + 2 s, slack for the sanitizer).
grandchild_gone() {
	_gp=$(cat "$TMP/grandchild.pid" 2>/dev/null) || return 1
	[ -n "$_gp" ] || return 1
	[ ! -e "/proc/$_gp" ] ||
	    sed 's/^.*) //' "/proc/$_gp/stat" 2>/dev/null | grep -q '^Z'
}

case_setsid_grandchild() {
	VALID=1
	rm -f "$TMP/grandchild.pid"
	create_fake escaper "FAKE_GRANDCHILD=1 FAKE_SETSID=1 FAKE_PIDFILE=$TMP/grandchild.pid"
	api POST "/instances/$ID/start"
	expect_code 200 "$CASE: start"
	wait_until test -s "$TMP/grandchild.pid" || fail "$CASE: no grandchild"
	grandchild_gone && fail "$CASE: the grandchild is gone before the stop"
	api POST "/instances/$ID/stop"
	expect_code 200 "$CASE: stop"
	_dl=$DEADLINE
	DEADLINE=15
	wait_until grandchild_gone ||
	    fail "$CASE: grandchild $(cat "$TMP/grandchild.pid") survived the stop"
	DEADLINE=$_dl
	api DELETE "/instances/$ID"
	expect_code 200 "$CASE: delete"
}
run setsid_grandchild

# Started as root without -u, the API process is not root and holds no
# capability, bounding set included.
case_apid_not_root() {
	[ "$(id -u)" = 0 ] || return 0
	_st=/proc/$APID/status
	awk '/^Uid:/ { for (i = 2; i <= 5; i++) if ($i == 0) exit 1 }' "$_st" ||
	    fail "$CASE: apid runs as uid 0: $(grep '^Uid:' "$_st")"
	for _c in CapEff CapPrm CapBnd CapAmb; do
		grep -q "^$_c:[[:space:]]*0000000000000000$" "$_st" ||
		    fail "$CASE: apid's $(grep "^$_c:" "$_st")"
	done
}
run apid_not_root

# --- floods --------------------------------------------------------------

case_rapid_connects() {
	if ! _lim=$(nofile_for 3100); then
		echo "skip: $CASE: the hard descriptor limit $(ulimit -H -n) is under 3100"
		return
	fi
	# All 3000 open at once, then closed; the API process caps its
	# connections, so many wait in the backlog meanwhile.
	(ulimit -S -n "$_lim" && exec "$RAW" -t 30 -C 3000 "$PORT") >"$TMP/out" ||
	    fail "$CASE: $(cat "$TMP/out")"
	grep -Eq '^connected=[0-9]+ failed=[0-9]+$' "$TMP/out" ||
	    fail "$CASE: $(cat "$TMP/out")"
	echo "$CASE: $(cat "$TMP/out")"
	healthy || wait_until healthy || fail "$CASE: no answer after the flood"
	# And 1000 that end with a reset instead.
	(ulimit -S -n "$_lim" && exec "$RAW" -t 30 -R -C 1000 "$PORT") >"$TMP/out" ||
	    fail "$CASE: resets: $(cat "$TMP/out")"
}
run rapid_connects

# hold N TEXT [SECONDS]: N clients send TEXT and wait; /health is served
# meanwhile (within SECONDS, 2 by default), and the server closes every
# one of them after HTTP_TIMEOUT_S.
hold() {
	if ! _lim=$(nofile_for $(($1 + 64))); then
		echo "skip: $CASE: the hard descriptor limit is too low"
		return
	fi
	(ulimit -S -n "$_lim" && exec "$RAW" -t 30 -H "$1" "$PORT" "$2") \
	    >"$TMP/hold" &
	_hp=$!
	wait_until grep -q "^open $1\$" "$TMP/hold" ||
	    fail "$CASE: the clients did not connect: $(cat "$TMP/hold")"
	curl -sf -o /dev/null --max-time "${3:-2}" "http://127.0.0.1:$PORT/health" ||
	    fail "$CASE: /health not served within ${3:-2} s with $1 half-open clients"
	wait "$_hp"
	grep -q "^closed=$1 of $1\$" "$TMP/hold" ||
	    fail "$CASE: not all closed by the server: $(tail -n 1 "$TMP/hold")"
	wait_until no_established ||
	    fail "$CASE: $(ss -Htn state established "( sport = :$PORT )" | wc -l) connections still established"
}

case_half_open_300() {
	hold 300 "GET /health HTTP/1.1\r\nHost: x\r\n"
}
run half_open_300

case_half_bodies_100() {
	hold 100 "${POST}Content-Length: 100\r\n\r\n{\"config\":"
}
run half_bodies_100

case_silent_over_limit() {
	# More clients that send nothing than MAX_CONNECTIONS (512) and than
	# the API process's descriptors: a new client is served at once, by
	# closing the oldest of them, not when HTTP_TIMEOUT_S frees a slot.
	hold 700 "" 1
}
run silent_over_limit

[ "$NCASES" -ge 40 ] || fail "only $NCASES cases ran"
pass "$NCASES hostile cases; the daemon answered after each"
