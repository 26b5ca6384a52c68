"""``conv_transpose2d`` (PyTorch's ``conv_transpose2d``) and its scatter trace.

A transposed convolution *scatters*: input pixel ``(i, j)`` adds
``x[i][j] * w[a][b]`` to output cell ``(i*stride + a*dilation - padding,
j*stride + b*dilation - padding)`` for every kernel tap ``(a, b)``. Cells
outside the output (cut away by ``padding``) are dropped. The output size per
axis is ``(n - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``;
``output_padding`` only lengthens the bottom/right edge (to pick one of the
sizes a strided convolution maps to the same output size) and must be smaller
than the stride or the dilation, as PyTorch requires.

The loops are per (input channel, output channel, tap, input row); each one
adds a scaled input row into a strided slice of an output row in C.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from operator import add
from typing import Any

from convcore._check import (
    Matrix,
    Pair,
    check_int,
    check_pair,
    probe_shape,
    to_blocks,
    to_matrix,
    to_vector,
)
from convcore.limits import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_KERNEL,
    MAX_PADDING,
    MAX_SIDE,
    MAX_STRIDE,
)
from convcore.plan import check_groups, check_work
from convcore.trace import Steps


@dataclass(frozen=True)
class TransposePlan:
    """A checked ``conv_transpose2d`` call."""

    x: list[Matrix]  # [C_in][H][W]
    weight: list[list[Matrix]]  # [C_in][C_out/groups][kH][kW]
    bias: list[float] | None
    stride: Pair
    padding: Pair
    output_padding: Pair
    dilation: Pair
    groups: int
    in_size: Pair
    kernel: Pair
    out_size: Pair
    out_channels: int

    def group_outputs(self, in_channel: int) -> range:
        """The output channels input channel ``in_channel`` scatters to."""
        per_group_out = self.out_channels // self.groups
        group = in_channel // (len(self.x) // self.groups)
        return range(group * per_group_out, (group + 1) * per_group_out)


def _check_output_padding(output_padding: Pair, stride: Pair, dilation: Pair) -> None:
    for axis, name in enumerate(("height", "width")):
        op, s, d = output_padding[axis], stride[axis], dilation[axis]
        if op >= max(s, d):
            raise ValueError(
                f"output_padding={op} along the {name} must be smaller than the stride ({s}) "
                f"or the dilation ({d}), as in PyTorch: it only chooses among the {max(s, d)} "
                f"output sizes a convolution maps to the same input size. Allowed: 0 to "
                f"{max(s, d) - 1}. Nearest valid value: {max(s, d) - 1}."
            )


def _out_size(
    in_size: Pair, kernel: Pair, stride: Pair, padding: Pair, output_padding: Pair, dilation: Pair
) -> Pair:
    sizes = []
    for axis, name in enumerate(("height", "width")):
        full = (in_size[axis] - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1
        size = full - 2 * padding[axis] + output_padding[axis]
        if size < 1:
            largest = (full + output_padding[axis] - 1) // 2
            raise ValueError(
                f"no output: along the {name} the transposed convolution makes {full} cells "
                f"before padding {padding[axis]} is cut from both sides, leaving {size} "
                f"(PyTorch refuses this). Allowed: padding 0 to {largest}. "
                f"Nearest valid value: {largest}."
            )
        sizes.append(size)
    return sizes[0], sizes[1]


def plan_transpose(
    x: object,
    weight: object,
    bias: object,
    stride: object,
    padding: object,
    output_padding: object,
    groups: object,
    dilation: object,
) -> TransposePlan:
    """Check every argument of ``conv_transpose2d`` (cheap checks first)."""
    strides = check_pair("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    paddings = check_pair("padding", padding, 0, MAX_PADDING, "MAX_PADDING")
    output_paddings = check_pair("output_padding", output_padding, 0, MAX_STRIDE, "MAX_STRIDE")
    dilations = check_pair("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
    c_in, height, width = probe_shape(
        "x",
        x,
        ("channel", "row", "column"),
        ((MAX_CHANNELS, "MAX_CHANNELS"), (MAX_SIDE, "MAX_SIDE"), (MAX_SIDE, "MAX_SIDE")),
    )
    w_in, per_group_out, k_h, k_w = probe_shape(
        "weight",
        weight,
        ("input channel", "output channel", "kernel row", "kernel column"),
        (
            (MAX_CHANNELS, "MAX_CHANNELS"),
            (MAX_CHANNELS, "MAX_CHANNELS"),
            (MAX_KERNEL, "MAX_KERNEL"),
            (MAX_KERNEL, "MAX_KERNEL"),
        ),
    )
    if w_in != c_in:
        raise ValueError(
            f"weight has {w_in} entries along its first axis but x has {c_in} channels; "
            f"for conv_transpose2d weight is laid out [C_in][C_out/groups][kH][kW]."
        )
    g = check_int("groups", groups, 1, MAX_CHANNELS, "MAX_CHANNELS")
    c_out = per_group_out * g
    check_groups(g, c_in, c_out, "weight's first axis is C_in, its second C_out/groups")
    _check_output_padding(output_paddings, strides, dilations)
    kernel, in_size = (k_h, k_w), (height, width)
    out_size = _out_size(in_size, kernel, strides, paddings, output_paddings, dilations)
    macs = c_in * height * width * per_group_out * k_h * k_w
    check_work(macs, max(c_out * out_size[0] * out_size[1], c_in * height * width), "the output")
    xs = [to_matrix(b, "x", (c,), in_size) for c, b in enumerate(to_blocks(x, "x", (), c_in))]
    weights = [
        [
            to_matrix(k, "weight", (i, o), kernel)
            for o, k in enumerate(to_blocks(f, "weight", (i,), per_group_out))
        ]
        for i, f in enumerate(to_blocks(weight, "weight", (), c_in))
    ]
    return TransposePlan(
        x=xs,
        weight=weights,
        bias=None if bias is None else to_vector(bias, "bias", c_out),
        stride=strides,
        padding=paddings,
        output_padding=output_paddings,
        dilation=dilations,
        groups=g,
        in_size=in_size,
        kernel=kernel,
        out_size=out_size,
        out_channels=c_out,
    )


def _valid_inputs(n: int, out: int, stride: int, shift: int) -> range:
    """Input indices ``i`` with ``0 <= i*stride + shift < out``."""
    first = max(0, -(shift // stride))  # ceil(-shift / stride)
    last = min(n - 1, (out - 1 - shift) // stride)
    return range(first, last + 1)


def run_transpose(plan: TransposePlan) -> list[list[list[float]]]:
    """The transposed convolution of a checked plan."""
    (out_h, out_w), (s_h, s_w), (d_h, d_w) = plan.out_size, plan.stride, plan.dilation
    (p_h, p_w), (height, width) = plan.padding, plan.in_size
    out = [[[0.0] * out_w for _ in range(out_h)] for _ in range(plan.out_channels)]
    for in_channel, image in enumerate(plan.x):
        outputs = zip(plan.group_outputs(in_channel), plan.weight[in_channel], strict=True)
        for out_channel, kernel in outputs:
            target = out[out_channel]
            for a, taps in enumerate(kernel):
                rows = _valid_inputs(height, out_h, s_h, a * d_h - p_h)
                for b, w in enumerate(taps):
                    cols = _valid_inputs(width, out_w, s_w, b * d_w - p_w)
                    if w == 0.0 or not cols:
                        continue
                    first = cols.start * s_w + b * d_w - p_w
                    where = slice(first, first + (len(cols) - 1) * s_w + 1, s_w)
                    for i in rows:
                        row = target[i * s_h + a * d_h - p_h]
                        scaled = map(w.__mul__, image[i][cols.start : cols.stop])
                        row[where] = list(map(add, row[where], scaled))
    if plan.bias is not None:
        for channel, shift in zip(out, plan.bias, strict=True):
            channel[:] = [list(map(shift.__add__, row)) for row in channel]
    return out


def conv_transpose2d(
    x: object,
    weight: object,
    bias: object = None,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    groups: object = 1,
    dilation: object = 1,
) -> list[list[list[float]]]:
    """Transposed 2-D convolution, equal to ``torch.nn.functional.conv_transpose2d``.

    ``x`` is ``[C_in][H][W]``, ``weight`` ``[C_in][C_out/groups][kH][kW]``,
    ``bias`` ``None`` or ``[C_out]``; ``stride``, ``padding``,
    ``output_padding``, ``dilation`` an int or an ``(h, w)`` pair. Returns
    ``[C_out][H_out][W_out]`` with ``H_out = (H-1)*stride - 2*padding +
    dilation*(kH-1) + output_padding + 1``. Refuses (``ValueError``) what
    PyTorch refuses: ``output_padding`` not smaller than stride or dilation,
    negative padding, an output smaller than 1, groups not dividing the
    channels; and work above the caps.
    """
    plan = plan_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)
    return run_transpose(plan)


# ---------------------------------------------------------------------- trace


@dataclass(frozen=True)
class Scatter:
    """One product an input pixel adds to an output cell.

    ``out_channel``; ``kernel``: the ``(row, col)`` tap; ``output``: the
    ``(row, col)`` cell in the output (outside the output when
    ``inside`` is False: that product is cut away by ``padding``);
    ``weight`` and ``product = value * weight``.
    """

    out_channel: int
    kernel: Pair
    output: Pair
    inside: bool
    weight: float
    product: float


@dataclass(frozen=True)
class Spread:
    """Everything one input pixel scatters (one step of ``trace_transpose``).

    ``step``; ``in_channel``; ``position``: ``(row, col)`` in the input;
    ``value``: the pixel's value; ``targets``: its products in the order
    output channel, kernel row, kernel column.
    """

    step: int
    in_channel: int
    position: Pair
    value: float
    targets: tuple[Scatter, ...] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


@dataclass(frozen=True, eq=False)  # equal only to itself: the data is not a field
class TransposeTrace(Steps[Spread]):
    """The lazily built steps of one ``conv_transpose2d`` call.

    One step per input pixel: input channels in order, each row-major.
    ``in_size``, ``out_size``, ``in_channels``, ``out_channels`` and
    ``steps`` describe it. The summed output itself is what
    ``conv_transpose2d`` returns (plus the bias).
    """

    in_size: Pair
    out_size: Pair
    in_channels: int
    out_channels: int
    steps: int
    _plan: TransposePlan = field(repr=False, compare=False)

    def _item(self, step: int) -> Spread:
        plan = self._plan
        height, width = plan.in_size
        in_channel, rest = divmod(step, height * width)
        row, col = divmod(rest, width)
        value = plan.x[in_channel][row][col]
        targets = []
        outputs = zip(plan.group_outputs(in_channel), plan.weight[in_channel], strict=True)
        for out_channel, kernel in outputs:
            for a, taps in enumerate(kernel):
                y = row * plan.stride[0] + a * plan.dilation[0] - plan.padding[0]
                for b, w in enumerate(taps):
                    x = col * plan.stride[1] + b * plan.dilation[1] - plan.padding[1]
                    inside = 0 <= y < plan.out_size[0] and 0 <= x < plan.out_size[1]
                    targets.append(Scatter(out_channel, (a, b), (y, x), inside, w, value * w))
        return Spread(step, in_channel, (row, col), value, tuple(targets))


def trace_transpose(
    x: object,
    weight: object,
    bias: object = None,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    groups: object = 1,
    dilation: object = 1,
) -> TransposeTrace:
    """What each input pixel of ``conv_transpose2d`` (same arguments) scatters."""
    plan = plan_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)
    height, width = plan.in_size
    return TransposeTrace(
        in_size=plan.in_size,
        out_size=plan.out_size,
        in_channels=len(plan.x),
        out_channels=plan.out_channels,
        steps=len(plan.x) * height * width,
        _plan=plan,
    )
