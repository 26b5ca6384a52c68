"""How the demo answers a user's changes: one request to Python per change
(none for an "input" followed by "change" of the same value, none to step
through the windows), the last setting's result shown after a burst of key
presses or a fast drag, and everything the contract promises complete at the
moment <html data-state> turns "ready". Requests are counted at the engine's
boundary (window.convcoreEngine.call)."""

from __future__ import annotations

import io
import itertools
import json
import random
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Site
from tests.e2e.test_demo import (
    TWO_FRAMES,
    arithmetic,
    assert_close,
    calm,
    digits,
    host_output,
    ones,
    page_hash,
    set_hash,
    shape,
    table,
)

# Every request the demo makes from now on: its name, its arguments and a
# checksum of the source pixels sent with it; and how many are unanswered.
COUNT_CALLS = """() => {
  const engine = window.convcoreEngine;
  const call = engine.call;
  window.__calls = [];
  window.__pending = 0;
  window.__lastCall = performance.now();
  const answered = () => {
    window.__pending--;
    window.__lastCall = performance.now();
  };
  engine.call = (fn, args, buffers) => {
    const values = buffers && buffers.source ? Array.from(buffers.source) : [];
    const source = values.reduce((sum, v, i) => sum + v * ((i % 97) + 1), 0);
    window.__calls.push({ fn, args: JSON.parse(JSON.stringify(args || {})), source });
    window.__pending++;
    window.__lastCall = performance.now();
    const answer = call(fn, args, buffers);
    answer.then(answered, answered);
    return answer;
  };
}"""
TAKE_CALLS = "() => window.__calls.splice(0)"
# No request unanswered, and none made or answered for `quiet` ms.
QUIET = "(quiet) => window.__pending === 0 && performance.now() - window.__lastCall >= quiet"
# The switch for results computed ahead (site_src/js/demo-ahead.js).
AHEAD_OFF = "() => window.ConvDemo.ahead.setEnabled(false)"

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


def open_counting(site: Site, ahead: bool = False) -> Page:
    """The demo, its requests counted. Without ``ahead``, nothing is computed
    ahead (every change asks Python once, as these tests check); the tests of
    results computed ahead say ``ahead=True``."""
    page = calm(site)
    site.open("index.html")
    page.evaluate(COUNT_CALLS)
    if not ahead:
        page.evaluate(AHEAD_OFF)
    return page


def computed(calls: list[dict[str, Any]]) -> list[str]:
    """The states Python computed (for demo_run or demo_ahead), each as the
    arguments that define it and the source's checksum."""
    out = []
    for c in calls:
        if c["fn"] in ("demo_run", "demo_ahead"):
            args = {k: v for k, v in c["args"].items() if k not in ("token", "keep", "step")}
            out.append(json.dumps([args, c["source"]], sort_keys=True))
    return out


def burst(page: Page, keys: list[str]) -> int:
    """50 presses in "Kernel size" (from 3), each of ``keys`` at random, as
    fast as they come; the kernel size they lead to."""
    page.get_by_label("Kernel size", exact=True).focus()
    rng = random.Random(18)
    kernel = 3
    for _ in range(50):
        key = rng.choice(keys)
        page.keyboard.press(key)
        kernel = min(20, max(1, kernel + (1 if key == "ArrowUp" else -1)))
    return kernel


def settle(page: Page) -> None:
    """Wait until the page has asked for everything it computes ahead."""
    page.wait_for_function(QUIET, arg=1000, timeout=30_000)


# Every keydown, "input" and "change" of a menu, seen on the window after
# the page's own listeners: its value then, whether the browser sent it and
# whether its default action was prevented.
MENU_EVENTS = """() => {
  window.__menu = [];
  for (const type of ["keydown", "input", "change"]) {
    window.addEventListener(type, (e) => {
      if (!(e.target instanceof HTMLSelectElement)) return;
      window.__menu.push([type, e.target.value, e.isTrusted, e.defaultPrevented]);
    });
  }
}"""
TAKE_MENU = "() => window.__menu.splice(0)"


