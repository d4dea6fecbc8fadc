"""docs_test.py: the /docs (Swagger UI) and /redoc (ReDoc) pages in
headless Chromium.

    docs_test.py offline --url http://127.0.0.1:PORT --chromium BIN
        --shot FILE [--deadline S]
    docs_test.py assets --url ... --chromium BIN --openapi FILE
        --shot FILE [--deadline S]

"offline" is a daemon that takes the assets from the CDN, with the CDN
blocked in the browser (so the test means the same on a machine with
internet): both pages must show their plain-HTML notice, naming where
the assets come from and how to serve them locally, with links to
/openapi.json and /ui that answer; and so must /docs with scripts off.
"assets" is a daemon with DOCS_ASSETS_DIR: Swagger UI must show every
operation of the document, ReDoc every operation's heading, and both
must have hidden the notice.  Exit status 0 or 1.
"""

import argparse
import json
import signal
import sys
import time

import websocket

from cdp import Browser, CDPError, StepFailed, report_failure

T0 = time.monotonic()
CDN = "https://cdn.jsdelivr.net/npm/"


def step(text):
    print("  %5.1fs %s" % (time.monotonic() - T0, text), flush=True)


def q(s):
    return json.dumps(s)


# The notice counts as shown when it takes room on the screen, not when
# it is merely in the DOM: hiding it is what the page's script does.
NOTICE_SHOWN = ("(function () { var n = document.getElementById('docs-notice');"
                " if (!n || n.hidden) return false;"
                " var r = n.getBoundingClientRect();"
                " return r.width > 0 && r.height > 0; })()")
NOTICE_TEXT = ("(function () { var n = document.getElementById('docs-notice');"
               " return n ? n.innerText : ''; })()")


def check_notice(b, args, path, source):
    """The notice of the page at path is on screen, says where its assets
    come from (source) and what to do, and links to pages that answer."""
    b.navigate(args.url + path)
    # A script that would hide it has had its chance: the page has loaded
    # and the CDN, blocked, failed at once.
    b.evaluate("new Promise(function (r) { setTimeout(r, 500); })")
    if not b.evaluate(NOTICE_SHOWN):
        raise StepFailed("%s: the notice is not on screen" % path)
    text = b.evaluate(NOTICE_TEXT)
    for want in (source, "DOCS_ASSETS_DIR", "make docs-assets",
                 "swagger-ui-bundle.js", "swagger-ui.css",
                 "redoc.standalone.js", "/openapi.json", "/ui"):
        if want not in text:
            raise StepFailed("%s: the notice does not say %s:\n%s"
                             % (path, q(want), text))
    for href in ("/openapi.json", "/ui"):
        status = b.evaluate(
            "(function () { var a = document.querySelector("
            "'#docs-notice a[href=%s]'); if (!a) return null;"
            " return fetch(a.href).then(function (r) { return r.status; });"
            " })()" % q(href))
        if status != 200:
            raise StepFailed("%s: the link to %s: %s" % (
                path, href, "missing" if status is None else
                "status %s" % status))
    step("%s: the notice, its text and both links" % path)


def run_offline(b, args):
    # Chromium refuses these before any lookup, as a site without internet
    # would; the page cannot tell the difference.
    b.call("Network.enable")
    b.call("Network.setBlockedURLs", {"urls": ["*cdn.jsdelivr.net*"]})
    check_notice(b, args, "/docs", CDN + "swagger-ui-dist@5/")
    check_notice(b, args, "/redoc", CDN + "redoc@2/bundles/")
    b.screenshot(args.shot)
    # No script to hide it: the notice is there by default.
    b.call("Emulation.setScriptExecutionDisabled", {"value": True})
    b.navigate(args.url + "/docs")
    if not b.evaluate(NOTICE_SHOWN) or \
            "DOCS_ASSETS_DIR" not in b.evaluate(NOTICE_TEXT):
        raise StepFailed("/docs with scripts off: no notice")
    b.call("Emulation.setScriptExecutionDisabled", {"value": False})
    step("/docs with scripts off: the notice")


def operations(path):
    """(method, path, operationId, summary) of every operation."""
    with open(path) as f:
        doc = json.load(f)
    ops = []
    for p, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                ops.append((method, p, op["operationId"], op["summary"]))
    return ops


def run_assets(b, args):
    ops = operations(args.openapi)
    # A few the service must always have, so that an empty document or a
    # wrong file cannot pass.
    for must in (("get", "/health"), ("get", "/instances"),
                 ("post", "/instances/{instance_id}/start")):
        if must not in [(m, p) for m, p, _, _ in ops]:
            raise StepFailed("%s %s is not in %s" % (must[0].upper(),
                                                     must[1], args.openapi))

    b.navigate(args.url + "/docs")
    b.wait_for("Swagger UI shows the operations",
               "document.querySelectorAll('#swagger-ui .opblock').length >= %d"
               % len(ops))
    for method, p, _, _ in ops:
        sel = ".opblock.opblock-%s .opblock-summary-path[data-path=%s]" % (
            method, q(p))
        if not b.evaluate("!!document.querySelector(%s)" % q(sel)):
            raise StepFailed("/docs: no operation %s %s" % (method.upper(), p))
    b.wait_for("/docs: the notice is hidden", "!" + NOTICE_SHOWN)
    step("/docs: Swagger UI shows all %d operations, the notice is hidden"
         % len(ops))
    b.screenshot(args.shot)

    b.navigate(args.url + "/redoc")
    b.wait_for("ReDoc shows the operations",
               "document.querySelectorAll('[data-section-id^=\"operation/\"]')"
               ".length >= %d" % len(ops))
    for _, p, opid, summary in ops:
        head = b.evaluate(
            "(function () { var s = document.querySelector(%s);"
            " var h = s && s.querySelector('h2');"
            " return h ? h.textContent.trim() : null; })()"
            % q('[data-section-id="operation/%s"]' % opid))
        if head != summary:
            raise StepFailed("/redoc: operation %s (%s): heading %s, want %s"
                             % (opid, p, q(head), q(summary)))
    b.wait_for("/redoc: the notice is hidden", "!" + NOTICE_SHOWN)
    step("/redoc: ReDoc shows all %d operation headings, the notice is "
         "hidden" % len(ops))
    if b.exceptions:
        raise StepFailed("script errors: %s" % "; ".join(b.exceptions))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("offline", "assets"))
    p.add_argument("--url", required=True)
    p.add_argument("--chromium", default="chromium")
    p.add_argument("--shot", required=True)
    p.add_argument("--openapi")
    p.add_argument("--deadline", type=float, default=20)
    p.add_argument("--chromium-log")
    args = p.parse_args()
    args.url = args.url.rstrip("/")
    if args.mode == "assets" and not args.openapi:
        p.error("assets needs --openapi")

    # Killed from outside: still close the browser (finally, below).
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    try:
        b = Browser(args.chromium, 1100, 700, args.chromium_log,
                    args.deadline)
    except (CDPError, OSError, websocket.WebSocketException) as e:
        print("FAIL: could not drive chromium: %s" % e, file=sys.stderr)
        return 1
    step("chromium is up")
    try:
        (run_offline if args.mode == "offline" else run_assets)(b, args)
    except (StepFailed, CDPError, OSError, ValueError, KeyError,
            websocket.WebSocketException) as e:
        report_failure(b, e, args.shot)
        return 1
    finally:
        b.close()
    step("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
