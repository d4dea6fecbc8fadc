#!/bin/sh
# docs_ui.sh: /docs and /redoc in a real browser.  Headless Chromium,
# driven over the DevTools protocol by tests/browser/docs_test.py
# (python3 and python3-websocket).  Without DOCS_ASSETS_DIR, the CDN
# blocked: both pages show the notice that says where the assets come
# from and links to /openapi.json and /ui, also with scripts off.  With
# the assets `make docs-assets` puts in $top_builddir/docs-assets: Swagger
# UI and ReDoc show every operation and hide the notice; without that
# directory this half is skipped and said so.  Screenshots are copied to
# tests/browser/ in the build tree.  Without chromium or the driver's
# packages: skipped (77).
. "$(dirname "$0")/lib.sh"

BEGAN=$(date +%s)
. "$top_srcdir/tests/integration/browser.sh"

KEEP=$top_builddir/tests/browser
mkdir -p "$KEEP"
rm -f "$KEEP"/docs-*.png
echo "driving $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1)) with $PY"

# browse MODE [args...]: one run of the driver; its screenshots kept.
browse() {
	_mode=$1
	shift
	"$PY" "$top_srcdir/tests/browser/docs_test.py" "$_mode" \
	    --url "http://127.0.0.1:$PORT" --chromium "$CHROMIUM" \
	    --shot "$TMP/docs-$_mode.png" --deadline "$DEADLINE" \
	    --chromium-log "$TMP/chromium.log" "$@"
	browser_done $? "$TMP/docs-$_mode.png" " ($_mode)"
}

start_daemon
browse offline
stop_daemon TERM

ASSETS=$top_builddir/docs-assets
HAVE=yes
for f in swagger-ui-bundle.js swagger-ui.css redoc.standalone.js; do
	[ -s "$ASSETS/$f" ] || HAVE=
done
if [ -z "$HAVE" ]; then
	echo "SKIP: $TESTNAME: with assets: $ASSETS is not complete" \
	    "(make docs-assets fills it, with npm)"
	pass "offline notice on /docs and /redoc, with scripts off too; with assets: skipped ($(( $(date +%s) - BEGAN ))s)"
	exit 0
fi
PORT=
DOCS_ASSETS_DIR=$ASSETS start_daemon
browse assets --openapi "${OPENAPI_JSON:-$top_srcdir/apid/openapi.json}"
pass "offline notice on /docs and /redoc, with scripts off too; Swagger UI and ReDoc from $ASSETS ($(( $(date +%s) - BEGAN ))s)"
