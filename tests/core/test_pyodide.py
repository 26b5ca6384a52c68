"""convcore inside Pyodide (Python 3.14, WebAssembly) agrees with the host.

The cases are computed here on the host with pyodide_driver.py, then the same
driver runs them in Pyodide under Node 20 (one start of ~2 s). A missing
node_modules/pyodide is a failure, not a skip: CI must not silently pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.core import pyodide_driver
from tests.core.helpers import CASES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYODIDE = ROOT / "node_modules" / "pyodide"

X = [[[float((i * 7 + j * 3) % 11) - 5.0 for j in range(9)] for i in range(8)] for _ in range(2)]
W = [[[[1.0, -2.0, 0.5], [0.0, 1.5, -1.0]], [[0.25, 1.0, 2.0], [-0.5, 0.0, 1.0]]]] * 2
W_EVEN = [[[[1.0, 2.0], [3.0, -4.0]], [[0.5, 0.0], [-1.0, 1.0]]]]
W_BOX = [[[[0.25] * 3] * 3] * 2]  # exactly separable: the two-pass path


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for mode in ("zeros", "reflect", "replicate", "circular"):
        cases.append(
            {
                "name": f"conv2d {mode}",
                "fn": "conv2d",
                "args": [X, W, [0.5, -1.0]],
                "kwargs": {"padding": (1, 2), "stride": (1, 2), "padding_mode": mode},
            }
        )
        cases.append(
            {
                "name": f"conv2d same even {mode}",
                "fn": "conv2d",
                "args": [X, W_EVEN],
                "kwargs": {"padding": "same", "dilation": 2, "padding_mode": mode},
            }
        )
    cases += [
        {"name": "conv2d groups", "fn": "conv2d", "args": [X, [[[[1.0, 2.0]]], [[[3.0], [4.0]]]]],
         "kwargs": {"groups": 2}},
        {"name": "conv2d stride dilation", "fn": "conv2d", "args": [X, W],
         "kwargs": {"stride": 3, "dilation": (2, 1), "padding": 2}},
        {"name": "conv2d box", "fn": "conv2d", "args": [X, W_BOX], "kwargs": {"padding": 1}},
        {"name": "trace box", "fn": "trace", "args": [X, W_BOX], "kwargs": {"stride": 2},
         "post": "trace"},
        {"name": "output_size", "fn": "output_size", "args": [28, 5, 2, 1]},
        {"name": "fit 1-D", "fn": "fit", "args": [20, 5, 2]},
        {"name": "fit 1-D no output", "fn": "fit", "args": [4, 7]},
        {"name": "fit 2-D", "fn": "fit", "args": [[28, 32], [5, 3], 2]},
        {"name": "valid_convolution", "fn": "valid_convolution", "args": [20, 5, 0, 2]},
        {"name": "trace reflect", "fn": "trace", "args": [X, W, [0.5, -1.0]],
         "kwargs": {"padding": 1, "padding_mode": "reflect", "out_channel": 0}, "post": "trace"},
        {"name": "conv_transpose2d", "fn": "conv_transpose2d", "args": [X, W_EVEN * 2, [1.0]],
         "kwargs": {"stride": 2, "padding": 1, "output_padding": 1, "dilation": 2}},
        {"name": "trace_transpose", "fn": "trace_transpose", "args": [X, W_EVEN * 2],
         "kwargs": {"stride": 2}, "post": "trace_transpose"},
        {"name": "receptive_field", "fn": "receptive_field",
         "args": [[[3, 1, 1], [3, 2, 0, 2]]], "kwargs": {"at": [2, 1], "input_size": [12, 12]}},
        {"name": "error: stride 0", "fn": "conv2d", "args": [X, W], "kwargs": {"stride": 0}},
        {"name": "error: bool", "fn": "conv2d", "args": [X, W], "kwargs": {"stride": True}},
        {"name": "error: cap", "fn": "conv2d", "args": [X, W], "kwargs": {"padding": 10**6}},
    ]  # fmt: skip
    for case in cases:
        case["expected"] = pyodide_driver.run_case(case)
    return cases


def test_convcore_in_pyodide_agrees_with_the_host(tmp_path: Path) -> None:
    if not (PYODIDE / "pyodide.mjs").is_file():
        pytest.fail(f"{PYODIDE} is missing: run `npm ci` in {ROOT} to install Pyodide")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (Node.js 20) is not on PATH; it is needed to run Pyodide")
    cases = _cases()
    assert {"error": "ValueError"} in [c["expected"] for c in cases]
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases))
    done = subprocess.run(
        [node, str(HERE / "pyodide_runner.mjs"), str(PYODIDE), str(ROOT / "convcore"),
         str(HERE / "pyodide_driver.py"), str(cases_file)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"pyodide: {summary['agreed']}/{summary['total']} cases agreed (Python {summary['python']})"
    )
    CASES["pyodide cases agreed"] += summary["agreed"]
    assert summary["platform"] == "emscripten" and summary["python"].startswith("3.14")
    assert summary["failed"] == [] and summary["agreed"] == len(cases)
