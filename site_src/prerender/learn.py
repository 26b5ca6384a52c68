"""learn.html at build time: every widget's first view, the numbers quoted in
the text, and each code cell's output, all computed with convcore."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import convcore
from prerender._shared import DEFAULT_DIGIT, Digits, run_cell, widgets

LEARN_WIDGETS = (
    "window",
    "kernel",
    "stride",
    "padding",
    "dilation",
    "receptive",
    "fit",
    "pool",
    "kernels",
)

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
    {
        "id": "pool",
        "label": "Max and average pooling, ceil_mode, and relu",
        "code": """\
import convcore

x = [[[1, 2, 0, 5, 1],
      [3, 4, 1, 0, 2],
      [0, 1, 7, 1, 0],
      [2, 0, 1, 3, 4],
      [6, 1, 0, 2, 1]]]               # one channel, 5x5

print(convcore.max_pool2d(x, 2))   # stride 2 as well: 2x2, row and column 4 dropped
print(convcore.max_pool2d(x, 2, ceil_mode=True))   # 3x3: windows over the edge
print(convcore.avg_pool2d(x, 2, ceil_mode=True))   # the corner: 1 / 1

y = [[[-2.0, 1.0], [0.5, -3.0]]]
print(convcore.relu(y))
print(convcore.max_pool2d(convcore.relu(y), 2) == convcore.relu(convcore.max_pool2d(y, 2)))
""",
    },
    {
        "id": "layers",
        "label": "The shipped model's layers, built with fresh weights",
        "code": """\
import random
import convcore as cc

rng = random.Random(0)                 # the starting weights' seed
model = cc.Sequential(
    cc.Conv2d(1, 8, kernel_size=5, stride=2, padding=2, rng=rng),
    cc.ReLU(),
    cc.MaxPool2d(2),
    cc.Conv2d(8, 16, kernel_size=3, padding=1, rng=rng),
    cc.ReLU(),
    cc.Flatten(),
    cc.Linear(400, 10, rng=rng),
)

def shape(value):
    return [len(value)] + shape(value[0]) if isinstance(value, list) else []

for index, out in enumerate(model.activations([digit])):
    print(index, type(model[index]).__name__.ljust(9), "->", shape(out))
print("weights and biases:", sum(len(p.data) for p in model.parameters()))
""",
    },
    {
        "id": "predict",
        "label": "The shipped model on the digit chosen in section 7",
        "code": """\
import convcore

model = convcore.digits_model()       # the shipped weights
logits = model.forward([digit])       # digit: the one picked in "Check it in Python"
for k, p in enumerate(convcore.softmax(logits)):
    print(k, f"{p:.4f}", "#" * round(20 * p))
""",
    },
    {
        "id": "backward",
        "label": "conv2d_backward next to conv_transpose2d and a correlation",
        "code": """\
import convcore

x = [digit]                               # 1 channel, 20x20
w = [[[[-1.0, -1.0, 1.0, 1.0]] * 4]]      # 1 filter, 4x4: a vertical-edge kernel
y = convcore.conv2d(x, w, stride=2, padding=1)            # 1 x 10 x 10
g = y                   # loss = sum(y**2) / 2, so dloss/dy is y itself

grad_x, grad_w, grad_b = convcore.conv2d_backward(g, x, w, stride=2, padding=1)

def flat(v):
    return [u for part in v for u in flat(part)] if isinstance(v, list) else [v]

def largest_gap(a, b):
    return max(abs(p - q) for p, q in zip(flat(a), flat(b), strict=True))

# The input gradient: g spread back over each window, i.e. conv_transpose2d.
back = convcore.conv_transpose2d(g, w, stride=2, padding=1)
print("grad_x vs conv_transpose2d(g, w):", f"{largest_gap(grad_x, back):.1e}")

# The weight gradient: the input correlated with g (stride and dilation swap).
corr = convcore.conv2d(x, [g], padding=1, dilation=2)
print("grad_w vs conv2d(x, g, dilation=2):", f"{largest_gap(grad_w, [corr]):.1e}")
for row in grad_w[0][0]:
    print([round(v, 3) for v in row])
""",
    },
    {
        "id": "train",
        "label": "Training a tiny network for 20 steps",
        "code": """\
import random
import convcore as cc

rng = random.Random(0)

def stroke(vertical):            # an 8x8 picture with one 5-pixel stroke
    picture = [[0.0] * 8 for _ in range(8)]
    line, start = 1 + int(6 * rng.random()), int(4 * rng.random())
    for i in range(start, start + 5):
        if vertical:
            picture[i][line] = 1.0
        else:
            picture[line][i] = 1.0
    return [picture]

# 32 pictures: label 0 is a vertical stroke, label 1 a horizontal one
data = [(stroke(label == 0), label) for label in [0, 1] * 16]
model = cc.Sequential(
    cc.Conv2d(1, 2, kernel_size=3, rng=rng), cc.ReLU(), cc.MaxPool2d(2),
    cc.Flatten(), cc.Linear(18, 2, rng=rng),
)
optimizer = cc.SGD(model.parameters(), lr=0.5, momentum=0.9)
for epoch in range(5):
    losses = []
    for batch in cc.batches(data, 8, rng):          # 4 shuffled batches of 8
        images, labels = [x for x, _ in batch], [y for _, y in batch]
        losses.append(cc.train_step(model, optimizer, images, labels))
    print(f"epoch {epoch}: loss", " ".join(f"{loss:.4f}" for loss in losses))
