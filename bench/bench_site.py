"""Benchmark of the site in the browser (not a test: it prints figures).

Run from the repository root::

    .venv/bin/python bench/bench_site.py                  # build, measure, table + JSON
    .venv/bin/python bench/bench_site.py --dist dist      # measure an existing build
    .venv/bin/python bench/bench_site.py --runs 11 --json /tmp/site.json

It builds the site (unless ``--dist``), serves it and a bare-Pyodide page
(``bench/bare/index.html``: ``loadPyodide()`` on the main thread from the
unmodified npm files) from one in-memory server on 127.0.0.1 that sends gzip
like GitHub Pages (``bench/serve.py``), and drives Debian's Chromium through
Playwright. Every page load is cold (a fresh browser context); loads of our
page and of the bare page alternate, and every figure of ours is printed next
to the bare page's figure from the same run, so that the noise of a shared
2-core machine cancels in the ratios. Times are medians over ``--runs`` loads
(p95 where asked for). The page is instrumented only by ``bench/probe.js``
(an init script: MutationObserver on ``<html data-engine|data-state>``,
PerformanceObserver for long tasks and paints), never by editing the site.

Phases: cold loads (loopback; a 20 Mbit/s, 40 ms link; file://), then on one
loaded page: settings changes through the URL hash, the 128x128 convolution
(convcore in the page's Python, plain JS, the demo's own request, an upload
through the page), and a Chromium trace while the slide animation plays;
then real key presses, drags and pointing (``bench/interact.py``) on ours
beside the peer page (``--peer``) and an older build (``--old``); then the
network page (``bench/network_page.py``: its first paint beside the demo's,
strokes to new probabilities, a training run from Start, CPython's rate).
Results go to ``--json`` (default bench/results/latest.json) and a chart to
docs/perf-chart.png.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chart
import interact
import network_page
from serve import GZIP_LEVEL, Files, Link, StaticServer

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PROBE = BENCH / "probe.js"
BARE_PAGE = BENCH / "bare" / "index.html"
BARE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SITE_PREFIX = "/convcore/"  # as GitHub Pages serves a project
BARE_PREFIX = "/bare/"
PEER_PREFIX = "/peer/"
OLD_PREFIX = "/old/"  # an older build of ours, for paired old/new figures
THROTTLE_RATE = 2_500_000  # bytes/s: 20 Mbit/s
THROTTLE_LATENCY = 0.040  # s before each response
DONE = 'html[data-engine="python"], html[data-engine="error"]'
PICTURES = ("prerendered-input", "prerendered-output")  # elementtiming names in index.html
READY = 'html[data-engine="python"][data-state="ready"]'
LOAD_TIMEOUT_MS = 90_000
LONG_TASK_MS = 50.0
DEMO_SIDE = 20  # the demo's digits are 20x20

# ------------------------------------------------------------------ numbers


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    return {
        "n": len(values),
        "median": median(values),
        "p25": percentile(values, 0.25),
        "p75": percentile(values, 0.75),
        "p95": percentile(values, 0.95),
        "min": min(values) if values else None,
        "max": max(values) if values else None,
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


# ------------------------------------------------------------------ set-up


def build_site(out: Path) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"build.py failed:\n{result.stdout}\n{result.stderr}")
    print(f"built the site in {time.perf_counter() - started:.1f} s", flush=True)


def site_files(dist: Path, peer: Path | None, old: Path | None) -> Files:
    pyodide_dir = ROOT / "node_modules" / "pyodide"
    bare: dict[str, Path] = {"index.html": BARE_PAGE}
    bare.update({f"pyodide/{name}": pyodide_dir / name for name in BARE_FILES})
    mounts: dict[str, Path | dict[str, Path]] = {SITE_PREFIX: dist, BARE_PREFIX: bare}
    if peer is not None:
        mounts[PEER_PREFIX] = peer
    if old is not None:
        mounts[OLD_PREFIX] = old
    return Files(mounts)


def source_state() -> dict[str, Any]:
    """The commit measured, and whether the site's sources differed from it."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    changed = git("status", "--porcelain", "--", "site_src", "convcore", "build.py")
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_site_files": len(changed.splitlines())}


def machine(browser: Browser) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "chromium": browser.version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "pyodide": json.loads((ROOT / "node_modules/pyodide/package.json").read_text())["version"],
    }


def new_page(browser: Browser, still: bool = False) -> tuple[Page, list[str], BrowserContext]:
    """A page in a new context (no cache, no cookies), instrumented by probe.js,
    the list its uncaught errors are collected in, and its context. ``still``:
    the user prefers reduced motion (the demo does not play by itself)."""
    context: BrowserContext = browser.new_context(reduced_motion="reduce" if still else None)
    context.add_init_script(path=str(PROBE))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors, context


