#!/bin/sh
# hostile_ws.sh: hostile WebSocket clients: upgrades without the key or
# with a bad handshake, frames with reserved opcodes, RSV bits, no mask,
# absurd or non-minimal lengths, oversized and fragmented control frames,
# stray continuations, binary data, bad UTF-8, bad close codes, and
# sessions dropped by the hundred.  RFC 6455 says how the server ends each
# (section 7.4 codes); after each case the same checks as in hostile.sh.
HOSTILE_LIB=1
. "$(dirname "$0")/hostile.sh"
hostile_start

create wsi
LOGS=/instances/$ID/logs
cp config.json "$TMP/config.saved"

# ws HEX [rawsend flags...]: upgrade at $LOGS with the key, send the frame
# bytes HEX, and keep what comes back in $WSOUT: "HTTP 101", then a line
# per frame, then EOF or TIMEOUT.  Client frames below are masked with the
# key 00000000, which leaves their payload as it is.
ws() {
	_hex=$1
	shift
	"$RAW" -t "$RAW_T" -W "$LOGS" -k "$KEY" "$@" "$PORT" "$_hex" \
	    >"$TMP/ws"
	RC=$?
	case $RC in
	0|3) ;;
	*) fail "$CASE: rawsend failed ($RC)" ;;
	esac
	WSOUT=$(tr '\n' ' ' <"$TMP/ws" | sed 's/ $//')
}

expect_ws() {
	[ "$WSOUT" = "$1" ] || fail "$CASE: got '$WSOUT', want '$1'"
}

# A frame the server must refuse: it closes with CODE.  For errors that
# libwslay's frame parser catches (bad lengths, oversized or fragmented
# control frames) its close frame carries no status: 1005 stands for 1002.
closes_with() {
	ws "$1"
	if [ "$2" = 1002 ] && [ "$WSOUT" = "HTTP 101 CLOSE 1005" ]; then
		return 0
	fi
	expect_ws "HTTP 101 CLOSE $2"
}

case_upgrade_without_key() {
	"$RAW" -t "$RAW_T" -W "$LOGS" "$PORT" >"$TMP/ws"
	[ "$(cat "$TMP/ws")" = "HTTP 401" ] || fail "$CASE: $(cat "$TMP/ws")"
	"$RAW" -t "$RAW_T" -W "$LOGS" -k wrong "$PORT" 818000000000 >"$TMP/ws"
	[ "$(cat "$TMP/ws")" = "HTTP 401" ] || fail "$CASE: $(cat "$TMP/ws")"
}
run upgrade_without_key

# The handshake by hand: a bad key or version is no upgrade (a plain GET
# of a WebSocket path is a 404).
handshake() {
	raw "GET $LOGS HTTP/1.1\r\nHost: x\r\n${KH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: $1\r\nSec-WebSocket-Key: $2\r\n$CLOSE\r\n"
	expect_status 404
	grep -q '^HTTP/1.1 101' "$TMP/out" && fail "$CASE: upgraded"
	:
}

case_handshake_bad_key() {
	handshake 13 short
	handshake 13 '!!!!!!!!!!!!!!!!!!!!!!=='
}
run handshake_bad_key

case_handshake_bad_version() {
	handshake 8 dGhlIHNhbXBsZSBub25jZQ==
}
run handshake_bad_version

case_reserved_opcode_3() {
	closes_with "8383 00000000 616263" 1002
}
run reserved_opcode_3

case_reserved_opcode_b() {
	closes_with "8b80 00000000" 1002
}
run reserved_opcode_b

case_rsv_bits() {
	closes_with "c183 00000000 616263" 1002
	closes_with "b183 00000000 616263" 1002
}
run rsv_bits

case_unmasked_frame() {
	closes_with "8103 616263" 1002
}
run unmasked_frame

case_length_2p63() {
	# The top bit of a 64-bit length must be 0 (RFC 6455 section 5.2).
	closes_with "81ff 8000000000000000 00000000 61" 1002
}
run length_2p63

case_length_2p63_minus_1() {
	closes_with "81ff 7fffffffffffffff 00000000 61" 1009
}
run length_2p63_minus_1

case_length_not_minimal() {
	# 5 bytes said in 16 bits: "the minimal number of bytes MUST be used".
	closes_with "81fe 0005 00000000 6162636465" 1002
}
run length_not_minimal

case_text_64k() {
	{
		printf '\201\377\000\000\000\000\000\001\000\000\000\000\000\000'
		head -c 65536 /dev/zero | tr '\0' a
	} >"$TMP/frame"
	ws "" -f "$TMP/frame"
	expect_ws "HTTP 101 CLOSE 1009"
}
run text_64k

