"""How the demo answers a user's changes: one request to Python per change
(none for an "input" followed by "change" of the same value, none to step
through the windows), the last setting's result shown after a burst of key
presses or a fast drag, and everything the contract promises complete at the
moment <html data-state> turns "ready". Requests are counted at the engine's
boundary (window.convcoreEngine.call)."""

from __future__ import annotations

import itertools
import random
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Site
from tests.e2e.test_demo import (
    arithmetic,
    assert_close,
    calm,
    digits,
    host_output,
    ones,
    page_hash,
    shape,
    table,
)

# Every request the demo makes from now on: its name and arguments.
COUNT_CALLS = """() => {
  const engine = window.convcoreEngine;
  const call = engine.call;
  window.__calls = [];
  engine.call = (fn, args, buffers) => {
    window.__calls.push({ fn, args: JSON.parse(JSON.stringify(args || {})) });
    return call(fn, args, buffers);
  };
}"""
TAKE_CALLS = "() => window.__calls.splice(0)"

# What the page shows at the moment data-state turns "ready", noted by a
# MutationObserver (it runs before anything else can change the page).
SNAPSHOT_AT_READY = """() => {
  window.__atReady = [];
  const text = (s) => { const n = document.querySelector(s); return n ? n.textContent : null; };
  new MutationObserver(() => {
    if (document.documentElement.dataset.state !== "ready") return;
    const rows = document.querySelectorAll("table[data-testid=output-values] tbody tr");
    window.__atReady.push({
      shape: text("[data-testid=output-shape]"),
      rows: rows.length,
      cells: rows.length ? rows[0].querySelectorAll("td").length : 0,
      last: rows.length ? rows[rows.length - 1].lastElementChild.textContent : null,
      caption: text("[data-testid=arithmetic] caption"),
      taps: document.querySelectorAll("[data-testid=arithmetic] td.tap").length,
      output: text("[data-testid=arith-output]"),
      formula: text("[data-testid=formula]"),
      code: text("[data-testid=pytorch-code]"),
      kernel: document.querySelector("[data-testid=kernel]").value,
    });
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-state"] });
}"""


def demo_runs(page: Page) -> list[dict[str, Any]]:
    return [c["args"] for c in page.evaluate(TAKE_CALLS) if c["fn"] == "demo_run"]


def open_counting(site: Site) -> Page:
    page = calm(site)
    site.open("index.html")
    page.evaluate(COUNT_CALLS)
    return page


def test_input_then_change_of_one_value_is_one_request(site: Site) -> None:
    """Typing a number fires "input", leaving the box fires "change" with the
    same value; an arrow key steps once; a weight typed then left: one
    demo_run each, for the value shown."""
    page = open_counting(site)
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.fill("5")  # "input"
    kernel.press("Tab")  # "change" of the same value
    site.wait_ready()
    runs = demo_runs(page)
    assert [r["kernel"] for r in runs] == [[5, 5]]
    page.get_by_label("Stride", exact=True).focus()
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    page.keyboard.press("Tab")  # leaving the box changes nothing
    site.wait_ready()
    runs = demo_runs(page)
    assert [(r["kernel"], r["stride"]) for r in runs] == [([5, 5], [2, 2])]
    weight = page.get_by_test_id("weight-0-0")
    weight.fill("2")
    weight.press("Tab")
    site.wait_ready()
    runs = demo_runs(page)
    assert len(runs) == 1 and runs[0]["weights"][0][0] == 2
    # The same state again (the hash set to what is shown): nothing is sent.
    page.evaluate("location.hash = location.hash")
    page.wait_for_timeout(200)
    assert demo_runs(page) == []
    assert_close(
        table(page, "output-values"),
        host_output(
            [digits(site)[0]],
            [[[2.0, 1.0, 1.0, 1.0, 1.0], *ones(4, 5)]],
            stride=2,
        )[0],
    )


