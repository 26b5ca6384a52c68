"""Max and average pooling (PyTorch's ``max_pool2d`` / ``avg_pool2d``), their
gradients, and ``trace_pool``: every window, for an animation.

Pooling slides a ``kernel_size`` window (``dilation`` apart for max pooling)
``stride`` apart (by default the kernel) over each channel on its own:

* max: the largest value in the window; padding is ``-inf`` (never chosen).
  Ties go to the **first** maximum in row-major window order, as in PyTorch,
  which matters for gradients: relu outputs and digit backgrounds are full of
  exact zeros. A window that reads only padding (possible with dilation)
  gives ``-inf`` and passes no gradient, as in PyTorch.
* average: the sum of the window divided by ``divisor_override`` if given,
  else by the number of cells inside the padded input
  (``count_include_pad=True``) or inside the input alone (``False``).

PyTorch's rules hold: ``padding`` at most half the kernel (``kernel // 2``)
on each axis, at least one output, and with ``ceil_mode`` the output size
rounds up but the last window must start inside the input or its left/top
padding (``output_size(..., ceil_mode=True)``); cells such a window reaches
past the padded edge are not part of it.

The work runs on the flat grid of ``convcore.windows``: one slice per kernel
tap for a whole channel, ``max`` or a running sum across the slices, and for
the gradients the adjoint slices (``Grid.spread``) and ``Grid.fold``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from operator import truediv
from typing import Any, Final, Literal

from convcore._check import (
    Matrix,
    Pair,
    check_bool,
    check_int,
    check_pair,
    image_like,
    probe_image,
    show,
    to_image,
)
from convcore.flat import weighted_sum
from convcore.geometry import (
    AxisFit,
    Fit2D,
    ceil_windows,
    count_windows,
    fit,
    no_output_message,
)
from convcore.limits import MAX_DILATION, MAX_KERNEL, MAX_PADDING, MAX_STRIDE
from convcore.plan import check_work
from convcore.trace import Steps
from convcore.windows import Grid, grid

Kind = Literal["max", "avg"]
KINDS: Final = ("max", "avg")
_NAN: Final = float("nan")  # equal to nothing: marks a window whose maximum was found
_INT64: Final = 2**63 - 1


# ------------------------------------------------------------------- checking


@dataclass(frozen=True)
class PoolSettings:
    """Checked pooling settings, before any input is seen."""

    kind: Kind
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: int | None

    def grid(self, in_size: Pair) -> Grid:
        """The grid on an input of ``in_size``; ``ValueError`` without output."""
        out = []
        for axis, name in enumerate(("height", "width")):
            n, p = in_size[axis], self.padding[axis]
            k, s, d = self.kernel[axis], self.stride[axis], self.dilation[axis]
            count = (
                ceil_windows(n, (p, p), k, s, d)
                if self.ceil_mode
                else count_windows(n + 2 * p, k, s, d)
            )
            if count < 1:
                message = no_output_message(name, n, (p, p), k, d)
                raise ValueError(f"{message} (PyTorch refuses an empty output).")
            out.append(count)
        pads = ((self.padding[0],) * 2, (self.padding[1],) * 2)
        return grid(in_size, pads, self.kernel, self.stride, self.dilation, (out[0], out[1]))


def check_pool(
    kind: object,
    kernel_size: object,
    stride: object,
    padding: object,
    dilation: object,
    ceil_mode: object,
    count_include_pad: object,
    divisor_override: object,
) -> PoolSettings:
    """Check every pooling setting (not the input) the way PyTorch does."""
    if not isinstance(kind, str):
        raise TypeError(f"kind must be 'max' or 'avg', got {show(kind)}")
    if kind not in KINDS:
        raise ValueError(f"kind={show(kind)} is not a kind of pooling. Allowed: 'max', 'avg'.")
    kernel = check_pair("kernel_size", kernel_size, 1, MAX_KERNEL, "MAX_KERNEL")
    strides = (
        kernel if stride is None else check_pair("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    )
    dilations = check_pair("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
    if isinstance(padding, str):
        raise TypeError(
            f"pooling padding must be a number or a pair (height, width), got {show(padding)}; "
            f"PyTorch's pooling has no 'same' or 'valid'"
        )
    pads = check_pair("padding", padding, 0, MAX_PADDING, "MAX_PADDING")
    for axis, name in enumerate(("height", "width")):
        half = kernel[axis] // 2
        if pads[axis] > half:
            raise ValueError(
                f"padding={pads[axis]} along the {name} is more than half the kernel "
                f"({kernel[axis]}): PyTorch's pooling pads at most kernel_size // 2. "
                f"Allowed: 0 to {half}. Nearest valid value: {half}."
            )
    divisor = None
    if divisor_override is not None:
        divisor = check_int("divisor_override", divisor_override, -_INT64, _INT64)
        if divisor == 0:
            raise ValueError(
                "divisor_override=0 would divide by zero (PyTorch refuses it). Allowed: any "
                "whole number but 0, or None to divide by the window's size. "
                "Nearest valid value: 1."
            )
    return PoolSettings(
        kind="max" if kind == "max" else "avg",
        kernel=kernel,
        stride=strides,
        padding=pads,
        dilation=dilations,
        ceil_mode=check_bool("ceil_mode", ceil_mode),
        count_include_pad=check_bool("count_include_pad", count_include_pad),
        divisor_override=divisor,
    )


@dataclass(frozen=True)
class PoolPlan:
    """A checked pooling call: settings, grid and the input as floats."""

    settings: PoolSettings
    grid: Grid
    x: list[Matrix] = field(repr=False)


def pool_work(settings: PoolSettings, channels: int, grid_: Grid) -> None:
    """Refuse a call above the work caps (one comparison or add per tap)."""
    (out_h, out_w), (k_h, k_w) = grid_.out_size, settings.kernel
    check_work(channels * out_h * out_w * k_h * k_w, channels * out_h * out_w, "the output")


def plan_pool(x: object, settings: PoolSettings) -> PoolPlan:
    """Check ``x`` against the settings and the caps, then convert it."""
    shape = probe_image("x", x)
    grid_ = settings.grid(shape[1:])
    pool_work(settings, shape[0], grid_)
    return PoolPlan(settings, grid_, to_image(x, "x", shape))


# -------------------------------------------------------------------- kernels


def max_taps(grid_: Grid, channel: Matrix) -> list[list[float]]:
    """Each tap's values over the output grid, padding as ``-inf``."""
    return grid_.taps(grid_.pad(channel, -float("inf")))


