"""ui_test.py: drives the dashboard (GET /ui) in headless Chromium.

    ui_test.py test --url http://127.0.0.1:PORT --key KEY --chromium BIN
        --shot FILE --model FILE --buffer N [--deadline S]
    ui_test.py shot --url ... --key KEY --chromium BIN --shot FILE
        [--select ALIAS]

"test" goes through the page as a person would: a wrong key, then the
right one; a new instance through the form; start; running; log lines;
the live phase; pause and resume of the tail across lost lines (the
marker); stop; stopped; and status changes made behind the page's back
showing within the poll.  Every step waits for a condition in the DOM
with a deadline.  "shot" only enters the key, selects an instance and
takes a screenshot (for the README's picture).  Exit status 0 or 1.
"""

import argparse
import json
import signal
import sys
import time
import urllib.request

import websocket

from cdp import Browser, CDPError, StepFailed, report_failure

T0 = time.monotonic()


def step(text):
    print("  %5.1fs %s" % (time.monotonic() - T0, text), flush=True)


def q(s):
    return json.dumps(s)


def row(inst_id, rest=""):
    return 'tbody tr[data-id="%s"]%s' % (inst_id, rest)


def cell_text(inst_id, col):
    return ("(function () { var c = document.querySelector(%s); "
            "return c ? c.textContent : null; })()"
            % q(row(inst_id, ' td[data-col="%s"]' % col)))


def status_is(inst_id, status):
    return ("(function () { var c = document.querySelector(%s); "
            "return !!c && c.dataset.status === %s; })()"
            % (q(row(inst_id, ' td[data-col="status"]')), q(status)))


def api(args, method, path):
    req = urllib.request.Request(args.url + path, method=method,
                                 headers={"X-API-Key": args.key})
    with urllib.request.urlopen(req, timeout=args.deadline) as r:
        return json.loads(r.read().decode())


def wait_server_seq(args, inst_id, seq):
    """Block until solar-host holds line seq of the instance: its log
    WebSocket with ?since=seq sends nothing before that line exists."""
    url = "%s/instances/%s/logs?since=%d" % (
        args.url.replace("http://", "ws://", 1), inst_id, seq)
    ws = websocket.create_connection(url, timeout=args.deadline,
                                     header=["X-API-Key: " + args.key],
                                     suppress_origin=True)
    try:
        m = json.loads(ws.recv())
    except websocket.WebSocketTimeoutException:
        raise StepFailed("solar-host did not reach line %d in %gs"
                         % (seq, args.deadline))
    finally:
        ws.close()
    if m.get("seq", -1) < seq:
        raise StepFailed("asked for lines from %d, got %s" % (seq, m))


def enter_key(b, args):
    b.navigate(args.url + "/ui")
    b.wait_for("the key dialog shows",
               "!document.getElementById('key-dialog').hidden")


