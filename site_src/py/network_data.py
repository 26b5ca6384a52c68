"""The network page's digits: all 10,000, as build.py ships them in
``data/mnist.js`` (see ``build.mnist_payload``), read back into exactly the
floats ``convcore.digits.mnist_split`` gives on the desktop.

The blob is gzipped: a JSON line (the side, the table of distinct pixel
values, how many digits of each class each set has), then one byte a pixel
indexing that table, training digits first, each set in class order. The
bytes stay as they are; a digit becomes floats only when it is used (a few
microseconds, against milliseconds to train on it), so the page's Python
holds 4 MB, not the ~45 MB of 10,000 digits as nested lists.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Final

CLASSES: Final = 10

Image = list[list[list[float]]]  # [1][H][W], what a network takes


def _labels(counts: object, what: str) -> list[int]:
    if (
        not isinstance(counts, list)
        or len(counts) != CLASSES
        or not all(isinstance(n, int) and n >= 0 for n in counts)
    ):
        raise ValueError(f"the digits' {what} counts must be {CLASSES} whole numbers")
    return [label for label, n in enumerate(counts) for _ in range(n)]


@dataclass(frozen=True)
class Digits:
    """The training and held-out digits: ``side * side`` bytes each, indexes into ``table``."""

    side: int
    table: tuple[float, ...]
    pixels: bytes
    train_labels: tuple[int, ...]
    heldout_labels: tuple[int, ...]

    def __repr__(self) -> str:
        return (
            f"Digits({len(self.train_labels)} training, {len(self.heldout_labels)} held out, "
            f"{self.side}x{self.side})"
        )

    def _rows(self, number: int) -> list[list[float]]:
        size = self.side * self.side
        table = self.table
        values = [table[b] for b in self.pixels[number * size : (number + 1) * size]]
        return [values[r * self.side : (r + 1) * self.side] for r in range(self.side)]

    def train(self, index: int) -> Image:
        """Training digit ``index`` as ``[1][side][side]``."""
        return [self._rows(index)]

    def heldout(self, index: int) -> Image:
        """Held-out digit ``index`` (0 is the first held-out 0, in class-file order)."""
        return [self._rows(len(self.train_labels) + index)]


def decode(blob: bytes) -> Digits:
    """The digits of ``data/mnist.js``'s blob (gzipped); ``ValueError`` if it is not one."""
    try:
        raw = zlib.decompress(blob, wbits=31)
    except zlib.error as error:
        raise ValueError(f"the digits are damaged: {error}") from None
    line, newline, pixels = raw.partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not newline or not isinstance(header, dict):
        raise ValueError("the digits do not start with their description")
    side, table = header.get("side"), header.get("table")
    if not isinstance(side, int) or side < 1:
        raise ValueError("the digits' side must be a positive whole number")
    if not isinstance(table, list) or not 1 <= len(table) <= 256:
        raise ValueError("the digits' table must hold 1 to 256 values")
    values = tuple(float(v) for v in table)
    train = _labels(header.get("train"), "training")
    held = _labels(header.get("heldout"), "held-out")
    if len(pixels) != (len(train) + len(held)) * side * side:
        raise ValueError(
            f"the digits hold {len(pixels)} pixels, not {len(train) + len(held)} digits of "
            f"{side}x{side}"
        )
    if max(pixels, default=0) >= len(values):
        raise ValueError("a pixel of the digits indexes past the end of their table")
    return Digits(side, values, pixels, tuple(train), tuple(held))