def max_of(taps: list[list[float]]) -> list[float]:
    """The first maximum across the taps (``max`` keeps the first of equals)."""
    return list(taps[0]) if len(taps) == 1 else list(map(max, *taps))


def max_grad(grid_: Grid, taps: list[list[float]], top: list[float], grad: list[float]) -> Matrix:
    """Each window's gradient to its first maximum; ``grad`` on the output grid."""
    plane = [0.0] * (grid_.rows * grid_.width)
    for tap, values in enumerate(taps):
        hits = [g if v == t else 0.0 for v, t, g in zip(values, top, grad, strict=True)]
        if tap + 1 < len(taps):
            top = [_NAN if v == t else t for v, t in zip(values, top, strict=True)]
        if any(hits):
            grid_.add_at(plane, tap, hits)
    return grid_.fold(plane)


def _total(grid_: Grid, shifted: list[list[float]]) -> list[float]:
    """The elementwise sum of the shifted gradients."""
    return weighted_sum(shifted, [1.0] * len(shifted), None)


@lru_cache(maxsize=64)
def divisors(grid_: Grid, count_include_pad: bool, divisor_override: int | None) -> list[float]:
    """Each window's divisor on the output grid (1.0 in the thrown-away cells)."""
    if divisor_override is not None:
        return [float(divisor_override)] * grid_.count
    per_axis = []
    for axis in (0, 1):
        n, p = grid_.in_size[axis], grid_.pads[axis][0]
        k, s = grid_.kernel[axis], grid_.stride[axis]
        sizes = []
        for o in range(grid_.out_size[axis]):
            start = o * s - p
            end = min(start + k, n + p)  # ceil_mode: cells past the padding do not count
            sizes.append(end - start if count_include_pad else min(end, n) - max(start, 0))
        per_axis.append(sizes)
    rows = [[float(r * c) for c in per_axis[1]] for r in per_axis[0]]
    return [1.0 if v == 0.0 else v for v in grid_.grid_of(rows)]


