"""``conv2d``: PyTorch's ``Conv2d`` (cross-correlation) in pure Python.

How the hot path stays fast without NumPy:

* Each input channel is padded once into one flat list (a *plane*, see
  ``convcore.windows``), read through the padding index maps, with its row
  width rounded up to a multiple of the column stride. Then every output
  position of one kernel tap is an arithmetic progression in that list, i.e.
  one C-level slice
  ``plane[start:stop:stride]`` for the whole image, not a Python loop per pixel.
  (With a row stride above 1, the rows a tap reads are first gathered into a
  *band*, cached per input channel and kernel row.) The few extra columns
  computed past the right edge are discarded at the end.
* The slices of up to ``flat.CHUNK`` taps are combined by one list comprehension
  ``[a + w0*v0 + w1*v1 + ... for a, v0, v1, ... in zip(acc, s0, s1, ...)]``,
  generated once per tap count: measured ~1.8x faster than one pass per tap.
* Zero weights are skipped: adding ``0.0 * x`` never changes a finite sum.

The products are added in a fixed order (input channel, kernel row, kernel
column), starting from the first product, and the bias is added last, so
``trace`` can reproduce every output value exactly.
"""

from __future__ import annotations

from convcore._check import Matrix
from convcore.flat import CHUNK, weighted_sum
from convcore.plan import ConvPlan, plan_conv
from convcore.separable import Factors
from convcore.windows import Grid, gather_rows, grid


class _Bands:
    """Per (plane, kernel row): the flat rows that kernel row reads.

    With row stride 1 that is the plane itself from an offset; with a larger
    row stride the needed rows are copied together once and reused by every
    output channel.
    """

    def __init__(self, plan: ConvPlan, row_width: int) -> None:
        self._width = row_width
        self._stride = plan.stride[0]
        self._dilation = plan.dilation[0]
        self._rows = plan.out_size[0]
        self._cache: dict[tuple[object, int], list[float]] = {}

    def get(self, key: object, plane: list[float], kernel_row: int) -> tuple[list[float], int]:
        """``(band, offset)``: output row ``r`` starts at ``offset + r * width``.

        ``key`` names ``plane`` for the cache (an input channel, or a
        horizontal pass of a separable kernel).
        """
        first = kernel_row * self._dilation
        if self._stride == 1:
            return plane, first * self._width
        if (key, kernel_row) not in self._cache:
            band = gather_rows(plane, self._width, first, self._stride, self._rows)
            self._cache[key, kernel_row] = band
        return self._cache[key, kernel_row], 0


class _Sum:
    """One output channel's running sum, fed slices in tap order."""

    def __init__(self) -> None:
        self.acc: list[float] | None = None
        self._slices: list[list[float]] = []
        self._weights: list[float] = []

    def add(self, values: list[float], weight: float) -> None:
        self._slices.append(values)
        self._weights.append(weight)
        if len(self._slices) == CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._slices:
            self.acc = weighted_sum(self._slices, self._weights, self.acc)
            self._slices, self._weights = [], []


