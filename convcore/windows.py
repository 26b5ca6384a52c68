"""The flat grid that every sliding-window operation reads and writes through.

Convolution, pooling and their gradients all slide a window of
``kernel`` taps (``dilation`` apart) over a padded input, ``stride`` apart.
A ``Grid`` holds that geometry once, for one input size, and does the three
things they all need, each with C-level list operations instead of a Python
loop per pixel:

* ``pad``: a channel (``H`` rows of ``W``) padded into one flat list whose
  rows are ``width`` long, ``width`` being the padded width (plus any
  ``ceil_mode`` overhang) rounded up to a multiple of the column stride.
  Output ``(i, j)`` of tap ``(a, b)`` then reads cell
  ``(i*s_h + a*d_h) * width + j*s_w + b*d_w``, so one tap's values for the
  whole output are the slice ``tap(padded, a, b)``: ``count`` cells on an
  *output grid* of ``per_row = width // s_w`` cells per output row, of which
  the first ``out_w`` are real and the rest are read and thrown away
  (``rows``). With a row stride above 1, a tap row's input rows are first
  gathered into a *band*.
* ``stuffed`` and ``shift``: the adjoint of ``taps``. A gradient on the
  output grid (zero in the thrown-away cells) is stuffed with ``stride - 1``
  zeros between cells; shifted by a tap's offset it is what that tap passes
  back to the padded plane. Every shift is one slice of one zero-extended
  list, so the padded plane's gradient is ``weighted_sum`` over slices again.
* ``fold``: the adjoint of ``pad``: a padded cell's gradient goes back to the
  input pixel it showed (zeros padding: a crop; reflect, replicate and
  circular: padded cells add onto their source pixels).

Grids are cached per geometry, since a network calls the same shapes again
and again.
"""

from __future__ import annotations

from functools import lru_cache
from operator import add

from convcore._check import Matrix, PaddingMode, Pair
from convcore.geometry import span
from convcore.padding import ZERO, index_map


def gather_rows(plane: list[float], width: int, first: int, stride: int, rows: int) -> list[float]:
    """Rows ``first, first + stride, ...`` (``rows`` of them) of a flat plane, joined."""
    band: list[float] = []
    for row in range(first, first + rows * stride, stride):
        band += plane[row * width : (row + 1) * width]
    return band