def test_arrow_keys_step_a_closed_menu_once_from_the_page(site: Site) -> None:
    """ArrowDown and ArrowUp on the focused "Digit class" menu choose the next
    and the previous class with one "input" and one "change" each, sent by
    the page, which takes the key (the browser's own step laid the page out
    twice inside the key's task); the new digit's output from one demo_run,
    and its link (back to the first digit, its kept result at most one more).
    ArrowUp on the first class does nothing; "Padding mode" steps
    the same way."""
    page = open_counting(site)
    page.evaluate(MENU_EVENTS)
    menu = page.get_by_test_id("digit-class")
    menu.focus()
    page.keyboard.press("ArrowDown")
    site.wait_ready()
    expect(menu).to_have_value("1")
    assert page.evaluate(TAKE_MENU) == [
        ["input", "1", False, False],
        ["change", "1", False, False],
        ["keydown", "1", True, True],
    ]
    assert len(demo_runs(page)) == 1
    assert page_hash(page)["digit"] == "1"
    assert_close(table(page, "output-values"), host_output([digits(site)[1]], [ones(3, 3)])[0])
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    expect(menu).to_have_value("0")
    assert [e[:2] for e in page.evaluate(TAKE_MENU)] == [
        ["input", "0"],
        ["change", "0"],
        ["keydown", "0"],
    ]
    assert len(demo_runs(page)) <= 1  # digit 0's result may be the one kept
    assert page_hash(page).get("digit", "0") == "0"
    assert_close(table(page, "output-values"), host_output([digits(site)[0]], [ones(3, 3)])[0])
    page.keyboard.press("ArrowUp")  # the first class: nothing to choose
    page.wait_for_timeout(300)
    expect(menu).to_have_value("0")
    assert page.evaluate(TAKE_MENU) == [["keydown", "0", True, True]]
    assert demo_runs(page) == []
    mode = page.get_by_test_id("padding-mode")
    mode.focus()
    page.keyboard.press("ArrowDown")
    site.wait_ready()
    expect(mode).to_have_value("reflect")
    assert [run["padding_mode"] for run in demo_runs(page)] == ["reflect"]
    assert page_hash(page)["padding_mode"] == "reflect"


def test_the_digit_menus_have_a_form_of_their_own(site: Site) -> None:
    """ "Digit class" and "Sample" belong to a form that holds nothing else
    (Chromium's autofill reads the whole form of a control a person changes,
    in a task that often runs before the next frame), while they stay where
    they were in the document: in the settings, inside their group, next to
    their labels and in the same keyboard order."""
    page = site.open()
    found = page.evaluate(
        """() => ['digit-class', 'digit-sample'].map((id) => {
          const menu = document.getElementById(id);
          return [menu.form && menu.form.id, menu.form && menu.form.elements.length,
                  menu.closest('form').id, menu.closest('fieldset').id, menu.labels[0].textContent];
        })"""
    )
    assert found == [
        ["digit-form", 2, "controls", "input-group", "Digit class"],
        ["digit-form", 2, "controls", "input-group", "Sample"],
    ]
    page.get_by_test_id("digit-class").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "digit-sample"


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
    at most one demo_run a press, none twice in a row for one state, one for
    the final setting, and that setting's output shown and in the tables."""
    page = open_counting(site)
    page.evaluate(SNAPSHOT_AT_READY)
    kernel = burst(page, ["ArrowUp", "ArrowUp", "ArrowDown"])
    site.wait_ready()
    page.wait_for_timeout(300)  # anything still to come would come now
    site.wait_ready()
    runs = demo_runs(page)
    assert 1 <= len(runs) <= 50
    # the last request is for the final setting, unless the burst ended back
    # on the setting on screen while another was on its way (nothing to ask)
    assert [kernel, kernel] in [r["kernel"] for r in runs]
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


@pytest.mark.parametrize("ahead", [False, True], ids=["asked", "ahead"])
def test_everything_is_complete_at_ready(site: Site, ahead: bool) -> None:
    """At the very moment data-state turns "ready" after each key press, the
    shape, the whole output table, the window's arithmetic, the formula and
    the PyTorch snippet belong to the new setting: whether the press asked
    Python (one demo_run each) or found its state computed ahead (none)."""
    page = open_counting(site, ahead)
    page.evaluate(SNAPSHOT_AT_READY)
    page.get_by_label("Kernel size", exact=True).focus()
    if ahead:
        settle(page)
        page.evaluate(TAKE_CALLS)
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
        if ahead:
            settle(page)  # the next press's state is computed ahead
    assert len(demo_runs(page)) == (0 if ahead else 3)


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


# ------------------------------------------------------ results computed ahead


def test_ahead_computes_the_states_one_press_away_once_then_stops(site: Site) -> None:
    """While the page is still, Python computes each state one ArrowUp or
    ArrowDown away in the number boxes, once, and then nothing more however
    long the page stays still; a press onto one of them asks nothing, and
    from there the states one press away are computed in turn, except the
    one shown before (kept)."""
    page = open_counting(site, ahead=True)
    settle(page)
    page.evaluate(TAKE_CALLS)
    page.wait_for_timeout(1500)
    assert page.evaluate(TAKE_CALLS) == []
    page.get_by_label("Stride", exact=True).focus()
    page.keyboard.press("ArrowUp")  # stride 2, computed while the page was still
    site.wait_ready()
    settle(page)
    calls = page.evaluate(TAKE_CALLS)
    states = computed(calls)
    assert len(states) == len(set(states)), states
    got = sorted(
        (c["fn"], *(c["args"][name][0] for name in ("kernel", "stride", "padding", "dilation")))
        for c in calls
        if c["fn"] in ("demo_run", "demo_ahead")
    )
    assert got == [
        ("demo_ahead", 2, 2, 0, 1),
        ("demo_ahead", 3, 2, 0, 2),
        ("demo_ahead", 3, 2, 1, 1),
        ("demo_ahead", 3, 3, 0, 1),
        ("demo_ahead", 4, 2, 0, 1),
    ]
    page.wait_for_timeout(1500)
    assert page.evaluate(TAKE_CALLS) == []
    assert_close(
        table(page, "output-values"), host_output([digits(site)[0]], [ones(3, 3)], stride=2)[0]
    )


