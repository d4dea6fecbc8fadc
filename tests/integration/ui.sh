#!/bin/sh
# ui.sh: the dashboard at /ui in a real browser.  Headless Chromium, driven
# over the DevTools protocol by tests/browser/ui_test.py (python3 and
# python3-websocket), goes through the page against a daemon running the
# fake llama-server: the key, a new instance through the form, start,
# running, log lines in the tail, the live phase, a marker where lines were
# lost, stop, stopped, and changes made elsewhere showing within the poll.
# The screenshot it takes is copied to tests/browser/ui-screenshot.png in
# the build tree.  Without chromium or the driver's packages: skipped (77).
. "$(dirname "$0")/lib.sh"

BEGAN=$(date +%s)
. "$top_srcdir/tests/integration/browser.sh"

# The lines a busy llama-server prints: the page shows phase and tok/s.
printf '%s\n' \
    '0.00.203.770 I slot launch_slot_: id  3 | task 0 | processing task, is_child = 0' \
    '0.08.502.013 I slot print_timing: id  3 | task 0 | n_gen =    100, tg =  32.12 t/s, tg_3s =  31.26 t/s' \
    >"$TMP/generating.log"

BUFFER=100
LOG_BUFFER_SIZE=$BUFFER ALLOW_EXTRA_ARGS=true start_daemon
# What the fake prints, set beside the model that the form names.
fake_model "FAKE_SCRIPT=$TMP/generating.log" FAKE_LINES=3000 FAKE_LINE_MS=10
req GET /ui
expect_code 200 "GET /ui without a key"
grep -q 'id="key-dialog"' "$TMP/body" || fail "/ui is not the dashboard: $(head -c 200 "$TMP/body")"

SHOT=$TMP/ui-screenshot.png
KEEP=$top_builddir/tests/browser
mkdir -p "$KEEP"
rm -f "$KEEP/ui-screenshot.png" "$KEEP/ui-screenshot-failure.png"
echo "driving $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1)) with $PY"
"$PY" "$top_srcdir/tests/browser/ui_test.py" test \
    --url "http://127.0.0.1:$PORT" --key "$KEY" --chromium "$CHROMIUM" \
    --shot "$SHOT" --model "$MODEL" --buffer "$BUFFER" \
    --deadline "$DEADLINE" --chromium-log "$TMP/chromium.log"
browser_done $? "$SHOT" ""

# What the form sent: every field with the type the API wants.
api GET /instances
expect_code 200 "the instances"
WANT='"model":"'"$MODEL"'","alias":"ui-test","threads":1,"n_gpu_layers":999,"temp":1.0,"top_p":1.0,"top_k":0,"min_p":0.0,"ctx_size":131072,"chat_template_file":null,"host":"0.0.0.0","port":null,"api_key":"instance-key-1","special":false,"extra_args":["--flash-attn","on"],"env":{"GGML_UI_TEST":"1","OMP_NUM_THREADS":"2"}'
case $BODY in
*"$WANT"*) ;;
*) fail "the form's config: $BODY" ;;
esac
[ "$(jqb '.[0].status')" = stopped ] || fail "left $(jqb '.[0].status')"
pass "dashboard in chromium: key, form, start, logs, lost-line marker, stop ($(( $(date +%s) - BEGAN ))s)"
