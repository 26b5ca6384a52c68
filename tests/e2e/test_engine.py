"""The loader: Python starts from http and from file://, with nothing fetched
from outside the site, and reports what it loaded."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Site


def test_python_starts(site: Site) -> None:
    page = site.open("index.html")
    assert page.evaluate("document.documentElement.dataset.engine") == "python"
    versions = page.evaluate("window.convcoreEngine.versions")
    assert versions["python"].startswith("3.14")
    assert versions["pyodide"] == "314.0.7"
    expect(page.get_by_test_id("engine-status")).to_contain_text("ready")


# Notes when the page makes its worker, and when it first paints.
WORKER_CLOCK = """
(() => {
  const Real = window.Worker;
  window.__workerMadeAt = [];
  window.Worker = function (...args) {
    window.__workerMadeAt.push(performance.now());
    return new Real(...args);
  };
  window.Worker.prototype = Real.prototype;
})();
"""
FIRST_PAINT = (
    "performance.getEntriesByType('paint')"
    ".filter((e) => e.name === 'first-contentful-paint').map((e) => e.startTime)"
)


def test_worker_starts_after_the_first_paint(site: Site) -> None:
    """Pyodide's compile would compete with the first frame, so the worker is
    made once the page has painted (and only once)."""
    site.page.add_init_script(WORKER_CLOCK)
    page = site.open("index.html")
    made = page.evaluate("window.__workerMadeAt")
    painted = page.evaluate(FIRST_PAINT)
    assert len(made) == 1 and len(painted) == 1
    assert made[0] >= painted[0]


NO_PAINT = {
    # a browser without paint timing
    "unsupported": "Object.defineProperty(PerformanceObserver, 'supportedEntryTypes', {value: []})",
    # a hidden tab: the observer is there, but no paint is ever reported
    "never": "PerformanceObserver.prototype.observe = function () {};",
}


@pytest.mark.parametrize("paint", sorted(NO_PAINT))
def test_worker_starts_without_a_paint(site: Site, paint: str) -> None:
    """Where no paint is reported, Python starts anyway (at once, or after a
    timer)."""
    site.page.add_init_script(NO_PAINT[paint])
    site.page.add_init_script(WORKER_CLOCK)
    page = site.open("index.html")
    assert page.evaluate("document.documentElement.dataset.engine") == "python"
    assert len(page.evaluate("window.__workerMadeAt")) == 1


def test_worker_answers_and_reports_errors(site: Site) -> None:
    page = site.open("index.html")
    version = page.evaluate("window.convcoreEngine.call('convcore_version', {})")
    assert version == page.evaluate("window.convcoreEngine.versions.convcore")
    message = page.evaluate(
        "window.convcoreEngine.call('no_such_request', {}).then(() => 'resolved', e => e.message)"
    )
    assert "unknown request 'no_such_request'" in message


def test_restart_brings_python_back(site: Site) -> None:
    page = site.open("index.html")
    page.evaluate("window.convcoreEngine.restart()")
    # requests made while the new worker starts are queued, then answered
    version = page.evaluate("window.convcoreEngine.call('convcore_version', {})")
    assert version == page.evaluate("window.convcoreEngine.versions.convcore")
    assert page.evaluate("document.documentElement.dataset.engine") == "python"


def test_rest_of_stdlib_loads_only_when_a_cell_runs(site: Site) -> None:
    """Start-up loads the trimmed standard library; a code cell can still
    import any module, because the rest is fetched before it runs."""
    assets: list[str] = []
    site.page.on("request", lambda request: assets.append(request.url))
    page = site.open("index.html")
    fetched = page.evaluate("Object.keys(window.__convcoreOffline || {})")
    assert not any("stdlib-rest" in url for url in assets)
    assert "stdlib_rest" not in fetched
    # importlib.metadata: a submodule of a package that start-up already imported
    code = "import fractions, statistics, importlib.metadata\nstr(fractions.Fraction(3, 6))"
    result = page.evaluate(f"window.convcoreEngine.run({code!r}, {{}}, 20000)")
    assert result["ok"], result
    assert result["result"] == "'1/2'"
    if site.mode == "http":
        assert any("stdlib-rest.zip.gz" in url for url in assets)
    else:
        assert "stdlib_rest" in page.evaluate("Object.keys(window.__convcoreOffline)")


def precompiled(page: Page, modules: str, loaded: str) -> str:
    """A code cell's answer: the .pyc flags of `modules` (1: an unchecked-hash
    pyc, which the build writes; 0: one Python wrote itself, compiling in the
    page) and whether module `loaded` has been imported."""
    code = (
        f"import sys, {modules}\n"
        f"flags = [open(m.__cached__, 'rb').read(8)[4] for m in ({modules},)]\n"
        f"(flags, {loaded!r} in sys.modules)"
    )
    result = page.evaluate(f"window.convcoreEngine.run({code!r}, {{}}, 20000)")
    assert result["ok"], result
    return str(result["result"])


def test_the_demo_starts_with_its_own_modules_and_loads_the_rest_late(site: Site) -> None:
    """The demo starts without the modules only other pages import (the
    "_more" assets); before a code cell runs they come too, precompiled, so
    the cell can import any of convcore and of the worker's modules."""
    assets: list[str] = []
    site.page.on("request", lambda request: assets.append(request.url))
    page = site.open("index.html")
    later = ["bridge_more", "convcore_pyc_more", "site_pyc_more"]
    fetched = page.evaluate("Object.keys(window.__convcoreOffline || {})")
    assert not any("-more.zip" in url for url in assets)
    assert not set(later) & set(fetched)
    assert precompiled(page, "convcore.nn, network_model", "network_model") == "([1, 1], True)"
    if site.mode == "http":
        assert sum("-more.zip" in url for url in assets) == 3
    else:
        assert set(later) <= set(page.evaluate("Object.keys(window.__convcoreOffline)"))


def test_own_modules_come_precompiled(site: Site) -> None:
    """convcore and the worker's modules are imported from the .pyc the build
    compiled, not compiled in the page, and the page's request module is
    loaded."""
    page = site.open("index.html")
    assert precompiled(page, "convcore.conv, convcore_bridge", "demo_api") == "([1, 1], True)"
