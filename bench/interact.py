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
# The pause before each press, and between a row's untimed key and its timed
# one (ms, drawn at random): about as soon as a person could press again.
PRESS_GAP_MS = (40, 90)
READY = 'html[data-engine="python"][data-state="ready"]'

# Wait for what followed the first keydown of `key` at or after index `since`
# of the probe's input list: the frame after it, and for ours the frame after
# the data-state "busy" -> "ready" that came after it.
OUTCOME = """async ([since, key, ours, timeoutMs]) => {
  const b = window.__bench;
  const started = performance.now();
  for (;;) {
    const ev = b.inputs.slice(since).find((e) => e.type === "keydown" && e.key === key);
    if (ev && (ev.end !== null || !b.framesAtEvents)) {
      if (!ours) return { t: ev.t, at: ev.at, next: ev.frame, nextTs: ev.ts, nextEnd: ev.end };
      const states = b.attrs.filter((a) => a.attr === "state" && a.t >= ev.at);
      const busy = states.findIndex((a) => a.value === "busy");
      const ready = busy < 0 ? null : states.slice(busy + 1).find((a) => a.value === "ready");
      if (ready && ready.end !== null) {
        return { t: ev.t, at: ev.at, next: ev.frame, nextTs: ev.ts, busy: states[busy].t,
                 ready: ready.t, frame: ready.frame, frameTs: ready.ts, frameEnd: ready.end };
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
    """A run of key presses on one focused control: in one direction, each
    press leads to a state no press of the benchmark led to before; back and
    forth, each press after the first to the state shown before the last.

    ``keys`` are pressed in turn, one a press; ``before`` (untimed) before
    each, e.g. select-all in a text field so that the typed digit replaces
    the value. On a demo page every run starts from ``base`` (a URL hash,
    set untimed) with a digit that no other run used (``own_digits``: the
    row walks the digits itself, from a sample that no other run used), so
    that no state of a run was computed for an earlier one.
    """

    row: str
    label: str
    focus: Callable[[Page], None]
    keys: tuple[str, ...]
    before: str = ""
    base: str = ""
    own_digits: bool = False


def _label(name: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_label(name, exact=True).focus()


def _testid(name: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_test_id(name).focus()


UP_6 = ("ArrowUp",) * 6
#: Number boxes: from the low end up (dilation 1 -> 5 is four presses); the
#: "-w" rows with height and width apart (a pair in the link turns that on).
BOXES = (
    ("kernel", "Kernel size", "Kernel width", "kernel=2", UP_6),
    ("stride", "Stride", "Stride width", "stride=1", UP_6),
    ("padding", "Padding", "Padding width", "padding=0", UP_6),
    ("dilation", "Dilation", "Dilation width", "dilation=1", ("ArrowUp",) * 4),
)
#: Back and forth from a middle value: after the first press, every state
#: was shown a moment before.
UP_DOWN_6 = ("ArrowUp", "ArrowDown") * 3
MIDDLES = {
    "kernel": "kernel=4",
    "stride": "stride=2",
    "padding": "padding=1",
    "dilation": "dilation=2",
}
OURS_KEYS = (
    *(
        Keys(row, f'ArrowUp in "{label}"', _label(label), keys, base=base)
        for row, label, _, base, keys in BOXES
    ),
    *(
        Keys(
            f"{row}-alt", f'ArrowUp/Down in "{label}"', _label(label), UP_DOWN_6, base=MIDDLES[row]
        )
        for row, label, _, _, _ in BOXES
    ),
    *(
        Keys(
            f"{row}-w",
            f'ArrowUp in "{label_w}"',
            _label(label_w),
            keys,
            base=f"{base},{base.split('=')[1]}",
        )
        for row, _, label_w, base, keys in BOXES
    ),
    # the same presses on the kernel size's slider (the peer's kind of
    # control; the other pairs' sliders run the same code, and every row
    # takes one of the 60 fresh digits a round)
    Keys(
        "kernel-slider",
        'ArrowUp on the "Kernel size" slider',
        _testid("kernel-slider"),
        UP_6,
        base="kernel=2",
    ),
    Keys(
        "kernel-slider-alt",
        'ArrowUp/Down on the "Kernel size" slider',
        _testid("kernel-slider"),
        UP_DOWN_6,
        base=MIDDLES["kernel"],
    ),
    Keys(
        "slider",
        "slider step (ArrowLeft, the slide)",
        _testid("scrub"),
        ("ArrowLeft",) * 6,
    ),
    Keys(
        "weight",
        "weight edit (type a digit)",
        _testid("weight-0-0"),
        tuple("234567"),
        "Control+a",
    ),
    Keys(
        "digit",
        "digit change (ArrowDown, class menu)",
        _testid("digit-class"),
        ("ArrowDown",) * 6,
        own_digits=True,
    ),
    Keys("step", "step (Enter on step-back)", _testid("step-back"), ("Enter",) * 6),
)
#: Rows whose target is "shown in the next frame" rather than the peer's time.
WINDOW_ROWS = ("slider", "step")
#: Where the runs' digits come from: rows that walk digits use samples 1-6
#: (digits 0-59), the others one digit each of 60-119.
OWN_DIGIT_SAMPLES = 6
FRESH_DIGITS = range(60, 120)


def peer_kernel(page: Page) -> None:
    page.locator("fieldset", has_text="Kernel size").locator("input[type=range]").first.focus()


#: The peer computes every change afresh: ArrowUp/ArrowDown alternate.
PEER_KEYS = Keys(
    "peer", "peer: ArrowUp/Down on its kernel slider", peer_kernel, ("ArrowUp", "ArrowDown") * 3
)

# The demo's own switch for results computed ahead (demo-ahead.js), for the
# "cold" page: every change asks Python, as before that existed.
AHEAD_OFF = "() => window.ConvDemo.ahead.setEnabled(false)"
SET_HASH = """async ([hash, timeoutMs]) => {
  if (location.hash.replace(/^#/, "") === hash) return;
  const since = performance.now();
  location.hash = hash;
  await window.__bench.nextReady(since, timeoutMs);
}"""


def open_peer(page: Page, url: str) -> None:
    """The peer at its largest input (16 x 16), set by keyboard as a user would."""
    page.goto(url)
    page.wait_for_selector("input[type=range]")
    size = page.locator("fieldset", has_text="Input size").locator("input[type=range]").first
    size.focus()
    page.keyboard.press("End")
    page.wait_for_timeout(100)


def press_once(
    page: Page, key: str, before: str, ours: bool, hold_ms: int = 0, settle_ms: int = 0
) -> dict[str, Any]:
    """One press of ``key`` (held ``hold_ms``, 0: let go at once) and what
    followed it (see OUTCOME); ``before`` is pressed first, untimed, then
    ``settle_ms`` pass before ``key``.

    The pause matters: a select-all paints its selection in a frame, and
    headless Chromium's frames keep a 60 Hz clock, so a digit typed a few
    ms after it waited for the next tick (on a quiet machine 9 of 18 weight
    edits had their frame 10-14 ms after the key, "ready" 2 ms after it), a
    wait no other row had and no person makes (docs/performance.md, "A
    select-all's frame")."""
    if before:
        page.keyboard.press(before)
        if settle_ms:
            page.wait_for_timeout(settle_ms)
    since = page.evaluate(INPUT_COUNT)
    page.keyboard.press(key, delay=hold_ms)
    r: dict[str, Any] = page.evaluate(OUTCOME, [since, key, ours, TIMEOUT_MS])
    shown = r["frame"] if ours else r["next"]
    r["ms"] = shown - r["t"]
    # on to the end of that frame's work (its layout counted wherever it fell)
    r["end_ms"] = (r["frameEnd"] if ours else r["nextEnd"]) - r["t"]
    r["next_frame"] = None if r["nextTs"] is None else (not ours or r["frameTs"] == r["nextTs"])
    return r


class Digits:
    """Hands out the runs' digits (see Keys)."""

    def __init__(self) -> None:
        self.fresh = iter(FRESH_DIGITS)
        self.samples: dict[str, int] = {}

    def next(self, which: str, spec: Keys) -> int:
        if not spec.own_digits:
            digit = next(self.fresh, None)
            if digit is None:
                raise SystemExit(
                    f"too many rounds: the runs ran out of digits ({len(FRESH_DIGITS)})"
                )
            return digit
        sample = self.samples.get(which, 0)
        if sample >= OWN_DIGIT_SAMPLES:
            raise SystemExit(
                f"at most {OWN_DIGIT_SAMPLES} rounds: the digit rows ran out of samples"
            )
        self.samples[which] = sample + 1
        return sample * 10  # class 0 of the sample; ArrowDown walks classes 1, 2, ...


def start_run(page: Page, spec: Keys, digit: int) -> None:
    """The run's starting state, by URL hash (untimed), then its control focused."""
    base = "&".join(part for part in (spec.base, f"digit={digit}") if part)
    page.evaluate(SET_HASH, [base, TIMEOUT_MS])
    spec.focus(page)


def run_presses(
    pages: dict[str, Page],
    plan: Sequence[tuple[str, Keys]],
    rounds: int,
    log: Callable[[str], None],
    seed: int = 11,
    hold_ms: int = 0,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``rounds`` rounds; each presses a run of keys on every (page, control)
    of ``plan``, in turn, so that the pages share the machine's moments. Each
    press comes 40-90 ms after the previous one or after the control got the
    focus (any phase of the frame, and about as soon as a person could); a
    row's untimed ``before`` key comes 40-90 ms before its timed one too.
    Returns page -> row -> samples; the first sample of a row of a demo page
    carries the requests the demo made for all of them."""
    rng = random.Random(seed)
    # its own stream, so that the other rows keep the pauses they had
    settle = random.Random(seed + 1)
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    calls: dict[tuple[str, str], list[str]] = {}
    digits = {which: Digits() for which in pages}
    for round_ in range(rounds):
        for which, spec in plan:
            page = pages[which]
            demo = which != "peer"
            rows = samples.setdefault(which, {}).setdefault(spec.row, [])
            if demo:
                start_run(page, spec, digits[which].next(which, spec))
                page.evaluate(TAKE_CALLS)
            else:
                spec.focus(page)
            # a frame asked for at the event is harmless where the page draws
            # while handling it (the peer; a step), not where it answers later
            page.evaluate(FRAMES_AT_EVENTS, not demo or spec.row in WINDOW_ROWS)
            for key in spec.keys:
                page.wait_for_timeout(rng.randint(*PRESS_GAP_MS))
                pause = settle.randint(*PRESS_GAP_MS) if spec.before else 0
                rows.append(press_once(page, key, spec.before, demo, hold_ms, pause))
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


def record_drag(
    page: Page, start: str, xs: Sequence[float], y: float, pause_ms: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Press the mouse at (xs[0], y), move it through the other xs
    ``pause_ms`` apart and let go, recording every frame (``start`` begins
    the recording) until two frames after the page is ready again: the
    frames and the long tasks since the drag began."""
    page.mouse.move(xs[0], y)
    t0 = page.evaluate("() => performance.now()")
    page.evaluate(start)
    page.mouse.down()
    for x in xs[1:]:
        page.mouse.move(x, y)
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    page.mouse.up()
    page.wait_for_selector("html[data-state=ready]", state="attached", timeout=TIMEOUT_MS)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    frames: list[dict[str, Any]] = page.evaluate(FRAMES_STOP)
    return frames, page.evaluate(LONG_TASKS_SINCE, t0)


def drag_summary(
    values: Sequence[int],
    shown: Sequence[int | None],
    long_tasks: list[dict[str, Any]],
    moves: int,
    pause_ms: int,
) -> dict[str, Any]:
    """A drag's recorded frames, as the control's value and what the page
    showed in each: how many frames had a new value, how many were stale
    (showing neither their value nor the frame before's) and, at worst, how
    many frames back a stale frame's shown value had been the control's;
    the long tasks, and whether the last frame shows the last value."""
    changed = stale = worst = 0
    for i in range(1, len(values)):
        if values[i - 1] != values[i]:
            changed += 1
        if shown[i] in (values[i - 1], values[i]):
            continue
        stale += 1
        back = next((k for k in range(i) if values[i - 1 - k] == shown[i]), len(values))
        worst = max(worst, back)
    return {
        "frames": len(values),
        "frames_with_new_value": changed,
        "stale_frames": stale,
        "worst_frames_behind": worst,
        "long_tasks": [t["duration"] for t in long_tasks],
        "final_ok": shown[-1] == values[-1],
        "moves": moves,
        "pause_ms": pause_ms,
    }


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
    xs = [right - (right - left) * i / moves for i in range(moves + 1)]
    frames, long_tasks = record_drag(page, FRAMES_START, xs, y, pause_ms)
    return {
        **drag_summary(
            [f["scrub"] for f in frames],
            [shown_step(f["caption"], width) for f in frames],
            long_tasks,
            moves,
            pause_ms,
        ),
        "frame_ms": [b["ts"] - a["ts"] for a, b in itertools.pairwise(frames)],
    }


# Every frame while recording: the kernel slider's value and the output's
# height (the kernel it was computed for, at stride 1, no padding, dilation 1).
KERNEL_FRAMES_START = """() => {
  const b = window.__bench;
  b.frames = [];
  const tick = (ts) => {
    if (!b.frames) return;
    const shape = document.querySelector("[data-testid=output-shape]").textContent;
    b.frames.push({ ts, slider: Number(document.querySelector("#kernel-slider").value),
      height: parseInt(shape, 10) });
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
#: The drag's digit: the last one, which no run of presses reaches unless the
#: runs take all 60 fresh digits (so no result of its states is kept).
DRAG_DIGIT = 119


def drag_kernel(page: Page, moves: int, pause_ms: int) -> dict[str, Any]:
    """Drag the "Kernel size" slider with the mouse from 2 to 14 on a 20 x 20
    digit, ``moves`` pointer moves ``pause_ms`` apart, recording every frame:
    a frame is stale when the output it shows was computed for neither the
    slider's value in that frame nor in the frame before. (The page computes
    the sizes one step either side ahead, so a drag slow enough finds them.)"""
    page.evaluate(SET_HASH, [f"kernel=2&digit={DRAG_DIGIT}", TIMEOUT_MS])
    slider = page.get_by_test_id("kernel-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    left, width = box["x"], box["width"]

    def at(value: float) -> float:
        """The thumb's centre at ``value`` (1-20), the thumb ~16 px wide."""
        return left + 8 + (width - 16) * (value - 1) / 19

    xs = [at(2 + 12 * i / moves) for i in range(moves + 1)]
    frames, long_tasks = record_drag(page, KERNEL_FRAMES_START, xs, y, pause_ms)
    values = [f["slider"] for f in frames]
    return {
        **drag_summary(values, [21 - f["height"] for f in frames], long_tasks, moves, pause_ms),
        "final_kernel": values[-1],
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
    log: Callable[[str], None],
    hold_ms: int = 0,
) -> dict[str, Any]:
    """The pages open side by side (``demos``: name -> URL of a build of the
    demo, e.g. ours and an older build; ours again as "cold", with results
    computed ahead turned off; and the peer); key presses in turns (a run on
    one control of each demo, then one on the peer's kernel slider), then on
    each build a drag of the slide (a pointer move every ~15 ms, then as fast
    as they come) and pointing at output cells."""
    pages: dict[str, Page] = {}
    closers: list[Callable[[], None]] = []
    builds = {name: url for name, url in demos.items() if name != "cold"}
    try:
        for name, url in demos.items():
            page, close = open_page()
            closers.append(close)
            page.goto(url)
            page.wait_for_selector(READY, state="attached", timeout=60_000)
            page.evaluate(COUNT_CALLS)
            if name == "cold":
                page.evaluate(AHEAD_OFF)
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
        out: dict[str, Any] = {"presses": run_presses(pages, plan, rounds, log, hold_ms=hold_ms)}
        for name in builds:
            out[name] = slide(pages[name], log)
    finally:
        for close in closers:
            close()
    firsts: dict[str, list[list[float]]] = {name: [] for name in builds}
    for _ in range(rounds):
        for name, url in builds.items():
            firsts[name].append(first_presses(open_page, url, 3, hold_ms))
    for name in builds:
        out[name]["first_presses"] = firsts[name]
    flicks: dict[str, list[dict[str, Any]]] = {name: [] for name in builds}
    for _ in range(rounds):
        for name, url in builds.items():
            flicks[name].append(fresh_kernel_drag(open_page, url))
    for name in builds:
        out[name]["fresh_kernel_drags"] = flicks[name]
    log(
        "kernel slider flicked on a page just ready, stale frames a drag: "
        + "; ".join(
            f"{name} " + ", ".join(str(d["stale_frames"]) for d in got)
            for name, got in flicks.items()
        )
    )
    log(
        "first presses after ready: "
        + "; ".join(
            f"{name} " + ", ".join(f"{_median([f[i] for f in got]):.1f}" for i in range(3))
            for name, got in firsts.items()
        )
    )
    return out


def first_presses(
    open_page: Callable[[], tuple[Page, Callable[[], None]]],
    url: str,
    count: int,
    hold_ms: int = 0,
) -> list[float]:
    """A fresh page: the first ``count`` presses of ArrowUp in "Kernel size"
    as soon as the page is ready (Python started, its first result shown),
    each timed like the others."""
    page, close = open_page()
    try:
        page.goto(url)
        page.wait_for_selector(READY, state="attached", timeout=60_000)
        OURS_KEYS[0].focus(page)
        times = []
        for _ in range(count):
            times.append(press_once(page, "ArrowUp", "", True, hold_ms)["ms"])
            page.wait_for_timeout(30)
        return times
    finally:
        close()


def fresh_kernel_drag(
    open_page: Callable[[], tuple[Page, Callable[[], None]]], url: str
) -> dict[str, Any]:
    """A fresh page: half a second after it is ready, the "Kernel size"
    slider dragged 2 -> 14 with a new value at each pointer move, ~15 ms
    apart (a quick flick, as on a page just opened: nothing of the drag's
    states computed ahead but what the page asks for itself)."""
    page, close = open_page()
    try:
        page.goto(url)
        page.wait_for_selector(READY, state="attached", timeout=60_000)
        page.evaluate(COUNT_CALLS)
        page.wait_for_timeout(500)
        drag = drag_kernel(page, 12, 15)
        drag["calls"] = page.evaluate(TAKE_CALLS)
        return drag
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
    kernel_drag = drag_kernel(page, 40, 15)
    kernel_drag["calls"] = page.evaluate(TAKE_CALLS)
    log(
        f"drag: {drag['stale_frames']} stale of {drag['frames_with_new_value']} new frames, "
        f"long tasks {drag['long_tasks']}; fast: {fast['stale_frames']} stale of "
        f"{fast['frames_with_new_value']}; hover in the next frame "
        f"{sum(h['next_frame'] for h in hover)}/{len(hover)}; kernel slider dragged: "
        f"{kernel_drag['stale_frames']} stale of {kernel_drag['frames_with_new_value']}, "
        f"worst {kernel_drag['worst_frames_behind']} frames behind"
    )
    return {"drag": drag, "fast_drag": fast, "hover": hover, "kernel_drag": kernel_drag}
