"""The demo's two pictures (padded input, whole output) as PNG data URLs, so
the first paint shows the digit and its output before any script has run.

One pixel per cell; the page scales them up (``image-rendering: pixelated``)
to the size its script will draw the canvases at, then swaps in the canvases.
The colours are site_src/js/demo-render.js's ``gray`` and ``diverging``,
rounded the way JavaScript's ``Math.round`` rounds.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Sequence
from typing import Any

RGB = tuple[int, int, int]

NEG: RGB = (33, 102, 172)
MID: RGB = (247, 247, 247)
POS: RGB = (178, 24, 43)
PADDING: RGB = (150, 150, 150)


def js_round(x: float) -> int:
    """``Math.round``: halves go up (Python's ``round`` goes to even)."""
    return math.floor(x + 0.5)


def gray(v: float) -> int:
    return js_round(max(0.0, min(1.0, v)) * 255)


def diverging(value: float, scale: float) -> RGB:
    t = max(-1.0, min(1.0, value / scale)) if scale > 0 else 0.0
    end = NEG if t < 0 else POS
    a = abs(t)
    r, g, b = (js_round(MID[i] + (end[i] - MID[i]) * a) for i in range(3))
    return (r, g, b)


def png(width: int, height: int, pixels: Sequence[tuple[int, ...]]) -> bytes:
    """An 8-bit PNG of ``pixels`` (row after row): RGB, or RGBA when they
    have four values (transparent gaps between a layer's maps)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(v for px in pixels[r * width : (r + 1) * width] for v in px)
        for r in range(height)
    )
    colour_type = 6 if pixels and len(pixels[0]) == 4 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def input_picture(result: dict[str, Any]) -> str:
    """The padded input as demo-render.js's ``inputBase`` colours it
    (all channels: grey for one, RGB for three)."""
    height, width = result["in_size"]
    channels = result["channels"]
    values = result["input"]
    plane = height * width
    pixels: list[RGB] = []
    for i in result["row_map"]:
        for j in result["col_map"]:
            if i < 0 or j < 0:
                pixels.append(PADDING)
            elif channels == 3:
                r, g, b = (gray(values[ch * plane + i * width + j]) for ch in range(3))
                pixels.append((r, g, b))
            else:
                g = gray(values[i * width + j])
                pixels.append((g, g, g))
    return data_url(png(len(result["col_map"]), len(result["row_map"]), pixels))


def scale_of(result: dict[str, Any], filter: int = 0) -> float:
    """The colour scale's end (demo-render.js's ``scaleOf``): the largest |value|."""
    low, high = result["ranges"][filter]
    return float(max(abs(low), abs(high)))


def output_picture(result: dict[str, Any], filter: int = 0) -> str:
    """One filter's whole output as demo-render.js's ``drawOutput`` colours it."""
    out_h, out_w = result["out_size"]
    scale = scale_of(result, filter)
    offset = filter * out_h * out_w
    values = result["output"][offset : offset + out_h * out_w]
    return data_url(png(out_w, out_h, [diverging(v, scale) for v in values]))