@contextmanager
def fresh_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page in a new context (see new_page), closed afterwards."""
    page, errors, context = new_page(browser)
    try:
        yield page, errors
    finally:
        context.close()


PROBE_DATA = """() => {
  const b = window.__bench;
  return {attrs: b.attrs, longtasks: b.longtasks, loafs: b.loafs, paints: b.paints,
          elements: b.elements, shifts: b.shifts,
          dcl: b.dcl, canvasFirstDraw: b.canvasFirstDraw, canvasAllDrawn: b.canvasAllDrawn,
          canvasesDrawn: b.canvasesDrawn, nav: performance.getEntriesByType("navigation")
            .map((n) => ({responseEnd: n.responseEnd, domInteractive: n.domInteractive}))[0]};
}"""

TWO_FRAMES = """() => new Promise((resolve) =>
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))))"""


# ------------------------------------------------------------------ cold loads


@dataclass(frozen=True)
class Scenario:
    key: str  # e.g. "ours_http"
    label: str
    page: str  # "ours" | "bare"
    link: str  # "loopback" | "throttled" | "file"


SCENARIOS = (
    Scenario("ours_http", "ours, http", "ours", "loopback"),
    Scenario("bare_http", "bare, http", "bare", "loopback"),
    Scenario("ours_file", "ours, file://", "ours", "file"),
    Scenario("ours_slow", "ours, 20 Mbit/s", "ours", "throttled"),
    Scenario("bare_slow", "bare, 20 Mbit/s", "bare", "throttled"),
)


def first_change(attrs: list[dict[str, Any]], attr: str, value: str) -> float | None:
    for change in attrs:
        if change["attr"] == attr and change["value"] == value:
            return float(change["t"])
    return None


def load_once(browser: Browser, url: str, server: StaticServer | None) -> dict[str, Any]:
    """One cold load until <html data-engine> is "python" (or "error")."""
    if server is not None:
        server.meter.reset()
    with fresh_page(browser) as (page, errors):
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(DONE, state="attached", timeout=LOAD_TIMEOUT_MS)
        wall = time.perf_counter() - started
        sent = server.meter.snapshot() if server is not None else None
        page.evaluate(TWO_FRAMES)  # paint entries of the last frame are delivered
        probe = page.evaluate(PROBE_DATA)
        engine = page.get_attribute("html", "data-engine")
    ready = first_change(probe["attrs"], "engine", "python")
    until = ready if ready is not None else math.inf
    long_tasks = [t["duration"] for t in probe["longtasks"] if t["start"] < until]
    # What ran in each long task, from the long animation frame that holds it.
    blame = [
        {
            "start": round(task["start"]),
            "ms": round(task["duration"]),
            "scripts": [
                f"{script['src'].rsplit('/', 1)[-1]}:{script['fn']} {script['duration']:.0f} ms"
                for frame in probe["loafs"]
                if frame["start"] <= task["start"] < frame["start"] + frame["duration"]
                for script in frame["scripts"]
            ],
        }
        for task in probe["longtasks"]
        if task["start"] < until
    ]
    drawn = probe["canvasAllDrawn"]
    demo = max(probe["dcl"], drawn) if drawn is not None and probe["dcl"] is not None else None
    # The pre-rendered demo on screen: its two pictures rendered (Element
    # Timing) and the first contentful paint (the numbers are text).
    pictures = [probe["elements"].get(name) for name in PICTURES]
    fcp = probe["paints"].get("first-contentful-paint")
    shown = max(fcp, *pictures) if fcp is not None and None not in pictures else None
    return {
        "ok": engine == "python" and not errors,
        "engine": engine,
        "errors": errors[:5],
        "ready_ms": ready,
        "wall_s": round(wall, 3),
        "fp_ms": probe["paints"].get("first-paint"),
        "fcp_ms": probe["paints"].get("first-contentful-paint"),
        "dcl_ms": probe["dcl"],
        "html_ms": (probe["nav"] or {}).get("responseEnd"),
        "interactive_ms": (probe["nav"] or {}).get("domInteractive"),
        "canvas_first_ms": probe["canvasFirstDraw"],
        "demo_drawn_ms": demo,
        "demo_shown_ms": shown,
        "layout_shift": sum(x["value"] for x in probe["shifts"] if x["t"] < until),
        "long_tasks": len(long_tasks),
        "long_task_max_ms": max(long_tasks, default=0.0),
        "long_task_total_ms": sum(long_tasks),
        "long_task_blame": blame,
        "bytes": sent["bytes"] if sent else None,
        "requests": sent["requests"] if sent else None,
        "files": sent["files"] if sent else None,
    }


def run_loads(
    browser: Browser,
    runs: int,
    dist: Path,
    fast: StaticServer,
    slow: StaticServer,
    log: Callable[[str], None],
) -> dict[str, list[dict[str, Any]]]:
    """``runs`` rounds; each round loads every scenario once, ours and bare
    alternating (their order flips every round so neither always goes first)."""
    urls = {
        ("ours", "loopback"): (fast.origin + SITE_PREFIX + "index.html", fast),
        ("bare", "loopback"): (fast.origin + BARE_PREFIX + "index.html", fast),
        ("ours", "throttled"): (slow.origin + SITE_PREFIX + "index.html", slow),
        ("bare", "throttled"): (slow.origin + BARE_PREFIX + "index.html", slow),
        ("ours", "file"): ((dist / "index.html").as_uri(), None),
    }
    results: dict[str, list[dict[str, Any]]] = {s.key: [] for s in SCENARIOS}
    for round_ in range(runs):
        order = list(SCENARIOS) if round_ % 2 == 0 else list(reversed(SCENARIOS))
        for scenario in order:
            url, server = urls[(scenario.page, scenario.link)]
            run = load_once(browser, url, server)
            results[scenario.key].append(run)
        line = "  ".join(f"{s.key} {fmt_ms(results[s.key][-1]['ready_ms'])}" for s in SCENARIOS)
        log(f"round {round_ + 1}/{runs}: ready {line}")
    return results


def summarize_loads(results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, runs in results.items():
        good = [r for r in runs if r["ok"]]

        def values(field: str, good: list[dict[str, Any]] = good) -> list[float]:
            return [float(r[field]) for r in good if r[field] is not None]

        out[key] = {
            "runs_ok": len(good),
            "runs": len(runs),
            "errors": sorted({e for r in runs for e in r["errors"]})[:5],
            "ready_ms": summary(values("ready_ms")),
            "fcp_ms": summary(values("fcp_ms")),
            "demo_drawn_ms": summary(values("demo_drawn_ms")),
            "demo_shown_ms": summary(values("demo_shown_ms")),
            "layout_shift": summary(values("layout_shift")),
            "long_tasks": summary(values("long_tasks")),
            "long_task_max_ms": summary(values("long_task_max_ms")),
            "bytes": summary(values("bytes")),
            "files": runs[0]["files"] if runs else None,
            "per_run": [{k: v for k, v in r.items() if k != "files"} for r in runs],
        }
    return out


# ------------------------------------------------------------------ settings changes


def settings_hashes(count: int, seed: int = 7) -> list[str]:
    """``count`` varied demo settings on the 20x20 digits, each giving an
    output (PyTorch refuses padding="same" with stride > 1, so it gets 1) and
    each different from the one before."""
    rng = random.Random(seed)
    modes = ("zeros", "reflect", "replicate", "circular")
    out: list[str] = []
    while len(out) < count:
        k = (
            [rng.randint(1, 7)] * 2
            if rng.random() < 0.75
            else [rng.randint(1, 7), rng.randint(1, 7)]
        )
        d = rng.randint(1, 2)
        padding = rng.choice(["0", "1", "2", "3", "same", "valid"])
        s = 1 if padding == "same" else rng.randint(1, 3)
        p = int(padding) if padding.isdigit() else 0
        if padding != "same" and DEMO_SIDE + 2 * p < d * (max(k) - 1) + 1:
            continue
        kernel = str(k[0]) if k[0] == k[1] else f"{k[0]},{k[1]}"
        text = (
            f"kernel={kernel}&stride={s}&padding={padding}&dilation={d}"
            f"&padding_mode={rng.choice(modes)}&digit={rng.randint(0, 119)}"
        )
        if not out or text != out[-1]:
            out.append(text)
    return out


CHANGE_HASH = """async ([hash, timeoutMs]) => {
  const t0 = performance.now();
  location.hash = hash;
  const r = await window.__bench.nextReady(t0, timeoutMs);
  const painted = await new Promise((resolve) =>
    requestAnimationFrame(() => resolve(performance.now())));
  return { t0, busy: r.busy, ready: r.ready, painted };
}"""


def measure_settings(page: Page, count: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Time from a hash change to <html data-state="ready"> after its "busy"."""
    hashes = settings_hashes(count)
    samples: list[dict[str, Any]] = []
    long_before = len(page.evaluate("() => window.__bench.longtasks"))
    for text in hashes:
        try:
            r = page.evaluate(CHANGE_HASH, ["#" + text, 10_000])
        except Exception as exc:
            return {"error": f"{text}: {first_line(exc)}", "samples": samples}
        samples.append(
            {
                "hash": text,
                "ms": r["ready"] - r["t0"],
                "to_busy_ms": r["busy"] - r["t0"],
                "to_frame_ms": r["painted"] - r["t0"],
            }
        )
        page.wait_for_timeout(30)
    longtasks = page.evaluate("() => window.__bench.longtasks")[long_before:]
    ms = [s["ms"] for s in samples]
    log(f"settings: {len(ms)} changes, median {fmt_ms(median(ms))}")
    return {
        "ms": summary(ms),
        "to_frame_ms": summary([s["to_frame_ms"] for s in samples]),
        "to_busy_ms": summary([s["to_busy_ms"] for s in samples]),
        "long_tasks": len(longtasks),
        "long_task_max_ms": max((t["duration"] for t in longtasks), default=0.0),
        "samples": samples,
    }


# ------------------------------------------------------------------ 128 x 128 compute

COMPUTE_SIDE = 128
DEFAULT_LAYER = "kernel=3&stride=1&padding=0&dilation=1&padding_mode=zeros"  # a 3x3 kernel

# The same data for Python and JS: a fixed pseudo-random image and kernel.
MAKE_DATA = """(side) => {
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const image = Array.from({ length: side }, () => Array.from({ length: side }, () => next()));
  const kernel = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => next() * 2 - 1));
  window.__benchData = { image, kernel };
  return true;
}"""

