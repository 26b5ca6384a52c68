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

from convcore.digits import mnist_split
from tests.core import pyodide_driver
from tests.core.helpers import CASES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYODIDE = ROOT / "node_modules" / "pyodide"

X = [[[float((i * 7 + j * 3) % 11) - 5.0 for j in range(9)] for i in range(8)] for _ in range(2)]
W = [[[[1.0, -2.0, 0.5], [0.0, 1.5, -1.0]], [[0.25, 1.0, 2.0], [-0.5, 0.0, 1.0]]]] * 2
W_EVEN = [[[[1.0, 2.0], [3.0, -4.0]], [[0.5, 0.0], [-1.0, 1.0]]]]
W_BOX = [[[[0.25] * 3] * 3] * 2]  # exactly separable: the two-pass path


G = [[[0.5 * ((i + 2 * j) % 3) - 0.5 for j in range(8)] for i in range(7)]] * 2  # 2x7x8
POOL = {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}
EXP = 1e-12  # exp and log come from the C library: the last bit may differ


def _network_cases() -> list[dict[str, Any]]:
    """Pooling, gradients, classifier pieces, training and the shipped model."""
    _, _, held, _ = mnist_split(ROOT / "node_modules" / "mnist" / "src" / "digits")
    images = [[digit] for digit in held[::67]]
    small = [[[row[::2] for row in digit[::2]]] for digit in held[::250]][:6]  # 10x10
    return [
        {"name": "max_pool2d", "fn": "max_pool2d", "args": [X, 3],
         "kwargs": {**POOL, "dilation": 2}},
        {"name": "avg_pool2d", "fn": "avg_pool2d", "args": [X, 3],
         "kwargs": {**POOL, "count_include_pad": False}},
        {"name": "avg_pool2d divisor", "fn": "avg_pool2d", "args": [X, (2, 3)],
         "kwargs": {"divisor_override": -3}},
        {"name": "max_pool2d_backward", "fn": "max_pool2d_backward", "args": [G, X, 2],
         "kwargs": {"stride": 1, "padding": 1}},
        {"name": "avg_pool2d_backward", "fn": "avg_pool2d_backward",
         "args": [[[[1.0] * 5] * 5] * 2, X, 3], "kwargs": POOL},
        {"name": "trace_pool", "fn": "trace_pool", "args": [X, "max", 2], "post": "trace_pool"},
        {"name": "error: pool padding", "fn": "max_pool2d", "args": [X, 2],
         "kwargs": {"padding": 2}},
        {"name": "conv2d four sides", "fn": "conv2d", "args": [X, W],
         "kwargs": {"padding": (0, 2, 1, 3), "padding_mode": "reflect"}},
        {"name": "conv2d_backward", "fn": "conv2d_backward",
         "args": [[[[1.0, -0.5] * 4] * 8] * 2, X, W, [0.5, -1.0]],
         "kwargs": {"padding": (1, 0, 2, 1), "padding_mode": "circular", "stride": (1, 2)}},
        {"name": "same_padding", "fn": "same_padding", "args": [[20, 17], 5, 3, 2]},
        {"name": "output_size ceil", "fn": "output_size", "args": [7, 2, 2],
         "kwargs": {"ceil_mode": True}},
        {"name": "relu", "fn": "relu", "args": [[[-1.0, -0.0, 2.5], [0.0, 3.0, -4.0]]]},
        {"name": "flatten", "fn": "flatten", "args": [X]},
        {"name": "linear_backward", "fn": "linear_backward",
         "args": [[1.0, -2.0], [0.5, 1.5, -1.0], [[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]], [0.1, 0.2]]},
        {"name": "softmax", "fn": "softmax", "args": [[1000.0, 3.0, -2.5]], "tolerance": EXP},
        {"name": "cross_entropy_backward", "fn": "cross_entropy_backward",
         "args": [[[1.0, 2.0, 0.5], [0.0, -1.0, 4.0]], [2, 1]], "tolerance": EXP},
        {"name": "seeded shuffle", "fn": "shuffled", "args": [15, 40]},
        {"name": "three Adam steps", "fn": "train_steps",
         "args": [4, small, [0, 1, 2, 0, 1, 2][: len(small)]], "tolerance": 1e-9},
        {"name": "shipped model's logits", "fn": "digits_logits", "args": [images],
         "tolerance": 1e-9},
    ]  # fmt: skip


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
        *_network_cases(),
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
