"""What axe cannot check: the keyboard path through each page (its order
follows what the eye reads, focus always shows, nothing traps it), live
regions that speak once per result and not on every animation step, and
canvases whose text alternative leads to their numbers.

The demo's own keyboard walk-through (settings, slide, canvases, copy) is
test_demo.py::test_keyboard_only_walkthrough; the widgets' arrow keys are in
test_learn.py and test_receptive.py.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import X, wait_ready
from tests.e2e.test_demo import calm, table

WIDTHS = (1280, 390)
PAGES = (
    "index.html",
    "learn.html",
    "receptive.html",
    "transpose.html",
    "python.html",
    "embed.html#widget=window",
)
TAB_LIMIT = 400  # more than any page's tab stops (learn.html has about 130)
SLACK = 2  # px: boxes on one line need not line up exactly

# The focused element: a stable key, the box of its first line in page
# coordinates (where reading reaches it: a link may wrap onto the next line),
# and whether a focus ring shows (an outline or a box shadow).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (!el.dataset.walk) el.dataset.walk = String(document.querySelectorAll("[data-walk]").length);
  const box = el.getClientRects()[0] || el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {
    key: el.dataset.walk,
    name: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ` +
      (el.getAttribute("aria-label") || el.textContent.trim().slice(0, 40)),
    top: box.top + scrollY, bottom: box.bottom + scrollY,
    left: box.left + scrollX, right: box.right + scrollX,
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
      style.boxShadow !== "none",
  };
}"""

# Every live region on the page (aria-live, or a role that implies it):
# the texts it took, once per batch of changes (what a screen reader hears).
LISTEN = """() => {
  window.__spoken = {};
  const regions = document.querySelectorAll("[aria-live], [role=status], [role=alert], [role=log]");
  regions.forEach((el, i) => {
    const holder = el.closest("[data-testid]");
    const key =
      el.dataset.testid || el.id || `${holder ? holder.dataset.testid : i} .${el.className}`;
    const said = (window.__spoken[key] = []);
    let last = el.textContent;
    new MutationObserver(() => {
      if (el.textContent !== last) said.push((last = el.textContent));
    }).observe(el, { subtree: true, childList: true, characterData: true });
  });
}"""


def tab_walk(page: Page) -> list[dict[str, Any]]:
    """Tab from the top of the page until focus leaves it or comes back to
    where it started; the focused elements in order. Fails on a trap."""
    page.evaluate("() => { document.activeElement.blur(); scrollTo(0, 0); }")
    seen: list[dict[str, Any]] = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now is None or (seen and now["key"] == seen[0]["key"]):
            return seen
        seen.append(now)
    raise AssertionError(f"focus never left the page: trapped after {seen[-3:]}")


def out_of_order(walk: list[dict[str, Any]]) -> list[str]:
    """Steps that go against reading order (left to right, top to bottom, a
    column at a time): up, unless to a column further right; left, unless
    to a line further down."""
    wrong = []
    for a, b in itertools.pairwise(walk[1:]):  # the skip link sits over the header
        up = b["top"] < a["top"] - SLACK and b["bottom"] <= a["bottom"] - SLACK
        left = b["left"] < a["left"] - SLACK
        if (up and b["left"] < a["right"] - SLACK) or (left and b["top"] < a["bottom"] - SLACK):
            wrong.append(f"{a['name']!r} {box(a)} -> {b['name']!r} {box(b)}")
    return wrong


def box(step: dict[str, Any]) -> str:
    return f"at ({step['left']:.0f}, {step['top']:.0f})-({step['right']:.0f}, {step['bottom']:.0f})"


# Every canvas shown: its role and name.
CANVASES = """() => Array.from(document.querySelectorAll("canvas"))
  .filter((c) => c.checkVisibility())
  .map((c) => [c.dataset.testid || c.dataset.role, c.getAttribute("role"),
    c.getAttribute("aria-label")])"""