def test_a_press_onto_a_state_computed_ahead_asks_nothing(site: Site) -> None:
    """ArrowUp onto a state computed ahead, then ArrowDown back to the one
    shown before: no demo_run, and at "ready" each state's own output,
    tables and arithmetic."""
    page = open_counting(site, ahead=True)
    page.evaluate(SNAPSHOT_AT_READY)
    page.get_by_label("Kernel size", exact=True).focus()
    settle(page)
    page.evaluate(TAKE_CALLS)
    digit = digits(site)[0]
    for key, kernel in (("ArrowUp", 4), ("ArrowDown", 3)):
        page.keyboard.press(key)
        site.wait_ready()
        assert demo_runs(page) == []
        snap = page.evaluate("window.__atReady")[-1]
        want = host_output([digit], [ones(kernel, kernel)])[0]
        side = 20 - kernel + 1
        assert (snap["kernel"], snap["shape"]) == (str(kernel), shape(side, side))
        assert (snap["rows"], snap["cells"], snap["taps"]) == (side, side, kernel * kernel)
        assert float(snap["last"]) == float(snap["output"]) == want[-1][-1]
        assert_close(table(page, "output-values"), want)
        settle(page)


def test_a_kept_result_is_shown_only_for_its_exact_state(site: Site) -> None:
    """Kernel 4 computed ahead for digit 0 with the default weights; then a
    weight, then the digit, changes: ArrowUp to kernel 4 shows the output
    of the weights and digit now set, never the result kept for others."""
    page = open_counting(site, ahead=True)
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.focus()
    settle(page)
    weight = page.get_by_test_id("weight-0-0")
    weight.fill("2")
    weight.press("Tab")
    site.wait_ready()
    kernel.focus()
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    grown = [[2.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0], [0.0] * 4]
    assert_close(table(page, "output-values"), host_output([digits(site)[0]], [grown])[0])
    settle(page)
    page.get_by_test_id("digit-class").focus()
    page.keyboard.press("ArrowDown")  # digit 1: kernel 3 and 5 are kept for digit 0
    site.wait_ready()
    kernel.focus()
    page.keyboard.press("ArrowDown")
    site.wait_ready()
    shrunk = [[2.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    assert_close(table(page, "output-values"), host_output([digits(site)[1]], [shrunk])[0])
    assert float(arithmetic(page)["output"]) == host_output([digits(site)[1]], [shrunk])[0][-1][-1]


def test_a_burst_onto_states_computed_ahead_ends_on_the_last_setting(site: Site) -> None:
    """50 presses of ArrowUp/ArrowDown in "Kernel size" with results computed
    ahead: no state is computed twice (a state shown or computed before is
    taken from what the page kept), and the last setting's output is what is
    shown, at "ready" and in the tables."""
    page = open_counting(site, ahead=True)
    page.evaluate(SNAPSHOT_AT_READY)
    page.get_by_label("Kernel size", exact=True).focus()
    settle(page)
    kernel = burst(page, ["ArrowUp", "ArrowDown", "ArrowDown"])
    site.wait_ready()
    settle(page)
    site.wait_ready()
    states = computed(page.evaluate(TAKE_CALLS))
    assert len(states) == len(set(states)), states
    expect(page.get_by_label("Kernel size", exact=True)).to_have_value(str(kernel))
    assert page_hash(page).get("kernel", "3") == str(kernel)
    side = 20 - kernel + 1
    want = host_output([digits(site)[0]], [ones(kernel, kernel)])[0]
    assert_close(table(page, "output-values"), want)
    assert float(arithmetic(page)["output"]) == want[-1][-1]
    final = page.evaluate("window.__atReady")[-1]
    assert (final["kernel"], final["shape"]) == (str(kernel), shape(side, side))


def short_number(v: float) -> str:
    """render.shortNumber for the digits' values (k / 255, 1 and 0)."""
    text = repr(float(f"{v:.4g}"))
    return text[:-2] if text.endswith(".0") else text


def test_kept_arithmetic_rows_show_the_new_window(site: Site) -> None:
    """The arithmetic's rows of a kernel shape are kept and write only the
    numbers that changed: kernel 3, 4, then digit 1, then back to kernel 3
    (its rows still hold digit 0's window 150) shows digit 1's window 150
    in every tap, its numbers and its text."""
    page = calm(site)
    site.open("index.html#step=150")
    page.evaluate(COUNT_CALLS)
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.focus()
    settle(page)
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    page.get_by_test_id("digit-class").focus()
    page.keyboard.press("ArrowDown")  # digit 1
    site.wait_ready()
    kernel.focus()
    page.keyboard.press("ArrowDown")
    site.wait_ready()
    taps = page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-testid=arithmetic] td.tap"), (td) => ({
          weight: Number(td.dataset.weight), value: Number(td.dataset.value),
          product: Number(td.dataset.product),
          factors: td.firstChild.textContent, productText: td.lastChild.textContent,
        }))"""
    )
    image = digits(site)[1]
    top, left = divmod(150, 18)
    window = [image[r][c] for r in range(top, top + 3) for c in range(left, left + 3)]
    assert any(window), "the window should hold some ink to tell digits apart"
    assert arithmetic(page)["caption"].endswith(f"row {top}, column {left}")
    assert [t["value"] for t in taps] == window
    assert [t["weight"] for t in taps] == [1.0] * 9
    assert [t["product"] for t in taps] == window
    times = "\u00d7"
    assert [t["factors"] for t in taps] == [f"1 {times} {short_number(v)}" for v in window]
    assert [t["productText"] for t in taps] == [short_number(v) for v in window]
    assert float(arithmetic(page)["output"]) == host_output([image], [ones(3, 3)])[0][top][left]


# Every weight box of filter 1 and every tap cell: what names it, and
# whether it is an element marked before (window.__marked).
BOXES_AND_TAPS = """() => ({
  grid: document.querySelector("[data-filter='0'] .weight-grid").getAttribute("aria-label"),
  boxes: Array.from(document.querySelectorAll("[data-filter='0'] input.weight"), (b) => ({
    id: b.dataset.testid, index: b.dataset.index, label: b.getAttribute("aria-label"),
    value: b.value, marked: b.__marked === true,
  })),
  taps: Array.from(document.querySelectorAll("[data-testid=arithmetic] td.tap"), (td) => ({
    weight: Number(td.dataset.weight), marked: td.__marked === true,
  })),
})"""
MARK = """() => {
  const marked = "[data-filter='0'] input.weight, [data-testid=arithmetic] td.tap";
  for (const n of document.querySelectorAll(marked)) n.__marked = true;
}"""


def test_a_new_kernel_shape_reshapes_the_weight_boxes_and_taps_in_place(site: Site) -> None:
    """Kernel 3 -> 5 -> 2 x 3 -> 2: the weight boxes and the arithmetic's tap
    cells are the ones already on the page, added or taken off at the end
    (a box kept keeps its style and layout); each box is named for its row
    and column in row-major order, typing in one edits that weight, and the
    arrow keys move by row and column of the new shape."""
    page = calm(site)
    site.open("index.html")
    page.evaluate(MARK)
    kernel = page.get_by_label("Kernel size", exact=True)

    def expect_shape(kh: int, kw: int, before: tuple[int, int]) -> dict[str, Any]:
        """Boxes are kept by their index, tap cells by row and column. (After
        a link the controls may follow the result a moment later.)"""
        grid = page.locator("[data-filter='0'] .weight-grid")
        expect(grid).to_have_attribute("aria-label", f"Filter 1 weights, {kh} rows of {kw}")
        got: dict[str, Any] = page.evaluate(BOXES_AND_TAPS)
        places = [(r, c) for r in range(kh) for c in range(kw)]
        assert [(b["id"], b["index"], b["label"]) for b in got["boxes"]] == [
            (f"weight-{r}-{c}", str(i), f"Filter 1 weight, row {r}, column {c}")
            for i, (r, c) in enumerate(places)
        ]
        kept = before[0] * before[1]
        assert [b["marked"] for b in got["boxes"]] == [i < kept for i in range(kh * kw)]
        kept_taps = [r < before[0] and c < before[1] for r, c in places]
        assert [t["marked"] for t in got["taps"]] == kept_taps
        return got

    kernel.fill("5")
    kernel.press("Tab")
    site.wait_ready()
    expect_shape(5, 5, (3, 3))
    page.evaluate(MARK)
    set_hash(site, "kernel=2,3")
    got = expect_shape(2, 3, (5, 5))
    assert [t["weight"] for t in got["taps"]] == [float(b["value"]) for b in got["boxes"]]
    page.get_by_test_id("weight-0-1").fill("4")
    page.get_by_test_id("weight-0-1").press("Tab")
    site.wait_ready()
    got = expect_shape(2, 3, (5, 5))
    assert [t["weight"] for t in got["taps"]][:3] == [1.0, 4.0, 1.0]
    assert page_hash(page)["weights"].split(",")[:3] == ["1", "4", "1"]
    page.get_by_test_id("weight-0-2").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("weight-1-2")).to_be_focused()
    page.keyboard.press("ArrowLeft")  # the box's text is selected: a move
    expect(page.get_by_test_id("weight-1-1")).to_be_focused()
    set_hash(site, "kernel=2")
    got = expect_shape(2, 2, (2, 3))
    assert [t["weight"] for t in got["taps"]] == [float(b["value"]) for b in got["boxes"]]


# ------------------------------------------------------------- the sliders


def test_a_slider_key_is_one_request_and_its_box_follows(site: Site) -> None:
    """ArrowRight and ArrowLeft on the "Kernel size" slider: one demo_run a
    press, each for the slider's value; at "ready" the box, the shape, the
    tables and the arithmetic all belong to it; one history entry a press;
    typing in the box moves the slider."""
    page = open_counting(site)
    page.evaluate(SNAPSHOT_AT_READY)
    slider = page.get_by_test_id("kernel-slider")
    assert slider.get_attribute("aria-label") == "Kernel size, 1 to 20"
    slider.focus()
    entries = page.evaluate("history.length")
    digit = digits(site)[0]
    for key, kernel in (("ArrowRight", 4), ("ArrowRight", 5), ("ArrowLeft", 4)):
        page.keyboard.press(key)
        site.wait_ready()
        assert [r["kernel"] for r in demo_runs(page)] == [[kernel, kernel]]
        snap = page.evaluate("window.__atReady")[-1]
        side = 20 - kernel + 1
        want = host_output([digit], [ones(kernel, kernel)])[0]
        assert (snap["kernel"], snap["shape"]) == (str(kernel), shape(side, side))
        assert (snap["rows"], snap["cells"], snap["taps"]) == (side, side, kernel * kernel)
        assert float(snap["last"]) == float(snap["output"]) == want[-1][-1]
        assert page_hash(page)["kernel"] == str(kernel)
    assert page.evaluate("history.length") == entries + 3
    box = page.get_by_label("Kernel size", exact=True)
    box.fill("7")
    box.press("Tab")
    site.wait_ready()
    expect(slider).to_have_value("7")
    assert [r["kernel"] for r in demo_runs(page)] == [[7, 7]]


def test_a_drag_of_the_kernel_slider_ends_on_its_last_setting(site: Site) -> None:
    """The "Kernel size" slider dragged across as fast as the mouse goes,
    with results computed ahead: no state computed twice, one history entry
    for the whole drag, and where the thumb stops the box, the link, the
    tables and the arithmetic agree."""
    page = open_counting(site, ahead=True)
    slider = page.get_by_test_id("kernel-slider")
    slider.focus()
    settle(page)
    page.evaluate(TAKE_CALLS)
    entries = page.evaluate("history.length")
    box = slider.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=30)
    page.mouse.up()
    site.wait_ready()
    settle(page)
    site.wait_ready()
    states = computed(page.evaluate(TAKE_CALLS))
    assert len(states) == len(set(states)), states
    kernel = int(slider.input_value())
    assert 3 < kernel < 20
    expect(page.get_by_label("Kernel size", exact=True)).to_have_value(str(kernel))
    assert page_hash(page)["kernel"] == str(kernel)
    assert page.evaluate("history.length") == entries + 1
    want = host_output([digits(site)[0]], [ones(kernel, kernel)])[0]
    assert_close(table(page, "output-values"), want)
    assert float(arithmetic(page)["output"]) == want[-1][-1]
    expect(page.get_by_test_id("output-shape")).to_have_text(shape(21 - kernel, 21 - kernel))


def test_a_dragged_slider_has_its_next_states_computed_the_way_it_moves(site: Site) -> None:
    """While the "Kernel size" slider is dragged up and held, the states
    computed ahead are the next two that way (one press away is all the
    page computes otherwise), and no block of windows is asked for before
    them; once it is let go, the windows of the state shown are asked for."""
    page = open_counting(site, ahead=True)
    slider = page.get_by_test_id("kernel-slider")
    slider.focus()
    settle(page)
    page.evaluate(TAKE_CALLS)
    box = slider.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2

    def at(value: float) -> float:
        """The thumb's centre at ``value`` (1-20), the thumb ~16 px wide."""
        return box["x"] + 8 + (box["width"] - 16) * (value - 1) / 19

    page.mouse.move(at(3), y)
    page.mouse.down()
    page.mouse.move(at(6), y, steps=6)
    site.wait_ready()
    kernel = int(slider.input_value())
    assert 4 <= kernel <= 8
    page.wait_for_function(QUIET, arg=300, timeout=30_000)
    held = page.evaluate(TAKE_CALLS)
    page.mouse.up()
    site.wait_ready()
    settle(page)
    after = page.evaluate(TAKE_CALLS)

    def kernels(calls: list[dict[str, Any]]) -> list[int]:
        return [c["args"]["kernel"][0] for c in calls if c["fn"] == "demo_ahead"]

    ahead = kernels(held)
    assert kernel + 1 in ahead and kernel + 2 in ahead, (kernel, ahead)
    # the windows of a value came only after the states ahead of it
    names = [c["fn"] for c in held]
    assert "demo_windows" not in names[: names.index("demo_ahead")], names
    assert "demo_windows" in [c["fn"] for c in held + after], (names, after)
    states = computed(held + after)
    assert len(states) == len(set(states)), states
    assert page_hash(page)["kernel"] == str(kernel)
    want = host_output([digits(site)[0]], [ones(kernel, kernel)])[0]
    assert_close(table(page, "output-values"), want)


