"""The cross-engine cases: what must hold in Firefox and WebKit as well as in
Chromium, each run over http and from file:// (test ids like
`test_demo_tables_match_convcore[webkit-file]`). Chromium runs the whole suite
(the other test files); these cases are the list the other two engines run:

  every page            loads and reaches data-engine="python" (each case
                        opens its page that way; python.html and embed.html
                        have a case of their own)
  the demo's tables     equal convcore on the host for a spread of settings,
                        every padding mode among them
  drawing and upload    a drawing and an uploaded image are computed
  code cells            a cell runs; a runaway cell is stopped, Python restarts
  receptive, transpose  the two explorer pages show convcore's numbers
  network               the shipped model's probabilities of a shipped and a
                        held-out digit (data/mnist.js loaded) are convcore's
  failure path          Python cannot start: the page settles, says so, and
                        shows results only under the settings they belong to
  accessibility         axe-core finds nothing serious or critical on the
                        pages, at desktop and phone width (the states and the
                        checks axe cannot make run in Chromium: test_a11y*.py)

Every case fails on a page error or a request outside the site, as far as
the engine's driver can see (docs/browsers.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PIL import Image

import convcore
from convcore.digits import mnist_split
from tests.e2e.axe_helpers import Finding, blocking, findings, reported
from tests.e2e.conftest import EngineSite, serve
from tests.e2e.engines import busy_cores, wait_until
from tests.e2e.test_failures import BUILT_DEFAULT, NO_WASM, damaged_copy, remove
from tests.e2e.test_receptive import host_rows
from tests.e2e.test_transpose import CASES as TRANSPOSE_CASES
from tests.e2e.test_transpose import expected as transpose_expected
from tests.e2e.test_transpose import text as grid_text

Matrix = list[list[float]]
TOL = 1e-9
INPUT = "[data-testid=input-values]"
OUTPUT = "[data-testid=output-values]"

# Every body cell's text, row by row (`th` row headers too when `cells` is "th, td").
READ_TABLE = """(selector, cells) => Array.from(
  document.querySelectorAll(`${selector} tbody tr`),
  (tr) => Array.from(tr.querySelectorAll(cells), (td) => td.textContent.trim()))"""

SET_HASH = """(h) => new Promise((resolve) => {
  addEventListener("hashchange", () => setTimeout(resolve, 0), { once: true });
  location.hash = h;
})"""

# A form field set as a reader would: a new value and an `input` event.
SET_FIELD = """(selector, value) => {
  const el = document.querySelector(selector);
  el.value = String(value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}"""


# ------------------------------------------------------------------ helpers


def cells(site: EngineSite, selector: str, which: str = "th, td") -> list[list[str]]:
    rows: list[list[str]] = site.js(READ_TABLE, selector, which)
    return rows


def numbers(site: EngineSite, table: str) -> Matrix:
    """A demo table's values (its row headers are indices)."""
    rows = cells(site, table, "td")
    return [[float(v) for v in row] for row in rows]


def text_of(site: EngineSite, selector: str) -> str:
    return str(site.js("(s) => document.querySelector(s).textContent", selector))


def set_hash(site: EngineSite, fragment: str) -> None:
    site.js(SET_HASH, fragment)
    site.wait_ready()


def shipped_digits(site: EngineSite) -> list[Matrix]:
    text = (site.server.root / "data" / "digits.js").read_text()
    data: list[Matrix] = json.loads(text[text.index("[") : text.rindex("]") + 1])
    return data


def assert_close(got: Matrix, want: Matrix) -> None:
    assert [len(row) for row in got] == [len(row) for row in want], "shapes differ"
    for r, (a, b) in enumerate(zip(got, want, strict=True)):
        for c, (x, y) in enumerate(zip(a, b, strict=True)):
            assert abs(x - y) <= TOL * max(1.0, abs(y)), f"({r}, {c}): {x} != {y}"


def host_output(x: list[Matrix], kernels: list[Matrix], **settings: Any) -> list[Matrix]:
    """convcore's output for the demo's layout: each filter's kernel on every channel."""
    return convcore.conv2d(x, [[k] * len(x) for k in kernels], **settings)


def ones(kh: int, kw: int) -> Matrix:
    return [[1.0] * kw for _ in range(kh)]


# ------------------------------------------------------------------- cases


def test_python_and_embed_pages_reach_python(engine_site: EngineSite) -> None:
    for page in ("python.html", "embed.html"):
        engine_site.open(page)
        versions = engine_site.js("() => window.convcoreEngine.versions")
        assert versions["python"].startswith("3.14"), page
        assert "ready" in text_of(engine_site, "#engine-status"), page


# (hash, digit, kernel height x width, host settings): one spread of settings
# through the URL, each padding mode and both padding words among them.
DEMO_SETTINGS: list[tuple[str, int, tuple[int, int], dict[str, Any]]] = [
    ("digit=13&kernel=3,2&stride=2,1&padding=2,1&dilation=1,2&padding_mode=replicate", 13,
     (3, 2), {"stride": (2, 1), "padding": (2, 1), "dilation": (1, 2),
              "padding_mode": "replicate"}),
    ("digit=7&kernel=5&padding=2&padding_mode=reflect", 7,
     (5, 5), {"padding": 2, "padding_mode": "reflect"}),
    ("digit=42&kernel=4&stride=2&padding=3&padding_mode=circular", 42,
     (4, 4), {"stride": 2, "padding": 3, "padding_mode": "circular"}),
    ("digit=5&kernel=3&padding=1&dilation=2&padding_mode=zeros", 5,
     (3, 3), {"padding": 1, "dilation": 2}),
    ("digit=88&kernel=4&padding=same", 88, (4, 4), {"padding": "same"}),
    ("digit=99&kernel=7&padding=valid&stride=3", 99, (7, 7), {"padding": "valid", "stride": 3}),
]  # fmt: skip


def test_demo_tables_match_convcore(engine_site: EngineSite) -> None:
    site = engine_site
    site.open("index.html")
    every = shipped_digits(site)
    assert_close(numbers(site, INPUT), every[0])
    assert_close(numbers(site, OUTPUT), host_output([every[0]], [ones(3, 3)])[0])
    for fragment, digit, (kh, kw), settings in DEMO_SETTINGS:
        set_hash(site, fragment)
        assert_close(numbers(site, INPUT), every[digit])
        want = host_output([every[digit]], [ones(kh, kw)], **settings)[0]
        assert_close(numbers(site, OUTPUT), want)
    # three channels, two filters with their own weights, and a bias
    set_hash(site, "digit=3&channels=rgb&filters=2&kernel=2&weights=1,-2,0.5,3;0,1,1,0&bias=0.5,-1")
    kernels = [[[1.0, -2.0], [0.5, 3.0]], [[0.0, 1.0], [1.0, 0.0]]]
    want = host_output([every[3]] * 3, kernels, bias=[0.5, -1.0])[0]
    assert_close(numbers(site, OUTPUT), want)
    # ArrowDown on the focused "Digit class" menu: the next class, computed
    # (the page steps a closed menu itself, as the browser would)
    set_hash(site, "digit=3")
    site.driver.press("#digit-class", "ArrowDown")
    stepped = """() => document.querySelector("#digit-class").value === "4"
      && document.querySelector('html[data-state="ready"]') !== null"""
    wait_until(lambda: site.js(stepped), 30, "digit class 4, ready")
    assert_close(numbers(site, INPUT), every[4])
    assert_close(numbers(site, OUTPUT), host_output([every[4]], [ones(3, 3)])[0])
    wait_until(lambda: "digit=4" in str(site.js("() => location.hash")), 10, "the link")


def test_drawing_and_upload_are_computed(engine_site: EngineSite, tmp_path: Path) -> None:
    site = engine_site
    site.open("index.html#input=draw")
    blank = numbers(site, INPUT)
    assert blank and all(v == 0 for row in blank for v in row)
    # through cells (row, col) of the 20 x 20 grid: (4, 3) -> (4, 15) -> (12, 15)
    path = [(4, 3), (4, 15), (12, 15)]
    site.driver.drag(
        "[data-testid=input-canvas]", [((c + 0.5) / 20, (r + 0.5) / 20) for r, c in path]
    )
    site.wait_ready()
    drawn = numbers(site, INPUT)
    assert drawn[4][3] == 1 and drawn[4][15] == 1 and drawn[12][15] == 1, drawn
    assert drawn[4][9] == 1 and drawn[8][15] == 1  # the strokes between them
    assert_close(numbers(site, OUTPUT), host_output([drawn], [ones(3, 3)])[0])
    # An upload: left half black, right half white, 64 x 32, scaled to 28 x 14.
    halves = Image.new("RGB", (64, 32), (0, 0, 0))
    halves.paste((255, 255, 255), (32, 0, 64, 32))
    halves.save(tmp_path / "halves.png")
    site.driver.click("[data-testid=input-upload]")
    site.wait_ready()
    site.driver.upload("[data-testid=upload]", tmp_path / "halves.png")
    wait_until(lambda: len(numbers(site, INPUT)) == 14, 60, "the upload's values")
    site.wait_ready()
    values = numbers(site, INPUT)
    assert (len(values), len(values[0])) == (14, 28)
    # Each browser scales with its own filter (Firefox leaves 1/255 next to
    # the edge where Chromium has 0), so the halves are compared loosely; the
    # output must still be convcore's for exactly the values shown.
    assert all(row[c] < 0.01 for row in values for c in range(12))
    assert all(row[c] > 0.99 for row in values for c in range(16, 28))
    assert_close(numbers(site, OUTPUT), host_output([values], [ones(3, 3)])[0])


DONE = re.compile(r"Ran in|raised|Stopped|Not run")
# An idle page uses a few hundredths of a core; a loop left running, most of
# one (0.7 of a core on this 2-core machine with a load average of 16).
IDLE_CORES = 0.35


def run_cell(site: EngineSite, cell: str, code: str | None = None) -> str:
    box = f"[data-testid=cell-{cell}]"
    if code is not None:
        site.js(SET_FIELD, f"{box} [data-testid=cell-code]", code)
    status = f"{box} [data-testid=cell-status]"
    # so that the last run's "Ran in ..." is not taken for this run's
    site.js("(s) => { document.querySelector(s).textContent = ''; }", status)
    site.driver.click(f"{box} [data-testid=cell-run]")
    wait_until(lambda: DONE.search(text_of(site, status)), 90.0, f"cell {cell} to finish")
    site.wait_ready()
    return text_of(site, f"{box} [data-testid=cell-output]")


def test_code_cells_run_and_a_runaway_is_stopped(engine_site: EngineSite) -> None:
    site = engine_site
    site.open("learn.html")
    assert run_cell(site, "post").splitlines() == ["True", "None"]
    out = run_cell(site, "post", "while True:\n    pass")
    assert "Stopped" in out and "Python was restarted" in out
    site.wait_ready()  # the new worker is up
    # and the old one is gone: WebKit keeps a terminated worker's WebAssembly
    # running, so the cell stops its own loop too (cells.py, GRACE_S later)
    wait_until(lambda: busy_cores(site.driver) < IDLE_CORES, 20, "the browser to go idle")
    assert run_cell(site, "post", "print(6 * 7)") == "42"


def test_receptive_page_shows_convcore(engine_site: EngineSite) -> None:
    site = engine_site
    layers = [(7, 2, 3, 1), (3, 2, 1, 1)]
    site.open("receptive.html#layers=7:2:3:1,3:2:1:1&at=0,4&digit=7")
    assert cells(site, "[data-testid=rf-table]") == host_rows(layers, (0, 4))
    dilated = [(3, 1, 0, 2)] * 3
    set_hash(site, "layers=3:1:0:2,3:1:0:2,3:1:0:2&at=3,5")
    assert cells(site, "[data-testid=rf-table]") == host_rows(dilated, (3, 5))
    field = convcore.receptive_field(dilated, at=(3, 5), input_size=20)
    assert f": {len(field.pixels)} pixels." in text_of(site, "[data-testid=rf-summary]")


def test_transposed_page_shows_convcore(engine_site: EngineSite) -> None:
    site = engine_site
    site.open("transpose.html")
    for i, (x, w, s, p, op) in enumerate(TRANSPOSE_CASES):
        if i:
            set_hash(
                site,
                f"x={grid_text(x)}&w={grid_text(w)}&stride={s}&padding={p}&output_padding={op}",
            )
        want = transpose_expected(x, w, s, p, op)
        assert cells(site, "[data-testid=transpose-output]") == want


def probabilities(site: EngineSite) -> list[float]:
    rows = cells(site, "[data-testid=probabilities]")
    assert [row[0] for row in rows] == [str(c) for c in range(10)]
    return [float(row[1]) for row in rows]


def assert_classified(site: EngineSite, image: list[Matrix]) -> None:
    logits = convcore.digits_model().forward(image)
    want = convcore.softmax(logits)
    got = probabilities(site)
    for g, w in zip(got, want, strict=True):
        assert abs(g - w) <= TOL * abs(w) or g == w, (got, want)
    assert text_of(site, "[data-testid=prediction]") == str(max(range(10), key=logits.__getitem__))


def test_network_page_shows_the_shipped_models_probabilities(
    engine_site: EngineSite, repo_root: Path
) -> None:
    site = engine_site
    site.open("network.html#digit=9")
    assert_classified(site, [shipped_digits(site)[9]])
    set_hash(site, "heldout=321")
    _, _, held, _ = mnist_split(repo_root / "node_modules" / "mnist" / "src" / "digits")
    assert_classified(site, [held[321]])


def test_failure_path_settles_on_the_built_view(engine_site: EngineSite, tmp_path: Path) -> None:
    """Python cannot start (the wasm is missing): a change settles, the view
    stays the built one, and the page says what it shows and why."""
    site = engine_site
    root = damaged_copy(site.server.root, tmp_path / "site", remove(*NO_WASM))
    httpd, site.server = serve(root)
    # The error this case provokes: from disk the page's script tag fails to
    # load offline/wasm.js; over http Firefox also reports the worker's own
    # unhandled "could not load .../pyodide.asm.wasm (HTTP 404)", some runs.
    site.allow_error(r"offline/wasm\.js|pyodide\.asm\.wasm \(HTTP 404\)")
    try:
        site.open("index.html", wait="html[data-engine=error]")
        assert "Python could not start" in text_of(site, "#engine-status")
        for key, kernel in (("ArrowUp", "4"), ("ArrowUp", "5")):  # the second before any retry
            site.driver.press("#kernel", key)
            site.wait_for("html[data-engine=error][data-state=ready]", 30)
            assert site.js("() => document.getElementById('kernel').value") == kernel
            assert site.js("() => document.getElementById('computing').hidden")
            built = shipped_digits(site)[0]
            assert_close(numbers(site, OUTPUT), host_output([built], [ones(3, 3)])[0])
            assert site.js("() => !document.getElementById('shown-settings').hidden")
            shown = text_of(site, "[data-testid=shown-settings]")
            assert BUILT_DEFAULT in shown and "computed when the site was built" in shown
            notice = text_of(site, "[data-testid=notice]")
            assert "could not be computed" in notice and "wasm" in notice
    finally:
        httpd.shutdown()


# The pages axe reads in every engine, and the widths: the phone width is the
# narrowest the engine's window allows (MiniBrowser stops at 447 px).
AXE_PAGES = ("index.html", "index.html#input=draw", "learn.html", "receptive.html",
             "transpose.html", "network.html", "python.html")  # fmt: skip
AXE_WIDTHS = ((1280, 900), (390, 844))


def test_axe_finds_nothing_serious(
    engine_site: EngineSite, axe_js: str, axe_reported: list[Finding]
) -> None:
    """axe-core goes in through the driver's evaluate, as in Chromium
    (tests/e2e/axe_helpers.py): code the driver runs is not held to the
    page's CSP, so nothing about the page is loosened for it."""
    site = engine_site
    found: list[Finding] = []
    for path in AXE_PAGES:
        site.open(path)
        for width, height in AXE_WIDTHS:
            site.driver.viewport(width, height)
            answer = site.js(f"() => {axe_js}")
            assert answer["version"], "axe did not run"
            found += findings(answer, f"{path} ({site.engine}, {site.mode}, {width} px)")
        site.driver.viewport(1280, 900)
    axe_reported += reported(found)
    bad = blocking(found)
    assert bad == [], "\n".join(str(f) for f in bad)
