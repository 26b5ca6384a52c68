"""What a key press in the demo costs, part by part (not a test: figures).

ArrowUp/ArrowDown in the focused "Kernel size" box, back and forth from 3,
onto states the page computed ahead, timed from the keydown's ``timeStamp``
to the first animation frame after ``<html data-state>`` went back to
"ready" (the benchmark's measure, bench/interact.py). The same presses are
made on fresh pages with one part of the page's work replaced by nothing
(the weight editors, the canvases, the arithmetic, the whole result), so the
difference to the page as shipped is what that part costs, layout included;
and the same presses on the box's slider ("Kernel size, 1 to 20").
A second figure runs on to the end of that frame's work on the main thread
(a task posted from the animation frame callback runs after the frame's
style, layout, paint and commit): the first figure leaves out whatever a
page lays out and paints only in its frame, the second counts it for every
page alike.
Beside them, in the same run: a bare page holding one focused number box
whose keydown writes its value and one line of text (what any number box
costs in this browser); the same box and a slider each writing 300 new lines
a press (the same work: with a text box focused, Chromium lays the page out
before the animation frame, with a slider after it, so the first figure
differs and the second should not); the same 300 lines under a read-only
box, a text box, and the number box with its caret removed in the keydown
(``getSelection().removeAllRanges()``): the ways a page might keep a focused
box from asking for that layout; and the peer's kernel slider (at its
largest input, as bench_site.py presses it) when ``--peer`` is given.

    .venv/bin/python bench/press_parts.py --dist dist --peer /work/peer-ezyang/dist

`--hide NAME=SELECTOR` (repeatable) adds a row with the elements SELECTOR
matches taken out of the page's rendering (`display: none`) while its script
still does all its work: what styling, laying out and painting that part
costs. The rule goes in a constructed style sheet (`adoptedStyleSheets`):
the page's Content-Security-Policy refuses a `<style>` element added by a
script, silently as far as the page can tell.

Knocking a part out leaves the page wrong on purpose (that is the point):
these pages are measured, never looked at or tested.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

import interact
from bench_site import CHROMIUM, CHROMIUM_ARGS, READY
from serve import Files, StaticServer

# name -> (script run on the page once it is ready: replaces parts by
# nothing; the test id of the control pressed: the "Kernel size" box or its
# slider).
BOX = "kernel"
SLIDER = "kernel-slider"
PARTS = {
    "the page as shipped": ("", BOX),
    "the page as shipped, its kernel slider": ("", SLIDER),
    "all but the weight editors": ("D.weights.syncEditors = () => {};", BOX),
    "all but the canvases": ("D.stage.layoutAndDraw = () => {};", BOX),
    "all but the arithmetic": ("D.tables.fillArithmetic = () => {};", BOX),
    "nothing of the result shown": ("D.result.applyResult = () => {};", BOX),
    "nothing of the result, no editors": (
        "D.result.applyResult = () => {}; D.weights.syncEditors = () => {};",
        BOX,
    ),
}

# Every keydown's timeStamp, the first frame after the "ready" that followed
# it (ours) or after the keydown itself (bare pages, the peer), and the end of
# that frame's main-thread work (a task posted in the frame runs after it; at
# "user-blocking" priority, before the tasks the page posts from that frame).
PROBE = """(ours) => {
  window.__presses = [];
  const atFrame = (press) => requestAnimationFrame(() => {
    press.frame = performance.now();
    // user-blocking: before the tasks the page itself posts from its frame
    scheduler.postTask(() => { press.done = performance.now(); }, { priority: "user-blocking" });
  });
  document.addEventListener("keydown", (e) => {
    const press = { at: e.timeStamp, frame: null, done: null };
    window.__presses.push(press);
    if (!ours) atFrame(press);
  }, true);
  if (!ours) return;
  new MutationObserver(() => {
    const press = window.__presses[window.__presses.length - 1];
    if (!press || press.ready || document.documentElement.dataset.state !== "ready") return;
    press.ready = true;
    atFrame(press);
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-state"] });
}"""

# The bare pages: one focused control whose keydown writes its value and a
# line of text, or (`lines`) that many new lines under it, and (`drop`)
# removes the caret; the same script for every control of BARE_CONTROLS.
BARE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>One control</title></head>
<body data-lines="{lines}" data-drop="{drop}"><label for="k">Kernel size</label> {control}
<p id="out">3</p><div id="lines"></div><script src="bare.js"></script></body></html>
"""
BARE_CONTROLS = {
    "box": '<input type="number" id="k" value="3" min="1" max="20">',
    "slider": '<input type="range" id="k" value="3" min="1" max="20">',
    "read-only box": '<input type="number" id="k" value="3" min="1" max="20" readonly>',
    "text box": '<input type="text" inputmode="numeric" id="k" value="3">',
}
BARE_JS = """const box = document.getElementById("k");
const lines = Number(document.body.dataset.lines);
box.addEventListener("keydown", (e) => {
  const step = { ArrowUp: 1, ArrowDown: -1 }[e.key];
  if (!step) return;
  e.preventDefault();
  box.value = String(Number(box.value) + step);
  document.getElementById("out").textContent = `kernel ${box.value}`;
  if (document.body.dataset.drop === "1") getSelection().removeAllRanges();
  if (!lines) return;
  const made = [];
  for (let i = 0; i < lines; i++) {
    const line = document.createElement("div");
    line.textContent = `line ${i}: kernel ${box.value}`;
    made.push(line);
  }
  document.getElementById("lines").replaceChildren(...made);
});
"""
# (file name, control, new lines a press, caret removed, row name)
BARE_PAGES = (
    ("box.html", "box", 0, False, "a bare page: one number box"),
    ("box-lines.html", "box", 300, False, "a bare number box, 300 new lines a press"),
    ("slider-lines.html", "slider", 300, False, "a bare slider, 300 new lines a press"),
    ("readonly-lines.html", "read-only box", 300, False, "a bare read-only box, 300 new lines"),
    ("text-lines.html", "text box", 300, False, "a bare text box, 300 new lines"),
    ("nocaret-lines.html", "box", 300, True, "a bare number box, its caret removed, 300 lines"),
)


def presses(page: Page, ours: bool, count: int) -> list[tuple[float, float]]:
    """ArrowUp, ArrowUp, ArrowDown, ArrowDown, ... in the focused control:
    (event to frame, event to the frame's end) of each press, in ms."""
    page.evaluate(PROBE, ours)
    for i in range(count):
        page.keyboard.press("ArrowUp" if (i // 2) % 2 == 0 else "ArrowDown")
        page.wait_for_timeout(250)
    page.wait_for_timeout(100)
    found: list[dict[str, float | None]] = page.evaluate("window.__presses")
    return [
        (p["frame"] - p["at"], p["done"] - p["at"])
        for p in found
        if p["frame"] is not None and p["done"] is not None and p["at"] is not None
    ]


def hiding(selector: str) -> str:
    """A knock-out script that takes what ``selector`` matches out of the
    page's rendering (see the module's docstring for why a constructed sheet)."""
    rule = json.dumps(f"{selector} {{ display: none !important; }}")
    quoted = json.dumps(selector)
    return (
        f"const sheet = new CSSStyleSheet(); sheet.replaceSync({rule});"
        " document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];"
        # a row that hides nothing would pass for a part that costs nothing
        f" const hidden = document.querySelector({quoted});"
        " if (!hidden || getComputedStyle(hidden).display !== 'none')"
        f" throw new Error('--hide: nothing hidden by ' + {quoted});"
    )


def hidden_part(spec: str) -> tuple[str, tuple[str, str]]:
    """``NAME=SELECTOR`` (--hide) as a row of PARTS."""
    name, sep, selector = spec.partition("=")
    if not sep or not name.strip() or not selector.strip():
        raise argparse.ArgumentTypeError(f"--hide wants NAME=SELECTOR, got {spec!r}")
    return f"{name.strip()} hidden (display: none)", (hiding(selector.strip()), BOX)


def ours(
    browser: Browser, origin: str, knock: str, control: str, count: int
) -> list[tuple[float, float]]:
    page = browser.new_page()
    try:
        page.emulate_media(reduced_motion="reduce")
        page.goto(f"{origin}/site/index.html#digit=0&step=10")
        page.wait_for_selector(READY, timeout=60_000)
        if knock:
            page.evaluate(f"() => {{ const D = window.ConvDemo; {knock} }}")
        page.get_by_test_id(control).focus()
        page.wait_for_timeout(1200)  # the next states, computed ahead
        return presses(page, True, count)
    finally:
        page.close()


def bare_page(browser: Browser, url: str, count: int) -> list[tuple[float, float]]:
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_timeout(800)
        page.locator("#k").focus()
        page.wait_for_timeout(300)
        return presses(page, False, count)
    finally:
        page.close()


def peer(browser: Browser, url: str, count: int) -> list[tuple[float, float]]:
    """The peer as the benchmark presses it: its kernel slider, at its largest
    input (16 x 16)."""
    page = browser.new_page()
    try:
        interact.open_peer(page, url)
        page.wait_for_timeout(700)
        interact.peer_kernel(page)
        page.wait_for_timeout(300)
        return presses(page, False, count)
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dist", type=Path, default=Path("dist"), help="a built site (default dist)"
    )
    parser.add_argument(
        "--peer", type=Path, help="the peer page's folder (see docs/performance.md)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="fresh pages per row (default 2)")
    parser.add_argument("--presses", type=int, default=16, help="presses per page (default 16)")
    parser.add_argument(
        "--hide",
        type=hidden_part,
        action="append",
        default=[],
        metavar="NAME=SELECTOR",
        help="a row with SELECTOR's elements not rendered (repeatable)",
    )
    args = parser.parse_args()
    parts = {**PARTS, **dict(args.hide)}
    rows: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp)
        for file, control, lines, drop, _ in BARE_PAGES:
            html = BARE_HTML.format(lines=lines, drop=int(drop), control=BARE_CONTROLS[control])
            (bare / file).write_text(html)
        (bare / "bare.js").write_text(BARE_JS)
        mounts: dict[str, Path | dict[str, Path]] = {"/site/": args.dist.resolve(), "/box/": bare}
        if args.peer:
            mounts["/peer/"] = args.peer.resolve()
        server = StaticServer(Files(mounts), None)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for _ in range(args.rounds):  # the rows take turns: load drifts alike
                    for name, (knock, control) in parts.items():
                        rows.setdefault(name, []).extend(
                            ours(browser, server.origin, knock, control, args.presses)
                        )
                    for file, _, _, _, row in BARE_PAGES:
                        url = f"{server.origin}/box/{file}"
                        rows.setdefault(row, []).extend(bare_page(browser, url, args.presses))
                    if args.peer:
                        url = f"{server.origin}/peer/index.html"
                        rows.setdefault("the peer's kernel slider, 16 x 16 input", []).extend(
                            peer(browser, url, args.presses)
                        )
                browser.close()
        finally:
            server.stop()
    width = max([40, *(len(name) for name in rows)])  # the --hide rows' names included
    print(
        f"{'what the press does':{width}s} {'n':>4s} {'median':>7s} {'p95':>6s}"
        f" {'median':>7s} {'p95':>6s}  (ms: event to frame; event to the frame's end)"
    )
    for name, pairs in rows.items():
        figures = []
        for times in (sorted(p[0] for p in pairs), sorted(p[1] for p in pairs)):
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            figures.append(f"{statistics.median(times):7.2f} {p95:6.2f}")
        print(f"{name:{width}s} {len(pairs):4d} {' '.join(figures)}")


if __name__ == "__main__":
    main()