JS_CONV = """(repeats) => {
  const { image, kernel } = window.__benchData;
  const H = image.length, W = image[0].length, K = kernel.length;
  const oh = H - K + 1, ow = W - K + 1;
  // nested arrays, as convcore's lists
  const nested = () => {
    const out = [];
    for (let r = 0; r < oh; r++) {
      const row = new Array(ow);
      for (let c = 0; c < ow; c++) {
        let s = 0;
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++) s += image[r + i][c + j] * kernel[i][j];
        row[c] = s;
      }
      out.push(row);
    }
    return out;
  };
  const flatX = Float64Array.from(image.flat()), flatK = Float64Array.from(kernel.flat());
  const flat = () => {
    const out = new Float64Array(oh * ow);
    for (let r = 0; r < oh; r++)
      for (let c = 0; c < ow; c++) {
        let s = 0;
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++) s += flatX[(r + i) * W + c + j] * flatK[i * K + j];
        out[r * ow + c] = s;
      }
    return out;
  };
  // performance.now() ticks in 0.1 ms here: time batches of 20 runs.
  const time = (fn) => {
    const times = [];
    let out;
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      for (let k = 0; k < 20; k++) out = fn();
      times.push((performance.now() - t) / 20);
    }
    times.sort((a, b) => a - b);
    return { times, out };
  };
  const a = time(nested), b = time(flat);
  return { nested: a.times, flat: b.times, checksum: a.out.flat().reduce((x, y) => x + y, 0) };
}"""

PY_TIMED = """
import json, time
import convcore
x = [image]
w = [[kernel]]
times = []
for _ in range(repeats):
    t = time.perf_counter()
    out = convcore.conv2d(x, w)
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"times": times, "checksum": sum(sum(row) for row in out[0])}))
"""

PY_ONCE = """
import convcore
out = convcore.conv2d([image], [[kernel]])
len(out[0])
"""

RUN_CELL = """async ([code, repeats, timeoutMs]) => {
  const { image, kernel } = window.__benchData;
  const t = performance.now();
  const r = await window.convcoreEngine.run(code, { image, kernel, repeats }, timeoutMs);
  return { ms: performance.now() - t, result: r };
}"""

# The demo's own request, sent as demo.js sends it (the pixels as a typed-array
# buffer), for a gray 128x128 input and for an upload's RGBA bytes; and with
# the pixels as a JSON list, to show what the buffer saves.
DEMO_CALL = """async ([side, repeats, kind, asBuffer]) => {
  const { image } = window.__benchData;
  const gray = image.flat();
  const values = kind === "gray" ? gray : gray.flatMap((v) => [Math.round(v * 255), 80, 160, 255]);
  const times = [];
  let out = null;
  for (let i = 0; i < repeats; i++) {
    const args = {
      kind, height: side, width: side, channels: 1, background: "black",
      kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], padding_mode: "zeros",
      weights: [[1, 1, 1, 1, 1, 1, 1, 1, 1]], bias: [0], step: null, token: 9000 + i,
    };
    const t = performance.now();
    const engine = window.convcoreEngine;
    if (asBuffer) {
      // as demo.js sends them: pixel values as doubles, an image's RGBA as bytes
      const source = kind === "gray" ? Float64Array.from(values) : Uint8Array.from(values);
      out = await engine.call("demo_run", args, { source });
    } else {
      out = await engine.call("demo_run", Object.assign(args, { source: Array.from(values) }));
    }
    times.push(performance.now() - t);
  }
  return { times, out_size: out && out.out_size, steps: out && out.steps };
}"""


def measure_compute(page: Page, log: Callable[[str], None]) -> dict[str, Any]:
    """convcore's conv2d of a 128x128 input with a 3x3 kernel inside the page's
    Python, next to the same loop in plain JS on the same data."""
    page.evaluate(MAKE_DATA, COMPUTE_SIDE)
    result: dict[str, Any] = {"side": COMPUTE_SIDE, "kernel": 3}
    first = page.evaluate(RUN_CELL, [PY_ONCE, 1, 60_000])
    result["first_cell_ms"] = first["ms"]  # includes loading the rest of the stdlib
    cell = page.evaluate(RUN_CELL, [PY_TIMED, 7, 60_000])
    if not cell["result"]["ok"]:
        return {**result, "error": cell["result"]["error"]}
    py = json.loads(cell["result"]["stdout"])
    js = page.evaluate(JS_CONV, 15)
    trips = [page.evaluate(RUN_CELL, [PY_ONCE, 1, 60_000])["ms"] for _ in range(5)]
    result.update(
        python_ms=summary(py["times"]),
        js_nested_ms=summary(js["nested"]),
        js_flat_ms=summary(js["flat"]),
        round_trip_ms=summary(trips),
        checksum_python=py["checksum"],
        checksum_js=js["checksum"],
    )
    for name, kind, as_buffer in (
        ("demo_run", "gray", True),
        ("demo_run_rgba", "rgba", True),
        ("demo_run_json", "gray", False),
    ):
        try:
            demo = page.evaluate(DEMO_CALL, [COMPUTE_SIDE, 3, kind, as_buffer])
            result[f"{name}_ms"] = summary(demo["times"])
            result["demo_run_steps"] = demo["steps"]
        except Exception as exc:
            result[f"{name}_error"] = last_line(exc)
    log(
        f"compute: python {fmt_ms(median(py['times']))}, js {fmt_ms(median(js['nested']))}, "
        f"demo_run {fmt_ms(result.get('demo_run_ms', {}).get('median'))}"
    )
    return result


UPLOAD_TIMED = """async ([timeoutMs]) => {
  const since = window.__benchUploadAt;
  const r = await window.__bench.nextReady(since, timeoutMs);
  return { change: since, busy: r.busy, ready: r.ready, output: window.__benchOutputFrame };
}"""

# Before an upload: note the file input's change event, and the start of the
# first frame after the output canvas is next drawn on (the new output on
# screen; the number tables may still be filling then). The drawing calls are
# wrapped only until that first draw.
MARK_CHANGE = """() => {
  window.__benchUploadAt = Infinity;
  window.__benchOutputFrame = null;
  document.addEventListener("change", (e) => {
    if (e.target && e.target.type === "file") window.__benchUploadAt = performance.now();
  }, { capture: true, once: true });
  const proto = CanvasRenderingContext2D.prototype;
  const names = ["drawImage", "putImageData", "fillRect"];
  const originals = names.map((n) => proto[n]);
  const restore = () => names.forEach((n, i) => (proto[n] = originals[i]));
  names.forEach((n, i) => {
    proto[n] = function (...args) {
      if (this.canvas.id === "output-canvas-0" && performance.now() > window.__benchUploadAt) {
        restore();
        requestAnimationFrame(() => (window.__benchOutputFrame = performance.now()));
      }
      return originals[i].apply(this, args);
    };
  });
}"""


UPLOADS = 7