# Every write of a class or hidden attribute in the page from now on whose
# value stays what it was (a record's new value is the next record's old
# value, or the attribute as it is now).
SAME_VALUE_WRITES = """() => {
  window.__sameValue = [];
  new MutationObserver((records) => {
    records.forEach((r, i) => {
      const later = records.slice(i + 1).find(
        (x) => x.target === r.target && x.attributeName === r.attributeName,
      );
      const now = later ? later.oldValue : r.target.getAttribute(r.attributeName);
      if (now === r.oldValue) {
        window.__sameValue.push(`${r.attributeName} of ${r.target.id || r.target.className}`);
      }
    });
  }).observe(document, {
    subtree: true, attributes: true, attributeOldValue: true,
    attributeFilter: [
      "class", "hidden", "data-weight", "data-value", "data-product", "aria-invalid",
    ],
  });
}"""


def test_a_press_writes_no_attribute_it_already_has(site: Site) -> None:
    """Key presses on the "Kernel size" slider and box, onto states computed
    ahead and not, and weights typed, write no class, hidden, tap data or
    aria-invalid attribute with the value it already has: in Chromium such a
    class write on the demo's root (classList.remove of a class it did not
    have) recomputed the page's style in a microtask, before the frame that
    shows the result, and a hidden written again restyles its element
    (performance.md, "A class written again"); the others are work for
    nothing in every press."""
    page = open_counting(site, ahead=True)
    slider = page.get_by_test_id("kernel-slider")
    slider.focus()
    settle(page)
    page.evaluate(SAME_VALUE_WRITES)
    for key in ("ArrowUp", "ArrowUp", "ArrowDown"):
        page.keyboard.press(key)
        site.wait_ready()
    page.get_by_label("Kernel size", exact=True).focus()
    for key in ("ArrowUp", "ArrowUp"):
        page.keyboard.press(key)
        site.wait_ready()
    page.get_by_test_id("weight-0-0").fill("2")
    site.wait_ready()
    page.get_by_test_id("weight-0-0").fill("3")
    site.wait_ready()
    settle(page)
    expect(page.get_by_label("Kernel size", exact=True)).to_have_value("6")
    assert page_hash(page)["kernel"] == "6"
    assert page.evaluate("window.__sameValue") == []