class Grid:
    """The geometry of one windowed operation on one input size (see the module doc).

    ``pads`` is ``((top, bottom), (left, right))``; ``mode`` the padding mode
    (pooling pads with a constant, i.e. ``"zeros"`` with its own fill value).
    The rest is derived once: ``rows`` and ``width`` of the padded plane,
    ``per_row`` and ``count`` of the output grid, the index maps, and each
    tap's ``offsets`` in the plane (``reach`` the largest). A plain class,
    not a dataclass: ``import convcore`` stays quick, and a grid is only
    ever equal to itself (``grid()`` hands out one per geometry).
    """

    __slots__ = (
        "col_map", "count", "dilation", "in_size", "kernel", "mode", "offsets", "out_size",
        "pads", "per_row", "reach", "row_map", "rows", "stride", "width",
    )  # fmt: skip

    def __init__(
        self,
        in_size: Pair,
        pads: tuple[Pair, Pair],
        kernel: Pair,
        stride: Pair,
        dilation: Pair,
        out_size: Pair,
        mode: PaddingMode,
    ) -> None:
        self.in_size, self.pads, self.kernel = in_size, pads, kernel
        self.stride, self.dilation, self.out_size, self.mode = stride, dilation, out_size, mode
        (height, width), ((top, bottom), (left, right)) = in_size, pads
        (out_h, out_w), (s_h, s_w), (d_h, d_w) = out_size, stride, dilation
        # ceil_mode's last window may reach past the padded edge
        self.rows = max(top + height + bottom, (out_h - 1) * s_h + span(kernel[0], d_h))
        cells = max(left + width + right, (out_w - 1) * s_w + span(kernel[1], d_w))
        self.width = -(-cells // s_w) * s_w
        self.per_row = self.width // s_w
        self.count = (out_h - 1) * self.per_row + out_w
        row_map = index_map(height, top, bottom, mode)
        col_map = index_map(width, left, right, mode)
        self.row_map = row_map + [ZERO] * (self.rows - len(row_map))
        self.col_map = col_map + [ZERO] * (self.width - len(col_map))
        self.offsets = [
            a * d_h * self.width + b * d_w for a in range(kernel[0]) for b in range(kernel[1])
        ]
        self.reach = self.offsets[-1]

    def __repr__(self) -> str:
        return (
            f"Grid(in_size={self.in_size}, pads={self.pads}, kernel={self.kernel}, "
            f"stride={self.stride}, dilation={self.dilation}, out_size={self.out_size}, "
            f"mode={self.mode!r})"
        )

    # ------------------------------------------------------------- forward

    def pad(self, channel: Matrix, fill: float = 0.0) -> list[float]:
        """One channel (``H`` rows of ``W``) padded into ``rows * width`` cells.

        Cells outside the input are ``fill`` in ``"zeros"`` mode; in the other
        modes they show the input pixel the index maps name.
        """
        if self.mode == "zeros":  # concatenation beats the index map here
            left = [fill] * self.pads[1][0]
            right = [fill] * (self.width - self.pads[1][0] - self.in_size[1])
            rows = [left + row + right for row in channel]
        else:
            rows = [list(map([*row, fill].__getitem__, self.col_map)) for row in channel]
        blank = [fill] * self.width
        padded: list[float] = []
        for source in self.row_map:
            padded += blank if source == ZERO else rows[source]
        return padded

    def band(self, padded: list[float], kernel_row: int) -> tuple[list[float], int]:
        """``(band, offset)``: output row ``i`` of kernel row ``kernel_row``
        starts at ``offset + i * width`` in ``band``."""
        first = kernel_row * self.dilation[0]
        if self.stride[0] == 1:
            return padded, first * self.width
        band = gather_rows(padded, self.width, first, self.stride[0], self.out_size[0])
        return band, 0

    def taps(self, padded: list[float]) -> list[list[float]]:
        """Every tap's values on the output grid, in row-major kernel order."""
        s_w, d_w, count = self.stride[1], self.dilation[1], self.count
        out: list[list[float]] = []
        for kernel_row in range(self.kernel[0]):
            band, offset = self.band(padded, kernel_row)
            for kernel_col in range(self.kernel[1]):
                start = offset + kernel_col * d_w
                out.append(band[start : start + (count - 1) * s_w + 1 : s_w])
        return out

    def rows_of(self, grid: list[float]) -> Matrix:
        """The real cells of an output grid: ``out_h`` rows of ``out_w``."""
        out_h, out_w = self.out_size
        per_row = self.per_row
        return [grid[start : start + out_w] for start in range(0, out_h * per_row, per_row)]

    def grid_of(self, rows: Matrix) -> list[float]:
        """The inverse of ``rows_of``: zeros in the thrown-away cells."""
        gap = [0.0] * (self.per_row - self.out_size[1])
        out: list[float] = []
        for row in rows:
            out += row
            out += gap
        del out[self.count :]
        return out

    # ------------------------------------------------------------ backward

    def stuffed(self, grid: list[float]) -> list[float]:
        """An output grid placed at its windows' top-left cells of the padded
        plane (``stride - 1`` zeros between cells), zero-extended in front by
        ``reach`` so that ``shift`` can move it by any tap offset with one slice."""
        (s_h, s_w), reach = self.stride, self.reach
        out = [0.0] * (reach + self.rows * self.width)
        if s_h == 1:
            out[reach : reach + (len(grid) - 1) * s_w + 1 : s_w] = grid
            return out
        per_row, step = self.per_row, s_h * self.width
        for i, start in enumerate(range(0, len(grid), per_row)):
            row = grid[start : start + per_row]
            first = reach + i * step
            out[first : first + (len(row) - 1) * s_w + 1 : s_w] = row
        return out

    def shift(self, stuffed: list[float], tap: int) -> list[float]:
        """A stuffed grid moved by tap ``tap``'s offset: what that tap's
        gradient adds to each cell of the padded plane (``rows * width``)."""
        start = self.reach - self.offsets[tap]
        return stuffed[start : start + self.rows * self.width]

    def add_at(self, plane: list[float], tap: int, grid: list[float]) -> None:
        """Add an output grid into a padded plane at tap ``tap``'s cells (in
        place): the adjoint of one ``taps`` slice, for a single tap."""
        (s_h, s_w), start = self.stride, self.offsets[tap]
        per_row, step = (len(grid), 0) if s_h == 1 else (self.per_row, s_h * self.width)
        for i, first in enumerate(range(0, len(grid), per_row)):
            row = grid[first : first + per_row]
            where = slice(start + i * step, start + i * step + (len(row) - 1) * s_w + 1, s_w)
            plane[where] = list(map(add, plane[where], row))

    def shifts(self, stuffed: list[float]) -> list[list[float]]:
        """``shift`` by every tap, in row-major kernel order."""
        return [self.shift(stuffed, tap) for tap in range(len(self.offsets))]

    def fold(self, padded: list[float]) -> Matrix:
        """The gradient of the input (``H`` rows of ``W``) from that of the padded plane."""
        (height, width), top, left = self.in_size, self.pads[0][0], self.pads[1][0]
        row_width = self.width
        if self.mode == "zeros":
            starts = range(top * row_width + left, (top + height) * row_width, row_width)
            return [padded[start : start + width] for start in starts]
        grads = [[0.0] * width for _ in range(height)]
        for r, source_row in enumerate(self.row_map):
            if source_row == ZERO:
                continue
            row = padded[r * row_width : (r + 1) * row_width]
            folded = row[left : left + width]
            for c, source in enumerate(self.col_map):
                if source != ZERO and not left <= c < left + width:
                    folded[source] += row[c]
            grads[source_row] = list(map(add, grads[source_row], folded))
        return grads


@lru_cache(maxsize=256)
def grid(
    in_size: Pair,
    pads: tuple[Pair, Pair],
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out_size: Pair,
    mode: PaddingMode = "zeros",
) -> Grid:
    """The (cached) ``Grid`` of one geometry."""
    return Grid(in_size, pads, kernel, stride, dilation, out_size, mode)
