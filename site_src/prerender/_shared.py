"""What the learning pages share at build time: each widget's default state and
its first view, computed by the same request functions the worker answers
(site_src/py/learn_api.py), so the pre-rendered page equals what Python draws.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import markupsafe

PY_DIR = Path(__file__).resolve().parent.parent / "py"
if str(PY_DIR) not in sys.path:
    sys.path.insert(0, str(PY_DIR))

import cells  # noqa: E402  (site_src/py is on sys.path only from here)
import learn_api  # noqa: E402

Digits = list[list[list[float]]]

DEFAULT_DIGIT = 3

# Every widget's default state, by name: the form values the page starts with.
DEFAULTS: dict[str, dict[str, Any]] = {
    "window": {"digit": DEFAULT_DIGIT, "weights": "edge", "at": [8, 8]},
    "kernel": {"digit": DEFAULT_DIGIT, "kernel": 5},
    "stride": {"digit": DEFAULT_DIGIT, "kernel": 3, "stride": 4},
    "padding": {"padding": 2},
    "dilation": {"digit": DEFAULT_DIGIT, "dilation": 3},
    "fit": {"size": 20, "kernel": 4, "stride": 3, "padding": 0, "dilation": 1},
    "receptive": {
        "digit": DEFAULT_DIGIT,
        "layers": [[3, 1, 0, 1], [3, 1, 0, 1]],
        "at": None,
    },
    "transpose": {
        "x": "1 2; 3 4",
        "weight": "1 1 1; 1 1 1; 1 1 1",
        "stride": 2,
        "padding": 0,
        "output_padding": 0,
        "at": [0, 0],
    },
    "pool": {
        "digit": DEFAULT_DIGIT,
        "kind": "max",
        "kernel": 2,
        "stride": "kernel",
        "padding": 0,
        "ceil_mode": False,
        "count_include_pad": True,
        "at": None,
    },
    "kernels": {"digit": DEFAULT_DIGIT},
}

WIDGETS = tuple(DEFAULTS)


def first_view(name: str, digits: Digits) -> dict[str, Any]:
    """The default view of widget ``name``, as the worker would answer it."""
    state = DEFAULTS[name]
    if name == "window":
        return learn_api.learn_conv(
            digits[state["digit"]], kernel=3, weights=state["weights"], at=state["at"]
        )
    if name == "kernel":
        return learn_api.learn_conv(digits[state["digit"]], kernel=state["kernel"], weights="box")
    if name == "stride":
        return learn_api.learn_conv(
            digits[state["digit"]], kernel=state["kernel"], weights="box", stride=state["stride"]
        )
    if name == "padding":
        return learn_api.learn_pad(state["padding"])
    if name == "dilation":
        return learn_api.learn_conv(
            digits[state["digit"]], kernel=3, weights="box", dilation=state["dilation"]
        )
    if name == "fit":
        return learn_api.learn_fit(**state)
    if name == "receptive":
        return learn_api.learn_receptive(state["layers"], at=state["at"])
    if name == "transpose":
        return learn_api.learn_transpose(
            parse_grid(state["x"]),
            parse_grid(state["weight"]),
            stride=state["stride"],
            padding=state["padding"],
            output_padding=state["output_padding"],
            at=state["at"],
        )
    if name == "pool":
        return learn_api.learn_pool(
            digits[state["digit"]],
            kind=state["kind"],
            kernel=state["kernel"],
            stride=None if state["stride"] == "kernel" else int(state["stride"]),
            padding=state["padding"],
            ceil_mode=state["ceil_mode"],
            count_include_pad=state["count_include_pad"],
            at=state["at"],
        )
    if name == "kernels":
        return learn_api.learn_kernels(digits[state["digit"]])
    raise KeyError(name)


def parse_grid(text: str) -> list[list[float]]:
    """``"1 2; 3 4"`` as rows of floats (the transposed widget's text fields)."""
    return [[float(v) for v in row.replace(",", " ").split()] for row in text.split(";")]


def as_json(value: Any) -> markupsafe.Markup:
    """JSON for a <script type="application/json"> block (``<`` escaped)."""
    text = json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")
    return markupsafe.Markup(text)


def widgets(digits: Digits, names: tuple[str, ...] = WIDGETS) -> dict[str, Any]:
    """``{name: {"state", "data", "json"}}`` for the templates' widget macros."""
    out: dict[str, Any] = {}
    for name in names:
        data = first_view(name, digits)
        state = DEFAULTS[name]
        out[name] = {
            "state": state,
            "data": data,
            "json": as_json({"state": state, "data": data}),
        }
    return out


def run_cell(code: str, variables: dict[str, Any]) -> dict[str, Any]:
    """A code cell run on the host, for its pre-rendered output."""
    return cells.run_cell(code, json.dumps(variables))
