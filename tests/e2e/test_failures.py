"""When Python cannot start, the page keeps its pre-rendered content and says
why: no WebAssembly, the wasm file missing, the wheel missing or damaged."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import build
from tests.e2e.conftest import ENGINE_TIMEOUT_MS, Server, Site, serve

ERROR = "html[data-engine=error]"


def expect_error(page: Page, *words: str) -> None:
    page.wait_for_selector(ERROR, state="attached", timeout=ENGINE_TIMEOUT_MS)
    status = page.get_by_test_id("engine-status")
    expect(status).to_be_visible()
    for word in words:
        expect(status).to_contain_text(word)
    # the pre-rendered page is still there and complete
    assert page.evaluate("document.documentElement.dataset.state") == "ready"
    expect(page.locator("main h1")).to_be_visible()


def test_no_webassembly(site: Site) -> None:
    site.page.add_init_script("delete window.WebAssembly;")
    page = site.open("index.html", wait=None)
    expect_error(page, "WebAssembly")


def damaged_copy(site_dir: Path, target: Path, damage: Callable[[Path], None]) -> Path:
    """A copy of the site (hard links, so it is cheap) that `damage` then changes."""
    shutil.copytree(site_dir, target, copy_function=os.link)
    damage(target)
    return target


def remove(*paths: str) -> Callable[[Path], None]:
    def act(root: Path) -> None:
        for rel in paths:
            (root / rel).unlink()

    return act


def corrupt_wheel(root: Path) -> None:
    (wheel,) = (root / "wheels").glob("*.whl")
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    replace_file(wheel, bytes(data))
    script = build.offline_script("wheel", build.gzip_bytes(bytes(data)), gzipped=True)
    replace_file(root / "offline" / "wheel.js", script.encode())


@pytest.fixture
def open_damaged(
    page: Page, mode: str, site_dir: Path, tmp_path: Path
) -> Iterator[Callable[[Callable[[Path], None]], Page]]:
    servers: list[object] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def opener(damage: Callable[[Path], None]) -> Page:
        root = damaged_copy(site_dir, tmp_path / "site", damage)
        if mode == "http":
            httpd, server = serve(root)
            servers.append(httpd)
            page.goto(server_url(server))
        else:
            page.goto((root / "index.html").as_uri())
        return page

    yield opener
    for httpd in servers:
        httpd.shutdown()  # type: ignore[attr-defined]
    assert errors == []


def server_url(server: Server) -> str:
    return server.base + "index.html"


INJECTED = """

from convcore import conv as _conv

_real_run = _conv.run


def _run(plan):  # injected by the test: every convolution with a 7-wide kernel fails
    if plan.kernel[1] == 7:
        raise RuntimeError("injected failure inside convcore")
    return _real_run(plan)


