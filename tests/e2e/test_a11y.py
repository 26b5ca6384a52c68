"""axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) on every page and in the
states a person reaches, at a desktop and a phone width, over http and from
file://, each page once per mode: over http in the light colour scheme, from
file:// in the dark one (colours do not depend on the mode, nor what Python
does on the colours, so each is seen once without loading every page twice).

A test fails on any serious or critical violation. Moderate and minor ones do
not fail: they are listed at the end of the run, under "axe: moderate and
minor findings". docs/accessibility.md says which are left and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.axe_helpers import Finding, blocking, findings, reported, summary
from tests.e2e.conftest import ENGINE_TIMEOUT_MS, Site
from tests.e2e.learn_helpers import set_field, set_hash
from tests.e2e.test_cells import run

WIDTHS = (1280, 390)
# index.html and learn.html are checked as loaded, then in their states, below.
PAGES = ("receptive.html", "transpose.html", "python.html", "embed.html")
# Every widget is on learn.html, receptive.html or transpose.html too; alone,
# these three show each kind of frame (with the link to itself, without, and
# with a sub-heading).
WIDGETS = ("window", "receptive", "transpose")
# Drawn, resized and, with Python, recomputed: then it holds still.
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
STILL = "html:not([data-engine=python]), html[data-state=ready]"


@dataclass
class Audit:
    """axe on one page, view after view, each at every width."""

    page: Page
    script: str
    mode: str
    scheme: str
    found: list[Finding] = field(default_factory=list)

    def check(self, view: str) -> None:
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.evaluate(SETTLED)
            self.page.wait_for_selector(STILL, state="attached", timeout=ENGINE_TIMEOUT_MS)
            where = f"{view} ({self.mode}, {self.scheme}, {width} px)"
            self.found += findings(self.page.evaluate(self.script), where)

    def assert_clean(self) -> None:
        bad = blocking(self.found)
        assert not bad, "axe: serious or critical violations\n" + "\n".join(map(str, bad))


SCHEMES: dict[str, Literal["light", "dark"]] = {"http": "light", "file": "dark"}


@pytest.fixture
def audit(site: Site, axe_js: str, axe_reported: list[Finding]) -> Iterator[Audit]:
    # The scheme is set before the page loads: switched on a loaded page,
    # Chromium's styles stay half-updated for a while (axe saw mixed colours).
    scheme = SCHEMES[site.mode]
    site.page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    checked = Audit(site.page, axe_js, site.mode, scheme)
    yield checked
    axe_reported.extend(reported(checked.found))


@pytest.mark.parametrize("path", PAGES)
def test_every_page(site: Site, audit: Audit, path: str) -> None:
    site.open(path)
    audit.check(path)
    audit.assert_clean()


def test_demo_and_its_states(site: Site, audit: Audit, tmp_path: Path) -> None:
    """As loaded, then drawing, a corrected link with its notice, no output, a
    window part-way through, an RGB upload with three filters and the number
    tables open."""
    page = site.open("index.html")
    audit.check("index.html")
    page.get_by_test_id("draw-mode").check()
    site.wait_ready()
    expect(page.get_by_test_id("draw-clear")).to_be_visible()
    audit.check("index.html, draw mode")
    set_hash(page, "kernel=99")
    expect(page.get_by_test_id("notice")).to_be_visible()
    audit.check("index.html, a notice")
    set_hash(page, "kernel=20&dilation=2")
    expect(page.get_by_test_id("no-output")).to_be_visible()
    audit.check("index.html, no output")
    set_hash(page, "kernel=5&padding=2&step=25")
    audit.check("index.html, step 26")
    picture = tmp_path / "photo.png"
    Image.new("RGB", (48, 36), (200, 30, 90)).save(picture)
    page.get_by_test_id("input-upload").check()
    page.get_by_test_id("upload").set_input_files(str(picture))
    site.wait_ready()
    page.get_by_test_id("channels").select_option("rgb")
    site.wait_ready()
    page.get_by_test_id("filters").select_option("3")
    site.wait_ready()
    page.locator("#numbers summary").click()
    expect(page.get_by_test_id("output-values")).to_be_visible()
    audit.check("index.html, an RGB upload, 3 filters, tables open")
    audit.assert_clean()


def test_learn_its_code_cells_and_a_refused_setting(site: Site, audit: Audit) -> None:
    page = site.open("learn.html")
    audit.check("learn.html")
    run(page, "post")
    assert "Traceback" in run(page, "digit", "1 / 0")
    set_field(page, "#fit-stride", 99)
    expect(page.locator("#widget-fit [data-testid=widget-error]")).to_be_visible()
    audit.check("learn.html, a cell run, a cell that raised, a widget refusing a setting")
    # The network section: average pooling with ceil_mode, every table of
    # numbers open, the training cell's output, then pooling refusing a padding.
    set_field(page, "#pool-kind", "avg")
    set_field(page, "#pool-kernel", 3)
    page.check("#pool-ceil_mode")
    site.wait_ready()
    for opener in page.locator(".widget-numbers summary").all():
        opener.click()
    run(page, "train")
    audit.check("learn.html, pooling with ceil_mode, the numbers open, the training cell run")
    set_field(page, "#pool-padding", 2)
    expect(page.locator("#widget-pool [data-testid=widget-error]")).to_be_visible()
    audit.check("learn.html, pooling refusing a padding")
    audit.assert_clean()


@pytest.mark.parametrize("widget", WIDGETS)
def test_embedded_widgets(site: Site, audit: Audit, widget: str) -> None:
    page = site.open(f"embed.html#widget={widget}")
    expect(page.get_by_test_id(f"widget-{widget}")).to_be_visible()
    audit.check(f"embed.html#widget={widget}")
    audit.assert_clean()


def test_python_failed_to_start(site: Site, audit: Audit) -> None:
    """The pre-rendered pages with the header's error, and the demo after a
    change it cannot compute."""
    site.page.add_init_script("delete window.WebAssembly;")
    for path in ("learn.html", "embed.html#widget=receptive", "index.html"):
        page = site.open(path, wait="html[data-engine=error]")
        audit.check(f"{path}, Python failed to start")
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.fill("5")
    kernel.press("Enter")
    audit.check("index.html, a change while Python failed to start")
    audit.assert_clean()


def test_axe_is_the_pinned_one_and_fails_a_broken_page(
    site: Site, axe_js: str, repo_root: Path
) -> None:
    """The checks above can fail: an image without a text alternative and
    faint text, added to a page, are found and would fail a test."""
    page = site.open("python.html", wait=None)
    page.evaluate("""() => {
        const main = document.querySelector("main");
        main.prepend(Object.assign(document.createElement("img"), { src: "data:," }));
        const faint = Object.assign(document.createElement("p"), { textContent: "faint words" });
        faint.style.color = "#d0d0d0";
        main.prepend(faint);
    }""")
    answer = page.evaluate(axe_js)
    pinned = json.loads((repo_root / "package.json").read_text())["devDependencies"]["axe-core"]
    assert answer["version"] == pinned
    bad = {f.rule: f.nodes for f in blocking(findings(answer, "python.html, broken on purpose"))}
    assert any('<img src="data:,">' in node for node in bad.get("image-alt", ())), bad
    assert any("faint words" in node for node in bad.get("color-contrast", ())), bad


def test_findings_are_sorted_and_summed_up() -> None:
    answer = {
        "version": "4.14.1",
        "violations": [
            {"id": "region", "impact": "moderate", "help": "In a landmark", "nodes": [NODE]},
            {"id": "image-alt", "impact": "critical", "help": "Alt text", "nodes": [NODE]},
        ],
    }
    found = findings(answer, "a.html (http, 390 px)") + findings(answer, "a.html (file, 390 px)")
    assert [f.rule for f in blocking(found)] == ["image-alt", "image-alt"]
    assert [f.rule for f in reported(found)] == ["region", "region"]
    assert summary(reported(found)) == [
        "moderate region (In a landmark)",
        "    p > img: <img src=x> -- Fix this: add alt",
        "        in a.html (http, 390 px), a.html (file, 390 px)",
    ]


NODE = {
    "target": "p > img",
    "html": "<img src=x>",
    "why": "Fix any of the following:\n  Fix this: add alt",
}