def avg_sums(grid_: Grid, channel: Matrix) -> list[float]:
    """Each window's sum on the output grid, added in window order."""
    taps = grid_.taps(grid_.pad(channel))
    return weighted_sum(taps, [1.0] * len(taps), None)


def avg_grad(grid_: Grid, grad: list[float], divisor: list[float]) -> Matrix:
    """``grad / divisor`` back to every cell of each window."""
    share = grid_.stuffed(list(map(truediv, grad, divisor)))
    return grid_.fold(_total(grid_, grid_.shifts(share)))


# --------------------------------------------------------------------- public


def _run(plan: PoolPlan) -> list[Matrix]:
    s, g = plan.settings, plan.grid
    if s.kind == "max":
        return [g.rows_of(max_of(max_taps(g, channel))) for channel in plan.x]
    divisor = divisors(g, s.count_include_pad, s.divisor_override)
    return [g.rows_of(list(map(truediv, avg_sums(g, c), divisor))) for c in plan.x]


def max_pool2d(
    x: object,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    dilation: object = 1,
    ceil_mode: object = False,
) -> list[Matrix]:
    """Max pooling, equal to ``torch.nn.functional.max_pool2d`` (see the module doc).

    ``x`` is ``[C][H][W]``; ``kernel_size``, ``stride`` (default: the kernel),
    ``padding`` and ``dilation`` an int or an ``(h, w)`` pair. Returns
    ``[C][H_out][W_out]``.
    """
    settings = check_pool("max", kernel_size, stride, padding, dilation, ceil_mode, True, None)
    return _run(plan_pool(x, settings))


def avg_pool2d(
    x: object,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    ceil_mode: object = False,
    count_include_pad: object = True,
    divisor_override: object = None,
) -> list[Matrix]:
    """Average pooling, equal to ``torch.nn.functional.avg_pool2d`` (see the module doc)."""
    settings = check_pool(
        "avg", kernel_size, stride, padding, 1, ceil_mode, count_include_pad, divisor_override
    )
    return _run(plan_pool(x, settings))


def max_pool2d_backward(
    grad_output: object,
    x: object,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    dilation: object = 1,
    ceil_mode: object = False,
) -> list[Matrix]:
    """The gradient of ``max_pool2d(x, ...)`` with respect to ``x``.

    Each output's gradient goes to the first maximum of its window (summed
    where windows overlap), as ``torch.autograd`` does.
    """
    settings = check_pool("max", kernel_size, stride, padding, dilation, ceil_mode, True, None)
    plan = plan_pool(x, settings)
    g = plan.grid
    grads = image_like("grad_output", grad_output, (len(plan.x), *g.out_size), "the output")
    out = []
    for channel, grad in zip(plan.x, grads, strict=True):
        taps = max_taps(g, channel)
        out.append(max_grad(g, taps, max_of(taps), g.grid_of(grad)))
    return out


