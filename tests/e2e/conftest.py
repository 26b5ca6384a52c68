"""Browser fixtures: Debian's Chromium through Playwright, the built site
served from 127.0.0.1 under a sub-path (as GitHub Pages serves a project),
and every test run twice, over http and from file://. Firefox and WebKit
(engines.py) run the cross-engine cases, in both modes too.

A test fails on any page error and on any request that leaves the site.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route

from tests.e2e.axe_helpers import Finding, axe_script, axe_source, summary
from tests.e2e.engines import Driver, FirefoxDriver, WebKitDriver, wait_until, xvfb

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SUBPATH = "/convcore/"
READY = "html[data-engine=python][data-state=ready]"
ENGINE_TIMEOUT_MS = 60_000


class _Handler(http.server.SimpleHTTPRequestHandler):
    types: ClassVar[dict[str, str]] = {
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".whl": "application/zip",
    }

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return self.types.get(Path(path).suffix) or super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def translate_path(self, path: str) -> str:
        # Serve the site only below SUBPATH, like https://user.github.io/convcore/.
        if path.startswith(SUBPATH):
            return super().translate_path("/" + path[len(SUBPATH) :])
        return super().translate_path("/__outside_the_site__")


@dataclass
class Server:
    host: str
    port: int
    root: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}{SUBPATH}"


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, Server]:
    handler = functools.partial(_Handler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, Server("127.0.0.1", httpd.server_address[1], directory)


@pytest.fixture(scope="session")
def site_server(site_dir: Path) -> Iterator[Server]:
    httpd, server = serve(site_dir)
    yield server
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (never a downloaded browser), quiet on a closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-gpu",
        ],
    }


@pytest.fixture(params=["http", "file"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Guard:
    """What a page did that a test must fail on."""

    page_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    allowed_errors: list[re.Pattern[str]] = field(default_factory=list)

    def allow_error(self, pattern: str) -> None:
        """A test that provokes a page error on purpose names it here."""
        self.allowed_errors.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.page_errors if not any(p.search(e) for p in self.allowed_errors)]


def is_inside(url: str, server: Server) -> bool:
    return url.startswith((server.base, "file://", "data:", "blob:", "about:"))


@pytest.fixture
def guard(context: BrowserContext, site_server: Server) -> Iterator[Guard]:
    guard = Guard()

    def on_route(route: Route) -> None:
        url = route.request.url
        if is_inside(url, site_server):
            route.continue_()
        else:
            guard.outside.append(url)
            route.abort()

    def on_request(request: Request) -> None:
        if not is_inside(request.url, site_server):
            guard.outside.append(request.url)

    context.route("**/*", on_route)
    context.on("request", on_request)
    context.on("weberror", lambda error: guard.page_errors.append(str(error.error)))
    yield guard
    assert guard.outside == [], f"requests left the site: {guard.outside}"
    assert guard.unexpected_errors() == [], f"page errors: {guard.unexpected_errors()}"


@dataclass
class Site:
    """Opens pages of the built site in one mode (http or file)."""

    page: Page
    mode: str
    server: Server
    guard: Guard

    def url(self, path: str = "index.html") -> str:
        if self.mode == "http":
            return self.server.base + path
        return (self.server.root / path).as_uri() if "#" not in path else self._file_url(path)

    def _file_url(self, path: str) -> str:
        name, _, fragment = path.partition("#")
        return (self.server.root / name).as_uri() + "#" + fragment

    def open(self, path: str = "index.html", wait: str | None = READY) -> Page:
        self.page.goto(self.url(path))
        if wait:
            self.page.wait_for_selector(wait, state="attached", timeout=ENGINE_TIMEOUT_MS)
        return self.page

    def wait_ready(self) -> None:
        self.page.wait_for_selector(READY, state="attached", timeout=ENGINE_TIMEOUT_MS)


@pytest.fixture
def site(page: Page, mode: str, site_server: Server, guard: Guard) -> Site:
    """The site, opened in the browser over http (under /convcore/) and from file://."""
    return Site(page, mode, site_server, guard)


# axe's moderate and minor findings, gathered over the run and listed at its end.
AXE_REPORTED = pytest.StashKey[list[Finding]]()


