"""The demo's conversion of an uploaded image's RGBA bytes into the input it
convolves (demo_api.build_input): opaque images take a table look-up, the
rest the general arithmetic; both must give, bit for bit, what a plain loop
over the pixels with the documented formula gives."""

from __future__ import annotations

import sys
from array import array
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

SITE_SRC = Path(__file__).resolve().parents[2] / "site_src"
for folder in (SITE_SRC, SITE_SRC / "py"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import demo_api  # noqa: E402  (site_src/py is on sys.path only from here)
from prerender import index  # noqa: E402

LUMA = (0.299, 0.587, 0.114)


def reference(
    rgba: list[int], height: int, width: int, channels: int, background: str
) -> tuple[list[list[list[float]]], bool]:
    """One pixel at a time: each byte over the background, / 255, then luma."""
    back = 255.0 if background == "white" else 0.0
    planes: list[list[float]] = [[] for _ in range(channels)]
    transparent = False
    for i in range(height * width):
        r, g, b, a = rgba[4 * i : 4 * i + 4]
        transparent = transparent or a < 255
        unit = [(v * a + back * (255 - a)) / 255 / 255 for v in (r, g, b)]
        if channels == 1:
            planes[0].append(LUMA[0] * unit[0] + LUMA[1] * unit[1] + LUMA[2] * unit[2])
        else:
            for ch in range(3):
                planes[ch].append(unit[ch])
    rows = [[plane[r * width : (r + 1) * width] for r in range(height)] for plane in planes]
    return rows, transparent


@st.composite
def images(draw: st.DrawFn) -> tuple[list[int], int, int]:
    height = draw(st.integers(1, 6))
    width = draw(st.integers(1, 6))
    opaque = draw(st.booleans())
    pixels = []
    for _ in range(height * width):
        rgb = draw(st.lists(st.integers(0, 255), min_size=3, max_size=3))
        alpha = 255 if opaque else draw(st.sampled_from([0, 1, 128, 254, 255]))
        pixels.extend([*rgb, alpha])
    return pixels, height, width


@settings(max_examples=300, deadline=None)
@given(images(), st.sampled_from([1, 3]), st.sampled_from(["black", "white"]))
def test_rgba_conversion_matches_the_formula_bit_for_bit(
    image: tuple[list[int], int, int], channels: int, background: str
) -> None:
    pixels, height, width = image
    want = reference(pixels, height, width, channels, background)
    # as the page sends it (a Uint8Array: a memoryview of bytes), as doubles
    # (a Float64Array) and as a list
    as_bytes = memoryview(bytes(pixels))
    as_doubles = memoryview(array("d", pixels))
    for source in (as_bytes, as_doubles, pixels):
        got = demo_api.build_input(source, "rgba", height, width, channels, background)
        assert got == want


def test_values_that_are_not_bytes_take_the_general_arithmetic() -> None:
    pixels = [12.5, 300.0, -1.0, 255.0] * 4
    got, transparent = demo_api.build_input(pixels, "rgba", 2, 2, 1, "black")
    unit = [(v * 255 + 0.0 * 0) / 255 / 255 for v in (12.5, 300.0, -1.0)]
    want = LUMA[0] * unit[0] + LUMA[1] * unit[1] + LUMA[2] * unit[2]
    assert not transparent
    assert got == [[[want, want], [want, want]]]


def test_demo_run_takes_an_images_bytes_as_the_page_sends_them() -> None:
    """demo-compute.js sends an upload's RGBA as a Uint8Array (a memoryview of bytes in
    the worker), other sources as doubles: the same pixels give the same result."""
    pixels = [(i * 37) % 256 if i % 4 != 3 else 255 for i in range(5 * 7 * 4)]
    settings = {**index.DEFAULT_SETTINGS, "kind": "rgba", "height": 5, "width": 7}
    results = [
        demo_api.demo_run(source, **settings)
        for source in (memoryview(bytes(pixels)), memoryview(array("d", pixels)), pixels)
    ]
    assert results[0]["input"] == results[1]["input"] == results[2]["input"]
    assert results[0]["output"] == results[1]["output"] == results[2]["output"]
    assert len(results[0]["input"]) == 5 * 7