def measure_upload(page: Page, image: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """A 128x128 PNG through the demo's upload control with a 3x3 kernel, from
    the file input's change event to the first frame showing the new output,
    and to <html data-state="ready"> (the two 16k-cell number tables filled)."""
    try:
        page.evaluate(CHANGE_HASH, ["#" + DEFAULT_LAYER, 10_000])
        page.get_by_test_id("input-upload").check()
        page.wait_for_selector(READY, state="attached", timeout=10_000)
        size = page.get_by_test_id("upload-size")
        size.fill(str(COMPUTE_SIDE))
        size.dispatch_event("change")
        page.wait_for_timeout(300)
        page.wait_for_selector(READY, state="attached", timeout=30_000)
        times: list[float] = []
        shown: list[float] = []
        for i in range(UPLOADS):
            page.evaluate(MARK_CHANGE)
            page.get_by_test_id("upload").set_input_files(
                str(image if i % 2 == 0 else image.with_name("b.png"))
            )
            r = page.evaluate(UPLOAD_TIMED, [30_000])
            times.append(r["ready"] - r["change"])
            if r["output"] is not None:
                shown.append(r["output"] - r["change"])
            page.wait_for_timeout(100)
        shape = page.get_by_test_id("output-shape").text_content()
    except Exception as exc:
        return {"error": first_line(exc)}
    log(
        f"upload 128x128: output on screen {fmt_ms(median(shown))}, "
        f"tables complete {fmt_ms(median(times))} (output {shape})"
    )
    return {"ms": summary(times), "output_ms": summary(shown), "output_shape": shape}


def upload_images(folder: Path) -> Path:
    """Two different 128x128 PNGs (a.png, b.png), so each upload is a change."""
    from PIL import Image

    rng = random.Random(3)
    for name in ("a.png", "b.png"):
        img = Image.new("RGB", (COMPUTE_SIDE, COMPUTE_SIDE))
        img.putdata(
            [
                (rng.randrange(256), (x * 2) % 256, (y * 2) % 256)
                for y in range(COMPUTE_SIDE)
                for x in range(COMPUTE_SIDE)
            ]
        )
        img.save(folder / name)
    return folder / "a.png"


# ------------------------------------------------------------------ slide animation

TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "toplevel",
]
PLAY_SECONDS = 3.0
PLAY_HASH = "step=0&speed=7"  # 100 steps/s: the picture changes every frame


def measure_animation(browser: Browser, page: Page, log: Callable[[str], None]) -> dict[str, Any]:
    """Play the slide for ~3 s under a Chromium trace; frame intervals and long
    tasks from the trace, requestAnimationFrame deltas from the page."""
    play = page.get_by_test_id("play")
    if play.count() == 0:
        play = page.get_by_role("button", name="Play")
    if play.count() == 0:
        return {"error": "no play control (data-testid=play or a button named Play)"}
    page.evaluate("() => window.__bench.startRaf()")
    browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
    t0 = page.evaluate("() => performance.now()")
    play.first.click()
    page.wait_for_timeout(PLAY_SECONDS * 1000)
    raf = page.evaluate("() => window.__bench.stopRaf()")
    trace = json.loads(browser.stop_tracing())
    longtasks = [t for t in page.evaluate("() => window.__bench.longtasks") if t["start"] >= t0]
    status = page.get_by_test_id("step-status").text_content()
    play.first.click()  # pause
    parsed = parse_trace(trace)
    deltas = [b - a for a, b in itertools.pairwise(raf)]
    result = {
        "seconds": PLAY_SECONDS,
        "hash": PLAY_HASH,
        "raf_ms": summary(deltas),
        "long_tasks_observer": len(longtasks),
        "step_status": status,
        **parsed,
    }
    log(
        f"animation: {len(deltas)} rAF, p95 {fmt_ms(percentile(deltas, 0.95))}; trace frames "
        f"p95 {fmt_ms(parsed['frame_ms']['p95'])}, long tasks {parsed['long_tasks']}"
    )
    return result


