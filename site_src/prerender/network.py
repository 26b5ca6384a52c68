"""network.html at build time (and the embedded widgets ``classify`` and
``train``): the shipped model's view of shipped digit 0, the arithmetic of
the default pixel, the PyTorch code and a fresh run's kernels, computed by
the same requests the worker answers (site_src/py/network_api.py), so the
first paint shows them and Python, once running, finds them already right.

Each layer's maps are also drawn into a PNG (one pixel a cell, gaps
transparent), coloured as site_src/js/network-maps.js colours its canvases,
so the pictures are there before any script runs.
"""

from __future__ import annotations

import sys
from array import array
from pathlib import Path
from typing import Any

from prerender import pictures
from prerender.index import plain, script_json, short, tap_cell

PY_DIR = Path(__file__).resolve().parent.parent / "py"
if str(PY_DIR) not in sys.path:
    sys.path.insert(0, str(PY_DIR))

import demo_api  # noqa: E402  (site_src/py is on sys.path only from here)
import network_api  # noqa: E402
import network_model  # noqa: E402
import network_train  # noqa: E402

Digits = list[list[list[float]]]

#: The build's view, run and PyTorch code for the script (site_src/js/network-start.js):
#: three quarters of the page's bytes, none of them needed for its first paint.
DATA_SCRIPT = "data/network.js"

#: The view the page starts with: shipped digit 0, conv map 0 where its window reads the stroke.
DEFAULT_VIEW: dict[str, Any] = {"input": "digit", "digit": 0, "layer": 0, "at": [0, 8, 1]}
GAP: tuple[int, int, int, int] = (0, 0, 0, 0)
TIMES = "\u00d7"


def defaults() -> dict[str, Any]:
    """The page's state with nothing in the hash."""
    return {
        **DEFAULT_VIEW,
        "heldout": 0,
        "pixels": None,
        **network_train.DEFAULTS,
        "widths": list(network_model.shipped_widths()),
    }


def limits(heldout: int) -> dict[str, Any]:
    """The ranges the page corrects hash values into (the worker refuses the rest)."""
    return {
        "digit": [0, 119],
        "heldout": [0, heldout - 1],
        "lr": list(network_train.LR_RANGE),
        "batch": list(network_train.BATCH_RANGE),
        "width": list(network_model.WIDTH_RANGE),
        "seed": list(network_train.SEED_RANGE),
        "opt": list(network_train.OPTIMIZERS),
    }


def cell_colour(values: Any, index: int, scale: float, kind: str) -> tuple[int, int, int, int]:
    if kind == "input":
        g = pictures.gray(values[index])
        return (g, g, g, 255)
    return (*pictures.diverging(values[index], scale), 255)


def picture(values: Any, shape: list[int], grid: dict[str, int], kind: str) -> str:
    """A layer's maps (or a vector's rows) as the page lays them out (``network_model.grid``)."""
    cols, rows, per_row = grid["cols"], grid["rows"], grid["per_row"]
    scale = max(abs(min(values)), abs(max(values)))
    pixels = [GAP] * (cols * rows)
    if len(shape) == 1:
        for i in range(shape[0]):
            pixels[i] = cell_colour(values, i, scale, kind)
    else:
        channels, height, width = shape
        for ch in range(channels):
            top, left = ch // per_row * (height + 1), ch % per_row * (width + 1)
            for r in range(height):
                for c in range(width):
                    at = (top + r) * cols + left + c
                    pixels[at] = cell_colour(values, (ch * height + r) * width + c, scale, kind)
    return pictures.data_url(pictures.png(cols, rows, pixels))


def figure(
    title: str, shape: list[int], grid: dict[str, int], values: Any, kind: str
) -> dict[str, Any]:
    scale = max(abs(min(values)), abs(max(values)))
    size = f" {TIMES} ".join(map(str, shape[1:])) if len(shape) == 3 else f"{shape[0]} numbers"
    maps = f"{shape[0]} map{'s' if shape[0] > 1 else ''} of {size}" if len(shape) == 3 else size
    return {
        "title": title,
        "maps": maps,
        "png": picture(values, shape, grid, kind),
        "width": grid["cols"] * grid["cell"],
        "height": grid["rows"] * grid["cell"],
        "legend": ["0", "1"] if kind == "input" else [short(-scale), short(scale)],
    }


def arithmetic(pick: dict[str, Any]) -> dict[str, Any]:
    """The default pixel's window (a conv layer's) as the arithmetic table shows it."""
    kh, kw = pick["kernel"]
    blocks = []
    for block, channel in enumerate(pick["channels"]):
        first = block * kh * kw
        rows = [[tap_cell(pick, first + r * kw + c) for c in range(kw)] for r in range(kh)]
        name = f"input channel {channel}" if len(pick["channels"]) > 1 else ""
        blocks.append({"name": name, "rows": rows})
    return {
        "blocks": blocks,
        "columns": kw,
        "sum": demo_api.js_number(pick["sum"]),
        "bias": "" if pick["bias"] is None else demo_api.js_number(pick["bias"]),
        "output": demo_api.js_number(pick["output"]),
    }


def data_script(data: dict[str, Any]) -> str:
    """A classic script (file:// pages cannot fetch JSON) setting one global."""
    return f"window.CONVCORE_NETWORK = {script_json(data)};\n"


def context(digits: Digits) -> dict[str, Any]:
    start = defaults()
    pixels = array("d", (v for row in digits[start["digit"]] for v in row))
    saved = dict(network_api._state)
    view = network_api.network_view(
        "shipped", "digit", pixels=pixels, layer=start["layer"], at=start["at"]
    )
    run = network_api.network_reset(
        start["seed"], start["widths"], start["opt"], start["lr"], start["batch"], pixels
    )
    network_api._state.update(saved)
    titles = [layer["title"] for layer in view["model"]]
    figures = [figure("Input", [1, 20, 20], view["input_grid"], view["input"], "input")] + [
        figure(f"{i} · {titles[i]}", layer["shape"], layer["grid"], layer["values"], "layer")
        for i, layer in enumerate(view["layers"])
    ]
    probabilities = [demo_api.js_number(p) for p in view["probabilities"]]
    data = plain({"defaults": start, "limits": limits(2000), "view": view, "run": run})
    return {
        "files": {DATA_SCRIPT: data_script(data)},
        "net": {
            "defaults": start,
            "probabilities": probabilities,
            "percent": [f"{100 * p:.1f}" for p in view["probabilities"]],
            "prediction": view["prediction"],
            "figures": figures,
            "pick": view["pick"],
            "arithmetic": arithmetic(view["pick"]),
            "widths": ",".join(map(str, start["widths"])),
            "heldout_count": 2000,
        },
    }