class _Runner:
    """The geometry of one planned call and the cached intermediate lists.

    Every output channel is computed on a flat grid of ``count`` cells: output
    row ``r`` starts at ``r * per_row`` and its first ``out_w`` cells are kept.
    """

    def __init__(self, plan: ConvPlan) -> None:
        self.plan = plan
        self.grid = plan_grid(plan)
        self.row_width, self.per_row, self.count = (
            self.grid.width,
            self.grid.per_row,
            self.grid.count,
        )
        self.planes = [self.grid.pad(channel) for channel in plan.x]
        self.bands = _Bands(plan, self.row_width)
        # Horizontal passes are on a grid per_row wide: their own row bands.
        self.pass_bands = _Bands(plan, self.per_row)
        self.passes: dict[tuple[int, tuple[float, ...]], list[float]] = {}

    def direct(self, total: _Sum, in_channel: int, kernel: Matrix) -> None:
        """Every non-zero tap as one strided slice of the padded plane."""
        s_w, d_w, count = self.plan.stride[1], self.plan.dilation[1], self.count
        plane = self.planes[in_channel]
        for kernel_row, taps in enumerate(kernel):
            band, offset = self.bands.get(in_channel, plane, kernel_row)
            for kernel_col, w in enumerate(taps):
                if w != 0.0:  # adding 0.0 * x never changes a finite sum
                    start = offset + kernel_col * d_w
                    total.add(band[start : start + (count - 1) * s_w + 1 : s_w], w)

    def separable(self, total: _Sum, in_channel: int, factors: Factors) -> None:
        """``kernel = outer(u, v)``: a horizontal pass with ``v`` on every padded
        row, then a vertical pass with ``u``: ``kh + kw`` passes, not ``kh * kw``."""
        u, v = factors
        key = (in_channel, tuple(v))
        if key not in self.passes:  # shared by filters with the same v (box kernels)
            self.passes[key] = self._horizontal(in_channel, v)
        rows = self.passes[key]
        for kernel_row, weight in enumerate(u):
            if weight != 0.0:
                band, offset = self.pass_bands.get(key, rows, kernel_row)
                total.add(band[offset : offset + self.count], weight)

    def _horizontal(self, in_channel: int, v: list[float]) -> list[float]:
        s_w, d_w = self.plan.stride[1], self.plan.dilation[1]
        plane = self.planes[in_channel]
        padded_h = len(plane) // self.row_width
        cells = (padded_h - 1) * self.per_row + self.plan.out_size[1]
        end = (cells - 1) * s_w + 1
        slices = [plane[b * d_w : b * d_w + end : s_w] for b, w in enumerate(v) if w != 0.0]
        return weighted_sum(slices, [w for w in v if w != 0.0], None)

    def channel(self, out_channel: int) -> list[list[float]]:
        plan = self.plan
        total = _Sum()
        inputs = zip(
            plan.group_inputs(out_channel),
            plan.weight[out_channel],
            plan.factors[out_channel],
            strict=True,
        )
        for in_channel, kernel, factors in inputs:
            if factors is None:
                self.direct(total, in_channel, kernel)
            else:
                total.flush()  # keep the order: this channel's sum comes after
                self.separable(total, in_channel, factors)
        total.flush()
        acc = [0.0] * self.count if total.acc is None else total.acc
        if plan.bias is not None:
            acc = list(map(plan.bias[out_channel].__add__, acc))
        return self.grid.rows_of(acc)


def plan_grid(plan: ConvPlan) -> Grid:
    """The padded grid of a checked ``conv2d`` call (see ``convcore.windows``)."""
    return grid(
        plan.in_size, plan.pads, plan.kernel, plan.stride, plan.dilation, plan.out_size, plan.mode
    )


def run(plan: ConvPlan) -> list[list[list[float]]]:
    """The convolution of a checked plan."""
    runner = _Runner(plan)
    return [runner.channel(out_channel) for out_channel in range(plan.out_channels)]


def conv2d(
    x: object,
    weight: object,
    bias: object = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    groups: object = 1,
    padding_mode: object = "zeros",
) -> list[list[list[float]]]:
    """2-D convolution with the semantics of ``torch.nn.Conv2d``.

    ``x`` is ``[C_in][H][W]``, ``weight`` ``[C_out][C_in/groups][kH][kW]``
    (nested lists or tuples of finite numbers), ``bias`` ``None`` or
    ``[C_out]``. ``stride`` and ``dilation`` are an int or an ``(h, w)``
    pair; ``padding`` an int, a pair, ``"valid"`` or ``"same"`` (stride 1
    only; with an even span the extra cell goes to the bottom/right, as in
    PyTorch); ``padding_mode`` is ``"zeros"``, ``"reflect"``, ``"replicate"``
    or ``"circular"``. Returns ``[C_out][H_out][W_out]`` floats.

    Raises ``TypeError`` for wrong types (strings, bools, ragged lists) and
    ``ValueError`` for settings PyTorch refuses, for an empty output, and
    for work above the caps in ``convcore.limits`` (checked before any
    allocation).
    """
    return run(plan_conv(x, weight, bias, stride, padding, dilation, groups, padding_mode))
