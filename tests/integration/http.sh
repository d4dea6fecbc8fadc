#!/bin/sh
# http.sh: exact bodies of /health and /, 404, 405 with Allow, 307, 413.
. "$(dirname "$0")/lib.sh"
start_daemon
VERSION=$("$SOLAR_HOST" -V | sed 's/^solar-host \([^ ]*\).*/\1/')
# A drop-in for the original, which promised 1.0.0: never below it.
case $VERSION in
[1-9].*|[1-9][0-9]*.*) ;;
*) fail "version $VERSION is below the original's 1.0.0" ;;
esac

req GET /health
expect_code 200 "GET /health"
expect_body '{"status":"healthy","service":"solar-host","version":"'"$VERSION"'"}' "GET /health"
expect_header Content-Type application/json "GET /health"

req GET /
expect_code 200 "GET /"
expect_body '{"service":"solar-host","version":"'"$VERSION"'","description":"Process manager for llama-server instances"}' "GET /"

req GET /nowhere -H "X-API-Key: $KEY"
expect_code 404 "unknown path"
expect_body '{"detail":"Not Found"}' "unknown path"
expect_header Content-Type application/json "unknown path"

req POST /health -H "X-API-Key: $KEY"
expect_code 405 "POST /health"
expect_body '{"detail":"Method Not Allowed"}' "POST /health"
expect_header Allow GET "POST /health"

req DELETE / -H "X-API-Key: $KEY"
expect_code 405 "DELETE /"
expect_header Allow GET "DELETE /"

CODE=$(curl -s -I -o /dev/null -w '%{http_code}' -H "X-API-Key: $KEY" \
    "http://127.0.0.1:$PORT/health")
[ "$CODE" = 405 ] || fail "HEAD /health: status $CODE, want 405"

req GET /health/ -H "X-API-Key: $KEY"
expect_code 307 "GET /health/"
expect_header Location /health "GET /health/"

req GET '/health/?a=1' -H "X-API-Key: $KEY"
expect_code 307 "GET /health/?a=1"
expect_header Location '/health?a=1' "GET /health/?a=1"

req GET /nowhere/ -H "X-API-Key: $KEY"
expect_code 404 "unknown path with a slash"

# Bodies over 1 MiB are refused; 1 MiB itself is read (and then routed).
head -c 1048577 /dev/zero | tr '\0' 'a' >"$TMP/big"
req POST /health -H "X-API-Key: $KEY" --data-binary @"$TMP/big"
expect_code 413 "body of 1 MiB + 1"
head -c 1048576 /dev/zero | tr '\0' 'a' >"$TMP/big"
req POST /health -H "X-API-Key: $KEY" --data-binary @"$TMP/big"
expect_code 405 "body of 1 MiB"

# Headers beyond the limit are refused by the HTTP library.
LONG=$(head -c 40000 /dev/zero | tr '\0' 'x')
req GET /health -H "X-Long: $LONG"
case $CODE in 4*) ;; *) fail "40 KB of headers: status $CODE, want 4xx" ;; esac
healthy || fail "not serving after oversized headers"

pass "health, root, 404, 405, 307, 413, header limit"