print("accuracy:", cc.evaluate(model, [x for x, _ in data], [y for _, y in data]).accuracy)
for kernel in model[0].weight.tolist():              # the 2 learned 3x3 kernels
    print([[round(v, 1) for v in row] for row in kernel[0]])
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


# Which way a kernel's weights rise most, as (rows, columns) cell tests for
# its positive side, and what such a kernel finds on a bright-ink digit.
SIDES: list[tuple[str, str, Callable[[int, int, int], bool]]] = [
    ("right", "the left edge of a vertical stroke", lambda r, c, k: 2 * c > k - 1),
    ("left", "the right edge of a vertical stroke", lambda r, c, k: 2 * c < k - 1),
    ("bottom", "the top edge of a horizontal stroke", lambda r, c, k: 2 * r > k - 1),
    ("top", "the bottom edge of a horizontal stroke", lambda r, c, k: 2 * r < k - 1),
    (
        "bottom right",
        "the upper-left edge of a stroke rising like /",
        lambda r, c, k: r + c > k - 1,
    ),
    ("top left", "the lower-right edge of a stroke rising like /", lambda r, c, k: r + c < k - 1),
    ("top right", "the lower-left edge of a stroke falling like \\", lambda r, c, k: c > r),
    ("bottom left", "the upper-right edge of a stroke falling like \\", lambda r, c, k: c < r),
]


def kernel_shape(kernel: list[list[float]]) -> str:
    """In words, the half of a square kernel whose mean weight most exceeds
    the opposite half's, and what that contrast responds to; or, when the
    kernel is mostly of one sign, that."""
    k = len(kernel)
    cells = [(r, c, kernel[r][c]) for r in range(k) for c in range(k)]

    def mean(test: Callable[[int, int, int], bool]) -> float:
        chosen = [v for r, c, v in cells if test(r, c, k)]
        return sum(chosen) / len(chosen)

    contrasts = []
    for index in range(0, len(SIDES), 2):
        forward, backward = SIDES[index], SIDES[index + 1]
        gap = mean(forward[2]) - mean(backward[2])
        contrasts.append((abs(gap), forward if gap > 0 else backward))
    strength, (side, finds, _) = max(contrasts, key=lambda item: item[0])
    overall = sum(v for _, _, v in cells) / len(cells)
    if abs(overall) > strength:
        sign = "positive" if overall > 0 else "negative"
        what = "the ink under it" if overall > 0 else "where there is no ink"
        return f"mostly {sign}, so it responds to {what}"
    opposite = {"right": "left", "left": "right", "bottom": "top", "top": "bottom"}
    other = opposite.get(side) or " ".join(opposite[word] for word in side.split())
    return f"positive towards its {side} and negative towards its {other}, so it finds {finds}"


def _axis(value: Any) -> int:
    """One axis of a layer argument (an int or a pair; the model is square)."""
    return value if isinstance(value, int) else int(value[0])


def _shape(value: Any) -> list[int]:
    return [len(value), *_shape(value[0])] if isinstance(value, list) else []


def network(digits: Digits) -> dict[str, Any]:
    """What the network section quotes about the shipped model."""
    model = convcore.digits_model()
    outputs = model.activations([digits[DEFAULT_DIGIT]])
    shapes = ["\u00d7".join(map(str, _shape(v))) for v in [[digits[DEFAULT_DIGIT]], *outputs]]
    changes = [shape for i, shape in enumerate(shapes) if i == 0 or shape != shapes[i - 1]]
    spatial = [
        (index, layer.to_dict())
        for index, layer in enumerate(model)
        if "kernel_size" in layer.to_dict()
    ]
    stack = [
        (
            _axis(d["kernel_size"]),
            _axis(d["stride"]),
            _axis(d["padding"]),
            _axis(d.get("dilation", 1)),
        )
        for _, d in spatial
    ]
    field = convcore.receptive_field(stack, at=(0, 0))
    first_pool = next(i for i, (_, d) in enumerate(spatial) if d["type"].endswith("Pool2d"))
    first = model[0]
    assert isinstance(first, convcore.Conv2d)
    return {
        "model": repr(model),
        "shapes": changes,
        "features": _shape(outputs[-2])[0],
        "fields": [
            {"index": index, "name": d["type"], "size": info.size[0]}
            for (index, d), info in zip(spatial, field.layers, strict=True)
        ],
        "jump": field.layers[first_pool].jump[0],
        "receptive_link": "receptive.html#layers="
        + ",".join(":".join(map(str, layer)) for layer in stack),
        "first_channels": first.out_channels,
        "kernel_words": [kernel_shape(w[0]) for w in first.weight.tolist()],
    }


def context(digits: Digits) -> dict[str, Any]:
    return {
        "widgets": widgets(digits, LEARN_WIDGETS),
        "cells": cells(digits),
        "net": network(digits),
        "n": numbers(),
        "digit_default": DEFAULT_DIGIT,
        "cell_vars": CELL_VARS,
    }
