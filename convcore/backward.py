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
from convcore.flat import dots, weighted_sum
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


def conv_grads(
    grid: Grid,
    taps: list[Taps],
    filters: list[list[float]],
    grads: list[list[float]],
    groups: int,
    need_x: bool,
) -> tuple[list[Matrix] | None, list[list[float]], list[float]]:
    """``(grad_x, grad_filters, grad_bias)`` for output gradients on the grid.

    ``grads[o]`` must be zero in the grid's thrown-away cells; ``grad_x`` is
    ``None`` unless ``need_x``.
    """
    per_in, per_out = len(taps) // groups, len(filters) // groups
    grad_filters = []
    for o, grad in enumerate(grads):
        first = o // per_out * per_in
        grad_filters.append(dots([tap for ch in taps[first : first + per_in] for tap in ch], grad))
    grad_bias = [fsum(grad) for grad in grads]
    if not need_x:
        return None, grad_filters, grad_bias
    kernel_taps = len(grid.offsets)
    grad_x: list[Matrix] = []
    for group in range(groups):
        outs = range(group * per_out, (group + 1) * per_out)
        shifted = [s for o in outs for s in grid.shifts(grid.stuffed(grads[o]))]
        for c in range(per_in):
            weights = [w for o in outs for w in filters[o][c * kernel_taps : (c + 1) * kernel_taps]]
            grad_x.append(grid.fold(weighted_sum(shifted, weights, None)))
    return grad_x, grad_filters, grad_bias


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
    taps = [channel_taps(grid, channel) for channel in plan.x]
    filters = [[w for kernel in f for row in kernel for w in row] for f in plan.weight]
    grad_x, grad_filters, grad_bias = conv_grads(
        grid, taps, filters, [grid.grid_of(g) for g in grads], plan.groups, need_x=True
    )
    assert grad_x is not None
    grad_weight = [
        [
            [flat[start + r * k_w : start + (r + 1) * k_w] for r in range(k_h)]
            for start in range(0, per_in * k_h * k_w, k_h * k_w)
        ]
        for flat in grad_filters
    ]
    return grad_x, grad_weight, None if plan.bias is None else grad_bias