def avg_pool2d_backward(
    grad_output: object,
    x: object,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    ceil_mode: object = False,
    count_include_pad: object = True,
    divisor_override: object = None,
) -> list[Matrix]:
    """The gradient of ``avg_pool2d(x, ...)`` with respect to ``x``.

    ``x`` only gives the shape (the average is linear in it).
    """
    settings = check_pool(
        "avg", kernel_size, stride, padding, 1, ceil_mode, count_include_pad, divisor_override
    )
    plan = plan_pool(x, settings)
    g = plan.grid
    divisor = divisors(g, settings.count_include_pad, settings.divisor_override)
    grads = image_like("grad_output", grad_output, (len(plan.x), *g.out_size), "the output")
    return [avg_grad(g, g.grid_of(grad), divisor) for grad in grads]


# ---------------------------------------------------------------------- trace


@dataclass(frozen=True)
class PoolTap:
    """One cell of one pooling window.

    ``kernel``: ``(row, col)`` in the window; ``padded``: the cell in the
    padded input (0 is the first padded row); ``input``: the same relative to
    the input; ``is_padding``: outside the input (padding, or under
    ``ceil_mode`` past the padded edge); ``counted``: part of the window as
    PyTorch sees it (max: the input cells; average: the cells inside the
    padded input with ``count_include_pad``, the input cells without, which
    is what the divisor counts unless ``divisor_override`` replaces it);
    ``value``: what
    the window sees there (``-inf`` in max pooling's padding, 0.0 in
    average pooling's); ``winner``: this cell is the window's maximum (the
    first one in window order); ``divisor``: average pooling's divisor of the
    window (``None`` for max pooling), so the cell adds ``value / divisor``.
    """

    kernel: Pair
    padded: Pair
    input: Pair
    is_padding: bool
    counted: bool
    value: float
    winner: bool
    divisor: int | None


@dataclass(frozen=True)
class PoolWindow:
    """One pooling output and its window.

    ``step``; ``channel``; ``position``: ``(row, col)`` in the output;
    ``taps`` in row-major window order; ``winner``: the input ``(row, col)``
    of the maximum (``None`` for average pooling, and for a window that
    reads only padding); ``divisor`` (average pooling, else ``None``);
    ``output``: equal to ``max_pool2d``'s / ``avg_pool2d``'s value bit for bit.
    """

    step: int
    channel: int
    position: Pair
    taps: tuple[PoolTap, ...] = field(repr=False)
    winner: Pair | None
    divisor: int | None
    output: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