@pytest.mark.parametrize("path", PAGES)
def test_tab_order_focus_ring_no_trap_and_named_canvases(site: Site, path: str) -> None:
    """At both widths, Tab goes through the page in reading order with a
    focus ring on every stop, and leaves it; every canvas is an image with a
    name that says what it shows."""
    page = calm(site)
    site.open(path)
    canvases = page.evaluate(CANVASES)
    unnamed = [c for c in canvases if c[1] != "img" or not (c[2] or "").strip()]
    assert unnamed == [], f"{path}: canvases without a role and name: {unnamed}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        walk = tab_walk(page)
        assert len(walk) >= 5, f"{path}: only {len(walk)} tab stops"
        assert walk[0]["name"].startswith("a Skip to content"), walk[0]
        unseen = [step["name"] for step in walk if not step["ring"]]
        assert unseen == [], f"{path} at {width} px: focus without a visible ring on {unseen}"
        wrong = out_of_order(walk)
        assert wrong == [], f"{path} at {width} px: tab order against reading order:\n" + "\n".join(
            wrong
        )


def test_keys_that_edit_do_not_keep_focus(site: Site) -> None:
    """The drawing grid takes arrows and Space, a code cell takes typing and
    Ctrl+Enter: Tab still moves on from both."""
    page = calm(site)
    site.open("index.html#input=draw")
    canvas = page.get_by_test_id("input-canvas")
    canvas.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") != "input-canvas"
    site.open("learn.html")
    code = page.get_by_test_id("cell-post").get_by_test_id("cell-code")
    code.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "cell-run"


def spoken(page: Page) -> dict[str, list[str]]:
    said: dict[str, list[str]] = page.evaluate("window.__spoken")
    return {key: texts for key, texts in said.items() if texts}


def test_the_slide_is_announced_at_its_start_and_end_only(site: Site) -> None:
    page = calm(site)
    site.open("index.html#step=0&speed=8")
    page.evaluate(LISTEN)
    page.get_by_test_id("play").click()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "false", timeout=10_000)
    site.wait_ready()
    assert page.get_by_test_id("scrub").input_value() == "323"  # it played all 324 steps
    said = spoken(page)
    assert list(said) == ["step-status"], said
    (start, end) = said["step-status"]
    assert start.startswith("Playing from step 1 of 324")
    assert end.startswith("Done: all 324 windows computed. Step 324 of 324")


def test_a_change_is_announced_once(site: Site) -> None:
    page = calm(site)
    site.open("index.html")
    page.evaluate(LISTEN)
    page.get_by_label("Kernel size", exact=True).focus()
    page.keyboard.press("ArrowUp")
    site.wait_ready()
    page.get_by_test_id("step-back").click()
    site.wait_ready()
    said = spoken(page)
    assert list(said) == ["step-status"], said
    assert [text.split(":")[0] for text in said["step-status"]] == [
        "Step 289 of 289",
        "Step 288 of 289",
    ]


def test_widgets_announce_once_per_change(site: Site) -> None:
    page = site.open("learn.html")
    page.evaluate(LISTEN)
    page.locator("#widget-window button[data-move='1']").click()
    slider = page.locator("#kernel-kernel")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_ready(page)
    said = spoken(page)
    assert sorted(said) == ["kernel-facts", "window-taps .arith"], said
    assert [len(texts) for texts in said.values()] == [1, 1], said


def test_the_demo_pictures_lead_to_their_numbers(site: Site) -> None:
    """The demo's pictures name the table that holds their values, and that
    table holds every value of the picture."""
    page = calm(site)
    site.open("index.html#kernel=5&stride=2")
    names = page.evaluate(CANVASES)
    assert [n[0] for n in names] == ["input-canvas", "output-canvas"]
    for testid, role, label in names:
        assert role == "img" and label, (testid, role, label)
    by_testid = {n[0]: n[2] for n in names}
    assert f"20 {X} 20 pixels" in by_testid["input-canvas"]
    assert "the table “Input values”" in by_testid["input-canvas"]
    assert by_testid["output-canvas"].startswith(f"Output of filter 1: 8 {X} 8 values")
    assert "the table “Output values”" in by_testid["output-canvas"]
    inputs, outputs = table(page, "input-values"), table(page, "output-values")
    assert (len(inputs), len(inputs[0])) == (20, 20)
    assert (len(outputs), len(outputs[0])) == (8, 8)
    for testid, caption in (("input-values", "Input values"), ("output-values", "Output values")):
        expect(page.get_by_test_id(testid).locator("caption")).to_contain_text(caption)
