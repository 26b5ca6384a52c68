"""Firefox and WebKit for the cross-engine tests (test_every_engine.py).

Playwright drives only its own patched Firefox and WebKit builds, which cannot
be had here, so the stock Debian browsers are driven otherwise:

- Firefox ESR: puppeteer-core over WebDriver BiDi, from a small Node process
  (firefox_driver.mjs) this module talks to one JSON line at a time.
- WebKitGTK: Selenium with WebKitWebDriver, which starts MiniBrowser in
  automation mode on an Xvfb display this module starts.

Both sit behind one small interface (Driver), so that each cross-engine case
is written once. What each driver can see of a page's errors and requests
differs; docs/browsers.md says what each guard covers.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import queue
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol

HERE = Path(__file__).resolve().parent
FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
PAGE_GUARD = (HERE / "page_guard.js").read_text()
COMMAND_TIMEOUT_S = 180.0

# Firefox's own traffic (updates, telemetry, remote settings, captive portal
# checks) would be noise on a closed network; none of it is the page's.
FIREFOX_PREFS: dict[str, Any] = {
    "ui.prefersReducedMotion": 1,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
}


@dataclass
class Events:
    """What a driver saw a page do: uncaught errors, and the URL of every
    request (the test decides which are outside the site)."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Driver(Protocol):
    """The few things a cross-engine case does with a browser."""

    name: str

    def new_page(self, width: int, height: int) -> None: ...
    def goto(self, url: str) -> None: ...
    def evaluate(self, source: str, *args: Any) -> Any: ...
    def click(self, selector: str) -> None: ...
    def type(self, selector: str, text: str) -> None: ...
    def press(self, selector: str, key: str) -> None: ...
    def upload(self, selector: str, path: Path) -> None: ...
    def drag(self, selector: str, points: list[tuple[float, float]]) -> None: ...
    def viewport(self, width: int, height: int) -> None: ...
    def screenshot(self, path: Path) -> None: ...
    def events(self) -> Events: ...
    def root_pid(self) -> int: ...
    def quit(self) -> None: ...


# ------------------------------------------------------------------ Firefox


class FirefoxDriver:
    """Firefox ESR through firefox_driver.mjs (puppeteer-core, WebDriver BiDi)."""

    name = "firefox"

    def __init__(self, repo_root: Path, log: IO[str]) -> None:
        if not Path(FIREFOX).is_file():
            raise FileNotFoundError(f"{FIREFOX} is missing: scripts/setup.sh --test installs it")
        self.process = subprocess.Popen(
            ["node", str(HERE / "firefox_driver.mjs")],
            cwd=repo_root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        self.call("launch", executablePath=FIREFOX, prefs=FIREFOX_PREFS)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.answers.put(line)
        self.answers.put("")

    def call(self, cmd: str, **args: Any) -> Any:
        self.next_id += 1
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"id": self.next_id, "cmd": cmd, "args": args}) + "\n")
        self.process.stdin.flush()
        try:
            line = self.answers.get(timeout=COMMAND_TIMEOUT_S)
        except queue.Empty:
            raise TimeoutError(f"firefox_driver.mjs gave no answer to {cmd}") from None
        if not line:
            raise RuntimeError(f"firefox_driver.mjs stopped during {cmd}")
        answer = json.loads(line)
        assert answer["id"] == self.next_id
        if not answer["ok"]:
            raise RuntimeError(f"Firefox: {cmd} failed: {answer['error']}")
        return answer["value"]

    def new_page(self, width: int, height: int) -> None:
        self.call("newPage", width=width, height=height, guard=PAGE_GUARD)

    def goto(self, url: str) -> None:
        self.call("goto", url=url)

    def evaluate(self, source: str, *args: Any) -> Any:
        return self.call("evaluate", source=source, args=list(args))

    def click(self, selector: str) -> None:
        self.call("click", selector=selector)

    def type(self, selector: str, text: str) -> None:
        self.call("type", selector=selector, text=text)

    def press(self, selector: str, key: str) -> None:
        self.call("press", selector=selector, key=key)

    def upload(self, selector: str, path: Path) -> None:
        self.call("upload", selector=selector, path=str(path))

    def drag(self, selector: str, points: list[tuple[float, float]]) -> None:
        self.call("drag", selector=selector, points=[list(p) for p in points])

    def viewport(self, width: int, height: int) -> None:
        self.call("viewport", width=width, height=height)

    def screenshot(self, path: Path) -> None:
        self.call("screenshot", path=str(path), fullPage=True)

    def events(self) -> Events:
        seen = self.call("events")
        return Events(list(seen["errors"]), list(seen["requests"]))

    def root_pid(self) -> int:
        return self.process.pid

    def quit(self) -> None:
        with contextlib.suppress(Exception):
            self.call("quit")
        self.process.wait(timeout=30)


# ------------------------------------------------------------------- WebKit