def test_a_slider_press_onto_a_state_computed_ahead_asks_nothing(site: Site) -> None:
    """With the "Stride" slider focused, its next states are computed ahead:
    ArrowRight onto one asks nothing and shows that state at "ready"."""
    page = open_counting(site, ahead=True)
    page.evaluate(SNAPSHOT_AT_READY)
    page.get_by_test_id("stride-slider").focus()
    settle(page)
    page.evaluate(TAKE_CALLS)
    page.keyboard.press("ArrowRight")
    site.wait_ready()
    assert demo_runs(page) == []
    snap = page.evaluate("window.__atReady")[-1]
    assert (snap["shape"], snap["rows"], snap["cells"]) == (shape(9, 9), 9, 9)
    expect(page.get_by_label("Stride", exact=True)).to_have_value("2")
    want = host_output([digits(site)[0]], [ones(3, 3)], stride=2)[0]
    assert_close(table(page, "output-values"), want)


def test_width_sliders_and_the_padding_rule(site: Site) -> None:
    """With height and width apart, each pair has a second slider that sets
    the width alone; moving the padding slider leaves "same" for numbers,
    and "same" shows its padding on the sliders; back together, the width
    sliders hide."""
    page = calm(site)
    site.open("index.html")
    width = page.get_by_test_id("kernel-w-slider")
    expect(width).to_be_hidden()
    page.get_by_test_id("separate").check()
    site.wait_ready()
    expect(width).to_be_visible()
    assert width.get_attribute("aria-label") == "Kernel width, 1 to 20"
    width.focus()
    page.keyboard.press("ArrowRight")
    site.wait_ready()
    assert page_hash(page)["kernel"] == "3,4"
    expect(page.get_by_label("Kernel width", exact=True)).to_have_value("4")
    expect(page.get_by_test_id("output-shape")).to_have_text(shape(18, 17))
    page.get_by_test_id("padding-rule").select_option("same")
    site.wait_ready()
    expect(page.get_by_test_id("padding-slider")).to_have_value("1")
    expect(page.get_by_test_id("padding-w-slider")).to_have_value("1")
    page.get_by_test_id("padding-w-slider").focus()
    page.keyboard.press("ArrowRight")
    site.wait_ready()
    expect(page.get_by_test_id("padding-rule")).to_have_value("numbers")
    assert page_hash(page)["padding"] == "1,2"
    expect(page.get_by_test_id("output-shape")).to_have_text(shape(20, 21))
    page.get_by_test_id("separate").uncheck()
    site.wait_ready()
    expect(width).to_be_hidden()