def run_test(b, args):
    alias = "ui-test"
    enter_key(b, args)
    step("the page asks for the key")
    b.type("#key-input", "not-the-key", "the key field")
    b.click("#key-submit", "Connect")
    b.wait_for("a wrong key is refused",
               "/refused/.test(document.getElementById('key-msg').textContent)"
               " && !document.getElementById('key-dialog').hidden")
    step("a wrong key is refused, the dialog stays")
    b.type("#key-input", args.key, "the key field")
    b.click("#key-submit", "Connect")
    b.wait_for("the right key is taken",
               "document.getElementById('key-dialog').hidden && "
               "!document.getElementById('empty').hidden && "
               "sessionStorage.getItem('solar-host.api-key') === %s"
               % q(args.key))
    step("the key is taken and kept in sessionStorage; no instances yet")

    b.click("#new-btn", "New instance")
    b.wait_for("the form opens", "!document.getElementById('form-dialog').hidden")
    defaults = {"threads": "1", "n_gpu_layers": "999", "ctx_size": "131072",
                "temp": "1.0", "top_p": "1.0", "top_k": "0", "min_p": "0.0",
                "host": "0.0.0.0", "port": "", "chat_template_file": "",
                "extra_args": "", "env": ""}
    got = b.evaluate("(function (names) { var o = {}; names.forEach(function (n) "
                     "{ o[n] = document.getElementById('f-' + n).value; }); "
                     "o.special = document.getElementById('f-special').checked; "
                     "return o; })(%s)" % q(list(defaults)))
    want = dict(defaults, special=False)
    if got != want:
        raise StepFailed("form defaults: %s, want %s" % (got, want))
    step("the form shows every field with its default")
    b.type("#f-model", args.model, "model")
    b.type("#f-alias", alias, "alias")
    b.type("#f-api_key", "instance-key-1", "instance key")
    b.type("#f-extra_args", "--flash-attn\non", "extra_args")
    b.type("#f-env", "GGML_UI_TEST=1\nOMP_NUM_THREADS=2", "env")
    b.click("#form-submit", "Create")
    inst_id = b.wait_for(
        "the new instance shows, stopped",
        "(function () { var r = Array.from(document.querySelectorAll("
        "'tbody tr')).find(function (r) { return r.querySelector("
        "'.alias').textContent === %s; }); return r && "
        "r.querySelector('td[data-col=status]').dataset.status === "
        "'stopped' && document.getElementById('form-dialog').hidden ? "
        "r.dataset.id : null; })()" % q(alias))
    step("created through the form: %s, stopped" % inst_id)

    b.click(row(inst_id, ' td[data-col="alias"]'), "the instance's row")
    b.wait_for("its log is followed",
               "document.getElementById('log-title').textContent.indexOf(%s)"
               " >= 0 && document.getElementById('log-state').textContent "
               "=== 'live'" % q(alias))
    step("selected; the log tail is connected")

    b.click(row(inst_id, ' button[data-op="start"]'), "Start")
    b.wait_for("the status cell says running", status_is(inst_id, "running"))
    pid = b.evaluate(cell_text(inst_id, "pid"))
    port = b.evaluate(cell_text(inst_id, "port"))
    if not (pid or "").isdigit() or not (port or "").isdigit():
        raise StepFailed("running without pid or port: pid %r port %r"
                         % (pid, port))
    step("running (pid %s, port %s)" % (pid, port))

    b.wait_for("log lines arrive in the tail",
               "(function () { var t = Array.from(document.querySelectorAll("
               "'#log .ln'), function (e) { return e.textContent; }); "
               "return t.some(function (l) { return /listening on/.test(l); })"
               " && t.filter(function (l) { return /fake line/.test(l); })"
               ".length >= 5; })()")
    step("log lines arrive")
    b.wait_for("the live phase and tokens per second show",
               "%s === 'generating' && %s === '31.3'"
               % (cell_text(inst_id, "phase"), cell_text(inst_id, "tps")))
    step("phase generating at 31.3 tok/s, from the state WebSocket")
    b.wait_for("the uptime shows", "/[0-9]/.test(%s)"
               % cell_text(inst_id, "uptime"))
    b.screenshot(args.shot)
    step("screenshot: %s" % args.shot)

    b.click("#log-pause", "Pause")
    paused = b.wait_for("the tail pauses",
                        "(function () { var l = document.getElementById('log');"
                        " return l.dataset.paused === '1' && /^paused/.test("
                        "document.getElementById('log-state').textContent) ? "
                        "Number(l.dataset.lastSeq) : null; })()")
    # Past what solar-host holds (LOG_BUFFER_SIZE): lines will be lost.
    target = paused + args.buffer + 20
    wait_server_seq(args, inst_id, target)
    step("paused at seq %d; solar-host has gone on to %d" % (paused, target))
    b.click("#log-pause", "Resume")
    gap = b.wait_for("a marker shows the lost lines",
                     "(function () { var g = document.querySelector('#log .gap');"
                     " return g && Number(document.getElementById('log')"
                     ".dataset.lastSeq) >= %d ? g.textContent : null; })()"
                     % target)
    if "lost" not in gap or "seq %d" % (paused + 1) not in gap:
        raise StepFailed("gap marker %r, want lines from seq %d"
                         % (gap, paused + 1))
    step("resumed; marker: %s" % gap.strip("\u22ef "))

    b.click(row(inst_id, ' button[data-op="stop"]'), "Stop")
    b.wait_for("the status cell says stopped", status_is(inst_id, "stopped"))
    b.wait_for("no pid once stopped", "%s === '\u2014'"
               % cell_text(inst_id, "pid"))
    step("stopped")

    # Changes made behind the page's back show within the poll (1 s).
    for action, status in (("start", "running"), ("stop", "stopped")):
        api(args, "POST", "/instances/%s/%s" % (inst_id, action))
        t = time.monotonic()
        b.wait_for("%s by the API shows" % action, status_is(inst_id, status),
                   timeout=3)
        step("%s through the API: on the page after %.2fs"
             % (action, time.monotonic() - t))

    # The key lasts as long as the tab; one that stops working is asked for.
    b.navigate(args.url + "/ui")
    b.wait_for("a reload needs no key", "document.getElementById('key-dialog')"
               ".hidden && %s" % status_is(inst_id, "stopped"))
    b.evaluate("sessionStorage.setItem('solar-host.api-key', 'stale-key')")
    b.navigate(args.url + "/ui")
    b.wait_for("a key that stopped working is asked for again",
               "!document.getElementById('key-dialog').hidden && /refused/.test("
               "document.getElementById('key-msg').textContent) && "
               "sessionStorage.getItem('solar-host.api-key') === null")
    step("reloaded: the kept key works; a stale one brings the dialog back")

    if b.exceptions:
        raise StepFailed("the page threw: %s" % "; ".join(b.exceptions))


