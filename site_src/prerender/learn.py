"""learn.html at build time: every widget's first view, the numbers quoted in
the text, and each code cell's output, all computed with convcore."""

from __future__ import annotations

from typing import Any

import convcore
from prerender._shared import DEFAULT_DIGIT, Digits, run_cell, widgets

LEARN_WIDGETS = ("window", "kernel", "stride", "padding", "dilation", "receptive", "fit")

# The blog post's helper, quoted as printed (the only code taken from it).
POST_FUNCTION = """\
def valid_convolution(input_size, kernel_size, padding, stride):
  if (input_size + 2*padding - kernel_size) % stride == 0:
    return True
    return False
"""

CELLS: list[dict[str, str]] = [
    {
        "id": "cross",
        "label": "Cross-correlation: the kernel is used as written",
        "code": """\
import convcore

image = [[0, 0, 1, 1]] * 3     # dark on the left, bright on the right
kernel = [[-1, 0, 1]] * 3      # -1 on the left, +1 on the right
print("as written:  ", convcore.conv2d([image], [[kernel]])[0])

flipped = [row[::-1] for row in kernel[::-1]]   # what textbook convolution uses
print("kernel flipped:", convcore.conv2d([image], [[flipped]])[0])
""",
    },
    {
        "id": "digit",
        "label": "convcore on the digit chosen above",
        "code": """\
import convcore

# digit is the 20x20 digit picked above (a list of lists of floats);
# kernel, stride, padding and dilation are the settings above.
weights = [[1.0] * kernel for _ in range(kernel)]
out = convcore.conv2d([digit], [[weights]], stride=stride,
                      padding=padding, dilation=dilation)[0]
print(f"{len(digit)}x{len(digit[0])} in, {len(out)}x{len(out[0])} out")
max(max(row) for row in out)
""",
    },
    {
        "id": "formula",
        "label": "The output-size formula, next to convcore.output_size",
        "code": """\
import math
import convcore

def out_size(n, k, s=1, p=0, d=1):
    return math.floor((n + 2*p - d*(k - 1) - 1) / s) + 1

for n, k, s, p in [(20, 3, 1, 0), (20, 3, 2, 1), (20, 4, 3, 0), (28, 5, 2, 2)]:
    print(f"n={n} k={k} s={s} p={p}:", out_size(n, k, s, p),
          convcore.output_size(n, k, stride=s, padding=p))
""",
    },
    {
        "id": "post",
        "label": "The post's fit check, as printed",
        "code": "# From the blog post this project grew from, as printed:\n"
        + POST_FUNCTION
        + """
print(valid_convolution(20, 3, 0, 1))   # fits exactly
print(valid_convolution(20, 4, 0, 3))   # does not fit: prints None, not False
""",
    },
    {
        "id": "fixed",
        "label": "The check, corrected, and convcore.valid_convolution",
        "code": """\
import convcore

def valid_convolution(input_size, kernel_size, padding, stride):
    return (input_size + 2*padding - kernel_size) % stride == 0

print(valid_convolution(20, 4, 0, 3))             # False, as meant
print(valid_convolution(20, 25, 0, 5))            # True, yet no window fits
print(convcore.valid_convolution(20, 4, 0, 3))    # False
print(convcore.valid_convolution(20, 25, 0, 5))   # False: always a bool
convcore.fit(20, 4, stride=3).reason
""",
    },
    {
        "id": "current",
        "label": "Do the settings above fit the digit?",
        "code": """\
import convcore

f = convcore.fit(len(digit), kernel, stride, padding, dilation)
print("output size:", f.out, "| fits exactly:", f.fits)
print("input rows/columns PyTorch drops at the far edge:", f.dropped)
print("never read inside:", f.skipped)
for fix in f.fixes:
    print("  would fit:", fix)
""",
    },
    {
        "id": "stdlib",
        "label": "The whole standard library is here",
        "code": """\
import statistics
from fractions import Fraction

ink = [v for row in digit for v in row if v > 0]
print(len(ink), "inked pixels, median ink", statistics.median(ink))
Fraction(20 + 2*padding - kernel, stride)   # (n + 2p - k) / s, exactly
""",
    },
]

CELL_VARS = {"kernel": 3, "stride": 1, "padding": 0, "dilation": 1}


def cells(digits: Digits) -> list[dict[str, Any]]:
    variables: dict[str, Any] = dict(CELL_VARS)
    variables["digit"] = digits[DEFAULT_DIGIT]
    variables["digit_index"] = DEFAULT_DIGIT
    out = []
    for spec in CELLS:
        reply = run_cell(spec["code"], variables)
        text = reply["stdout"] + (reply["error"] or reply["result"] or "")
        out.append(
            {
                **spec,
                "rows": spec["code"].count("\n") + 1,
                "output": text.rstrip("\n") or "(no output)",
                "kind": "ok" if reply["ok"] else "error",
            }
        )
    return out


def numbers() -> dict[str, Any]:
    """Numbers the article quotes, each from convcore."""
    size = convcore.output_size
    floor_fit = convcore.fit(20, 4, stride=3)
    assert isinstance(floor_fit, convcore.AxisFit)
    stride_fit = convcore.fit(20, 3, stride=4)
    assert isinstance(stride_fit, convcore.AxisFit)
    two = convcore.receptive_field([(3,), (3,)], at=0)
    one = convcore.receptive_field([(5,)], at=0)
    return {
        "k3": size(20, 3),
        "k5": size(20, 5),
        "k7": size(20, 7),
        "cost3": size(20, 3) ** 2 * 9,
        "cost7": size(20, 7) ** 2 * 49,
        "s2": size(20, 3, stride=2),
        "s2p1": size(20, 3, stride=2, padding=1),
        "same3": size(20, 3, padding=1),
        "same5": size(20, 5, padding=2),
        "d2": size(20, 3, dilation=2),
        "floor": floor_fit,
        "stride": stride_fit,
        "two_rf": two.size[0],
        "one_rf": one.size[0],
    }


def context(digits: Digits) -> dict[str, Any]:
    return {
        "widgets": widgets(digits, LEARN_WIDGETS),
        "cells": cells(digits),
        "n": numbers(),
        "digit_default": DEFAULT_DIGIT,
        "cell_vars": CELL_VARS,
    }