def test_a_burst_of_key_presses_ends_on_the_last_setting(site: Site) -> None:
    """50 presses of ArrowUp/ArrowDown in "Kernel size" as fast as they come:
    at most one demo_run a press, none twice in a row for one state, the last
    for the final setting, and that setting's output shown and in the tables."""
    page = open_counting(site)
    page.evaluate(SNAPSHOT_AT_READY)
    page.get_by_label("Kernel size", exact=True).focus()
    rng = random.Random(18)
    kernel = 3
    for _ in range(50):
        key = rng.choice(["ArrowUp", "ArrowUp", "ArrowDown"])
        page.keyboard.press(key)
        kernel = min(20, max(1, kernel + (1 if key == "ArrowUp" else -1)))
    site.wait_ready()
    page.wait_for_timeout(300)  # anything still to come would come now
    site.wait_ready()
    runs = demo_runs(page)
    assert 1 <= len(runs) <= 50
    assert runs[-1]["kernel"] == [kernel, kernel]
    states = [(tuple(r["kernel"]), tuple(map(tuple, r["weights"]))) for r in runs]
    assert all(a != b for a, b in itertools.pairwise(states)), states
    expect(page.get_by_label("Kernel size", exact=True)).to_have_value(str(kernel))
    assert page_hash(page).get("kernel", "3") == str(kernel)
    side = 20 - kernel + 1
    if side > 0:
        expect(page.get_by_test_id("output-shape")).to_have_text(shape(side, side))
        want = host_output([digits(site)[0]], [ones(kernel, kernel)])[0]
        assert_close(table(page, "output-values"), want)
        assert float(arithmetic(page)["output"]) == want[-1][-1]
    else:
        expect(page.get_by_test_id("output-shape")).to_have_text("no output")
    final = page.evaluate("window.__atReady")[-1]
    assert final["kernel"] == str(kernel)


def test_everything_is_complete_at_ready(site: Site) -> None:
    """At the very moment data-state turns "ready" after each key press, the
    shape, the whole output table, the window's arithmetic, the formula and
    the PyTorch snippet belong to the new setting."""
    page = open_counting(site)
    page.evaluate(SNAPSHOT_AT_READY)
    page.get_by_label("Kernel size", exact=True).focus()
    digit = digits(site)[0]
    for key, kernel in (("ArrowUp", 4), ("ArrowUp", 5), ("ArrowDown", 4)):
        page.keyboard.press(key)
        site.wait_ready()
        snap = page.evaluate("window.__atReady")[-1]
        side = 20 - kernel + 1
        want = host_output([digit], [ones(kernel, kernel)])[0]
        assert snap["kernel"] == str(kernel)
        assert snap["shape"] == shape(side, side)
        assert (snap["rows"], snap["cells"]) == (side, side)
        assert float(snap["last"]) == want[-1][-1]
        assert snap["taps"] == kernel * kernel
        assert f"row {side - 1}, column {side - 1}" in snap["caption"]
        assert float(snap["output"]) == want[-1][-1]
        assert f"= {side}" in snap["formula"]
        assert f"kernel_size=({kernel}, {kernel})" in snap["code"]
    assert len(demo_runs(page)) == 3


def test_a_fast_drag_of_the_slide_ends_on_its_last_window(site: Site) -> None:
    """The slide dragged across as fast as the mouse goes: no request to
    Python (the windows' arithmetic is already on the page once it has been
    still for a moment), and where the thumb stops, the window, its
    arithmetic, the status and the link agree."""
    page = open_counting(site)
    page.wait_for_timeout(500)  # the windows arrive once the page is still
    demo_runs(page)
    scrub = page.get_by_test_id("scrub")
    scrub.scroll_into_view_if_needed()
    box = scrub.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] - 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.37, y, steps=40)
    page.mouse.up()
    site.wait_ready()
    calls = page.evaluate(TAKE_CALLS)
    assert [c["fn"] for c in calls if c["fn"] != "demo_windows"] == []
    step = int(scrub.input_value())
    assert 0 < step < 323
    width = 18
    want = host_output([digits(site)[0]], [ones(3, 3)])[0]
    arith = arithmetic(page)
    assert f"row {step // width}, column {step % width}" in arith["caption"]
    assert float(arith["output"]) == want[step // width][step % width]
    assert abs(sum(arith["products"]) - float(arith["sum"])) <= 1e-9
    expect(page.get_by_test_id("step-status")).to_contain_text(f"Step {step + 1} of 324")
    assert page_hash(page)["step"] == str(step)