SELECTION = """() => { const s = getSelection();
  return { count: s.rangeCount, type: s.type, text: s.toString() }; }"""


def test_a_caret_left_in_a_box_is_dropped_when_a_slider_takes_the_focus(site: Site) -> None:
    """Chromium keeps a text box's caret after the box loses the focus, and
    lays the page out before every frame's callbacks while a caret is kept.
    Focus on a slider drops it; text the reader selected stays; the box takes
    a caret and steps again when focused."""
    page = calm(site)
    site.open("index.html")
    box = page.get_by_label("Kernel size", exact=True)
    box.focus()
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    assert page.evaluate(SELECTION)["type"] == "Caret"  # the box's caret
    page.get_by_test_id("stride-slider").focus()
    assert page.evaluate(SELECTION)["count"] == 0
    # the reader's own selection is left alone
    page.evaluate(
        """() => { const r = document.createRange();
          r.selectNodeContents(document.querySelector("[data-testid=output-shape]"));
          getSelection().removeAllRanges(); getSelection().addRange(r); }"""
    )
    shown = page.get_by_test_id("output-shape").text_content()
    page.get_by_test_id("dilation-slider").focus()
    assert page.evaluate(SELECTION) == {"count": 1, "type": "Range", "text": shown}
    box.focus()
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    expect(box).to_have_value("5")
    assert page_hash(page)["kernel"] == "5"