@dataclass(frozen=True, eq=False)  # equal only to itself: the data is not a field
class PoolTrace(Steps[PoolWindow]):
    """The lazily built windows of one pooling call (a ``Sequence``).

    Channels in order (only ``channel`` when it was given), each row-major
    over the output. ``kind``, ``channels``, ``in_size``, ``out_size``,
    ``kernel``, ``stride``, ``padding``, ``dilation``, ``ceil_mode``,
    ``count_include_pad``, ``divisor_override`` and ``steps`` describe it.
    """

    kind: str
    channels: tuple[int, ...]
    in_size: Pair
    out_size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: int | None
    steps: int
    _plan: PoolPlan = field(repr=False, compare=False)

    def _item(self, step: int) -> PoolWindow:
        plan, (height, width) = self._plan, self.in_size
        out_h, out_w = self.out_size
        channel = self.channels[step // (out_h * out_w)]
        row, col = divmod(step % (out_h * out_w), out_w)
        is_max = self.kind == "max"
        divisor = self._divisor(row, col)
        cells = []
        for a in range(self.kernel[0]):
            for b in range(self.kernel[1]):
                p_row = row * self.stride[0] + a * self.dilation[0]
                p_col = col * self.stride[1] + b * self.dilation[1]
                i, j = p_row - self.padding[0], p_col - self.padding[1]
                inside = 0 <= i < height and 0 <= j < width
                within = (
                    p_row < height + 2 * self.padding[0] and p_col < width + 2 * self.padding[1]
                )
                value = plan.x[channel][i][j] if inside else (-float("inf") if is_max else 0.0)
                counted = inside if is_max or not self.count_include_pad else within
                cells.append(((a, b), (p_row, p_col), (i, j), inside, counted, value))
        values = [cell[5] for cell in cells]
        if is_max:
            output = max(values)
            first = values.index(output)
            winner = cells[first][2] if cells[first][3] else None
            total = output
        else:
            first, winner = -1, None
            total = values[0]
            for value in values[1:]:
                total = total + value  # avg_pool2d's order, hence its rounding
            output = total / divisor if divisor else total
        taps = tuple(
            PoolTap(
                kernel, padded, where, not inside, counted, value, k == first and inside, divisor
            )
            for k, (kernel, padded, where, inside, counted, value) in enumerate(cells)
        )
        return PoolWindow(step, channel, (row, col), taps, winner, divisor, output)

    def _divisor(self, row: int, col: int) -> int | None:
        settings = self._plan.settings
        if self.kind == "max":
            return None
        if settings.divisor_override is not None:
            return settings.divisor_override
        value = divisors(self._plan.grid, self.count_include_pad, None)
        return int(value[row * self._plan.grid.per_row + col])


def trace_pool(
    x: object,
    kind: object,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    dilation: object = 1,
    ceil_mode: object = False,
    count_include_pad: object = True,
    divisor_override: object = None,
    channel: object = None,
) -> PoolTrace:
    """The windows of ``max_pool2d`` (``kind="max"``) or ``avg_pool2d``
    (``kind="avg"``) with the same arguments, lazily (see ``PoolWindow``).

    ``dilation`` must stay 1 for average pooling; ``count_include_pad`` and
    ``divisor_override`` only apply to it. ``channel=None`` traces every
    channel one after the other, an int only that channel.
    """
    settings = check_pool(
        kind, kernel_size, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override
    )
    if settings.kind == "avg" and settings.dilation != (1, 1):
        raise ValueError(
            f"average pooling has no dilation (PyTorch's avg_pool2d has none), got "
            f"dilation={settings.dilation}. Allowed: 1. Nearest valid value: 1."
        )
    plan = plan_pool(x, settings)
    if channel is None:
        channels = tuple(range(len(plan.x)))
    else:
        channels = (check_int("channel", channel, 0, len(plan.x) - 1),)
    out_h, out_w = plan.grid.out_size
    return PoolTrace(
        kind=settings.kind,
        channels=channels,
        in_size=plan.grid.in_size,
        out_size=plan.grid.out_size,
        kernel=settings.kernel,
        stride=settings.stride,
        padding=settings.padding,
        dilation=settings.dilation,
        ceil_mode=settings.ceil_mode,
        count_include_pad=settings.count_include_pad,
        divisor_override=settings.divisor_override,
        steps=len(channels) * out_h * out_w,
        _plan=plan,
    )


def _poolable(parameter: str, value: int | Pair, settings: PoolSettings) -> bool:
    """Whether a ``fit`` fix keeps PyTorch's padding <= kernel // 2."""
    pair_value = value if isinstance(value, tuple) else (value, value)
    if parameter == "padding":
        return all(p <= k // 2 for p, k in zip(pair_value, settings.kernel, strict=True))
    if parameter == "kernel":
        return all(p <= k // 2 for p, k in zip(settings.padding, pair_value, strict=True))
    return True


def pool_fit(
    size: object,
    kernel_size: object,
    stride: object = None,
    padding: object = 0,
    dilation: object = 1,
    ceil_mode: object = False,
) -> AxisFit | Fit2D:
    """``fit`` for a pooling window: PyTorch's pooling checks first, the
    stride defaulting to the kernel, ``ceil_mode``'s count, and only the
    fixes pooling allows (padding at most half the kernel)."""
    settings = check_pool("max", kernel_size, stride, padding, dilation, ceil_mode, True, None)
    result = fit(
        size,
        kernel_size,
        kernel_size if stride is None else stride,
        padding,
        dilation,
        ceil_mode=settings.ceil_mode,
    )
    kept = tuple(f for f in result.fixes if _poolable(f.parameter, f.value, settings))
    return replace(result, fixes=kept)