@pytest.fixture(scope="session")
def axe_js() -> str:
    """The JavaScript that runs axe-core in a page (tests/e2e/axe_helpers.py)."""
    return axe_script(axe_source())


@pytest.fixture(scope="session")
def axe_reported(pytestconfig: pytest.Config) -> list[Finding]:
    return pytestconfig.stash.setdefault(AXE_REPORTED, [])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    found = config.stash.get(AXE_REPORTED, None)
    if found is None:
        return
    terminalreporter.section("axe: moderate and minor findings (listed, not failed)")
    for line in summary(found) or ["none"]:
        terminalreporter.write_line(line)


# ---------------------------------------------------------- every engine
# Firefox and WebKit, for the cross-engine cases (test_every_engine.py).

ENGINES = ("firefox", "webkit")
ENGINE_START_S = 150.0  # WebKit takes 5-20 s to start Python here, more on a slow day


@pytest.fixture(scope="session")
def engines_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IO[str]]:
    """The drivers' own output, for when a browser will not start."""
    path = tmp_path_factory.mktemp("engines") / "drivers.log"
    with path.open("w") as log:
        yield log


@pytest.fixture(scope="session")
def firefox(repo_root: Path, engines_log: IO[str]) -> Iterator[Driver]:
    driver = FirefoxDriver(repo_root, engines_log)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def webkit(engines_log: IO[str]) -> Iterator[Driver]:
    with xvfb(engines_log) as display:
        driver = WebKitDriver(display, engines_log)
        yield driver
        driver.quit()


@dataclass
class EngineSite:
    """The site in Firefox or WebKit, over http (under /convcore/) or from
    file://, with the guards each driver allows (docs/browsers.md)."""

    driver: Driver
    mode: str
    server: Server
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    allowed_errors: list[re.Pattern[str]] = field(default_factory=list)

    @property
    def engine(self) -> str:
        return self.driver.name

    def url(self, path: str = "index.html") -> str:
        if self.mode == "http":
            return self.server.base + path
        name, hash_, fragment = path.partition("#")
        return (self.server.root / name).as_uri() + hash_ + fragment

    def open(self, path: str = "index.html", wait: str | None = READY) -> None:
        self.collect()  # what the page being left did
        self.driver.goto(self.url(path))
        if wait:
            self.wait_for(wait, ENGINE_START_S)

    def js(self, source: str, *args: Any) -> Any:
        """Call the JavaScript function `source` in the page with JSON arguments."""
        return self.driver.evaluate(source, *args)

    def has(self, selector: str) -> bool:
        return bool(self.js("(s) => document.querySelector(s) !== null", selector))

    def wait_for(self, selector: str, timeout_s: float = 60.0) -> None:
        wait_until(lambda: self.has(selector), timeout_s, selector, every_s=0.2)

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        self.wait_for(READY, timeout_s)

    def allow_error(self, pattern: str) -> None:
        """A case that provokes an error on purpose names it here."""
        self.allowed_errors.append(re.compile(pattern))

    def collect(self) -> None:
        guard = self.js("() => window.__guard || null")
        if guard:
            self.errors += guard["errors"] + [f"CSP: {v}" for v in guard["violations"]]
            self.requests += guard["loads"]
        seen = self.driver.events()
        self.errors += seen.errors
        self.requests += seen.requests

    def check(self) -> None:
        self.collect()
        outside = [url for url in self.requests if not is_inside(url, self.server)]
        assert outside == [], f"requests left the site: {outside}"
        errors = [e for e in self.errors if not any(p.search(e) for p in self.allowed_errors)]
        assert errors == [], f"page errors: {errors}"


@pytest.fixture(params=[f"{engine}-{mode}" for engine in ENGINES for mode in ("http", "file")])
def engine_site(request: pytest.FixtureRequest, site_server: Server) -> Iterator[EngineSite]:
    """The site in one engine and one mode; the test fails on a page error or
    a request outside the site, as far as that engine's driver can see."""
    engine, mode = str(request.param).split("-")
    driver: Driver = request.getfixturevalue(engine)
    driver.new_page(1280, 900)
    site = EngineSite(driver, mode, site_server)
    yield site
    site.check()
