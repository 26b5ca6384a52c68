"""The demo's first view (digit 0, a 3 x 3 kernel of ones), computed at build
time by the same ``demo_api.run`` the page calls in the browser.

The template renders the tables, the shape, the fit and the arithmetic as
HTML; the page's script draws the canvases from the same result, embedded as
JSON, until Python has started.
"""

from __future__ import annotations

import json
import sys
from array import array
from pathlib import Path
from typing import Any

import markupsafe

from prerender import pictures

PY_DIR = Path(__file__).resolve().parent.parent / "py"
if str(PY_DIR) not in sys.path:
    sys.path.insert(0, str(PY_DIR))

import demo_api  # noqa: E402  (site_src/py is on sys.path only from here)

#: The state the page shows with no hash; site_src/js/demo-state.js DEFAULTS.
DEFAULT_SETTINGS: dict[str, Any] = {
    "kind": "gray",
    "height": 20,
    "width": 20,
    "channels": 1,
    "background": "black",
    "kernel": [3, 3],
    "stride": [1, 1],
    "padding": [0, 0],
    "dilation": [1, 1],
    "padding_mode": "zeros",
    "weights": [[1.0] * 9],
    "bias": [0.0],
    "step": None,
    "token": 0,
}

TIMES = "\u00d7"
CHANNEL_NAMES = ("red", "green", "blue")


def plain(value: Any) -> Any:
    """The result with ``array.array`` values as lists, for JSON."""
    if isinstance(value, array):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def script_json(value: Any) -> markupsafe.Markup:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return markupsafe.Markup(text.replace("<", "\\u003c").replace("&", "\\u0026"))


def short(value: float) -> str:
    """The arithmetic table's 4 significant digits (the page's shortNumber)."""
    return demo_api.js_number(float(f"{value:.4g}"))


def table_rows(values: list[float], height: int, width: int) -> list[list[str]]:
    return [
        [demo_api.js_number(values[r * width + c]) for c in range(width)] for r in range(height)
    ]


def tap_cell(window: dict[str, Any], i: int) -> dict[str, Any]:
    """Tap ``i`` of a window as the arithmetic table's cell shows it (the
    page's ``fillArithmetic``): exact numbers in data-*, short ones as text."""
    weight, value, product = window["weights"][i], window["values"][i], window["products"][i]
    return {
        "weight": demo_api.js_number(weight),
        "value": demo_api.js_number(value),
        "product": demo_api.js_number(product),
        "w": short(weight),
        "v": short(value),
        "p": short(product),
        "padding": bool(window["padding"][i]),
    }


def arithmetic(result: dict[str, Any]) -> dict[str, Any]:
    """The current window as rows of cells, one block per input channel."""
    window = result["window"]
    kh, kw = len(result["row_taps"][0]), len(result["col_taps"][0])
    channels = result["channels"]
    blocks = []
    for ch in range(channels):
        rows = []
        for r in range(kh):
            cells = []
            for c in range(kw):
                cells.append(tap_cell(window, (ch * kh + r) * kw + c))
            rows.append(cells)
        name = f"{CHANNEL_NAMES[ch]} channel" if channels == 3 else ""
        blocks.append({"name": name, "rows": rows})
    return {
        "blocks": blocks,
        "columns": kw,
        "row": window["position"][0],
        "col": window["position"][1],
        "sum": demo_api.js_number(window["sum"]),
        "bias": "" if window["bias"] is None else demo_api.js_number(window["bias"]),
        "output": demo_api.js_number(window["output"]),
    }


def context(digits: list[list[list[float]]]) -> dict[str, Any]:
    digit = digits[0]
    height, width = len(digit), len(digit[0])
    source = array("d", (v for row in digit for v in row))
    result = demo_api.run(source=source, **{**DEFAULT_SETTINGS, "height": height, "width": width})
    out_h, out_w = result["out_size"]
    data = plain(result)
    data["hash"] = ""
    scale = pictures.scale_of(result)
    return {
        "demo": {
            "json": script_json(data),
            "input_rows": table_rows(data["input"], height, width),
            "output_rows": table_rows(data["output"], out_h, out_w),
            "in_shape": f"{height} {TIMES} {width}",
            "out_shape": f"{out_h} {TIMES} {out_w}",
            "steps": result["steps"],
            "formula": result["formula"],
            "fit_text": result["fit_text"],
            "fits": result["fits"],
            "fixes": result["fixes"],
            "code": result["code"],
            "arithmetic": arithmetic(data),
            "input_png": pictures.input_picture(result),
            "output_png": pictures.output_picture(result),
            "padded": [len(result["row_map"]), len(result["col_map"])],
            "out_size": [out_h, out_w],
            "legend": [short(-scale), short(scale)],
            "digit_classes": list(range(10)),
            "digit_samples": list(range(1, len(digits) // 10 + 1)),
        }
    }
