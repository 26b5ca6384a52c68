"""Requests of the learning pages' widgets (learn, receptive, transpose, embed).

Each function takes JSON-friendly arguments and returns plain dicts and lists;
every number in them comes from convcore. The build calls the same functions
on the host to pre-render each widget's first view, so the page and the
worker can never disagree about what a widget shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import cells

import convcore

Grid = list[list[float]]

WEIGHT_KINDS = ("box", "ones", "edge")
PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def kernel_weights(kind: str, size: int) -> Grid:
    """A ``size``x``size`` kernel: ``box`` averages, ``ones`` sums, ``edge``
    weighs columns from -1 (left) to +1 (right), so it is not symmetric and
    flipping it would change the answer."""
    if kind == "box":
        return [[1.0 / (size * size)] * size for _ in range(size)]
    if kind == "ones":
        return [[1.0] * size for _ in range(size)]
    if kind == "edge":
        if size == 1:
            return [[1.0]]
        row = [-1.0 + 2.0 * c / (size - 1) for c in range(size)]
        return [list(row) for _ in range(size)]
    raise ValueError(f"weights must be one of {', '.join(WEIGHT_KINDS)}, got {kind!r}")


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _window(trace: convcore.Trace, row: int, col: int) -> dict[str, Any]:
    window = trace[trace.step_of(0, row, col)]
    return {
        "position": list(window.position),
        "sum": window.sum,
        "output": window.output,
        "taps": [
            {
                "kernel": list(tap.kernel),
                "input": list(tap.input),
                "source": None if tap.source is None else list(tap.source),
                "is_padding": tap.is_padding,
                "weight": tap.weight,
                "value": tap.value,
                "product": tap.product,
            }
            for tap in window.taps
        ],
    }


def _axis_fit(result: convcore.AxisFit) -> dict[str, Any]:
    return {
        "out": result.out,
        "fits": result.fits,
        "span": result.span,
        "padded": result.padded,
        "used": result.used,
        "leftover": result.leftover,
        "dropped": list(result.dropped),
        "skipped": list(result.skipped),
        "reason": result.reason,
        "fixes": [str(fix) for fix in result.fixes],
    }


def learn_conv(
    digit: Sequence[Sequence[float]],
    kernel: int = 3,
    weights: str = "box",
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    padding_mode: str = "zeros",
    at: Sequence[int] | None = None,
) -> dict[str, Any]:
    """One single-channel layer on a digit: the output, how the windows land
    along an axis, the cost, and the window at output pixel ``at`` (default:
    the middle one, clamped to the output)."""
    w = kernel_weights(weights, kernel)
    settings: dict[str, Any] = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "padding_mode": padding_mode,
    }
    size = len(digit)
    axis = convcore.fit(size, kernel, stride, padding, dilation, padding_mode)
    assert isinstance(axis, convcore.AxisFit)
    if axis.out == 0:
        return {"error": axis.reason[0].upper() + axis.reason[1:] + ".", "fit": _axis_fit(axis)}
    output = convcore.conv2d([digit], [[w]], **settings)[0]
    rows, cols = len(output), len(output[0])
    where = (rows // 2, cols // 2) if at is None else (at[0], at[1])
    row, col = _clamp(where[0], 0, rows - 1), _clamp(where[1], 0, cols - 1)
    trace = convcore.trace([digit], [[w]], **settings)
    return {
        "input": [list(r) for r in digit],
        "weights": w,
        "output": output,
        "out_size": [rows, cols],
        "fit": _axis_fit(axis),
        "macs": rows * cols * kernel * kernel,
        "params": kernel * kernel,
        "window": _window(trace, row, col),
    }


def learn_pad(padding: int = 1, size: int = 4) -> dict[str, Any]:
    """A ``size``x``size`` ramp padded in each of the four modes.

    The padded picture is ``conv2d`` with a 1x1 kernel of weight 1, so it is
    exactly what a layer with that ``padding_mode`` reads.
    """
    ramp = [[float(r * size + c + 1) for c in range(size)] for r in range(size)]
    modes: dict[str, Any] = {}
    for mode in PAD_MODES:
        try:
            padded = convcore.conv2d([ramp], [[[[1.0]]]], padding=padding, padding_mode=mode)[0]
            modes[mode] = {"grid": padded}
        except ValueError as error:
            modes[mode] = {"error": str(error)}
    return {"input": ramp, "padding": padding, "modes": modes}


def _formula(n: int, k: int, s: int, p: int, d: int, out: int) -> str:
    top = n + 2 * p - d * (k - 1) - 1
    text = (
        f"floor(({n} + 2\u00b7{p} \u2212 {d}\u00b7({k} \u2212 1) \u2212 1) / {s}) + 1"
        f" = floor({top} / {s}) + 1"
    )
    if out == 0:
        return f"{text} = {top // s + 1}: below 1, so there is no output"
    return f"{text} = {out}"


def learn_fit(
    size: int = 20,
    kernel: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    padding_mode: str = "zeros",
) -> dict[str, Any]:
    """``convcore.fit`` along one axis, the formula with the numbers filled in,
    and what the post's check and ``convcore.valid_convolution`` say."""
    axis = convcore.fit(size, kernel, stride, padding, dilation, padding_mode)
    assert isinstance(axis, convcore.AxisFit)
    result = _axis_fit(axis)
    result["formula"] = _formula(size, kernel, stride, padding, dilation, axis.out)
    result["settings"] = {
        "size": size,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    # Window starts in padded coordinates, for the number-line drawing.
    result["starts"] = [o * stride for o in range(axis.out)]
    return result


def _layer_rows(
    layers: Sequence[Sequence[int]], field: convcore.ReceptiveField
) -> list[dict[str, Any]]:
    rows = []
    for spec, info in zip(layers, field.layers, strict=True):
        k, s, p, d = (list(spec) + [1, 0, 1][len(spec) - 1 :])[:4]
        rows.append(
            {
                "kernel": k,
                "stride": s,
                "padding": p,
                "dilation": d,
                "out_size": None if info.out_size is None else info.out_size[0],
                "size": info.size[0],
                "jump": info.jump[0],
                "start": info.start[0],
            }
        )
    return rows


def learn_receptive(
    layers: Sequence[Sequence[int]], at: Sequence[int] | None = None, input_size: int = 20
) -> dict[str, Any]:
    """The receptive field of output pixel ``at`` of the last layer (default:
    the middle one; clamped to the output) on an ``input_size`` square."""
    specs = [tuple(layer) for layer in layers]
    probe = convcore.receptive_field(specs, at=(0, 0), input_size=input_size)
    last = probe.layers[-1].out_size
    assert last is not None
    where = (last[0] // 2, last[1] // 2) if at is None else (at[0], at[1])
    row, col = _clamp(where[0], 0, last[0] - 1), _clamp(where[1], 0, last[1] - 1)
    field = convcore.receptive_field(specs, at=(row, col), input_size=input_size)
    size, jump, start = field.size, field.jump, field.start
    return {
        "layers": _layer_rows(layers, field),
        "at": [row, col],
        "out_size": list(last),
        "input_size": input_size,
        "rows": list(field.rows),
        "cols": list(field.cols),
        "count": len(field.rows) * len(field.cols),
        # The unclipped field, which may reach into the padding.
        "box": [
            start[0] + row * jump[0],
            start[0] + row * jump[0] + size[0] - 1,
            start[1] + col * jump[1],
            start[1] + col * jump[1] + size[1] - 1,
        ],
    }


def _reprs(grid: Sequence[Sequence[float]]) -> list[list[str]]:
    return [[repr(float(v)) for v in row] for row in grid]


def _on_ring(r: int, c: int) -> bool:
    """The border of the 4x4 square in the middle of a 6x6 map."""
    return 1 <= r <= 4 and 1 <= c <= 4 and (r in (1, 4) or c in (1, 4))


def _roundtrip(weight: Grid, stride: int, padding: int) -> dict[str, Any]:
    """A map ``x``, then ``conv2d`` down, then ``conv_transpose2d`` back up.

    ``output_padding`` is picked so the result has ``x``'s size when some
    allowed value does that; the values still differ from ``x``.
    """
    x = [[1.0 if _on_ring(r, c) else 0.0 for c in range(6)] for r in range(6)]
    k = len(weight)
    try:
        down = convcore.conv2d([x], [[weight]], stride=stride, padding=padding)[0]
    except ValueError as error:
        return {"x": x, "error": str(error)}
    m = len(down)
    natural = (m - 1) * stride - 2 * padding + k
    output_padding = len(x) - natural if 0 <= len(x) - natural < stride else 0
    try:
        up = convcore.conv_transpose2d(
            [down], [[weight]], stride=stride, padding=padding, output_padding=output_padding
        )[0]
    except ValueError as error:
        return {"x": x, "down": down, "error": str(error)}
    same_shape = len(up) == len(x) and len(up[0]) == len(x[0])
    return {
        "x": x,
        "down": down,
        "up": up,
        "x_reprs": _reprs(x),
        "down_reprs": _reprs(down),
        "up_reprs": _reprs(up),
        "output_padding": output_padding,
        "same_shape": same_shape,
        "equal": same_shape and up == x,
    }


def learn_transpose(
    x: Sequence[Sequence[float]],
    weight: Sequence[Sequence[float]],
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    at: Sequence[int] | None = None,
) -> dict[str, Any]:
    """``conv_transpose2d`` of a small map, what input pixel ``at`` scatters
    (default ``(0, 0)``, clamped), and the conv-then-transpose round trip."""
    xs = [[float(v) for v in row] for row in x]
    ws = [[float(v) for v in row] for row in weight]
    output = convcore.conv_transpose2d(
        [xs], [[ws]], stride=stride, padding=padding, output_padding=output_padding
    )[0]
    trace = convcore.trace_transpose(
        [xs], [[ws]], stride=stride, padding=padding, output_padding=output_padding
    )
    where = (0, 0) if at is None else (at[0], at[1])
    row = _clamp(where[0], 0, len(xs) - 1)
    col = _clamp(where[1], 0, len(xs[0]) - 1)
    spread = trace[row * len(xs[0]) + col]
    return {
        "x": xs,
        "weight": ws,
        "output": output,
        "reprs": _reprs(output),
        "out_size": [len(output), len(output[0])],
        "at": [row, col],
        "spread": {
            "value": spread.value,
            "targets": [
                {
                    "kernel": list(t.kernel),
                    "output": list(t.output),
                    "inside": t.inside,
                    "weight": t.weight,
                    "product": t.product,
                }
                for t in spread.targets
            ],
        },
        "roundtrip": _roundtrip(ws, stride, padding),
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: max pooling's padding (``-inf``) travels as null."""
    return value if math.isfinite(value) else None


def _pool_sizes(n: int, kernel: int, stride: int, padding: int) -> dict[str, int | None]:
    """The output length along an axis with and without ``ceil_mode``
    (``None`` where there is no output)."""
    sizes: dict[str, int | None] = {}
    for name, ceil in (("floor", False), ("ceil", True)):
        try:
            sizes[name] = convcore.output_size(n, kernel, stride, padding, ceil_mode=ceil)
        except ValueError:
            sizes[name] = None
    return sizes


def _pool_window(window: convcore.PoolWindow, padded: tuple[int, int]) -> dict[str, Any]:
    """A window of ``trace_pool`` for the page; ``beyond`` marks cells past
    the ``padded`` input (``ceil_mode``'s last window), never part of it."""
    values = [tap.value for tap in window.taps]
    total = values[0]
    for value in values[1:]:
        total = total + value  # in window order, as avg_pool2d adds
    inside = [tap.value for tap in window.taps if not tap.is_padding]
    return {
        "position": list(window.position),
        "output": window.output,
        "winner": None if window.winner is None else list(window.winner),
        "ties": inside.count(window.output) if window.divisor is None else 0,
        "divisor": window.divisor,
        "sum": _finite(total),
        "taps": [
            {
                "kernel": list(tap.kernel),
                "input": list(tap.input),
                "is_padding": tap.is_padding,
                "beyond": tap.padded[0] >= padded[0] or tap.padded[1] >= padded[1],
                "counted": tap.counted,
                "value": _finite(tap.value),
                "winner": tap.winner,
            }
            for tap in window.taps
        ],
    }


def learn_pool(
    digit: Sequence[Sequence[float]],
    kind: str = "max",
    kernel: int = 2,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    at: Sequence[int] | None = None,
) -> dict[str, Any]:
    """``max_pool2d`` or ``avg_pool2d`` of a digit, the output sizes with and
    without ``ceil_mode``, and the window of output pixel ``at`` (default:
    the middle one, clamped) from ``trace_pool``. A setting PyTorch refuses
    gives ``{"error": its message}``."""
    settings: dict[str, Any] = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil_mode,
    }
    try:
        trace = convcore.trace_pool([digit], kind, count_include_pad=count_include_pad, **settings)
    except ValueError as error:
        return {"error": str(error)}
    if trace.kind == "max":
        output = convcore.max_pool2d([digit], **settings)[0]
    else:
        output = convcore.avg_pool2d([digit], count_include_pad=count_include_pad, **settings)[0]
    rows, cols = trace.out_size
    where = (rows // 2, cols // 2) if at is None else (at[0], at[1])
    row, col = _clamp(where[0], 0, rows - 1), _clamp(where[1], 0, cols - 1)
    step = trace.stride[0]
    # How far the windows reach past the input: the padding, or under
    # ceil_mode the last window hanging over the padded edge.
    side = len(digit) + 2 * padding
    reach = max(padding, (rows - 1) * step + kernel - side + padding)
    return {
        "input": [list(r) for r in digit],
        "output": output,
        "out_size": [rows, cols],
        "stride": step,
        "sizes": _pool_sizes(len(digit), kernel, step, padding),
        "margin": [padding, reach],
        "window": _pool_window(trace[row * cols + col], (side, side)),
    }


@cache
def _shipped_model() -> convcore.Sequential:
    """The shipped classifier, loaded once per worker."""
    return convcore.digits_model()


def learn_kernels(digit: Sequence[Sequence[float]]) -> dict[str, Any]:
    """The shipped model's first layer: its kernels and biases, what each
    makes of a digit before and after the relu that follows it, and the
    model's probabilities for the digit."""
    model = _shipped_model()
    first = model[0]
    assert isinstance(first, convcore.Conv2d) and first.in_channels == 1
    outputs = model.activations([digit])
    after = outputs[1] if isinstance(model[1], convcore.ReLU) else outputs[0]
    weights = first.weight.tolist()
    probabilities = convcore.softmax(outputs[-1])
    return {
        "input": [list(r) for r in digit],
        "kernels": [w[0] for w in weights],
        "bias": [] if first.bias is None else first.bias.tolist(),
        "maps": outputs[0],
        "relu": after,
        "layer": repr(first),
        "probabilities": probabilities,
        "prediction": max(range(len(probabilities)), key=probabilities.__getitem__),
    }


REQUESTS: dict[str, Callable[..., Any]] = {
    "learn_conv": learn_conv,
    "learn_pad": learn_pad,
    "learn_fit": learn_fit,
    "learn_receptive": learn_receptive,
    "learn_transpose": learn_transpose,
    "learn_pool": learn_pool,
    "learn_kernels": learn_kernels,
}


def warmup() -> None:
    """Run each request once, and one code cell (the build records the imports).

    Not ``learn_kernels``: the build's warm-up Python gets convcore's
    modules, not the shipped model's weights; the page loads what that
    request imports on its first call.
    """
    digit = [[float((r + c) % 3) for c in range(8)] for r in range(8)]
    learn_conv(digit, kernel=3, weights="edge", stride=2, padding=1, padding_mode="reflect")
    learn_pad(1)
    learn_fit(20, 3, 2, 1)
    learn_receptive([[3, 1, 1, 1], [3, 2, 0, 2]])
    learn_transpose([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]], stride=2)
    learn_pool(digit, kind="avg", kernel=3, padding=1, ceil_mode=True)
    cells.run_cell("print(1)\n1 + 1", "{}")
