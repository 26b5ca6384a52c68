"""The loader: Python starts from http and from file://, with nothing fetched
from outside the site, and reports what it loaded."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Site


def test_python_starts(site: Site) -> None:
    page = site.open("index.html")
    assert page.evaluate("document.documentElement.dataset.engine") == "python"
    versions = page.evaluate("window.convcoreEngine.versions")
    assert versions["python"].startswith("3.14")
    assert versions["pyodide"] == "314.0.7"
    expect(page.get_by_test_id("engine-status")).to_contain_text("ready")


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
