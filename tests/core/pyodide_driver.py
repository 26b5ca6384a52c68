"""Runs convcore cases and turns the results into JSON-ready data.

The same file runs twice: on the host (to compute the expected values) and
inside Pyodide (Python 3.14 in WebAssembly, via pyodide_runner.mjs). It uses
only the standard library and convcore, so it can be copied into Pyodide.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Callable
from typing import Any

import convcore
from convcore import nn, optim


def _digits_logits(images: list[Any]) -> list[list[float]]:
    model = convcore.digits_model()
    return [model.forward(image) for image in images]


def _train_steps(seed: int, images: list[Any], labels: list[int]) -> dict[str, Any]:
    """A few Adam steps of a small network from seeded weights and batches."""
    rng = random.Random(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(2 * 5 * 5, 3, rng=rng),
    )  # fmt: skip
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = [
        convcore.train_step(
            model, optimizer, [images[i] for i in batch], [labels[i] for i in batch]
        )
        for batch in convcore.batches(range(len(images)), 3, rng)
    ]
    return {"losses": losses, "state_dict": model.state_dict()}


def _shuffled(seed: int, count: int) -> list[int]:
    return convcore.shuffled(range(count), random.Random(seed))


#: Cases whose "fn" is not one function of convcore but a small scenario.
SCENARIOS: dict[str, Callable[..., Any]] = {
    "digits_logits": _digits_logits,
    "train_steps": _train_steps,
    "shuffled": _shuffled,
}


def close(got: Any, expected: Any, tolerance: float) -> bool:
    """Equal, numbers to ``tolerance`` relative (exactly when it is 0)."""
    if isinstance(got, float) and isinstance(expected, float) and tolerance:
        return math.isclose(got, expected, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(
            close(g, e, tolerance) for g, e in zip(got, expected, strict=True)
        )
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(
            close(got[k], expected[k], tolerance) for k in got
        )
    return bool(got == expected)


def _jsonable(result: Any, post: str) -> Any:
    if post == "trace":  # every window's position, sum and output, plus one full window
        windows = list(result)
        return {
            "len": len(result),
            "windows": [[w.out_channel, w.position, w.sum, w.output] for w in windows],
            "first": windows[0].to_dict(),
        }
    if post == "trace_transpose":
        return {"len": len(result), "last": result[-1].to_dict()}
    if post == "trace_pool":
        return {
            "len": len(result),
            "outputs": [w.output for w in result],
            "last": result[-1].to_dict(),
        }
    if hasattr(result, "to_dict"):
        return result.to_dict()
    return result


def run_case(case: dict[str, Any]) -> Any:
    """The JSON round-tripped result of one case, or the exception's type."""
    function = SCENARIOS.get(case["fn"]) or getattr(convcore, case["fn"])
    try:
        result = function(*case.get("args", []), **case.get("kwargs", {}))
    except (TypeError, ValueError) as error:
        return {"error": type(error).__name__}
    return json.loads(json.dumps(_jsonable(result, case.get("post", ""))))


def main(cases_json: str) -> str:
    """Run every case, compare with its ``expected``; a JSON summary."""
    cases = json.loads(cases_json)
    failed = [
        case["name"]
        for case in cases
        if not close(run_case(case), case["expected"], case.get("tolerance", 0.0))
    ]
    return json.dumps(
        {
            "python": sys.version.split()[0],
            "platform": sys.platform,
            "total": len(cases),
            "agreed": len(cases) - len(failed),
            "failed": failed,
        }
    )