class RecordingProxy:
    """The HTTP proxy WebKit is started with: it forwards requests for this
    machine's loopback servers and refuses (and records) every other one.
    WebKitWebDriver has no network events, so this is how the tests see every
    request WebKit makes, the worker's included."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            hop_by_hop: ClassVar[set[str]] = {
                "connection", "keep-alive", "proxy-connection", "transfer-encoding",
            }  # fmt: skip

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_CONNECT(self) -> None:
                proxy.record(f"https://{self.path}")
                self.send_error(403, "the tests allow no request outside the site")

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                proxy.record(self.path)
                target = urllib.parse.urlsplit(self.path)
                if target.scheme != "http" or target.hostname not in ("127.0.0.1", "localhost"):
                    self.send_error(403, "the tests allow no request outside the site")
                    return
                self.forward(target)

            def forward(self, target: urllib.parse.SplitResult) -> None:
                path = target.path + (f"?{target.query}" if target.query else "")
                connection = http.client.HTTPConnection(target.netloc, timeout=60)
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in self.hop_by_hop
                }
                connection.request(self.command, path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                self.send_response(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in self.hop_by_hop | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                connection.close()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def record(self, url: str) -> None:
        with self.lock:
            self.seen.append(url)

    def take(self) -> list[str]:
        with self.lock:
            seen, self.seen = self.seen, []
        return seen

    def close(self) -> None:
        self.httpd.shutdown()


@contextlib.contextmanager
def xvfb(log: IO[str]) -> Iterator[str]:
    """A private X display for MiniBrowser, which needs one even when nobody looks."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1920x1200x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=log,
        stderr=log,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        raise RuntimeError("Xvfb did not start (see the engines log)")
    try:
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(timeout=10)


ASYNC_CALL = """
const done = arguments[arguments.length - 1];
const fn = (%s);
Promise.resolve()
  .then(() => fn(...arguments[0]))
  .then((value) => done({ ok: true, value }), (err) => done({ ok: false, error: String(err) }));
"""


class WebKitDriver:
    """MiniBrowser through WebKitWebDriver (Selenium), behind RecordingProxy."""

    name = "webkit"

    def __init__(self, display: str, log: IO[str]) -> None:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        for path in (WEBKIT_DRIVER, MINIBROWSER):
            if not Path(path).is_file():
                raise FileNotFoundError(f"{path} is missing: scripts/setup.sh --test installs it")
        self.proxy = RecordingProxy()
        options = Options()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        options.add_argument(f"--proxy={self.proxy.address}")
        env = {**os.environ, "DISPLAY": display}
        service = Service(executable_path=WEBKIT_DRIVER, log_output=log, env=env)
        self.driver = webdriver.WebKitGTK(service=service, options=options)
        self.driver.set_script_timeout(COMMAND_TIMEOUT_S)
        self.driver.set_page_load_timeout(COMMAND_TIMEOUT_S)

    def element(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def new_page(self, width: int, height: int) -> None:
        self.driver.get("about:blank")
        self.viewport(width, height)
        self.proxy.take()

    def goto(self, url: str) -> None:
        self.driver.get(url)
        self.driver.execute_script(PAGE_GUARD)

    def evaluate(self, source: str, *args: Any) -> Any:
        answer = self.driver.execute_async_script(ASYNC_CALL % source, list(args))
        if not answer["ok"]:
            raise RuntimeError(f"WebKit: script failed: {answer['error']}")
        return answer["value"]

    def click(self, selector: str) -> None:
        self.element(selector).click()

    def type(self, selector: str, text: str) -> None:
        self.element(selector).send_keys(text)

    def press(self, selector: str, key: str) -> None:
        from selenium.webdriver.common.keys import Keys

        named = {"ArrowUp": Keys.ARROW_UP, "ArrowDown": Keys.ARROW_DOWN, "Enter": Keys.ENTER}
        self.element(selector).send_keys(named.get(key, key))

    def upload(self, selector: str, path: Path) -> None:
        self.element(selector).send_keys(str(path))

    def drag(self, selector: str, points: list[tuple[float, float]]) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        element = self.element(selector)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        width, height = element.size["width"], element.size["height"]

        def offset(p: tuple[float, float]) -> tuple[int, int]:
            # Selenium's offsets are from the element's centre.
            return round((p[0] - 0.5) * width), round((p[1] - 0.5) * height)

        chain = ActionChains(self.driver).move_to_element_with_offset(element, *offset(points[0]))
        chain.click_and_hold()
        for p in points[1:]:
            chain.move_to_element_with_offset(element, *offset(p))
        chain.release().perform()

    def viewport(self, width: int, height: int) -> None:
        """The window is sized so that the page's viewport is width x height."""
        self.driver.set_window_size(width, height)
        inner = self.driver.execute_script("return [innerWidth, innerHeight]")
        self.driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])

    def screenshot(self, path: Path) -> None:
        self.driver.save_screenshot(str(path))

    def events(self) -> Events:
        return Events([], self.proxy.take())

    def root_pid(self) -> int:
        pid: int = self.driver.service.process.pid
        return pid

    def quit(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()
        self.proxy.close()


def descendants(root: int) -> list[int]:
    """Every process below `root` (the browser and its content processes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def busy_cores(driver: Driver, seconds: float = 3.0) -> float:
    """How many cores the browser used, on average, over the next `seconds`:
    a worker still running after it was terminated shows here, where the
    page cannot see it."""
    pids = descendants(driver.root_pid())
    before = cpu_seconds(pids)
    time.sleep(seconds)
    return (cpu_seconds(pids) - before) / seconds


def wait_until(check: Any, timeout_s: float, what: str, every_s: float = 0.1) -> Any:
    """Poll `check()` until it returns something true; fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(every_s)
