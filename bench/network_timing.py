"""Timings of the shipped digit model, in whatever Python runs this file.

Standard library and convcore only, so that bench_core.py runs the very same
code in CPython and, through pyodide_bench.mjs, in Pyodide under Node.
``main(digits_json)`` prints one JSON line of medians in milliseconds.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import convcore
from convcore.activation import cross_entropy_grad

BATCH = 32


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


def median_ms(fn: Callable[[], object], budget: float, least: int) -> float:
    return median_seconds(fn, budget, least) * 1e3


def run(digits: list[Any], labels: list[int], budget: float = 1.5) -> dict[str, Any]:
    """Per example and per batch of 32: forward, forward+backward, one Adam step."""
    model = convcore.digits_model()
    optimizer = convcore.Adam(model.parameters(), lr=1e-3)
    images = [[d] for d in digits]
    cycle = iter(range(10**9))

    def one() -> int:
        return next(cycle) % len(images)

    def forward() -> None:
        model.forward(images[one()])

    def forward_backward() -> None:
        i = one()
        logits = model.forward(images[i])
        model.backward(cross_entropy_grad(logits, labels[i], 1.0))

    forward_backward()
    batch, batch_labels = images[:BATCH], labels[:BATCH]

    def batch_forward() -> None:
        for image in batch:
            model.forward(image)

    def batch_step() -> None:
        convcore.train_step(model, optimizer, batch, batch_labels)

    def adam_step() -> None:
        optimizer.step()

    return {
        "python": ("Pyodide, Python " if sys.platform == "emscripten" else "CPython ")
        + platform.python_version(),
        "platform": sys.platform,
        "forward_ms": median_ms(forward, budget, 20),
        "forward_backward_ms": median_ms(forward_backward, budget, 20),
        "adam_step_ms": median_ms(adam_step, budget / 3, 20),
        "batch_forward_ms": median_ms(batch_forward, budget, 3),
        "batch_train_step_ms": median_ms(batch_step, budget, 3),
    }


def main(payload: str) -> str:
    data = json.loads(payload)
    return json.dumps(run(data["digits"], data["labels"], data.get("budget", 1.5)))