case_text_at_the_limit() {
	# 4096 bytes are read (and ignored); 4097 are too many.
	{
		printf '\201\376\020\000\000\000\000\000'
		head -c 4096 /dev/zero | tr '\0' a
	} >"$TMP/frame"
	ws "" -f "$TMP/frame" -t 1
	expect_ws "HTTP 101 TIMEOUT"
	{
		printf '\201\376\020\001\000\000\000\000'
		head -c 4097 /dev/zero | tr '\0' a
	} >"$TMP/frame"
	ws "" -f "$TMP/frame"
	expect_ws "HTTP 101 CLOSE 1009"
}
run text_at_the_limit

case_ping_200_bytes() {
	# Control frames carry at most 125 bytes.
	closes_with "89fe 00c8 00000000 $(printf '%0400d' 0)" 1002
}
run ping_200_bytes

case_fragmented_ping() {
	closes_with "0980 00000000" 1002
}
run fragmented_ping

case_state_session() {
	# The state WebSocket reads its client the same way.
	"$RAW" -t "$RAW_T" -W "/instances/$ID/state" -k "$KEY" "$PORT" \
	    "8283 00000000 616263" >"$TMP/ws"
	[ "$(head -n 1 "$TMP/ws")" = "HTTP 101" ] &&
	    [ "$(tail -n 1 "$TMP/ws")" = "CLOSE 1003" ] ||
	    fail "$CASE: $(cat "$TMP/ws")"
}
run state_session

case_continuation_first() {
	closes_with "8083 00000000 616263" 1002
}
run continuation_first

case_new_message_inside_fragments() {
	# A fragmented text, then a new text before its end.
	closes_with "0183 00000000 616263 8183 00000000 646566" 1002
}
run new_message_inside_fragments

case_fragments_then_ping() {
	# A ping between fragments is allowed and answered.
	ws "0183 00000000 616263 8980 00000000 8083 00000000 646566" -t 1
	expect_ws "HTTP 101 PONG 0 TIMEOUT"
}
run fragments_then_ping

case_binary_frame() {
	closes_with "8283 00000000 616263" 1003
}
run binary_frame

case_invalid_utf8() {
	closes_with "8182 00000000 c328" 1007
	closes_with "8182 00000000 c0af" 1007
	closes_with "8183 00000000 eda080" 1007
	# Split across fragments, bad only once joined: e9 then "a".
	closes_with "0181 00000000 e9 8081 00000000 61" 1007
}
run invalid_utf8

case_close_bad_code() {
	closes_with "8882 00000000 03e7" 1002
	closes_with "8882 00000000 0bb7" 1002
}
run close_bad_code

case_close_bad_reason() {
	closes_with "8884 00000000 03e8 c328" 1007
}
run close_bad_reason

case_close_normal() {
	closes_with "8882 00000000 03e8" 1000
}
run close_normal

case_ping_125_bytes() {
	ws "89fd 00000000 $(printf '%0250d' 0)" -t 1
	expect_ws "HTTP 101 PONG 125 TIMEOUT"
}
run ping_125_bytes

case_http_after_upgrade() {
	# A request line read as a frame: "G" sets RSV1 and a reserved opcode.
	ws "$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' | od -An -tx1 | tr -d ' \n')"
	expect_ws "HTTP 101 CLOSE 1002"
}
run http_after_upgrade

case_frames_behind_request() {
	# Frames in the same write as the upgrade request are read too.
	raw "GET $LOGS HTTP/1.1\r\nHost: x\r\n${KH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x83\x80\0\0\0\0"
	expect_status 101
	expect_closed
	od -An -tx1 "$TMP/out" | tr -d ' \n' | grep -q '880203ea$' ||
	    fail "$CASE: no close 1002 at the end: $(od -An -tx1 "$TMP/out" | tail -n 2)"
}
run frames_behind_request

case_sessions_dropped() {
	# 30 sessions (under WS_MAX_PER_INSTANCE, 32, so that each is really
	# upgraded: beyond it a 503 leaves a plain HTTP connection that the
	# idle timeout closes), upgraded and then abandoned without a close.
	_up="GET $LOGS HTTP/1.1\r\nHost: x\r\n${KH}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	_lim=$(nofile_for 300) || _lim=$(ulimit -n)
	(ulimit -S -n "$_lim" && exec "$RAW" -t 3 -H 30 "$PORT" "$_up") \
	    >"$TMP/hold"
	[ "$(head -n 1 "$TMP/hold")" = "open 30" ] ||
	    fail "$CASE: $(cat "$TMP/hold")"
	# The server keeps a session open as long as the client does, past
	# HTTP_TIMEOUT_S: upgraded connections have no request deadline.
	[ "$(tail -n 1 "$TMP/hold")" = "closed=0 of 30" ] ||
	    fail "$CASE: the server closed sessions: $(tail -n 1 "$TMP/hold")"
}
run sessions_dropped

[ "$NCASES" -ge 20 ] || fail "only $NCASES cases ran"
pass "$NCASES hostile WebSocket cases; the daemon answered after each"