def run_shot(b, args):
    enter_key(b, args)
    b.type("#key-input", args.key, "the key field")
    b.click("#key-submit", "Connect")
    b.wait_for("the instances show", "document.getElementById('key-dialog')"
               ".hidden && document.querySelectorAll('tbody tr').length > 0")
    if args.select:
        sel = b.wait_for("the instance %s" % args.select,
                         "(function () { var r = Array.from(document."
                         "querySelectorAll('tbody tr')).find(function (r) { "
                         "return r.querySelector('.alias').textContent === %s;"
                         " }); return r ? r.dataset.id : null; })()"
                         % q(args.select))
        b.click(row(sel, ' td[data-col="alias"]'), args.select)
        b.wait_for("its log lines", "document.querySelectorAll('#log .ln')"
                   ".length >= %d" % args.lines)
    # Two polls, so that every live figure is in.
    b.evaluate("new Promise(function (r) { setTimeout(r, 2100); })")
    b.screenshot(args.shot)
    print(args.shot)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("test", "shot"))
    p.add_argument("--url", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--chromium", default="chromium")
    p.add_argument("--shot", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--buffer", type=int, default=1000)
    p.add_argument("--deadline", type=float, default=20)
    p.add_argument("--select")
    p.add_argument("--lines", type=int, default=1)
    p.add_argument("--size", default="1100x700")
    p.add_argument("--chromium-log")
    args = p.parse_args()
    args.url = args.url.rstrip("/")
    w, h = (int(x) for x in args.size.split("x"))

    # Killed from outside: still close the browser (finally, below).
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    try:
        b = Browser(args.chromium, w, h, args.chromium_log, args.deadline)
    except (CDPError, OSError, websocket.WebSocketException) as e:
        print("FAIL: could not drive chromium: %s" % e, file=sys.stderr)
        return 1
    step("chromium is up")
    try:
        (run_test if args.mode == "test" else run_shot)(b, args)
    except (StepFailed, CDPError, OSError, websocket.WebSocketException) as e:
        report_failure(b, e, args.shot)
        return 1
    finally:
        b.close()
    for line in b.console:
        print("  page: %s" % line)
    step("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