# What the input canvas shows (the part of its bitmap on screen, which only
# grows: its size and a checksum of its pixels), and how many times it has
# been drawn since the count started.
INPUT_PICTURE = """() => {
  const canvas = document.getElementById("input-canvas");
  const ratio = window.devicePixelRatio || 1;
  const width = Math.round(parseFloat(canvas.style.width) * ratio);
  const height = Math.round(parseFloat(canvas.style.height) * ratio);
  const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum * 31 + data[i]) >>> 0;
  return [width, height, sum];
}"""
COUNT_INPUT_DRAWS = """() => {
  const render = window.ConvDemo.render;
  const draw = render.drawInput;
  window.__inputDraws = 0;
  render.drawInput = (...args) => {
    window.__inputDraws += 1;
    return draw(...args);
  };
}"""


def fresh_input_picture(site: Site, hash_: str) -> list[int]:
    """The input canvas of a page opened at `hash_`."""
    page = site.page
    page.goto("about:blank")
    site.open(f"index.html#{hash_}")
    page.evaluate(TWO_FRAMES)
    picture: list[int] = page.evaluate(INPUT_PICTURE)
    return picture


def test_the_input_canvas_is_drawn_again_only_when_its_picture_changes(site: Site) -> None:
    """A new result whose input picture is the same (a kernel or a weight
    changed, nothing padded or dropped differently) leaves the input canvas
    as it was, and what it shows is what a page opened at those settings
    draws; a padding change, a stride that drops rows and a new digit draw
    it again, each as a fresh page does."""
    page = calm(site)
    site.open("index.html#kernel=3&digit=4")
    page.evaluate(COUNT_INPUT_DRAWS)
    kernel = page.get_by_label("Kernel size", exact=True)
    kernel.focus()
    kernel.press("ArrowUp")
    site.wait_ready()
    page.get_by_test_id("weight-0-0").fill("2")
    site.wait_ready()
    assert page.evaluate("window.__inputDraws") == 0
    kept = page.evaluate(INPUT_PICTURE)
    page.get_by_label("Padding", exact=True).fill("1")
    site.wait_ready()
    assert page.evaluate("window.__inputDraws") == 1
    padded = page.evaluate(INPUT_PICTURE)
    page.get_by_label("Stride", exact=True).fill("4")
    site.wait_ready()
    assert page.evaluate("window.__inputDraws") == 2
    strided = page.evaluate(INPUT_PICTURE)
    page.get_by_test_id("digit-class").select_option("7")
    site.wait_ready()
    assert page.evaluate("window.__inputDraws") == 3
    other = page.evaluate(INPUT_PICTURE)
    assert len({tuple(kept), tuple(padded), tuple(strided), tuple(other)}) == 4
    assert kept == fresh_input_picture(site, "kernel=4&digit=4")
    assert padded == fresh_input_picture(site, "kernel=4&padding=1&digit=4")
    assert strided == fresh_input_picture(site, "kernel=4&padding=1&stride=4&digit=4")
    assert other == fresh_input_picture(site, "kernel=4&padding=1&stride=4&digit=7")


