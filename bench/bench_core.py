"""Benchmark of convcore's pure-Python hot path (not a test).

Run from the repository root::

    python bench/bench_core.py            # a table on stdout
    python bench/bench_core.py --json bench/results/core.json

For each case it reports the median time of ``convcore.conv2d`` on nested
lists, a straightforward pure-Python loop (the baseline convcore replaces),
and NumPy (``sliding_window_view`` + ``tensordot`` on arrays converted
beforehand) measured in the same run, plus the ratio convcore / NumPy. Then
timings of ``fit``, ``trace`` (building it, one step, every step) and
``conv_transpose2d``. NumPy is only the yardstick: convcore never imports it.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

# Run from a checkout without installing: the repository root holds convcore/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import convcore

Nested = list[Any]


def median_seconds(fn: Callable[[], object], budget: float = 0.4, least: int = 5) -> float:
    """Median of repeated runs, repeating for about ``budget`` seconds."""
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < least or time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if len(times) >= 2000:
            break
    return statistics.median(times)


def naive_conv2d(x: Nested, weight: Nested) -> Nested:
    """The textbook four nested loops (stride 1, no padding)."""
    c_in, h, w = len(x), len(x[0]), len(x[0][0])
    kh, kw = len(weight[0][0]), len(weight[0][0][0])
    out = []
    for filt in weight:
        plane = []
        for i in range(h - kh + 1):
            row = []
            for j in range(w - kw + 1):
                total = 0.0
                for c in range(c_in):
                    for a in range(kh):
                        for b in range(kw):
                            total += filt[c][a][b] * x[c][i + a][j + b]
                row.append(total)
            plane.append(row)
        out.append(plane)
    return out


def numpy_conv2d(x: npt.NDArray[np.float64], w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Valid cross-correlation with NumPy (the yardstick)."""
    windows = sliding_window_view(x, w.shape[2:], axis=(1, 2))  # C, H', W', kh, kw
    return np.tensordot(w, windows, axes=([1, 2, 3], [0, 3, 4]))


def _random(shape: tuple[int, ...], rng: random.Random) -> Nested:
    if len(shape) == 1:
        return [rng.uniform(-1.0, 1.0) for _ in range(shape[0])]
    return [_random(shape[1:], rng) for _ in range(shape[0])]


CONV_CASES = [
    ("20x20 k3", (1, 20, 20), (1, 1, 3, 3)),
    ("20x20 k5", (1, 20, 20), (1, 1, 5, 5)),
    ("20x20 k7", (1, 20, 20), (1, 1, 7, 7)),
    ("128x128 k3", (1, 128, 128), (1, 1, 3, 3)),
    ("128x128 RGB k3, 3 filters", (3, 128, 128), (3, 3, 3, 3)),
    ("20x20 k3 box (separable)", (1, 20, 20), (1, 1, 3, 3)),
    ("20x20 k7 box (separable)", (1, 20, 20), (1, 1, 7, 7)),
    ("128x128 k3 box (separable)", (1, 128, 128), (1, 1, 3, 3)),
    ("128x128 RGB k3 box, 3 filters", (3, 128, 128), (3, 3, 3, 3)),
]


def bench_conv(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for name, x_shape, w_shape in CONV_CASES:
        x, w = _random(x_shape, rng), _random(w_shape, rng)
        if "box" in name:  # all weights equal: the post's filter, exactly separable
            w = [[[[1.0] * w_shape[3]] * w_shape[2]] * w_shape[1]] * w_shape[0]
        xa, wa = np.asarray(x), np.asarray(w)
        ours = median_seconds(partial(convcore.conv2d, x, w))
        naive = median_seconds(partial(naive_conv2d, x, w))
        reference = median_seconds(partial(numpy_conv2d, xa, wa))
        error = float(np.abs(np.asarray(convcore.conv2d(x, w)) - numpy_conv2d(xa, wa)).max())
        rows.append(
            {
                "case": name,
                "convcore_ms": ours * 1e3,
                "naive_python_ms": naive * 1e3,
                "numpy_ms": reference * 1e3,
                "convcore_over_numpy": ours / reference,
                "naive_over_convcore": naive / ours,
                "max_abs_diff_vs_numpy": error,
            }
        )
    return rows


def bench_other(rng: random.Random) -> list[dict[str, Any]]:
    x, w = _random((1, 20, 20), rng), _random((1, 1, 3, 3), rng)
    t = convcore.trace(x, w, padding=1, padding_mode="reflect")

    def every_step() -> None:
        for _ in t:
            pass

    cases: list[tuple[str, Callable[[], object]]] = [
        ("fit 1-D (20, k5, s2)", lambda: convcore.fit(20, 5, 2)),
        ("fit 2-D (28x32, k5x3, s2)", lambda: convcore.fit((28, 32), (5, 3), 2)),
        ("output_size", lambda: convcore.output_size(28, 5, 2, 1)),
        ("trace build 20x20 k3", lambda: convcore.trace(x, w, padding=1, padding_mode="reflect")),
        ("trace one step", lambda: t[137]),
        (f"trace all {len(t)} steps", every_step),
        ("conv_transpose2d 20x20 k3 s2", lambda: convcore.conv_transpose2d(x, w, stride=2)),
    ]
    return [{"case": name, "ms": median_seconds(fn) * 1e3} for name, fn in cases]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    rng = random.Random(2024)
    conv = bench_conv(rng)
    other = bench_other(rng)
    print(f"Python {platform.python_version()} on {platform.machine()}, NumPy {np.__version__}")
    print(f"{'conv2d case':28} {'convcore':>10} {'naive py':>10} {'numpy':>9} {'x numpy':>8}")
    for row in conv:
        print(
            f"{row['case']:28} {row['convcore_ms']:8.3f}ms {row['naive_python_ms']:8.3f}ms "
            f"{row['numpy_ms']:7.3f}ms {row['convcore_over_numpy']:7.1f}x"
        )
    for row in other:
        print(f"{row['case']:28} {row['ms']:8.3f}ms")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "conv2d": conv,
            "other": other,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
