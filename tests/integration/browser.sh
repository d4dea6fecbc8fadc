# browser.sh: sourced by the browser tests after lib.sh: finds Debian's
# chromium and a python3 with the websocket module (the DevTools driver
# of tests/browser/), or skips the test (77) naming the package to
# install.  Sets CHROMIUM and PY.
CHROMIUM=${CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
	for c in chromium chromium-browser; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROMIUM=$(command -v "$c")
			break
		fi
	done
fi
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
	echo "SKIP: $TESTNAME: chromium not found${CHROMIUM:+ at $CHROMIUM} (Debian package chromium)"
	exit 77
fi
# Debian's python3 first: another one earlier in PATH may lack the module.
PY=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 &&
	    "$p" -c 'import websocket' >/dev/null 2>&1; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "SKIP: $TESTNAME: python3 with the websocket module not found" \
	    "(Debian packages python3 python3-websocket)"
	exit 77
fi
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

# browser_done RC SHOT WHAT: keep SHOT and its failure shot in $KEEP, and
# on a non-zero RC fail with the tail of chromium's log.
browser_done() {
	for _f in "$2" "${2%.png}-failure.png"; do
		if [ -f "$_f" ]; then
			cp "$_f" "$KEEP/" && echo "screenshot: $KEEP/$(basename "$_f")"
		fi
	done
	if [ "$1" != 0 ]; then
		echo "--- chromium's log:" >&2
		tail -n 20 "$TMP/chromium.log" >&2
		fail "the browser test$3 failed"
	fi
}