_conv.run = _run
"""


def replace_file(path: Path, data: bytes) -> None:
    path.unlink()  # the copy is hard-linked to the real site: never write through
    path.write_bytes(data)


def inject_failure(root: Path) -> None:
    """A wheel whose convolutions raise for 7-wide kernels, with its lock entry updated."""
    (wheel,) = (root / "wheels").glob("*.whl")
    buffer = io.BytesIO()
    with zipfile.ZipFile(wheel) as old, zipfile.ZipFile(buffer, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "convcore/__init__.py":
                data += INJECTED.encode()
            new.writestr(info, data)
    data = buffer.getvalue()
    replace_file(wheel, data)
    lock_path = root / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["convcore"]["sha256"] = hashlib.sha256(data).hexdigest()
    lock_bytes = json.dumps(lock).encode()
    replace_file(lock_path, lock_bytes)
    # the build's precompiled __init__ would win over the edited source: drop it
    pycache_path = root / "py" / "convcore-pycache.zip"
    pycache = io.BytesIO()
    with zipfile.ZipFile(pycache_path) as old, zipfile.ZipFile(pycache, "w") as new:
        for info in old.infolist():
            if not info.filename.startswith("__pycache__/__init__."):
                new.writestr(info, old.read(info))
    replace_file(pycache_path, pycache.getvalue())
    for name, payload in (
        ("wheel", data),
        ("lock", lock_bytes),
        ("convcore_pyc", pycache.getvalue()),
    ):
        script = build.offline_script(name, build.gzip_bytes(payload), gzipped=True)
        replace_file(root / "offline" / f"{name}.js", script.encode())


def test_python_exception_inside_convcore_then_recovery(
    open_damaged: Callable[[Callable[[Path], None]], Page],
) -> None:
    page = open_damaged(inject_failure)
    page.wait_for_selector("html[data-engine=python][data-state=ready]", state="attached")
    notice = page.get_by_test_id("notice")
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.fill("7")
    kernel.press("Enter")
    expect(notice).to_contain_text("injected failure inside convcore")
    page.wait_for_selector("html[data-state=ready]", state="attached")
    assert page.evaluate("document.documentElement.dataset.engine") == "python"
    # a later settings change computes again
    kernel.fill("5")
    kernel.press("Enter")
    expect(page.get_by_test_id("output-shape")).to_have_text("16 \u00d7 16")
    page.wait_for_selector("html[data-state=ready]", state="attached")
    cells = page.locator("table[data-testid=output-values] tbody tr").count()
    assert cells == 16


def test_wasm_missing(open_damaged: Callable[[Callable[[Path], None]], Page], mode: str) -> None:
    page = open_damaged(remove("pyodide/pyodide.asm.wasm", "offline/wasm.js"))
    expect_error(page, "Python could not start", "wasm")


def test_wheel_missing(
    open_damaged: Callable[[Callable[[Path], None]], Page], site_dir: Path
) -> None:
    (wheel,) = (site_dir / "wheels").glob("*.whl")
    page = open_damaged(remove(f"wheels/{wheel.name}", "offline/wheel.js"))
    expect_error(page, "Python could not start", "wheel")


def test_wheel_damaged(open_damaged: Callable[[Callable[[Path], None]], Page]) -> None:
    page = open_damaged(corrupt_wheel)
    expect_error(page, "damaged", "sha256")


# ------------------------------------------------ when Python cannot start
# The contract (docs/contract.md): with data-engine="error" a change settles
# (data-state returns to "ready"), the pictures and tables keep what they
# were computed for, shown-settings says which settings that was, and the
# notice says why the new ones could not be computed.

NO_WASM = ("pyodide/pyodide.asm.wasm", "offline/wasm.js")
BUILT_DEFAULT = "MNIST digit 0 (1 channel), 1 filter of 3 \u00d7 3, stride 1, padding 0 (zeros)"


def expect_settled_on_the_built_view(page: Page) -> None:
    page.wait_for_selector("html[data-engine=error][data-state=ready]", state="attached")
    expect(page.get_by_test_id("computing")).to_be_hidden()
    expect(page.get_by_test_id("output-shape")).to_have_text("18 \u00d7 18")
    rows = page.locator("table[data-testid=output-values] tbody tr")
    expect(rows).to_have_count(18)
    shown = page.get_by_test_id("shown-settings")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text(BUILT_DEFAULT)
    expect(shown).to_contain_text("computed when the site was built")
    notice = page.get_by_test_id("notice")
    expect(notice).to_contain_text("could not be computed")
    expect(notice).to_contain_text("wasm")


def test_demo_settles_when_python_cannot_start(
    open_damaged: Callable[[Callable[[Path], None]], Page],
) -> None:
    page = open_damaged(remove(*NO_WASM))
    expect_error(page, "Python could not start")
    expect(page.get_by_test_id("shown-settings")).to_be_hidden()  # nothing asked yet
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.focus()
    page.keyboard.press("ArrowUp")
    expect_settled_on_the_built_view(page)
    expect(kernel).to_have_value("4")
    # at once again, before a retry is due: settles too (it used to wait forever)
    page.keyboard.press("ArrowUp")
    expect_settled_on_the_built_view(page)
    expect(kernel).to_have_value("5")
    # back at the built settings: the view is right, nothing to say
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("html[data-engine=error][data-state=ready]", state="attached")
    expect(page.get_by_test_id("shown-settings")).to_be_hidden()


def test_learning_page_settles_when_python_cannot_start(
    open_damaged: Callable[[Callable[[Path], None]], Page],
) -> None:
    page = open_damaged(remove(*NO_WASM))
    page.goto(page.url.replace("index.html", "receptive.html"))
    expect_error(page, "Python could not start")
    before = page.eval_on_selector("[data-testid=rf-table]", "t => t.tBodies[0].rows.length")
    page.get_by_test_id("rf-add").click()
    page.wait_for_selector("html[data-engine=error][data-state=ready]", state="attached")
    error = page.locator("[data-testid=widget-receptive] [data-testid=widget-error]")
    expect(error).to_contain_text("could not start")
    expect(error).to_contain_text("for the settings before this change")
    after = page.eval_on_selector("[data-testid=rf-table]", "t => t.tBodies[0].rows.length")
    assert after == before  # the table is still the one computed for its settings
