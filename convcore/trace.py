"""``trace``: every window of a ``conv2d`` call, for an animation.

Order: output channels in increasing order (only ``out_channel`` when it is
given), and within a channel row-major over the output (left to right, then
top to bottom). Step ``i`` of a channel ``c`` at output ``(r, q)`` is
``index * H_out * W_out + r * W_out + q``, where ``index`` is the position of
``c`` among the traced channels.

Windows are built on demand (``t[i]`` costs one window's taps; ``len(t)`` is
free), and a window sums its products in exactly the order ``conv2d`` does,
so ``window.output`` equals ``conv2d``'s value bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar, overload

from convcore._check import Pair, check_int
from convcore.padding import ZERO
from convcore.plan import ConvPlan, plan_conv

T = TypeVar("T")


class Steps(Sequence[T]):
    """A sequence of ``steps`` items built on demand by ``_item(step)``.

    ``len`` is free, ``s[i]`` builds one item (negative ``i`` counts from the
    end), a slice builds a tuple of them, iteration builds them in order.
    """

    steps: int

    def _item(self, step: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.steps

    @overload
    def __getitem__(self, step: int) -> T: ...

    @overload
    def __getitem__(self, step: slice) -> tuple[T, ...]: ...

    def __getitem__(self, step: int | slice) -> T | tuple[T, ...]:
        if isinstance(step, slice):
            return tuple(self._item(i) for i in range(*step.indices(self.steps)))
        index = check_int("step", step, -self.steps, self.steps - 1)
        return self._item(index % self.steps)

    def __iter__(self) -> Iterator[T]:
        return (self._item(i) for i in range(self.steps))


@dataclass(frozen=True)
class Tap:
    """One weight tap of one window.

    ``in_channel``: the input channel read; ``kernel``: ``(row, col)`` in the
    kernel; ``padded``: ``(row, col)`` in the padded input (0 is the first
    padded row); ``input``: the same cell relative to the input (negative or
    beyond the size inside the padding); ``source``: the input pixel whose
    value the cell shows (reflect/replicate/circular padding show a real
    pixel; ``None`` for zero padding); ``is_padding``: the cell lies in the
    padding; ``weight``, ``value`` (0.0 for zero padding) and
    ``product = weight * value``.
    """

    in_channel: int
    kernel: Pair
    padded: Pair
    input: Pair
    source: Pair | None
    is_padding: bool
    weight: float
    value: float
    product: float


@dataclass(frozen=True)
class Window:
    """One output value and the taps that made it.

    ``step``: index in the trace; ``out_channel``; ``position``: ``(row,
    col)`` in the output; ``taps`` in summation order (input channel, kernel
    row, kernel column); ``sum`` of the products (added in ``conv2d``'s order:
    tap by tap, or for an exactly separable kernel ``outer(u, v)`` as
    ``sum_a u[a] * sum_b v[b] * x``, which can differ from adding the listed
    products in the last bit); ``bias`` (``None`` without bias);
    ``output = sum + bias``, equal to ``conv2d``'s value bit for bit.
    """

    step: int
    out_channel: int
    position: Pair
    taps: tuple[Tap, ...] = field(repr=False)
    sum: float
    bias: float | None
    output: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


@dataclass(frozen=True, eq=False)  # equal only to itself: the data is not a field
class Trace(Steps[Window]):
    """The lazily built windows of one ``conv2d`` call (a ``Sequence``).

    ``out_channels``: the traced output channels, in order; ``out_size``:
    ``(H_out, W_out)``; ``in_size``, ``kernel``, ``stride``, ``padding`` as
    ``((top, bottom), (left, right))``, ``dilation``, ``groups``,
    ``padding_mode``: the checked settings; ``steps``: the number of windows.
    """

    out_channels: tuple[int, ...]
    out_size: Pair
    in_size: Pair
    kernel: Pair
    stride: Pair
    padding: tuple[Pair, Pair]
    dilation: Pair
    groups: int
    padding_mode: str
    steps: int
    _plan: ConvPlan = field(repr=False, compare=False)

    def step_of(self, out_channel: int, row: int, col: int) -> int:
        """The step of the window at output ``(row, col)`` of ``out_channel``."""
        if out_channel not in self.out_channels:
            raise ValueError(
                f"out_channel={out_channel} is not traced; traced: {list(self.out_channels)}"
            )
        h, w = self.out_size
        check_int("row", row, 0, h - 1)
        check_int("col", col, 0, w - 1)
        return self.out_channels.index(out_channel) * h * w + row * w + col

    def _item(self, step: int) -> Window:
        plan = self._plan
        h, w = self.out_size
        out_channel = self.out_channels[step // (h * w)]
        row, col = divmod(step % (h * w), w)
        top, left = plan.pads[0][0], plan.pads[1][0]
        (s_h, s_w), (d_h, d_w) = plan.stride, plan.dilation
        height, width = plan.in_size
        taps = []
        total = 0.0
        groups = zip(
            plan.group_inputs(out_channel),
            plan.weight[out_channel],
            plan.factors[out_channel],
            strict=True,
        )
        for in_channel, kernel, factors in groups:
            image = plan.x[in_channel]
            for kernel_row, weights in enumerate(kernel):
                p_row = row * s_h + kernel_row * d_h
                src_row = plan.row_map[p_row]
                row_sum = 0.0  # separable kernels: conv2d sums v-weighted rows first
                for kernel_col, weight in enumerate(weights):
                    p_col = col * s_w + kernel_col * d_w
                    src_col = plan.col_map[p_col]
                    real = src_row != ZERO and src_col != ZERO
                    value = image[src_row][src_col] if real else 0.0
                    product = weight * value
                    if factors is None:
                        total = total + product  # conv2d's order, hence its rounding
                    else:
                        row_sum = row_sum + factors[1][kernel_col] * value
                    taps.append(
                        Tap(
                            in_channel=in_channel,
                            kernel=(kernel_row, kernel_col),
                            padded=(p_row, p_col),
                            input=(p_row - top, p_col - left),
                            source=(src_row, src_col) if real else None,
                            is_padding=not (
                                0 <= p_row - top < height and 0 <= p_col - left < width
                            ),
                            weight=weight,
                            value=value,
                            product=product,
                        )
                    )
                if factors is not None:
                    total = total + factors[0][kernel_row] * row_sum
        bias = None if plan.bias is None else plan.bias[out_channel]
        return Window(
            step=step,
            out_channel=out_channel,
            position=(row, col),
            taps=tuple(taps),
            sum=total,
            bias=bias,
            output=total if bias is None else total + bias,
        )


def trace(
    x: object,
    weight: object,
    bias: object = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    groups: object = 1,
    padding_mode: object = "zeros",
    *,
    out_channel: object = None,
) -> Trace:
    """The windows of ``conv2d(x, weight, ...)`` (same arguments), lazily.

    ``out_channel=None`` traces every output channel one after the other;
    an int traces only that channel (a page showing filter 0 passes
    ``out_channel=0``). Checks its arguments exactly like ``conv2d``.
    """
    plan = plan_conv(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    return trace_plan(plan, out_channel)


def trace_plan(plan: ConvPlan, out_channel: object = None) -> Trace:
    """``trace`` of a call already checked by ``plan_conv``: a caller that also
    runs ``conv.run(plan)`` checks and converts its arguments once, not twice."""
    if out_channel is None:
        channels = tuple(range(plan.out_channels))
    else:
        channels = (check_int("out_channel", out_channel, 0, plan.out_channels - 1),)
    h, w = plan.out_size
    return Trace(
        out_channels=channels,
        out_size=plan.out_size,
        in_size=plan.in_size,
        kernel=plan.kernel,
        stride=plan.stride,
        padding=plan.pads,
        dilation=plan.dilation,
        groups=plan.groups,
        padding_mode=plan.mode,
        steps=len(channels) * h * w,
        _plan=plan,
    )
