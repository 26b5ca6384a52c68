"""``conv2d_backward``: the exact gradients of ``conv2d``, and the forward pass
a network runs so that its backward pass can reuse what it read.

For ``y = conv2d(x, w, b, ...)`` and the gradient ``g`` of a loss with
respect to ``y`` (``[C_out][H_out][W_out]``):

* ``grad_bias[o] = sum(g[o])``;
* ``grad_weight[o][c][a][b] = sum_{i,j} g[o][i][j] * padded_x[c][i*s + a*d][j*s + b*d]``:
  tap ``(a, b)``'s slice of the padded input (the same slice the forward
  pass multiplied by that weight) dotted with ``g[o]``;
* ``grad_x``: every output scatters ``g[o][i][j] * w[o][c][a][b]`` back to
  the padded cell it read, and padded cells pass their gradient to the
  input pixel they showed (a crop for zeros padding). That scatter **is** a
  transposed convolution with the same weights:
  ``grad_x == conv_transpose2d(g, w, stride=s, padding=p, dilation=d,
  groups=groups, output_padding=leftover)`` for zeros padding with equal
  sides, where ``leftover`` is what ``fit`` reports (the input rows/columns
  the last window never reached, which get no gradient).

The sums are done on the flat grid of ``convcore.windows``: one correctly
rounded dot product per weight, and for ``grad_x`` one ``weighted_sum`` over
shifted copies of each output gradient, per input channel.
"""

from __future__ import annotations

from math import fsum

from convcore._check import Matrix, image_like
from convcore.conv import plan_grid
from convcore.flat import CHUNK, dots, weighted_sum
from convcore.plan import check_work, plan_conv
from convcore.windows import Grid

Taps = list[list[float]]  # one input channel: each kernel tap's slice on the output grid


def channel_taps(grid: Grid, channel: Matrix) -> Taps:
    """The slices every kernel tap reads from one (padded) input channel."""
    return grid.taps(grid.pad(channel))


def conv_forward(
    grid: Grid, taps: list[Taps], filters: list[list[float]], bias: list[float] | None, groups: int
) -> list[list[float]]:
    """Each output channel on the output grid; ``filters[o]`` is filter ``o``
    flattened in (input channel, kernel row, kernel column) order.

    The products are added in that order from the first one, and the bias
    last, as ``conv2d`` does.
    """
    per_in, per_out = len(taps) // groups, len(filters) // groups
    out = []
    for o, weights in enumerate(filters):
        first = o // per_out * per_in
        slices = [tap for channel in taps[first : first + per_in] for tap in channel]
        acc = weighted_sum(slices, weights, None)
        out.append(acc if bias is None else list(map(bias[o].__add__, acc)))
    return out


# ----------------------------------------------------------- a network's layer


def patch_grads(
    grid: Grid,
    taps: list[Taps],
    filters: list[list[float]],
    grads: list[list[float]],
    groups: int,
    need_x: bool,
) -> tuple[list[Matrix] | None, list[list[float]]]:
    """``(grad_x, grad_filters)`` from the forward pass's taps, patch by patch.

    A *patch* is what one output position read: every tap of its group's
    input channels (``zip(*taps)``). Only positions with a non-zero gradient
    take part (after ReLU and max pooling that is a quarter to a half):
    ``grad_filters[o]`` is the gradient-weighted sum of those patches, and
    each position's patch gradient ``sum_o grad[o] * filters[o]`` is added
    back into the padded plane, tap by tap, then folded onto the input.
    ``grads[o]`` must be zero in the grid's thrown-away cells.
    """
    per_in, per_out = len(taps) // groups, len(filters) // groups
    size = len(filters[0])
    grad_filters: list[list[float]] = []
    grad_x: list[Matrix] = []
    for group in range(groups):
        channels = taps[group * per_in : (group + 1) * per_in]
        patches = list(zip(*[tap for channel in channels for tap in channel], strict=True))
        outs = range(group * per_out, (group + 1) * per_out)
        for o in outs:
            grad = grads[o]
            where = [i for i, g in enumerate(grad) if g]
            grad_filters.append(
                weighted_sum([patches[i] for i in where], [grad[i] for i in where], None)
                if where
                else [0.0] * size
            )
        if need_x:
            grad_x += _spread_patches(grid, [filters[o] for o in outs], [grads[o] for o in outs])
    return (grad_x if need_x else None), grad_filters


