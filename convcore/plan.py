"""Checking and planning one ``conv2d`` call (shared by ``conv2d`` and ``trace``).

The order of the checks matters: cheap scalar arguments first, then the
*shapes* of the nested lists (read along their first entries only), then the
work caps, and only then the full conversion of the numbers. So an oversized
request is refused before anything big is allocated or looped over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convcore._check import (
    Matrix,
    PaddingMode,
    Pair,
    check_int,
    check_mode,
    check_padding,
    check_pair,
    probe_shape,
    to_blocks,
    to_matrix,
    to_vector,
)
from convcore.geometry import count_windows, no_output_message, resolve_padding
from convcore.limits import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_KERNEL,
    MAX_MACS,
    MAX_SIDE,
    MAX_STRIDE,
    MAX_VALUES,
)
from convcore.padding import check_mode_padding, index_map
from convcore.separable import Factors, factor


@dataclass(frozen=True)
class ConvPlan:
    """A checked ``conv2d`` call: floats, geometry and padding index maps."""

    x: list[Matrix]  # [C_in][H][W]
    weight: list[list[Matrix]]  # [C_out][C_in/groups][kH][kW]
    bias: list[float] | None
    stride: Pair
    dilation: Pair
    groups: int
    mode: PaddingMode
    pads: tuple[Pair, Pair]  # (top, bottom), (left, right)
    in_size: Pair
    kernel: Pair
    out_size: Pair
    row_map: list[int] = field(repr=False)
    col_map: list[int] = field(repr=False)
    # Per [C_out][C_in/groups]: exact (u, v) factors when the kernel is separable.
    factors: list[list[Factors | None]] = field(repr=False)

    @property
    def in_channels(self) -> int:
        return len(self.x)

    @property
    def out_channels(self) -> int:
        return len(self.weight)

    def group_inputs(self, out_channel: int) -> range:
        """The input channels output channel ``out_channel`` reads."""
        per_group_in = self.in_channels // self.groups
        group = out_channel // (self.out_channels // self.groups)
        return range(group * per_group_in, (group + 1) * per_group_in)


def check_groups(groups: object, in_channels: int, out_channels: int, what: str) -> int:
    """``groups`` must divide both channel counts, as in PyTorch."""
    g = check_int("groups", groups, 1, MAX_CHANNELS, "MAX_CHANNELS")
    if in_channels % g == 0 and out_channels % g == 0:
        return g
    good = [
        d
        for d in range(1, min(in_channels, out_channels) + 1)
        if in_channels % d == 0 == out_channels % d
    ]
    nearest = min(good, key=lambda d: (abs(d - g), d))
    raise ValueError(
        f"groups={g} must divide both the {in_channels} input channels and the "
        f"{out_channels} output channels ({what}). Allowed here: "
        f"{', '.join(map(str, good))}. Nearest valid value: {nearest}."
    )


def check_work(macs: int, values: int, what: str) -> None:
    """Refuse a call above ``MAX_MACS`` multiply-adds or ``MAX_VALUES`` outputs."""
    if values > MAX_VALUES:
        raise ValueError(
            f"{what} would have {values} numbers; at most {MAX_VALUES} are allowed "
            f"(convcore.MAX_VALUES, a work cap that keeps a browser tab responsive). "
            f"Use a smaller input, fewer channels or a larger stride."
        )
    if macs > MAX_MACS:
        raise ValueError(
            f"this convolution needs {macs} multiply-adds; at most {MAX_MACS} are allowed "
            f"(convcore.MAX_MACS, a work cap that keeps a browser tab responsive). "
            f"Use a smaller input, kernel or channel count, or a larger stride."
        )


def check_out_size(
    in_size: Pair, pads: tuple[Pair, Pair], kernel: Pair, stride: Pair, dilation: Pair
) -> Pair:
    out = []
    for axis, name in enumerate(("height", "width")):
        padded = in_size[axis] + pads[axis][0] + pads[axis][1]
        count = count_windows(padded, kernel[axis], stride[axis], dilation[axis])
        if count < 1:
            raise ValueError(
                no_output_message(name, in_size[axis], pads[axis], kernel[axis], dilation[axis])
                + " (PyTorch refuses an empty output)."
            )
        out.append(count)
    return out[0], out[1]


def plan_conv(
    x: object,
    weight: object,
    bias: object,
    stride: object,
    padding: object,
    dilation: object,
    groups: object,
    padding_mode: object,
) -> ConvPlan:
    """Check every argument of ``conv2d`` and precompute what the loops need."""
    strides = check_pair("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    dilations = check_pair("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
    padding_arg = check_padding("padding", padding)
    mode = check_mode(padding_mode)
    c_in, height, width = probe_shape(
        "x",
        x,
        ("channel", "row", "column"),
        ((MAX_CHANNELS, "MAX_CHANNELS"), (MAX_SIDE, "MAX_SIDE"), (MAX_SIDE, "MAX_SIDE")),
    )
    c_out, per_group, k_h, k_w = probe_shape(
        "weight",
        weight,
        ("filter", "input channel", "kernel row", "kernel column"),
        (
            (MAX_CHANNELS, "MAX_CHANNELS"),
            (MAX_CHANNELS, "MAX_CHANNELS"),
            (MAX_KERNEL, "MAX_KERNEL"),
            (MAX_KERNEL, "MAX_KERNEL"),
        ),
    )
    g = check_groups(groups, c_in, c_out, "x has the input channels, weight the filters")
    if per_group * g != c_in:
        raise ValueError(
            f"weight has {per_group} input channel(s) per filter, but x has {c_in} channels "
            f"and groups={g}, so each filter must have {c_in // g} (C_in / groups); "
            f"weight must be laid out [C_out][C_in/groups][kH][kW]."
        )
    kernel = (k_h, k_w)
    in_size = (height, width)
    pads = resolve_padding(padding_arg, kernel, dilations, strides)
    for axis, name in enumerate(("height", "width")):
        check_mode_padding(name, in_size[axis], *pads[axis], mode, f"the input {name}")
    out_size = check_out_size(in_size, pads, kernel, strides, dilations)
    macs = c_out * out_size[0] * out_size[1] * per_group * k_h * k_w
    check_work(macs, max(c_out * out_size[0] * out_size[1], c_in * height * width), "the output")
    x_blocks = to_blocks(x, "x", (), c_in)
    xs = [to_matrix(block, "x", (c,), in_size) for c, block in enumerate(x_blocks)]
    weights = [
        [
            to_matrix(k, "weight", (o, i), kernel)
            for i, k in enumerate(to_blocks(f, "weight", (o,), per_group))
        ]
        for o, f in enumerate(to_blocks(weight, "weight", (), c_out))
    ]
    biases = None if bias is None else to_vector(bias, "bias", c_out)
    return ConvPlan(
        x=xs,
        weight=weights,
        bias=biases,
        stride=strides,
        dilation=dilations,
        groups=g,
        mode=mode,
        pads=pads,
        in_size=in_size,
        kernel=kernel,
        out_size=out_size,
        row_map=index_map(height, *pads[0], mode),
        col_map=index_map(width, *pads[1], mode),
        factors=[[factor(kernel) for kernel in filters] for filters in weights],
    )
