"""cdp.py: a small Chrome DevTools Protocol client for the browser tests.

It starts headless Chromium with a new profile in a temporary directory,
reads the DevTools address from DevToolsActivePort, attaches to the page
and offers what a test needs: navigate, evaluate, wait for a condition
with a deadline, click and type like a user (real input events at the
element's place), and screenshots.  Only python3 and python3-websocket,
both Debian packages.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import websocket


class CDPError(Exception):
    """The browser refused a command, or did not answer in time."""


class StepFailed(Exception):
    """A condition the test waited for did not come before the deadline."""


class Browser:
    """Headless Chromium and one page of it."""

    def __init__(self, binary, width=1100, height=700, log_path=None,
                 timeout=30.0):
        self.timeout = timeout
        self.next_id = 0
        self.exceptions = []
        self.console = []
        self.crashed = False
        self.dir = tempfile.mkdtemp(prefix="solar-chromium.")
        args = [binary,
                "--headless", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--disable-default-apps",
                "--disable-dev-shm-usage", "--mute-audio",
                "--password-store=basic", "--use-mock-keychain",
                "--user-data-dir=" + self.dir,
                "--remote-debugging-port=0",
                "--window-size=%d,%d" % (width, height),
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        self.log = open(log_path or os.devnull, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        try:
            self.ws = websocket.create_connection(
                self._devtools_url(), timeout=timeout, suppress_origin=True)
            self.session = self._attach()
            for domain in ("Page", "Runtime", "Log"):
                self.call(domain + ".enable")
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height,
                       "deviceScaleFactor": 1, "mobile": False})
        except Exception:
            self.close()
            raise

    def _devtools_url(self):
        """Chromium writes its port and path once it listens."""
        path = os.path.join(self.dir, "DevToolsActivePort")
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise CDPError("chromium exited with status %d before it "
                               "listened" % self.proc.returncode)
            try:
                with open(path) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                    return "ws://127.0.0.1:%s%s" % (lines[0].strip(),
                                                    lines[1].strip())
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise CDPError("chromium did not write DevToolsActivePort in %gs"
                       % self.timeout)

    def _attach(self):
        targets = self.call("Target.getTargets", session=False)
        pages = [t for t in targets.get("targetInfos", [])
                 if t.get("type") == "page"]
        if pages:
            target = pages[0]["targetId"]
        else:
            target = self.call("Target.createTarget", {"url": "about:blank"},
                               session=False)["targetId"]
        return self.call("Target.attachToTarget",
                         {"targetId": target, "flatten": True},
                         session=False)["sessionId"]

    def close(self):
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                self.call("Browser.close", session=False, timeout=5)
            except Exception:
                pass
            try:
                ws.close()
            except Exception:
                pass
            self.ws = None
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Its helpers (zygote, renderer) are in the group it leads.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the protocol ---------------------------------------------------

    def call(self, method, params=None, session=True, timeout=None):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        end = time.monotonic() + (timeout or self.timeout)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise CDPError("%s: no answer in time" % method)
            self.ws.settimeout(left)
            try:
                raw = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                raise CDPError("%s: no answer in time" % method)
            m = json.loads(raw)
            if m.get("id") == mid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method,
                                               m["error"].get("message")))
                return m.get("result", {})
            if "method" in m:
                self._event(m)

    def _event(self, m):
        method, p = m["method"], m.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text")
            self.exceptions.append("%s (line %s)" % (text, d.get("lineNumber")))
        elif method == "Runtime.consoleAPICalled" and \
                p.get("type") in ("error", "warning"):
            args = [a.get("value", a.get("description", ""))
                    for a in p.get("args", [])]
            self.console.append("console.%s: %s" % (
                p["type"], " ".join(str(a) for a in args)))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            if e.get("level") in ("error", "warning"):
                self.console.append("%s %s: %s %s" % (
                    e.get("source"), e.get("level"), e.get("text"),
                    e.get("url", "")))
        elif method in ("Inspector.targetCrashed", "Target.targetCrashed"):
            self.crashed = True

    # --- what a test does ------------------------------------------------

    def navigate(self, url):
        self.call("Page.navigate", {"url": url})
        self.wait_for("the page loads",
                      "document.readyState === 'complete' && "
                      "location.href === %s" % json.dumps(url))

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate",
                      {"expression": expr, "returnByValue": True,
                       "awaitPromise": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("evaluate: %s" % (
                d.get("exception", {}).get("description") or d.get("text")))
        return r.get("result", {}).get("value")

    def wait_for(self, what, expr, timeout=None):
        """Evaluate expr until it is truthy; its value, or StepFailed."""
        end = time.monotonic() + (timeout or self.timeout)
        last = None
        while True:
            if self.crashed:
                raise StepFailed("%s: the page crashed" % what)
            try:
                v = self.evaluate(expr)
            except CDPError as e:
                v, last = None, e
            if v:
                return v
            if time.monotonic() >= end:
                raise StepFailed("%s: not within %gs%s" % (
                    what, timeout or self.timeout,
                    " (%s)" % last if last else ""))
            time.sleep(0.1)

    def _target(self, selector, what):
        """Wait until selector names a visible, enabled element that is not
        covered, and return the middle of it."""
        js = """(function (sel) {
            var e = document.querySelector(sel);
            if (!e) return null;
            if (e.disabled) return null;
            e.scrollIntoView({block: 'nearest', inline: 'nearest'});
            var r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) return null;
            var x = r.left + r.width / 2, y = r.top + r.height / 2;
            var hit = document.elementFromPoint(x, y);
            if (!hit || !(hit === e || e.contains(hit))) return null;
            return {x: x, y: y};
        })(%s)""" % json.dumps(selector)
        return self.wait_for("%s (%s) can be clicked" % (what, selector), js)

    def click(self, selector, what=None):
        pos = self._target(selector, what or selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            p = {"type": kind, "x": pos["x"], "y": pos["y"]}
            if kind != "mouseMoved":
                p.update({"button": "left", "clickCount": 1})
            self.call("Input.dispatchMouseEvent", p)

    def type(self, selector, text, what=None):
        """Click into a field, select what is there, type text over it."""
        self.click(selector, what)
        self.evaluate("(function (e) { e.focus(); e.select(); })"
                      "(document.querySelector(%s))" % json.dumps(selector))
        for i, part in enumerate(text.split("\n")):
            if i > 0:
                self.key("Enter", 13)
            if part:
                self.call("Input.insertText", {"text": part})

    def key(self, name, code):
        base = {"key": name, "code": name, "windowsVirtualKeyCode": code,
                "nativeVirtualKeyCode": code}
        down = dict(base, type="keyDown", text="\r" if name == "Enter" else "")
        self.call("Input.dispatchKeyEvent", down)
        self.call("Input.dispatchKeyEvent", dict(base, type="keyUp"))

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return path


def report_failure(b, error, shot):
    """What a failed step leaves for the reader: the error, a screenshot
    beside SHOT, the page's text, and what the page logged."""
    print("FAIL: %s" % error, file=sys.stderr)
    fail_shot = os.path.splitext(shot)[0] + "-failure.png"
    try:
        b.screenshot(fail_shot)
        print("failure screenshot: %s" % fail_shot, file=sys.stderr)
        text = b.evaluate("document.body.innerText")
        print("--- page text:\n%s" % (text or "")[:3000], file=sys.stderr)
    except Exception:
        pass
    for line in b.exceptions + b.console:
        print("page: %s" % line, file=sys.stderr)
