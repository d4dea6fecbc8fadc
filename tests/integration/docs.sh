#!/bin/sh
# docs.sh: GET /openapi.json (the document in the tree), /docs and /redoc
# without a key, from the CDN or, with DOCS_ASSETS_DIR, from local files;
# each page with its notice for when the assets do not load (in a
# browser: docs_ui.sh).
. "$(dirname "$0")/lib.sh"

# notice PAGE SOURCE: the page in $TMP/body carries the notice, naming
# SOURCE, the setting, the make target and the pages that always work.
notice() {
	for _w in 'id="docs-notice"' "<code>$2</code>" DOCS_ASSETS_DIR \
	    'make docs-assets' 'href="/openapi.json"' 'href="/ui"'; do
		grep -qF "$_w" "$TMP/body" || fail "$1: no $_w in the notice"
	done
}
start_daemon
req GET /openapi.json
expect_code 200 "openapi.json"
expect_header Content-Type application/json "openapi.json"
cmp "$TMP/body" "$top_srcdir/apid/openapi.json" || fail "served document differs from apid/openapi.json"
req GET /docs
expect_code 200 "docs"
grep -q "cdn.jsdelivr.net/npm/swagger-ui-dist" "$TMP/body" || fail "docs page: $(head -c 300 "$TMP/body")"
grep -q "/openapi.json" "$TMP/body" || fail "docs page does not load /openapi.json"
notice /docs https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/
req GET /redoc
expect_code 200 "redoc"
grep -q "redoc" "$TMP/body" || fail "redoc page"
notice /redoc https://cdn.jsdelivr.net/npm/redoc@2/bundles/
req GET /ui
expect_code 200 "ui"
expect_header Content-Type "text/html; charset=utf-8" "ui"
req POST /docs
expect_code 401 "POST /docs without a key"
req GET /docs/assets/swagger-ui.css
expect_code 404 "an asset without DOCS_ASSETS_DIR"
stop_daemon TERM

# Local assets, read by the supervisor at start-up.
mkdir "$TMP/assets"
echo "/* css */" >"$TMP/assets/swagger-ui.css"
echo "// swagger" >"$TMP/assets/swagger-ui-bundle.js"
API_KEY=$KEY HOST=127.0.0.1 PORT=$("$FREEPORT") DOCS_ASSETS_DIR=$TMP/assets \
    "$SOLAR_HOST" -d 2>"$TMP/err" && fail "started with an asset missing"
grep -q "redoc.standalone.js" "$TMP/err" || fail "missing asset message: $(cat "$TMP/err")"
echo "// redoc" >"$TMP/assets/redoc.standalone.js"
PORT=
DOCS_ASSETS_DIR=$TMP/assets start_daemon
req GET /docs
grep -q '/docs/assets/swagger-ui-bundle.js' "$TMP/body" || fail "docs page does not use the local assets"
grep -q "cdn.jsdelivr" "$TMP/body" && fail "docs page still uses the CDN"
notice "/docs, local" /docs/assets/
req GET /redoc
grep -q '/docs/assets/redoc.standalone.js' "$TMP/body" || fail "redoc page does not use the local assets"
notice "/redoc, local" /docs/assets/
req GET /docs/assets/swagger-ui.css
expect_code 200 "local css"
expect_body "/* css */" "local css"
expect_header Content-Type "text/css; charset=utf-8" "local css"
pass "openapi.json, /docs, /redoc, local assets, the notices"