def _spread_patches(
    grid: Grid, filters: list[list[float]], grads: list[list[float]]
) -> list[Matrix]:
    """The input gradient of one group: each position's patch gradient added
    into the padded planes at the cells the patch read, in position order."""
    taps = len(grid.offsets)
    channels = len(filters[0]) // taps
    planes = [[0.0] * (grid.rows * grid.width) for _ in range(channels)]
    s_w, step = grid.stride[1], grid.stride[0] * grid.width
    for position in range(grid.count):
        pairs = [
            (grad[position], f) for grad, f in zip(grads, filters, strict=True) if grad[position]
        ]
        if not pairs:
            continue
        patch = weighted_sum([f for _, f in pairs], [g for g, _ in pairs], None)
        row, col = divmod(position, grid.per_row)
        cells = [row * step + col * s_w + offset for offset in grid.offsets]
        for plane, start in zip(planes, range(0, len(patch), taps), strict=True):
            for cell, value in zip(cells, patch[start : start + taps], strict=True):
                plane[cell] += value
    return [grid.fold(plane) for plane in planes]


# ------------------------------------------------------------- conv2d_backward


def _grad_weights(grid: Grid, padded: list[float], grads: list[list[float]]) -> list[list[float]]:
    """For one input channel: ``[o][tap]``, each tap's slice dotted with
    every output gradient of the channel's group (one slice at a time)."""
    s_w, d_w, count = grid.stride[1], grid.dilation[1], grid.count
    per_tap = []
    for kernel_row in range(grid.kernel[0]):
        band, offset = grid.band(padded, kernel_row)
        for kernel_col in range(grid.kernel[1]):
            start = offset + kernel_col * d_w
            per_tap.append(dots(grads, band[start : start + (count - 1) * s_w + 1 : s_w]))
    return [list(column) for column in zip(*per_tap, strict=True)]


def _grad_input(
    grid: Grid, filters: list[list[float]], grads: list[list[float]], channel: int
) -> Matrix:
    """One input channel's gradient: every (output, tap) shift of the output
    gradients, weighted by that filter's weight, ``CHUNK`` at a time."""
    taps = len(grid.offsets)
    acc: list[float] | None = None
    pending: list[list[float]] = []
    weights: list[float] = []
    for grad, weight in zip(grads, filters, strict=True):
        stuffed = grid.stuffed(grad)
        for tap in range(taps):
            pending.append(grid.shift(stuffed, tap))
            weights.append(weight[channel * taps + tap])
            if len(pending) == CHUNK:
                acc, pending, weights = weighted_sum(pending, weights, acc), [], []
    if pending:
        acc = weighted_sum(pending, weights, acc)
    assert acc is not None
    return grid.fold(acc)


def conv2d_backward(
    grad_output: object,
    x: object,
    weight: object,
    bias: object = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    groups: object = 1,
    padding_mode: object = "zeros",
) -> tuple[list[Matrix], list[list[Matrix]], list[float] | None]:
    """The gradients of ``conv2d(x, weight, bias, ...)`` (same arguments):
    ``(grad_x, grad_weight, grad_bias)`` shaped like ``x``, ``weight`` and
    ``bias`` (``grad_bias`` is ``None`` without bias), equal to what
    ``torch.autograd`` gives for ``grad_output`` (``[C_out][H_out][W_out]``).

    Every padding form and mode ``conv2d`` takes is allowed: a reflected,
    replicated or wrapped padded cell passes its gradient to the pixel it
    showed. Checks its arguments like ``conv2d``, and the work (about twice
    the forward pass's) against the caps, before any work.
    """
    plan = plan_conv(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    grid = plan_grid(plan)
    c_out, per_in = plan.out_channels, plan.in_channels // plan.groups
    k_h, k_w = plan.kernel
    spread = plan.in_channels * (c_out // plan.groups) * k_h * k_w * grid.rows * grid.width
    check_work(spread + c_out * per_in * k_h * k_w * grid.count, grid.rows * grid.width, "grad_x")
    grads = image_like("grad_output", grad_output, (c_out, *plan.out_size), "conv2d's output")
    grids = [grid.grid_of(g) for g in grads]
    per_out = c_out // plan.groups
    filters = [[w for kernel in f for row in kernel for w in row] for f in plan.weight]
    grad_x: list[Matrix] = []
    by_channel: list[list[list[float]]] = []  # [input channel][o in its group][tap]
    for c, channel in enumerate(plan.x):
        group = c // per_in
        outs = range(group * per_out, (group + 1) * per_out)
        by_channel.append(_grad_weights(grid, grid.pad(channel), [grids[o] for o in outs]))
        grad_x.append(
            _grad_input(grid, [filters[o] for o in outs], [grids[o] for o in outs], c % per_in)
        )
    grad_weight = [
        [
            [by_channel[group_first + i][o % per_out][r * k_w : (r + 1) * k_w] for r in range(k_h)]
            for i in range(per_in)
        ]
        for o in range(c_out)
        for group_first in [o // per_out * per_in]
    ]
    grad_bias = [fsum(g) for g in grids]
    return grad_x, grad_weight, None if plan.bias is None else grad_bias