def parse_trace(trace: dict[str, Any] | list[Any]) -> dict[str, Any]:
    """Long tasks (RunTask > 50 ms) on the page's renderer main thread and the
    intervals between the frames it drew."""
    events: list[dict[str, Any]] = trace["traceEvents"] if isinstance(trace, dict) else trace
    threads = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    page_pid = None
    for e in events:
        if e.get("name") == "TracingStartedInBrowser":
            frames = e.get("args", {}).get("data", {}).get("frames", [])
            top = [f for f in frames if not f.get("parent")]
            if top:
                page_pid = top[0].get("processId")
    mains = [key for key, name in threads.items() if name == "CrRendererMain"]
    if page_pid is not None:
        mains = [key for key in mains if key[0] == page_pid] or mains
    run_tasks: dict[tuple[int, int], list[dict[str, Any]]] = {key: [] for key in mains}
    for e in events:
        where = (e.get("pid", -1), e.get("tid", -1))
        if e.get("name") == "RunTask" and e.get("ph") == "X" and where in run_tasks:
            run_tasks[where].append(e)
    main: tuple[int, int] | None = None
    if run_tasks:
        main = max(run_tasks, key=lambda k: len(run_tasks[k]))
    tasks = run_tasks[main] if main else []
    long_tasks = sorted(e["dur"] / 1000 for e in tasks if e.get("dur", 0) > LONG_TASK_MS * 1000)
    pid = main[0] if main else page_pid
    on_thread = [e for e in events if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X"]
    inside = []
    for task in (e for e in tasks if e.get("dur", 0) > LONG_TASK_MS * 1000):
        end = task["ts"] + task["dur"]
        parts = [
            e
            for e in on_thread
            if e is not task and task["ts"] <= e["ts"] < end and e.get("name") != "RunTask"
        ]
        parts.sort(key=lambda e: -e.get("dur", 0))
        inside.append(
            {
                "ms": task["dur"] / 1000,
                "top": [
                    {
                        "name": e["name"],
                        "ms": round(e.get("dur", 0) / 1000, 1),
                        "what": str(e.get("args", {}).get("data", {}).get("url", ""))[-60:]
                        or str(e.get("args", {}).get("data", {}).get("functionName", "")),
                    }
                    for e in parts[:6]
                ],
            }
        )

    def stamps(name: str, on_main: bool) -> list[float]:
        return sorted(
            e["ts"] / 1000
            for e in events
            if e.get("name") == name
            and e.get("pid") == pid
            and (not on_main or (e.get("pid"), e.get("tid")) == main)
        )

    def intervals(ts: list[float]) -> list[float]:
        return [b - a for a, b in itertools.pairwise(ts)]

    draws = stamps("DrawFrame", on_main=False)
    begins = stamps("BeginMainThreadFrame", on_main=True)
    commits = stamps("Commit", on_main=False)
    return {
        "trace_events": len(events),
        "main_thread_tasks": len(tasks),
        "long_tasks": len(long_tasks),
        "long_task_ms": long_tasks,
        "long_task_parts": inside,
        "task_max_ms": max((e.get("dur", 0) / 1000 for e in tasks), default=0.0),
        "frames": len(draws),
        "frame_ms": summary(intervals(draws)),
        "main_frame_ms": summary(intervals(begins)),
        "commit_ms": summary(intervals(commits)),
    }


# ------------------------------------------------------------------ interactive phase


def run_interactive(
    browser: Browser,
    server: StaticServer,
    settings_count: int,
    log: Callable[[str], None],
    with_old: bool = False,
) -> dict[str, Any]:
    """Settings changes, the 128x128 compute and upload, and the animation on
    our build; with ``with_old``, the settings changes and the upload on the
    older build too, right after ours."""
    url = server.origin + SITE_PREFIX + "index.html"
    out: dict[str, Any] = {}
    with fresh_page(browser) as (page, errors):
        page.goto(url)
        page.wait_for_selector(READY, state="attached", timeout=LOAD_TIMEOUT_MS)
        out["settings_change"] = measure_settings(page, settings_count, log)
        out["compute"] = measure_compute(page, log)
        with tempfile.TemporaryDirectory() as tmp:
            out["upload"] = measure_upload(page, upload_images(Path(tmp)), log)
        out["errors"] = errors[:5]
    if with_old:
        with fresh_page(browser) as (page, errors), tempfile.TemporaryDirectory() as tmp:
            page.goto(server.origin + OLD_PREFIX + "index.html")
            page.wait_for_selector(READY, state="attached", timeout=LOAD_TIMEOUT_MS)
            out["old"] = {
                "settings_change": measure_settings(page, settings_count, log),
                "upload": measure_upload(page, upload_images(Path(tmp)), log),
                "errors": errors[:5],
            }
    with fresh_page(browser) as (page, errors):
        page.goto(f"{url}#{PLAY_HASH}")
        page.wait_for_selector(READY, state="attached", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_timeout(300)
        try:
            out["animation"] = measure_animation(browser, page, log)
        except Exception as exc:
            out["animation"] = {"error": first_line(exc)}
        out["animation"]["errors"] = errors[:5]
    return out


# ------------------------------------------------------------------ the network page


def run_network(
    browser: Browser,
    server: StaticServer,
    runs: int,
    train_s: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """network.html: first paint beside the demo's, strokes, a training run,
    and the same training loop on CPython (bench/network_page.py)."""
    base = server.origin + SITE_PREFIX
    out: dict[str, Any] = {"fcp": network_page.fcp_pair(load_once, browser, base, server, runs)}
    log(f"network page: fcp {out['fcp']}")
    with fresh_page(browser) as (page, errors):
        page.goto(base + "network.html")
        page.wait_for_selector(READY, state="attached", timeout=LOAD_TIMEOUT_MS)
        out["strokes_ms"] = network_page.strokes(page, 24)
        log(f"network page: strokes {summary(out['strokes_ms'])}")
        out["errors"] = errors[:5]
    with fresh_page(browser) as (page, errors):
        page.goto(base + "network.html")
        page.wait_for_selector(READY, state="attached", timeout=LOAD_TIMEOUT_MS)
        out["train"] = network_page.train(page, train_s, log)
        out["errors"] += errors[:5]
    out["cpython_examples_per_s"] = network_page.cpython_rate(20.0)
    log(f"network page: CPython {out['cpython_examples_per_s']:.0f} examples/s")
    return out


def network_rows(found: dict[str, Any]) -> list[dict[str, str]]:
    fcp = {name: median(values) for name, values in found["fcp"].items()}
    stroke = median(found["strokes_ms"])
    run = found["train"]
    rate, host = run["examples_per_s"], found["cpython_examples_per_s"]
    accuracy = run["accuracy_at_end"]
    share = float(accuracy.rstrip("%")) if accuracy.endswith("%") else None
    return [
        table_row(
            "network: finished stroke -> new probabilities on screen",
            "median <= 50 ms",
            fmt_ms(stroke),
            f"p95 {fmt_ms(percentile(found['strokes_ms'], 0.95))}, "
            f"{len(found['strokes_ms'])} strokes",
            at_most(stroke, 50),
        ),
        table_row(
            "network: first contentful paint",
            "<= the demo's",
            fmt_ms(fcp["network.html"]),
            f"demo {fmt_ms(fcp['index.html'])} in the same run",
            None
            if None in fcp.values()
            else at_most(fcp["network.html"], 1.05 * float(fcp["index.html"] or 0)),
        ),
        table_row(
            "network: training speed in the page",
            ">= 80 examples/s",
            "n/a" if rate is None else f"{rate:.0f} examples/s",
            f"CPython {host:.0f} examples/s: page = {fmt_x(ratio(rate, host))} CPython",
            None if rate is None else rate >= 80,
        ),
        table_row(
            f"network: held-out accuracy {run['points'][-1]['s']:.0f} s after Start",
            ">= 90% within 90 s",
            accuracy or "n/a",
            f"{run['seen']} examples seen",
            None if share is None else share >= 90,
        ),
        table_row(
            "network: longest main-thread task while training",
            "no task > 50 ms",
            fmt_ms(run["long_task_max_ms"]),
            f"{run['long_tasks']} tasks > 50 ms",
            run["long_tasks"] == 0,
        ),
        table_row(
            "network: pause answered (the worker's last slice back)",
            "<= 100 ms",
            fmt_ms(median(run["pause_answered_ms"])),
            f"click to the last answer; max {fmt_ms(max(run['pause_answered_ms']))} "
            f"of {len(run['pause_answered_ms'])}",
            at_most(max(run["pause_answered_ms"]), 100),
        ),
    ]


# ------------------------------------------------------------------ real input events


def run_input(
    browser: Browser,
    server: StaticServer,
    demos: Sequence[str],
    with_peer: bool,
    rounds: int,
    log: Callable[[str], None],
    hold_ms: int = 0,
) -> dict[str, Any]:
    """Key presses, drags and pointing on the demo builds named in ``demos``
    ("ours", "old") and the peer's kernel slider, in one run (bench/interact.py);
    each key held ``hold_ms``."""
    prefixes = {"ours": SITE_PREFIX, "old": OLD_PREFIX}
    errors: list[str] = []

    def open_page() -> tuple[Page, Callable[[], None]]:
        page, _, context = new_page(browser, still=True)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page, context.close

    urls = {name: server.origin + prefixes[name] + "index.html" for name in demos}
    try:
        raw = interact.measure(
            open_page,
            {**urls, "cold": urls["ours"]},
            server.origin + PEER_PREFIX + "index.html" if with_peer else None,
            rounds,
            log,
            hold_ms,
        )
    except Exception as exc:
        return {"error": first_line(exc), "errors": errors[:5]}
    return {**summarize_input(raw), "raw": raw, "errors": errors[:5]}


def summarize_input(raw: dict[str, Any]) -> dict[str, Any]:
    """Per page and row: times (median, p95...), the share shown in the next
    frame, and the demo's requests per press."""
    out: dict[str, Any] = {}
    for which, rows in raw["presses"].items():
        for row, samples in rows.items():
            times = [s["ms"] for s in samples]
            calls = samples[0].get("calls", [])
            flags = [s["next_frame"] for s in samples if s["next_frame"] is not None]
            out.setdefault(which, {})[row] = {
                "ms": summary(times),
                "end_ms": summary([s["end_ms"] for s in samples]),
                "next_frame": sum(flags) / len(flags) if flags else None,
                "requests_per_press": len(calls) / len(samples),
                "demo_runs_per_press": calls.count("demo_run") / len(samples),
                "aheads_per_press": calls.count("demo_ahead") / len(samples),
                "requests": sorted(set(calls)),
            }
    for which, found in raw.items():
        if which == "presses":
            continue
        firsts = found["first_presses"]
        out.setdefault(which, {})["first_presses"] = {
            "ms": summary([t for times in firsts for t in times]),
            "first_ms": summary([times[0] for times in firsts]),
        }
        hover = found["hover"]
        out.setdefault(which, {})["hover"] = {
            "next_frame": sum(h["next_frame"] for h in hover) / len(hover),
            "ms": summary([h["ms"] for h in hover if h["ms"] is not None]),
        }
        for kind in ("drag", "fast_drag"):
            d = found[kind]
            out[which][kind] = {
                **{k: v for k, v in d.items() if k != "frame_ms"},
                "frame_ms": summary(d["frame_ms"]),
            }
        if "kernel_drag" in found:
            out[which]["kernel_drag"] = found["kernel_drag"]
        flicks = found.get("fresh_kernel_drags")
        if flicks:
            out[which]["fresh_kernel_drags"] = {
                "drags": len(flicks),
                "stale_frames": [d["stale_frames"] for d in flicks],
                "frames": sum(d["frames"] for d in flicks),
                "worst_frames_behind": max(d["worst_frames_behind"] for d in flicks),
                "long_tasks": [t for d in flicks for t in d["long_tasks"]],
                "final_ok": all(d["final_ok"] for d in flicks),
                "demo_runs": [d["calls"].count("demo_run") for d in flicks],
            }
    return out


# ------------------------------------------------------------------ report


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 1:
        return f"{value:.2f} ms"
    return f"{value:.0f} ms" if value >= 20 else f"{value:.1f} ms"


def fmt_x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def fmt_mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:.2f} MB"


def last_line(exc: BaseException) -> str:
    """The message of a Python traceback that reached JS (its last line)."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    python = [line for line in lines if not line.strip().startswith("at ")]
    return (python or [type(exc).__name__])[-1].strip()[:300]


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("meets" if ok else "MISSES")


def at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def paired_ratio(loads: dict[str, Any], ours: str, bare: str) -> float | None:
    """Median over rounds of ours / bare ready time, each pair loaded back to
    back: steadier than a ratio of medians when the machine's load drifts."""
    pairs = zip(loads[ours]["per_run"], loads[bare]["per_run"], strict=True)
    ratios = [a["ready_ms"] / b["ready_ms"] for a, b in pairs if a["ok"] and b["ok"]]
    return median(ratios)


def old_figure(live: dict[str, Any], phase: str, field: str) -> str:
    """ "; old build X ms": the older build's median of the same phase."""
    found = live.get("old", {}).get(phase, {}).get(field)
    return f"; old build {fmt_ms(found['median'])}" if found else ""


def table_row(
    metric: str, target: str, measured: str, baseline: str, ok: bool | None
) -> dict[str, str]:
    return {
        "metric": metric,
        "target": target,
        "measured": measured,
        "baseline": baseline,
        "verdict": verdict(ok),
    }


def against_peer(times: dict[str, Any], peer: dict[str, Any] | None) -> tuple[str, bool | None]:
    """Median and p95, as ratios to the peer's: the target is median <= the
    peer's, p95 <= 1.5x the peer's."""
    measured = f"{fmt_ms(times['median'])}, p95 {fmt_ms(times['p95'])}"
    if not peer:
        return measured, None
    m = ratio(times["median"], peer["ms"]["median"])
    q = ratio(times["p95"], peer["ms"]["p95"])
    ok = m is not None and q is not None and m <= 1 and q <= 1.5
    return f"{measured} = {fmt_x(m)}, p95 {fmt_x(q)} peer", ok


def frame_end(got: dict[str, Any], peer: dict[str, Any] | None) -> str:
    """The median to the end of the frame's work (its layout counted wherever
    it fell), and its ratio to the peer's: a figure beside the target's."""
    end = got.get("end_ms")
    if not end:
        return ""
    text = f"; to the frame's end {fmt_ms(end['median'])}"
    theirs = peer.get("end_ms") if peer else None
    if theirs:
        text += f" = {fmt_x(ratio(end['median'], theirs['median']))} peer"
    return text


def window_row(
    label: str, got: dict[str, Any], peer: dict[str, Any] | None, detail: str
) -> dict[str, str]:
    """A step or slider step: shown in the next frame; a slider step is also
    one of the changes timed against the ``peer``."""
    share = got["next_frame"] or 0.0
    measured, ok = against_peer(got["ms"], peer)
    target = ">= 90% in the next frame" + ("; median <= peer" if peer else "")
    return table_row(
        f"{label} -> arithmetic shown",
        target,
        f"{share:.0%}; {measured}",
        detail,
        share >= 0.9 and ok is not False,
    )


def input_rows(found: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of the real-input phase: each of our interactions against the
    peer's kernel slider measured in the same run (and an older build's
    figure, when one was measured)."""
    if "error" in found:
        return [table_row("real input events", "", "n/a", found["error"], None)]
    ours = found["ours"]
    peer = found.get("peer", {}).get("peer")
    old = found.get("old", {})
    rows: list[dict[str, str]] = []
    if peer:
        p = peer["ms"]
        rows.append(
            table_row(
                "peer: its kernel slider, ArrowUp/Down -> next frame",
                "(the baseline)",
                f"{fmt_ms(p['median'])}, p95 {fmt_ms(p['p95'])}",
                f"{p['n']} presses" + frame_end(peer, None),
                None,
            )
        )
    cold = found.get("cold", {})
    labels = {spec.row: spec.label for spec in interact.OURS_KEYS}
    for row, label in labels.items():
        got = ours.get(row)
        if not got:
            continue
        s = got["ms"]
        detail = (
            f"{got['demo_runs_per_press']:.2f} demo_run, "
            f"{got['aheads_per_press']:.2f} demo_ahead/press; n {s['n']}" + frame_end(got, peer)
        )
        if row in old:
            before = old[row]["ms"]
            detail += f"; old build {fmt_ms(before['median'])}, p95 {fmt_ms(before['p95'])}"
        if row in interact.WINDOW_ROWS:
            rows.append(window_row(label, got, peer if row == "slider" else None, detail))
            continue
        measured, ok = against_peer(s, peer)
        target = "median <= peer, p95 <= 1.5x peer"
        rows.append(
            table_row(f"{label} -> output complete, next frame", target, measured, detail, ok)
        )
        if row in cold:
            c = cold[row]
            measured, ok = against_peer(c["ms"], peer)
            detail = f"{c['demo_runs_per_press']:.2f} demo_run/press; n {c['ms']['n']}"
            rows.append(
                table_row("  same, cold (nothing computed ahead)", target, measured, detail, ok)
            )
    firsts = ours.get("first_presses")
    if firsts:
        s, first = firsts["ms"], firsts["first_ms"]
        measured, ok = against_peer(s, peer)
        detail = (
            f"the very first {fmt_ms(first['median'])} (max {fmt_ms(first['max'])}); n {s['n']}"
        )
        if "first_presses" in old:
            detail += f"; old build {fmt_ms(old['first_presses']['ms']['median'])}"
        rows.append(
            table_row(
                'first 3 presses in "Kernel size" on a page just ready',
                "median <= peer, p95 <= 1.5x peer",
                measured,
                detail,
                ok,
            )
        )
    hover = ours.get("hover")
    if hover:
        rows.append(
            table_row(
                "pointing at output cells -> window shown",
                ">= 90% in the next frame",
                f"{hover['next_frame']:.0%}; {fmt_ms(hover['ms']['median'])}",
                f"p95 {fmt_ms(hover['ms']['p95'])}",
                hover["next_frame"] >= 0.9,
            )
        )
    for kind, label in (("drag", "every ~15 ms"), ("fast_drag", "as fast as they come")):
        d = ours.get(kind)
        if not d:
            continue
        frames = d["frame_ms"]
        rows.append(
            table_row(
                f"slide dragged, a pointer move {label}",
                "each frame <= 1 frame behind, no long task",
                f"{d['stale_frames']} stale of {d['frames']} frames, "
                f"{len(d['long_tasks'])} long tasks",
                f"{d['frames_with_new_value']} frames with a new value; frame p95 "
                f"{fmt_ms(frames['p95'])}; final shown {d['final_ok']}; "
                f"{len(d['calls'])} requests",
                d["stale_frames"] == 0 and not d["long_tasks"] and d["final_ok"],
            )
        )
    k = ours.get("kernel_drag")
    if k:
        rows.append(
            table_row(
                '"Kernel size" slider dragged 2 -> 14, a pointer move every ~15 ms',
                "each frame <= 1 frame behind, no long task",
                f"{k['stale_frames']} stale of {k['frames']} frames, "
                f"{len(k['long_tasks'])} long tasks",
                f"{k['frames_with_new_value']} frames with a new value; worst "
                f"{k['worst_frames_behind']} frames behind; final shown {k['final_ok']} "
                f"(kernel {k['final_kernel']}); {k['calls'].count('demo_run')} demo_run",
                k["stale_frames"] == 0 and not k["long_tasks"] and k["final_ok"],
            )
        )
    f = ours.get("fresh_kernel_drags")
    if f:
        stale = sum(f["stale_frames"])
        detail = (
            f"stale frames a drag {f['stale_frames']}; worst {f['worst_frames_behind']} "
            f"frames behind; demo_run a drag {f['demo_runs']}; final shown {f['final_ok']}"
        )
        if "fresh_kernel_drags" in old:
            detail += f"; old build {old['fresh_kernel_drags']['stale_frames']}"
        rows.append(
            table_row(
                '"Kernel size" slider flicked 2 -> 14 on a page just ready, a value a move',
                "each frame <= 1 frame behind, no long task",
                f"{stale} stale of {f['frames']} frames ({f['drags']} drags), "
                f"{len(f['long_tasks'])} long tasks",
                detail,
                stale == 0 and not f["long_tasks"] and f["final_ok"],
            )
        )
    return rows


def table_rows(loads: dict[str, Any], live: dict[str, Any]) -> list[dict[str, str]]:
    def med(key: str, field: str) -> float | None:
        value = loads[key][field]["median"]
        return None if value is None else float(value)

    def worst(key: str, field: str) -> float | None:
        value = loads[key][field]["max"]
        return None if value is None else float(value)

    rows: list[dict[str, str]] = []

    def row(metric: str, target: str, measured: str, baseline: str, ok: bool | None) -> None:
        rows.append(table_row(metric, target, measured, baseline, ok))

    bare_fcp = med("bare_http", "fcp_ms")
    for key, where in (("ours_http", "http"), ("ours_file", "file://")):
        fcp, demo = med(key, "fcp_ms"), med(key, "demo_drawn_ms")
        row(
            f"first contentful paint, {where}",
            "<= 150 ms",
            fmt_ms(fcp),
            f"p95 {fmt_ms(loads[key]['fcp_ms']['p95'])}; bare page {fmt_ms(bare_fcp)}",
            at_most(fcp, 150),
        )
        shown = med(key, "demo_shown_ms")
        row(
            f"pre-rendered demo on screen (digit, output, numbers), {where}",
            "<= 150 ms",
            fmt_ms(shown),
            f"p95 {fmt_ms(loads[key]['demo_shown_ms']['p95'])}; canvases drawn {fmt_ms(demo)}",
            at_most(shown, 150),
        )
        shift = loads[key]["layout_shift"]
        row(
            f"layout shift until ready, {where}",
            "reported (< 0.1 is good)",
            "n/a" if shift["median"] is None else f"{shift['median']:.4f}",
            "n/a" if shift["max"] is None else f"max {shift['max']:.4f}",
            None,
        )
    for ours, bare, label, limit, target in (
        ("ours_http", "bare_http", "loopback", 0.5, "<= 0.50x bare (aim 0.35x)"),
        ("ours_slow", "bare_slow", "20 Mbit/s + 40 ms", 0.7, "<= 0.70x bare"),
    ):
        share = ratio(med(ours, "ready_ms"), med(bare, "ready_ms"))
        paired = paired_ratio(loads, ours, bare)
        row(
            f"Python ready, cold, {label}",
            target,
            f"{fmt_ms(med(ours, 'ready_ms'))} = {fmt_x(share)}",
            f"bare {fmt_ms(med(bare, 'ready_ms'))}; paired {fmt_x(paired)}",
            at_most(share, limit),
        )
    for key, where in (("ours_http", "http"), ("ours_slow", "20 Mbit/s"), ("ours_file", "file://")):
        count, biggest = med(key, "long_tasks"), worst(key, "long_task_max_ms")
        bare_key = "bare_slow" if key == "ours_slow" else "bare_http"
        bare_count = med(bare_key, "long_tasks") or 0
        row(
            f"main-thread long tasks until ready, {where}",
            "none > 50 ms",
            f"{count:.0f}/run, max {fmt_ms(biggest)}" if count is not None else "n/a",
            f"bare {bare_count:.0f}/run, max {fmt_ms(worst(bare_key, 'long_task_max_ms'))}",
            None if biggest is None else biggest == 0,
        )
    settings = live.get("settings_change", {})
    if "ms" in settings:
        s = settings["ms"]
        row(
            f"settings change -> drawn ({s['n']} changes, 20x20)",
            "median <= 16 ms",
            f"{fmt_ms(s['median'])}, p95 {fmt_ms(s['p95'])}",
            f"to next frame {fmt_ms(settings['to_frame_ms']['median'])}"
            + old_figure(live, "settings_change", "ms"),
            at_most(s["median"], 16),
        )
    else:
        row("settings change -> drawn", "median <= 16 ms", "n/a", settings.get("error", ""), None)
    if "input" in live:
        rows += input_rows(live["input"])
    anim = live.get("animation", {})
    if "frame_ms" in anim:
        p95 = anim["frame_ms"]["p95"]
        row(
            "slide animation (trace, 100 steps/s)",
            "p95 frame <= 20 ms, no long task",
            f"p95 {fmt_ms(p95)}, {anim['long_tasks']} long tasks",
            f"rAF p95 {fmt_ms(anim['raf_ms']['p95'])}, max {fmt_ms(anim['raf_ms']['max'])}",
            None if p95 is None else p95 <= 20 and anim["long_tasks"] == 0,
        )
    else:
        row("slide animation", "p95 frame <= 20 ms", "n/a", anim.get("error", ""), None)
    comp = live.get("compute", {})
    if "python_ms" in comp:
        py_ms = comp["python_ms"]["median"]
        js_ms = comp["js_nested_ms"]["median"]
        row(
            "128x128 conv2d 3x3 in the page's Python",
            "<= 50 ms",
            f"{fmt_ms(py_ms)} = {ratio(py_ms, js_ms) or 0:.0f}x plain JS",
            f"JS {fmt_ms(js_ms)} (typed array {fmt_ms(comp['js_flat_ms']['median'])})",
            at_most(py_ms, 50),
        )
        row(
            "  the same as a code cell, round trip from JS",
            "(info)",
            fmt_ms(comp["round_trip_ms"]["median"]),
            f"first cell {fmt_ms(comp['first_cell_ms'])}",
            None,
        )
        for key, label in (
            ("demo_run", "demo_run request, gray, pixels as a buffer (as demo.js)"),
            ("demo_run_rgba", "demo_run request, an upload's RGBA bytes as a buffer"),
            ("demo_run_json", "demo_run request, gray, pixels as a JSON list"),
        ):
            if f"{key}_ms" in comp:
                value = comp[f"{key}_ms"]["median"]
                row(
                    f"  {label}",
                    "(info)",
                    fmt_ms(value),
                    f"{comp['demo_run_steps']} windows traced",
                    None,
                )
            else:
                row(f"  {label}", "(info)", "fails", comp.get(f"{key}_error", ""), None)
    else:
        row("128x128 conv2d 3x3 in the page", "<= 50 ms", "n/a", comp.get("error", ""), None)
    upload = live.get("upload", {})
    if "ms" in upload:
        on_screen = upload.get("output_ms") or {}
        shown = on_screen.get("median")
        row(
            "128x128 upload through the page -> output on screen",
            "<= 50 ms",
            fmt_ms(shown),
            f"output {upload['output_shape']}, p95 {fmt_ms(on_screen.get('p95'))}"
            + old_figure(live, "upload", "output_ms"),
            at_most(shown, 50) if shown is not None else None,
        )
        row(
            "  the same -> both 16k-cell number tables filled (ready)",
            "(info)",
            fmt_ms(upload["ms"]["median"]),
            f"p95 {fmt_ms(upload['ms']['p95'])}",
            None,
        )
    ours_bytes, bare_bytes = med("ours_http", "bytes"), med("bare_http", "bytes")
    share = ratio(ours_bytes, bare_bytes)
    row(
        "transfer of a first visit (gzip)",
        "<= 0.85x bare",
        f"{fmt_mb(ours_bytes)} = {fmt_x(share)}",
        f"bare {fmt_mb(bare_bytes)}",
        at_most(share, 0.85),
    )
    file_ready = med("ours_file", "ready_ms")
    row(
        "Python ready from file://",
        "(vs bare http / ours http)",
        f"{fmt_ms(file_ready)} = {fmt_x(ratio(file_ready, med('bare_http', 'ready_ms')))} bare",
        f"{fmt_x(ratio(file_ready, med('ours_http', 'ready_ms')))} ours over http",
        None,
    )
    return rows


def print_table(rows: list[dict[str, str]]) -> None:
    columns = ["metric", "target", "measured", "baseline", "verdict"]
    heads = {
        "metric": "metric",
        "target": "target",
        "measured": "measured (median)",
        "baseline": "baseline / detail",
        "verdict": "verdict",
    }
    widths = {c: max(len(heads[c]), *(len(r[c]) for r in rows)) for c in columns}
    line = " | ".join(heads[c].ljust(widths[c]) for c in columns)
    print(line)
    print("-+-".join("-" * widths[c] for c in columns))
    for r in rows:
        print(" | ".join(r[c].ljust(widths[c]) for c in columns))


def print_loads(loads: dict[str, Any]) -> None:
    print()
    print("cold loads (ms since navigation; median [p25-p75]; long tasks until ready)")
    for scenario in SCENARIOS:
        s = loads[scenario.key]
        ready = s["ready_ms"]
        long_tasks = s["long_tasks"]["median"] or 0
        print(
            f"  {scenario.label:16} ready {fmt_ms(ready['median']):>8} "
            f"[{fmt_ms(ready['p25'])}-{fmt_ms(ready['p75'])}]  "
            f"fcp {fmt_ms(s['fcp_ms']['median']):>7}  "
            f"long tasks {long_tasks:.0f} (max {fmt_ms(s['long_task_max_ms']['max'])})  "
            f"sent {fmt_mb(s['bytes']['median'])}  ok {s['runs_ok']}/{s['runs']}"
            + (f"  errors: {s['errors']}" if s["errors"] else "")
        )


# ------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, help="measure this build instead of building one")
    parser.add_argument("--runs", type=int, default=7, help="cold loads per scenario (default 7)")
    parser.add_argument(
        "--json",
        type=Path,
        default=BENCH / "results" / "latest.json",
        help="write the results here (default bench/results/latest.json)",
    )
    parser.add_argument(
        "--chart",
        type=Path,
        default=ROOT / "docs" / "perf-chart.png",
        help="chart image (default docs/perf-chart.png)",
    )
    parser.add_argument(
        "--settings", type=int, default=30, help="settings changes to time (default 30)"
    )
    parser.add_argument("--no-interactive", action="store_true", help="cold loads only")
    parser.add_argument(
        "--peer",
        type=Path,
        help="a folder holding the peer page (index.html of ezyang/convolution-visualizer, "
        "built as docs/performance.md says), measured beside ours",
    )
    parser.add_argument(
        "--old",
        type=Path,
        help="an older build of ours (a dist folder), measured beside ours for paired figures",
    )
    parser.add_argument(
        "--input-rounds",
        type=int,
        default=4,
        help="rounds of real input events (a run of 4-6 presses on each control; default 4)",
    )
    parser.add_argument(
        "--key-hold-ms",
        type=int,
        default=0,
        help="how long each key is held down (default 0: let go at once, as the"
        " performance document's rows were measured; a key-up that comes at once"
        " is handled before the next frame, after a layout of what the press changed)",
    )
    parser.add_argument(
        "--network-seconds",
        type=float,
        default=90.0,
        help="how long the network page trains from Start (default 90; 0 skips the page)",
    )
    parser.add_argument(
        "--network-only",
        action="store_true",
        help="only the network page's figures (its loads beside the demo's, strokes, training)",
    )
    parser.add_argument(
        "--input-only",
        action="store_true",
        help="only the real input events (no cold loads, no other interactive figures)",
    )
    args = parser.parse_args(argv)
    if args.key_hold_ms < 0:
        parser.error("--key-hold-ms must be 0 or more")
    for folder in (args.peer, args.old):
        if folder is not None and not (folder / "index.html").is_file():
            parser.error(f"{folder} has no index.html")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:5.0f} s] {text}", flush=True)

    with tempfile.TemporaryDirectory(prefix="convcore-bench-") as tmp:
        if args.dist:
            dist = args.dist.resolve()
        else:
            dist = Path(tmp) / "dist"
            build_site(dist)
        files = site_files(dist, args.peer, args.old)
        log(f"serving {len(files.bodies)} files (gzip level {GZIP_LEVEL})")
        fast = StaticServer(files, None)
        slow = StaticServer(files, Link(THROTTLE_RATE, THROTTLE_LATENCY))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                info = machine(browser)
                log(f"{info['chromium']=} {info['cpu']} x{info['cores']}")
                alone = args.input_only or args.network_only
                raw = {} if alone else run_loads(browser, args.runs, dist, fast, slow, log)
                live = (
                    {}
                    if args.no_interactive or alone
                    else run_interactive(browser, fast, args.settings, log, args.old is not None)
                )
                if not (args.no_interactive or args.network_only):
                    demos = ["ours", "old"] if args.old else ["ours"]
                    live["input"] = run_input(
                        browser,
                        fast,
                        demos,
                        args.peer is not None,
                        args.input_rounds,
                        log,
                        args.key_hold_ms,
                    )
                if not (args.no_interactive or args.input_only) and args.network_seconds > 0:
                    live["network"] = run_network(
                        browser, fast, args.runs, args.network_seconds, log
                    )
                browser.close()
        finally:
            fast.stop()
            slow.stop()
    loads = summarize_loads(raw)
    rows = (
        []
        if args.network_only
        else input_rows(live["input"])
        if args.input_only
        else table_rows(loads, live)
    )
    if "network" in live:
        rows += network_rows(live["network"])
    print()
    print_table(rows)
    if loads:
        print_loads(loads)
    results = {
        "what": "bench/bench_site.py: the site in Chromium vs a bare loadPyodide() page, same run",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "config": {
            "runs": args.runs,
            "gzip_level": GZIP_LEVEL,
            "throttle_bytes_per_s": THROTTLE_RATE,
            "throttle_latency_ms": THROTTLE_LATENCY * 1000,
            "built": not args.dist,
            "source": source_state(),
            "peer": str(args.peer) if args.peer else None,
            "old": str(args.old) if args.old else None,
            "input_rounds": args.input_rounds,
            "key_hold_ms": args.key_hold_ms,
        },
        "table": rows,
        "loads": loads,
        **live,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    if loads:
        chart.draw(results, args.chart)
    wrote = f"{args.json} and {args.chart}" if loads else str(args.json)
    print(f"\nwrote {wrote} in {results['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
