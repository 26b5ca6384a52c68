"""Benchmark of convcore's pure-Python hot path (not a test).

Run from the repository root::

    python bench/bench_core.py            # a table on stdout
    python bench/bench_core.py --json bench/results/core.json

For each case it reports the median time of ``convcore.conv2d`` on nested
lists, a straightforward pure-Python loop (the baseline convcore replaces),
and NumPy (``sliding_window_view`` + ``tensordot`` on arrays converted
beforehand) measured in the same run, plus the ratio convcore / NumPy. Then
timings of ``fit``, ``trace`` (building it, one step, every step) and
``conv_transpose2d``.

Then the shipped digit model (``convcore.digits_model()``): forward,
forward+backward and one Adam step per example, and forward / a whole
training step per batch of 32, in CPython and (``--no-pyodide`` skips it) in
Pyodide under Node, the same code (bench/network_timing.py), against the same
network written with NumPy (im2col) in this run. NumPy is only the
yardstick: convcore never imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

# Run from a checkout without installing: the repository root holds convcore/.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import network_timing  # noqa: E402  (bench/ is on the path only from here)
from network_timing import median_seconds  # noqa: E402

import convcore  # noqa: E402
from convcore.digits import mnist_split  # noqa: E402

Nested = list[Any]


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


# ------------------------------------------------------- the digit model


Array = npt.NDArray[np.float64]


class NumpyNet:
    """The shipped model's layers with NumPy: convolutions as im2col
    (``sliding_window_view`` + ``tensordot``), on a batch ``[N][C][H][W]``."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.layers = spec["layers"]
        self.params = {k: np.asarray(v) for k, v in spec["state_dict"].items()}
        self.saved: list[Any] = []

    def forward(self, x: Array) -> Array:
        self.saved = []
        for index, layer in enumerate(self.layers):
            self.saved.append(x)
            kind = layer["type"]
            if kind == "Conv2d":
                top, left = layer["padding"][0], layer["padding"][1]
                padded = np.pad(x, ((0, 0), (0, 0), (top, top), (left, left)))
                w, step = self.params[f"{index}.weight"], layer["stride"][0]
                cols = sliding_window_view(padded, w.shape[2:], axis=(2, 3))[:, :, ::step, ::step]
                x = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
                x = x + self.params[f"{index}.bias"][None, :, None, None]
            elif kind == "ReLU":
                x = np.maximum(x, 0.0)
            elif kind == "MaxPool2d":
                n, c, h, w_ = x.shape
                k = layer["kernel_size"]
                x = x.reshape(n, c, h // k, k, w_ // k, k).max(axis=(3, 5))
            elif kind == "Flatten":
                x = x.reshape(len(x), -1)
            else:
                x = x @ self.params[f"{index}.weight"].T + self.params[f"{index}.bias"]
        return x

    def backward(self, grad: Array) -> dict[str, Array]:
        grads: dict[str, Array] = {}
        for index in range(len(self.layers) - 1, -1, -1):
            layer, x = self.layers[index], self.saved[index]
            kind = layer["type"]
            if kind == "Linear":
                grads[f"{index}.weight"] = grad.T @ x
                grads[f"{index}.bias"] = grad.sum(axis=0)
                grad = grad @ self.params[f"{index}.weight"]
            elif kind == "Flatten":
                grad = grad.reshape(x.shape)
            elif kind == "MaxPool2d":
                k = layer["kernel_size"]
                n, c, h, w_ = x.shape
                blocks = x.reshape(n, c, h // k, k, w_ // k, k).transpose(0, 1, 2, 4, 3, 5)
                flat = blocks.reshape(n, c, h // k, w_ // k, k * k)
                first = flat.argmax(axis=-1)  # the first maximum, as PyTorch
                mask = np.zeros_like(flat)
                np.put_along_axis(mask, first[..., None], 1.0, axis=-1)
                spread = mask * grad[..., None]
                grad = spread.reshape(n, c, h // k, w_ // k, k, k).transpose(0, 1, 2, 4, 3, 5)
                grad = grad.reshape(x.shape)
            elif kind == "ReLU":
                grad = grad * (x > 0)
            else:
                grad = self._conv_backward(index, layer, x, grad, grads)
        return grads

    def _conv_backward(
        self, index: int, layer: dict[str, Any], x: Array, grad: Array, grads: dict[str, Array]
    ) -> Array:
        top, left = layer["padding"][0], layer["padding"][1]
        w, step = self.params[f"{index}.weight"], layer["stride"][0]
        padded = np.pad(x, ((0, 0), (0, 0), (top, top), (left, left)))
        cols = sliding_window_view(padded, w.shape[2:], axis=(2, 3))[:, :, ::step, ::step]
        grads[f"{index}.weight"] = np.tensordot(grad, cols, axes=([0, 2, 3], [0, 2, 3]))
        grads[f"{index}.bias"] = grad.sum(axis=(0, 2, 3))
        kh, kw = w.shape[2:]
        n, o, h, w_ = grad.shape
        stuffed = np.zeros((n, o, (h - 1) * step + 1, (w_ - 1) * step + 1))
        stuffed[:, :, ::step, ::step] = grad  # stride: the input gradient is a full correlation
        full = np.pad(stuffed, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
        windows = sliding_window_view(full, (kh, kw), axis=(2, 3))
        grad_padded = np.tensordot(windows, w[:, :, ::-1, ::-1], axes=([1, 4, 5], [0, 2, 3]))
        grad_padded = grad_padded.transpose(0, 3, 1, 2)
        extra = [(0, 0), (0, 0), (0, padded.shape[2] - grad_padded.shape[2]),
                 (0, padded.shape[3] - grad_padded.shape[3])]  # fmt: skip
        grad_padded = np.pad(grad_padded, extra)  # cells the last window never reached
        return grad_padded[:, :, top : top + x.shape[2], left : left + x.shape[3]]


def numpy_network(digits: list[Any], labels: list[int]) -> dict[str, Any]:
    """The NumPy yardstick: times, and its logits/gradients checked against convcore."""
    spec = convcore.digits_model().to_dict()
    net = NumpyNet(spec)
    single = np.asarray([[digits[0]]])
    batch = np.asarray([[d] for d in digits[: network_timing.BATCH]])
    onehot = np.eye(10)[labels[: network_timing.BATCH]]

    def grad_of(logits: Array, targets: Array) -> Array:
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        result: Array = (e / e.sum(axis=1, keepdims=True) - targets) / len(logits)
        return result

    def fb(x: Array, targets: Array) -> dict[str, Array]:
        return net.backward(grad_of(net.forward(x), targets))

    model = convcore.digits_model()
    logits = model.forward([digits[0]])
    model.backward(grad_of(np.asarray([logits]), onehot[:1])[0].tolist())
    expected = fb(single, onehot[:1])
    error = max(
        float(np.abs(np.reshape(p.grad, expected[name].shape) - expected[name]).max())
        for name, p in model.named_parameters()
        if p.grad is not None
    )
    return {
        "forward_ms": median_seconds(partial(net.forward, single), 1.0, 20) * 1e3,
        "forward_backward_ms": median_seconds(partial(fb, single, onehot[:1]), 1.0, 20) * 1e3,
        "batch_forward_ms": median_seconds(partial(net.forward, batch), 1.0, 20) * 1e3,
        "batch_forward_backward_ms": median_seconds(partial(fb, batch, onehot), 1.0, 20) * 1e3,
        "max_abs_grad_diff_vs_convcore": error,
    }


def pyodide_network(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The same timings inside Pyodide under Node, or None without node/Pyodide."""
    node, pyodide = shutil.which("node"), ROOT / "node_modules" / "pyodide"
    if node is None or not (pyodide / "pyodide.mjs").is_file():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "digits.json"
        data.write_text(json.dumps(payload))
        done = subprocess.run(
            [node, str(ROOT / "tests" / "core" / "pyodide_runner.mjs"), str(pyodide),
             str(ROOT / "convcore"), str(ROOT / "bench" / "network_timing.py"), str(data)],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_network(with_pyodide: bool) -> dict[str, Any]:
    _, _, held, labels = mnist_split(ROOT / "node_modules" / "mnist" / "src" / "digits")
    digits, targets = held[::20], labels[::20]  # 100 digits of every class
    payload = {"digits": digits, "labels": targets}
    return {
        "cpython": network_timing.run(digits, targets),
        "pyodide": pyodide_network(payload) if with_pyodide else None,
        "numpy": numpy_network(digits, targets),
    }


def print_network(result: dict[str, Any]) -> None:
    numpy_ = result["numpy"]
    print(f"\nshipped digit model ({numpy_['max_abs_grad_diff_vs_convcore']:.1e} max |grad|"
          " difference vs NumPy)")  # fmt: skip
    print(f"{'':30} {'forward':>9} {'fwd+bwd':>9} {'Adam step':>10} {'32 fwd':>9} {'32 step':>9}")
    for name in ("cpython", "pyodide"):
        row = result[name]
        if row is None:
            continue
        print(
            f"{row['python']:30} {row['forward_ms']:7.2f}ms {row['forward_backward_ms']:7.2f}ms "
            f"{row['adam_step_ms']:8.2f}ms {row['batch_forward_ms']:7.1f}ms "
            f"{row['batch_train_step_ms']:7.1f}ms"
        )
        print(
            f"{'  x NumPy (im2col)':30} {row['forward_ms'] / numpy_['forward_ms']:8.0f}x "
            f"{row['forward_backward_ms'] / numpy_['forward_backward_ms']:8.0f}x {'':10} "
            f"{row['batch_forward_ms'] / numpy_['batch_forward_ms']:8.0f}x "
            f"{row['batch_train_step_ms'] / numpy_['batch_forward_backward_ms']:8.0f}x"
        )
    print(
        f"{'NumPy ' + np.__version__:30} {numpy_['forward_ms']:7.3f}ms "
        f"{numpy_['forward_backward_ms']:7.3f}ms {'':10} {numpy_['batch_forward_ms']:7.2f}ms "
        f"{numpy_['batch_forward_backward_ms']:7.2f}ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--no-pyodide", action="store_true", help="skip the Pyodide timings")
    parser.add_argument(
        "--network-only", action="store_true", help="only the shipped digit model's timings"
    )
    args = parser.parse_args(argv)
    rng = random.Random(2024)
    network = bench_network(not args.no_pyodide)
    conv = [] if args.network_only else bench_conv(rng)
    other = [] if args.network_only else bench_other(rng)
    print(f"Python {platform.python_version()} on {platform.machine()}, NumPy {np.__version__}")
    print(f"{'conv2d case':28} {'convcore':>10} {'naive py':>10} {'numpy':>9} {'x numpy':>8}")
    for row in conv:
        print(
            f"{row['case']:28} {row['convcore_ms']:8.3f}ms {row['naive_python_ms']:8.3f}ms "
            f"{row['numpy_ms']:7.3f}ms {row['convcore_over_numpy']:7.1f}x"
        )
    for row in other:
        print(f"{row['case']:28} {row['ms']:8.3f}ms")
    print_network(network)
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())} (2 cores; ratios matter)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average": os.getloadavg(),
            "conv2d": conv,
            "other": other,
            "network": network,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