# Each padded cell of the input canvas, read inside its edges (the grid
# lines and the input's frame lie on them): whether it holds lines, as
# [light lines (a spread of brightness), red lines (red well above green)].
INPUT_CELL_LINES = """([rows, cols]) => {
  const canvas = document.getElementById("input-canvas");
  const ratio = window.devicePixelRatio || 1;
  const width = Math.round(parseFloat(canvas.style.width) * ratio);
  const height = Math.round(parseFloat(canvas.style.height) * ratio);
  const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  const cw = width / cols;
  const ch = height / rows;
  const margin = Math.ceil(2 * ratio);
  const cells = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let low = 255;
      let high = 0;
      let red = 0;
      for (let y = Math.ceil(r * ch) + margin; y < Math.floor((r + 1) * ch) - margin; y++) {
        for (let x = Math.ceil(c * cw) + margin; x < Math.floor((c + 1) * cw) - margin; x++) {
          const i = 4 * (y * width + x);
          const light = (data[i] + data[i + 1] + data[i + 2]) / 3;
          low = Math.min(low, light);
          high = Math.max(high, light);
          red = Math.max(red, data[i] - data[i + 1]);
        }
      }
      cells.push([high - low > 30, red > 40]);
    }
  }
  return cells;
}"""


def test_the_input_canvas_hatches_the_padding_and_the_cells_no_window_reads(site: Site) -> None:
    """At kernel 3, stride 7 and padding 1 on the 20 x 20 digit (22 x 22
    padded), the windows read padded rows and columns 0-2, 7-9 and 14-16:
    the padding ring is hatched with light lines, every other cell in a row
    or column no window reads with red lines, and the cells the windows
    read hold one colour each."""
    page = calm(site)
    site.open("index.html#kernel=3&stride=7&padding=1&digit=4")
    page.evaluate(TWO_FRAMES)
    size = 22
    read = {p for start in (0, 7, 14) for p in range(start, start + 3)}
    cells = page.evaluate(INPUT_CELL_LINES, [size, size])
    for r in range(size):
        for c in range(size):
            light, red = cells[r * size + c]
            padding = r in (0, size - 1) or c in (0, size - 1)
            unread = r not in read or c not in read
            where = f"padded cell ({r}, {c})"
            if padding:
                assert light and not red, f"{where}: padding, light lines expected"
            elif unread:
                assert red, f"{where}: read by no window, red lines expected"
            else:
                assert not light and not red, f"{where}: read, one colour expected"


# The window's mark over the input: its tile and tile size as written, and
# where it sits (CSS pixels in the page).
WINDOW_MARK = """() => {
  const mark = document.getElementById("window-mark");
  const box = mark.getBoundingClientRect();
  return { image: mark.style.backgroundImage, size: mark.style.backgroundSize,
           box: [box.x, box.y, box.width, box.height] };
}"""


def tile_size(size: str) -> list[float]:
    """A background size as written ("27.5px 27.5px"), in pixels."""
    return [float(part.removesuffix("px")) for part in size.split()]


def window_mark_borders(page: Page, cell: float, taps: int, step: int) -> None:
    """On screen, each of the window's taps (every `step` cells, `taps` a
    side) has the window's colour along its left edge, inside it, and not in
    its middle; the cells between the taps have none."""
    width = page.evaluate(WINDOW_MARK)["box"][2]
    png = page.locator("#window-mark").screenshot()
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    scale = picture.width / width

    def orange(px: float, py: float) -> bool:
        pixel = picture.getpixel((int(px * scale), int(py * scale)))
        assert isinstance(pixel, tuple)
        r, g, b = pixel[:3]
        return abs(r - 245) < 40 and abs(g - 163) < 40 and b < 60

    for i in range(taps):
        for j in range(taps):
            left, top = j * step * cell, i * step * cell
            where = f"tap ({i}, {j}) at cell {cell:.2f} px"
            assert orange(left + 1, top + cell / 2), f"{where}: no border inside its left edge"
            assert not orange(left + cell / 2, top + cell / 2), f"{where}: coloured in its middle"
            if step > 1 and j < taps - 1:
                gap = left + cell
                assert not orange(gap + 1, top + cell / 2), f"{where}: a border on the next cell"


def test_the_window_marks_tile_is_written_once_and_scaled_to_the_cell(site: Site) -> None:
    """The tile that outlines the window's taps is drawn in cells: a padding
    change that shrinks the input's cells rescales it (its size, two cells a
    side at dilation 2) and leaves the image as written, and on screen the
    taps keep a border inside each cell and nothing between them."""
    page = calm(site)
    site.open("index.html#kernel=3&dilation=2&digit=4")
    page.evaluate(TWO_FRAMES)
    before = page.evaluate(WINDOW_MARK)
    cell = before["box"][2] / 5  # three taps two cells apart: five cells a side
    assert tile_size(before["size"]) == pytest.approx([2 * cell, 2 * cell], abs=0.01)
    window_mark_borders(page, cell, 3, 2)
    padding = page.get_by_label("Padding", exact=True)
    padding.fill("6")
    site.wait_ready()
    page.evaluate(TWO_FRAMES)
    after = page.evaluate(WINDOW_MARK)
    smaller = after["box"][2] / 5
    assert smaller < cell
    assert after["image"] == before["image"]
    assert tile_size(after["size"]) == pytest.approx([2 * smaller, 2 * smaller], abs=0.01)
    window_mark_borders(page, smaller, 3, 2)
