"""The demo under real input events, next to the peer page (part of bench_site.py).

Every interaction is a real keyboard or mouse event that Playwright sends
through Chromium's input pipeline to the real control (never a hash change or
a synthetic DOM event). ``bench/probe.js`` notes each event (its
``timeStamp``, when it was dispatched, and the first frame after it) and each
``<html data-state>`` change to ``ready`` (with the first frame after it).

A change of ours is timed from the event to the first animation frame after
``data-state`` went ``busy`` and back to ``ready`` (canvases, messages,
arithmetic and tables complete); the peer (ezyang/convolution-visualizer,
React, which renders while it handles the event) from the same key on its
kernel slider to the first frame after the event. "In the next frame" means
the frame after ``ready`` is the first frame after the event; it is known
only where the probe asks for a frame at the event, which is harmless only
where the page draws while handling it (the peer, a step): elsewhere it
would make the browser draw a frame the page would not have drawn.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

TIMEOUT_MS = 10_000
READY = 'html[data-engine="python"][data-state="ready"]'

# Wait for what followed the first keydown of `key` at or after index `since`
# of the probe's input list: the frame after it, and for ours the frame after
# the data-state "busy" -> "ready" that came after it.
OUTCOME = """async ([since, key, ours, timeoutMs]) => {
  const b = window.__bench;
  const started = performance.now();
  for (;;) {
    const ev = b.inputs.slice(since).find((e) => e.type === "keydown" && e.key === key);
    if (ev && (ev.frame !== null || !b.framesAtEvents)) {
      if (!ours) return { t: ev.t, at: ev.at, next: ev.frame, nextTs: ev.ts };
      const states = b.attrs.filter((a) => a.attr === "state" && a.t >= ev.at);
      const busy = states.findIndex((a) => a.value === "busy");
      const ready = busy < 0 ? null : states.slice(busy + 1).find((a) => a.value === "ready");
      if (ready && ready.frame !== null) {
        return { t: ev.t, at: ev.at, next: ev.frame, nextTs: ev.ts, busy: states[busy].t,
                 ready: ready.t, frame: ready.frame, frameTs: ready.ts };
      }
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`no ${ours ? "busy -> ready" : "frame"} after ${key} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}"""

# Count the demo's requests to Python at the engine's boundary.
COUNT_CALLS = """() => {
  const engine = window.convcoreEngine;
  if (engine.__benchCalls) return;
  const call = engine.call;
  engine.__benchCalls = [];
  engine.call = (fn, args, buffers) => {
    engine.__benchCalls.push(fn);
    return call(fn, args, buffers);
  };
}"""
TAKE_CALLS = """() => window.convcoreEngine.__benchCalls.splice(0)"""

# Every frame while recording: what the demo's slide shows.
FRAMES_START = """() => {
  const b = window.__bench;
  const q = (s) => document.querySelector(s);
  b.frames = [];
  const tick = (ts) => {
    if (!b.frames) return;
    b.frames.push({ ts, now: performance.now(), scrub: Number(q("#scrub").value),
      caption: q("[data-testid=arithmetic] caption").textContent,
      probe: q("[data-testid=probe]").textContent, state: document.documentElement.dataset.state });
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
FRAMES_STOP = """() => {
  const frames = window.__bench.frames;
  window.__bench.frames = null;
  return frames;
}"""
INPUTS_SINCE = """(since) => window.__bench.inputs.slice(since)
  .map(({ type, key, t, at, frame, ts }) => ({ type, key, t, at, frame, ts }))"""
INPUT_COUNT = "() => window.__bench.inputs.length"
FRAMES_AT_EVENTS = "(on) => { window.__bench.framesAtEvents = on; }"
LONG_TASKS_SINCE = "(t) => window.__bench.longtasks.filter((x) => x.start >= t)"


@dataclass(frozen=True)
class Keys:
    """Key presses on one focused control, alternating between ``keys``.

    ``before`` is pressed (untimed) before each key, e.g. select-all in a
    text field so that the typed digit replaces the value.
    """

    row: str
    label: str
    focus: Callable[[Page], None]
    keys: tuple[str, str]
    before: str = ""


def _label(name: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_label(name, exact=True).focus()


def _testid(name: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_test_id(name).focus()


UP_DOWN = ("ArrowUp", "ArrowDown")
OURS_KEYS = (
    Keys("kernel", 'ArrowUp/Down in "Kernel size"', _label("Kernel size"), UP_DOWN),
    Keys("stride", 'ArrowUp/Down in "Stride"', _label("Stride"), UP_DOWN),
    Keys("padding", 'ArrowUp/Down in "Padding"', _label("Padding"), UP_DOWN),
    Keys("dilation", 'ArrowUp/Down in "Dilation"', _label("Dilation"), UP_DOWN),
    Keys(
        "slider",
        "slider step (ArrowLeft/Right, the slide)",
        _testid("scrub"),
        ("ArrowLeft", "ArrowRight"),
    ),
    Keys("weight", "weight edit (type a digit)", _testid("weight-0-0"), ("2", "1"), "Control+a"),
    Keys("digit", "digit change (ArrowDown/Up, class menu)", _testid("digit-class"), UP_DOWN[::-1]),
    Keys("step", "step (Enter on step-back)", _testid("step-back"), ("Enter", "Enter")),
)
#: Rows whose target is "shown in the next frame" rather than the peer's time.
WINDOW_ROWS = ("slider", "step")


def peer_kernel(page: Page) -> None:
    page.locator("fieldset", has_text="Kernel size").locator("input[type=range]").first.focus()


PEER_KEYS = Keys("peer", "peer: ArrowUp/Down on its kernel slider", peer_kernel, UP_DOWN)


def open_peer(page: Page, url: str) -> None:
    """The peer at its largest input (16 x 16), set by keyboard as a user would."""
    page.goto(url)
    page.wait_for_selector("input[type=range]")
    size = page.locator("fieldset", has_text="Input size").locator("input[type=range]").first
    size.focus()
    page.keyboard.press("End")
    page.wait_for_timeout(100)


def press_once(page: Page, spec: Keys, index: int, ours: bool) -> dict[str, Any]:
    key = spec.keys[index % 2]
    if spec.before:
        page.keyboard.press(spec.before)
    since = page.evaluate(INPUT_COUNT)
    page.keyboard.press(key)
    r: dict[str, Any] = page.evaluate(OUTCOME, [since, key, ours, TIMEOUT_MS])
    shown = r["frame"] if ours else r["next"]
    r["ms"] = shown - r["t"]
    r["next_frame"] = None if r["nextTs"] is None else (not ours or r["frameTs"] == r["nextTs"])
    return r


def run_presses(
    pages: dict[str, Page],
    plan: Sequence[tuple[str, Keys]],
    rounds: int,
    per_block: int,
    log: Callable[[str], None],
    seed: int = 11,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``rounds`` rounds; each presses ``per_block`` times on every (page,
    control) of ``plan``, in turn, so that the pages share the machine's
    moments. Returns page -> row -> samples; the first sample of a row of a
    demo page carries the requests the demo made for all of them."""
    rng = random.Random(seed)
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    calls: dict[tuple[str, str], list[str]] = {}
    for round_ in range(rounds):
        for which, spec in plan:
            page = pages[which]
            demo = which != "peer"
            rows = samples.setdefault(which, {}).setdefault(spec.row, [])
            spec.focus(page)
            # a frame asked for at the event is harmless where the page draws
            # while handling it (the peer; a step), not where it answers later
            page.evaluate(FRAMES_AT_EVENTS, not demo or spec.row in WINDOW_ROWS)
            if demo:
                page.evaluate(TAKE_CALLS)
            for i in range(per_block):
                rows.append(press_once(page, spec, i, demo))
                page.wait_for_timeout(rng.randint(40, 90))  # any phase of the frame
            if demo:
                calls.setdefault((which, spec.row), []).extend(page.evaluate(TAKE_CALLS))
        done = "; ".join(
            f"{which} "
            + ", ".join(f"{row} {_median([s['ms'] for s in got]):.1f}" for row, got in rows.items())
            for which, rows in samples.items()
        )
        log(f"input round {round_ + 1}/{rounds}: median ms {done}")
    for (which, row), made in calls.items():
        samples[which][row][0]["calls"] = made
    return samples


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return (ordered[(n - 1) // 2] + ordered[n // 2]) / 2 if n else float("nan")


# ------------------------------------------------------------------ the slide


CAPTION = re.compile(r"row (\d+), column (\d+)")


def _output_width(page: Page) -> int:
    text = page.get_by_test_id("output-shape").text_content() or ""
    return int(text.split("\u00d7")[1])


def shown_step(caption: str, width: int) -> int | None:
    m = CAPTION.search(caption)
    return None if m is None else int(m.group(1)) * width + int(m.group(2))


def drag_slide(page: Page, moves: int, pause_ms: int) -> dict[str, Any]:
    """Drag the slide's thumb with the mouse from its right end to its left,
    ``moves`` pointer moves ``pause_ms`` apart, recording every frame."""
    width = _output_width(page)
    scrub = page.get_by_test_id("scrub")
    scrub.scroll_into_view_if_needed()
    box = scrub.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    right = box["x"] + box["width"] - 4
    left = box["x"] + 4
    page.mouse.move(right, y)
    t0 = page.evaluate("() => performance.now()")
    page.evaluate(FRAMES_START)
    page.mouse.down()
    for i in range(1, moves + 1):
        page.mouse.move(right - (right - left) * i / moves, y)
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    page.mouse.up()
    page.wait_for_selector("html[data-state=ready]", state="attached", timeout=TIMEOUT_MS)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    frames: list[dict[str, Any]] = page.evaluate(FRAMES_STOP)
    long_tasks = page.evaluate(LONG_TASKS_SINCE, t0)
    stale = 0
    worst = 0
    changed = 0
    for before, frame in itertools.pairwise(frames):
        if before["scrub"] != frame["scrub"]:
            changed += 1
        shown = shown_step(frame["caption"], width)
        if shown in (before["scrub"], frame["scrub"]):
            continue
        stale += 1
        # how many frames back the shown step was the slide's value
        earlier = reversed(frames[: frames.index(frame)])
        back = next((k for k, f in enumerate(earlier) if f["scrub"] == shown), len(frames))
        worst = max(worst, back)
    intervals = [b["ts"] - a["ts"] for a, b in itertools.pairwise(frames)]
    final = frames[-1]
    return {
        "frames": len(frames),
        "frames_with_new_value": changed,
        "stale_frames": stale,
        "worst_frames_behind": worst,
        "frame_ms": intervals,
        "long_tasks": [t["duration"] for t in long_tasks],
        "final_ok": shown_step(final["caption"], width) == final["scrub"],
        "moves": moves,
        "pause_ms": pause_ms,
    }


def hover_cells(page: Page, count: int, seed: int = 5) -> list[dict[str, Any]]:
    """Point at ``count`` random output cells; for each pointermove, whether
    the first frame after it names that cell in the probe text."""
    rng = random.Random(seed)
    canvas = page.get_by_test_id("output-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    text = page.get_by_test_id("output-shape").text_content() or ""
    rows, cols = (int(v) for v in text.split("\u00d7"))
    out = []
    page.evaluate(FRAMES_START)
    for _ in range(count):
        r, c = rng.randrange(rows), rng.randrange(cols)
        since = page.evaluate(INPUT_COUNT)
        page.mouse.move(
            box["x"] + (c + 0.5) * box["width"] / cols, box["y"] + (r + 0.5) * box["height"] / rows
        )
        page.wait_for_timeout(rng.randint(40, 90))
        events = [e for e in page.evaluate(INPUTS_SINCE, since) if e["type"] == "pointermove"]
        out.append({"cell": [r, c], "events": events})
    frames: list[dict[str, Any]] = page.evaluate(FRAMES_STOP)
    page.mouse.move(0, 0)
    results = []
    for item in out:
        if not item["events"]:
            results.append({"cell": item["cell"], "next_frame": False, "ms": None})
            continue
        ev = item["events"][-1]
        after = [f for f in frames if f["now"] > ev["at"]]
        want = f"Output row {item['cell'][0]}, column {item['cell'][1]}"
        ok = bool(after) and after[0]["probe"].startswith(want)
        ms = after[0]["now"] - ev["t"] if after else None
        results.append({"cell": item["cell"], "next_frame": ok, "ms": ms})
    return results


# ------------------------------------------------------------------ the phase


def measure(
    open_page: Callable[[], tuple[Page, Callable[[], None]]],
    demos: dict[str, str],
    peer_url: str | None,
    rounds: int,
    per_block: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """The pages open side by side (``demos``: name -> URL of a build of the
    demo, e.g. ours and an older build; and the peer); key presses in turns
    (a block on one control of each demo, then a block on the peer's kernel
    slider), then on each demo a drag of the slide (a pointer move every
    ~15 ms, then as fast as they come) and pointing at output cells."""
    pages: dict[str, Page] = {}
    closers: list[Callable[[], None]] = []
    try:
        for name, url in demos.items():
            page, close = open_page()
            closers.append(close)
            page.goto(url)
            page.wait_for_selector(READY, state="attached", timeout=60_000)
            page.evaluate(COUNT_CALLS)
            pages[name] = page
        if peer_url:
            page, close = open_page()
            closers.append(close)
            open_peer(page, peer_url)
            pages["peer"] = page
        plan: list[tuple[str, Keys]] = []
        for spec in OURS_KEYS:
            plan += [(name, spec) for name in demos]
            if peer_url:
                plan.append(("peer", PEER_KEYS))
        out: dict[str, Any] = {"presses": run_presses(pages, plan, rounds, per_block, log)}
        for name in demos:
            out[name] = slide(pages[name], log)
    finally:
        for close in closers:
            close()
    firsts: dict[str, list[list[float]]] = {name: [] for name in demos}
    for _ in range(rounds):
        for name, url in demos.items():
            firsts[name].append(first_presses(open_page, url, 3))
    for name in demos:
        out[name]["first_presses"] = firsts[name]
    log(
        "first presses after ready: "
        + "; ".join(
            f"{name} " + ", ".join(f"{_median([f[i] for f in got]):.1f}" for i in range(3))
            for name, got in firsts.items()
        )
    )
    return out


def first_presses(
    open_page: Callable[[], tuple[Page, Callable[[], None]]], url: str, count: int
) -> list[float]:
    """A fresh page: the first ``count`` presses in "Kernel size" as soon as
    the page is ready (Python started, its first result shown), each timed
    like the others."""
    page, close = open_page()
    try:
        page.goto(url)
        page.wait_for_selector(READY, state="attached", timeout=60_000)
        spec = OURS_KEYS[0]
        spec.focus(page)
        times = []
        for i in range(count):
            times.append(press_once(page, spec, i, True)["ms"])
            page.wait_for_timeout(30)
        return times
    finally:
        close()


def slide(page: Page, log: Callable[[str], None]) -> dict[str, Any]:
    page.evaluate(TAKE_CALLS)
    page.get_by_test_id("step-last").click()
    page.wait_for_selector(READY, state="attached", timeout=TIMEOUT_MS)
    drag = drag_slide(page, 60, 12)
    drag["calls"] = page.evaluate(TAKE_CALLS)
    fast = drag_slide(page, 60, 0)
    fast["calls"] = page.evaluate(TAKE_CALLS)
    hover = hover_cells(page, 40)
    log(
        f"drag: {drag['stale_frames']} stale of {drag['frames_with_new_value']} new frames, "
        f"long tasks {drag['long_tasks']}; fast: {fast['stale_frames']} stale of "
        f"{fast['frames_with_new_value']}; hover in the next frame "
        f"{sum(h['next_frame'] for h in hover)}/{len(hover)}"
    )
    return {"drag": drag, "fast_drag": fast, "hover": hover}
