#!/bin/sh
# auth_cors.sh: the 401 and its headers, authentication before routing,
# a key cut short by a NUL, ?api_key= only on WebSocket upgrades, CORS on
# simple requests and preflights.
. "$(dirname "$0")/lib.sh"
RAW=$top_builddir/tests/helpers/rawsend
start_daemon

# rawstatus TEXT: the status code of the answer to raw bytes.
rawstatus() {
	"$RAW" -t 10 "$PORT" "$1" | head -n 1 | cut -d ' ' -f 2
}

check_401() {
	expect_code 401 "$1"
	expect_body '{"detail":"Invalid or missing API key"}' "$1"
	expect_header Access-Control-Allow-Origin '*' "$1"
	expect_header Access-Control-Allow-Credentials true "$1"
	expect_header Access-Control-Allow-Methods '*' "$1"
	expect_header Access-Control-Allow-Headers '*' "$1"
	expect_header Content-Type application/json "$1"
}

req GET /instances
check_401 "no key"
req GET /instances -H "X-API-Key: wrong"
check_401 "wrong key"
req GET /instances -H "X-API-Key: ${KEY}x"
check_401 "key with a suffix"
req GET /instances -H "X-API-Key: $(echo "$KEY" | cut -c2-)"
check_401 "key without its first character"
req GET /nowhere
check_401 "unknown path without a key"
req GET /nowhere -H "x-api-key: $KEY"
expect_code 404 "unknown path with a key (header name in lower case)"
req POST /health
check_401 "POST on a public path without a key"
req GET /health/
check_401 "a public path with a trailing slash is not public"

# evhttp cuts a header value at a NUL: the key with junk after a NUL, or
# any other header with one, is a bad request, not the key.
[ "$(rawstatus "GET /instances HTTP/1.1\r\nHost: x\r\nX-API-Key: $KEY\r\nConnection: close\r\n\r\n")" = 200 ] ||
    fail "the raw request with the key is not served"
S=$(rawstatus "GET /instances HTTP/1.1\r\nHost: x\r\nX-API-Key: $KEY\0junk\r\nConnection: close\r\n\r\n")
[ "$S" = 400 ] || fail "a key with a NUL and junk: status $S, want 400"
S=$(rawstatus "GET /health HTTP/1.1\r\nHost: x\r\nX-Other: a\0b\r\nConnection: close\r\n\r\n")
[ "$S" = 400 ] || fail "a header with a NUL: status $S, want 400"

# ?api_key= is for WebSocket upgrades only, not for a plain GET of the
# same path.
create keyq
req GET "/instances/$ID/state?api_key=$KEY"
check_401 "plain GET /instances/{id}/state with ?api_key="
api GET "/instances/$ID/state"
expect_code 200 "GET /instances/{id}/state with the header"
"$RAW" -t 10 -W "/instances/$ID/state?api_key=$KEY" "$PORT" >"$TMP/ws"
[ "$(head -n 1 "$TMP/ws")" = "HTTP 101" ] ||
    fail "upgrade with ?api_key=: $(head -n 1 "$TMP/ws")"

# A request with an Origin gets the CORS headers.
req GET /health -H "Origin: http://dash.example"
expect_code 200 "GET with Origin"
expect_header Access-Control-Allow-Origin '*' "GET with Origin"
expect_header Access-Control-Allow-Credentials true "GET with Origin"
expect_no_header Vary "GET with Origin"
req GET /health
expect_no_header Access-Control-Allow-Origin "GET without Origin"
req GET /health -H "Origin: http://dash.example" -H "Cookie: a=b"
expect_header Access-Control-Allow-Origin http://dash.example "GET with Origin and Cookie"
expect_header Vary Origin "GET with Origin and Cookie"
req GET /nowhere -H "Origin: http://dash.example" -H "X-API-Key: $KEY"
expect_code 404 "404 with Origin"
expect_header Access-Control-Allow-Origin '*' "404 with Origin"

# Preflights are answered without a key, on any path.
req OPTIONS /instances -H "Origin: http://dash.example" \
    -H "Access-Control-Request-Method: POST" \
    -H "Access-Control-Request-Headers: x-api-key,content-type"
expect_code 200 "preflight"
expect_body OK "preflight"
expect_header Content-Type 'text/plain; charset=utf-8' "preflight"
expect_header Access-Control-Allow-Origin http://dash.example "preflight"
expect_header Vary Origin "preflight"
expect_header Access-Control-Allow-Methods 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT' "preflight"
expect_header Access-Control-Allow-Headers 'x-api-key,content-type' "preflight"
expect_header Access-Control-Allow-Credentials true "preflight"
expect_header Access-Control-Max-Age 600 "preflight"

req OPTIONS /health -H "Origin: http://dash.example" \
    -H "Access-Control-Request-Method: GET"
expect_code 200 "preflight without requested headers"
expect_no_header Access-Control-Allow-Headers "preflight without requested headers"

# OPTIONS that is not a preflight.
req OPTIONS /health
expect_code 405 "OPTIONS without Origin"
expect_header Allow GET "OPTIONS without Origin"
req OPTIONS /health -H "Origin: http://dash.example"
expect_code 405 "OPTIONS with Origin but no requested method"
req OPTIONS /nowhere
expect_code 404 "OPTIONS of an unknown path"

pass "401, NUL in a header, ?api_key= on upgrades only, CORS, preflight"
