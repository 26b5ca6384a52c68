"""The demo page's requests: one ``demo_run`` per settings change, then
``demo_windows`` for the arithmetic of every window (in blocks), so that
steps, the slide and the animation show it without asking again; and, while
the page is idle, ``demo_ahead`` for the states one key press away, so that
the press finds its result already computed.

Everything the page shows as a number comes from here: the input values it
convolves (after converting an uploaded image), the output of every filter,
the output-size formula with the numbers filled in, whether the windows fit,
the nearest settings that do, the arithmetic of one window (from
``convcore.trace``) and the PyTorch code that reproduces it all. The page only
looks values up and draws them.

The same ``run`` renders the page's first view at build time (see
``site_src/prerender/index.py``), so the pre-rendered and the live page agree.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from itertools import chain
from operator import add
from typing import Any, Final, Protocol

import convcore
from convcore.conv import run as conv_run
from convcore.padding import index_map
from convcore.plan import plan_conv
from convcore.trace import trace_plan

#: The page's ranges (narrower than convcore's caps: this is a teaching page).
KERNEL_RANGE: Final = (1, 20)
STRIDE_RANGE: Final = (1, 10)
PADDING_RANGE: Final = (0, 10)
DILATION_RANGE: Final = (1, 5)
MAX_FILTERS: Final = 3
MAX_UPLOAD_SIDE: Final = 128

Pair = tuple[int, int]
Image = list[list[list[float]]]

TIMES: Final = "\u00d7"  # the multiplication sign, as in "20 x 20" (page text only)
MINUS: Final = "\u2212"
DASH: Final = "\u2013"  # an en dash, for ranges of indices

#: ITU-R BT.601 luma weights, the usual "convert to grayscale".
_LUMA: Final = (0.299, 0.587, 0.114)


class _Table(Protocol):
    """A value -> float look-up: a dict keyed by float, or a list indexed by byte."""

    def __getitem__(self, key: Any, /) -> float: ...


_Tables = tuple[_Table, tuple[_Table, _Table, _Table]]  # unit, luma shares (r, g, b)


def _tables(by_byte: bool) -> _Tables:
    """The unit value (weight 1: ``1.0 * x == x``) and the three luma shares,
    keyed by the value as a float, or (``by_byte``) a list indexed by the byte:
    for an image's RGBA bytes (a memoryview of format "B") a list index is
    about twice as fast as a dict look-up in the page's Python (128x128 upload
    to gray: 4.7 -> 2.4 ms)."""

    def table(weight: float) -> _Table:
        values = [weight * (v / 255) for v in range(256)]
        return values if by_byte else dict(zip(map(float, range(256)), values, strict=True))

    red, green, blue = _LUMA
    return table(1.0), (table(red), table(green), table(blue))


#: For opaque images: a byte's value in [0, 1], and its share of the luma,
#: computed exactly as the general arithmetic in ``build_input`` computes them
#: (for alpha 255 that arithmetic gives ``byte / 255``, whatever the
#: background), so the look-up is bit for bit the same and ~2.5 times faster.
_BY_VALUE: Final = _tables(by_byte=False)
_BY_BYTE: Final = _tables(by_byte=True)

#: The traces of recent runs by token (the page shows one of them), so that a
#: window costs one block, not a new plan. Oldest out first, at most
#: ``_TRACES_KEPT`` of them and ``_TRACE_CELLS`` input values in all (the
#: newest is always kept): a digit's trace holds 400 values, an upload's up
#: to 49,152.
_traces: dict[int, convcore.Trace | None] = {}
_TRACES_KEPT: Final = 64
_TRACE_CELLS: Final = 2 * 128 * 128 * 3


def _keep_trace(token: int, trace: convcore.Trace | None) -> None:
    _traces.pop(token, None)
    _traces[token] = trace
    cells = sum(_cells(t) for t in _traces.values())
    while len(_traces) > 1 and (len(_traces) > _TRACES_KEPT or cells > _TRACE_CELLS):
        oldest = next(iter(_traces))
        cells -= _cells(_traces.pop(oldest))


def _cells(trace: convcore.Trace | None) -> int:
    if trace is None:
        return 0
    height, width = trace.in_size
    return len(trace._plan.x) * height * width


# ------------------------------------------------------------------ numbers


def js_number(value: float) -> str:
    """``value`` written as JavaScript's ``String(number)`` writes it.

    Both languages print the shortest digits that read back as the same
    double; they differ only in layout ("3.0" vs "3", "1e-07" vs "1e-7",
    "1e+16" vs "10000000000000000"). The pre-rendered tables use this so that
    they match what the page writes once Python is running.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # value = 0.<digits> x 10**n
    n = len(whole) + (int(exp_text) if exp_text else 0) - (len(whole + frac) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    exponent = n - 1
    mark = "+" if exponent >= 0 else "-"
    body = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{body}e{mark}{abs(exponent)}"


# ------------------------------------------------------------------- input


def build_input(
    source: Sequence[float], kind: str, height: int, width: int, channels: int, background: str
) -> tuple[Image, bool]:
    """The ``[C][H][W]`` input, and whether the source had transparent pixels.

    ``kind`` "gray": ``source`` holds ``H*W`` values (a digit or a drawing),
    copied into every channel. ``kind`` "rgba": ``H*W*4`` bytes of an image;
    transparency is composited over ``background`` ("black" or "white"),
    channels are the bytes / 255, and one channel is their luma.
    """
    if kind not in ("gray", "rgba"):
        raise ValueError(f"kind must be 'gray' or 'rgba', got {kind!r}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    if not (1 <= height <= MAX_UPLOAD_SIDE and 1 <= width <= MAX_UPLOAD_SIDE):
        raise ValueError(f"the input must be 1 to {MAX_UPLOAD_SIDE} pixels a side")
    per_pixel = 1 if kind == "gray" else 4
    if len(source) != height * width * per_pixel:
        raise ValueError(f"expected {height * width * per_pixel} source values, got {len(source)}")
    if kind == "gray":
        flat = [float(v) for v in source]
        plane = [flat[r * width : (r + 1) * width] for r in range(height)]
        return [plane] * channels, False
    # Whole channels at once (strided slices of the RGBA bytes), one
    # comprehension each: the same arithmetic in the same order as a loop
    # over pixels, so the values are bit for bit the same, 2-3 times faster.
    items = source if isinstance(source, (memoryview, list)) else list(source)
    alphas = items[3::4]
    if isinstance(items, memoryview) and items.format == "B":
        opaque = items[3::4].tobytes().count(255) == len(alphas)
        tables = _BY_BYTE
    else:
        opaque = all(alpha == 255 for alpha in alphas)
        tables = _BY_VALUE
    planes = _opaque_planes(items, channels, tables) if opaque else None
    transparent = not opaque and any(alpha < 255 for alpha in alphas)
    if planes is None:
        planes = _composited_planes(items, alphas, channels, background)
    return [
        [plane[r * width : (r + 1) * width] for r in range(height)] for plane in planes
    ], transparent


def _composited_planes(
    items: Sequence[float], alphas: Sequence[float], channels: int, background: str
) -> list[list[float]]:
    """The general arithmetic: every byte over the background, then luma."""
    back = 255.0 if background == "white" else 0.0
    planes = [
        [
            (value * alpha + back * (255 - alpha)) / 255 / 255
            for value, alpha in zip(items[ch::4], alphas, strict=True)
        ]
        for ch in range(3)
    ]
    if channels == 1:
        red, green, blue = planes
        luma_r, luma_g, luma_b = _LUMA
        planes = [
            [luma_r * r + luma_g * g + luma_b * b for r, g, b in zip(red, green, blue, strict=True)]
        ]
    return planes


def _opaque_planes(
    items: Sequence[float], channels: int, tables: _Tables
) -> list[list[float]] | None:
    """The same values for an image without transparency, by table look-up;
    None when some value is not a whole byte (then the general arithmetic)."""
    unit, (red, green, blue) = tables
    try:
        if channels == 1:
            return [
                [
                    red[r] + green[g] + blue[b]
                    for r, g, b in zip(items[0::4], items[1::4], items[2::4], strict=True)
                ]
            ]
        return [[unit[v] for v in items[ch::4]] for ch in range(3)]
    except (KeyError, TypeError):
        return None


# ---------------------------------------------------------------- settings


def _pair(name: str, value: object, limits: Pair) -> Pair:
    if isinstance(value, bool) or not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair [height, width]")
    low, high = limits
    items = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
            raise ValueError(f"{name} must be whole numbers from {low} to {high}")
        items.append(item)
    return items[0], items[1]


def _padding(value: object) -> str | Pair:
    if value in ("same", "valid"):
        assert isinstance(value, str)
        return value
    return _pair("padding", value, PADDING_RANGE)


def _in_page_range(fix: convcore.Fix) -> bool:
    limits = {"padding": PADDING_RANGE, "kernel": KERNEL_RANGE, "stride": STRIDE_RANGE}
    low, high = limits[fix.parameter]
    values = fix.value if isinstance(fix.value, tuple) else (fix.value, fix.value)
    return all(low <= v <= high for v in values)


def _fix(parameter: str, value: object, out: object, text: str) -> dict[str, Any]:
    return {"parameter": parameter, "value": value, "out": out, "text": text}


def _shape_text(out: object) -> str:
    if isinstance(out, (tuple, list)):
        return f"{out[0]} {TIMES} {out[1]}"
    return str(out)


def _value_text(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return str(value[0]) if value[0] == value[1] else f"{value[0]},{value[1]}"
    return str(value)


def _fit_fixes(result: convcore.Fit2D) -> list[dict[str, Any]]:
    return [
        _fix(
            f.parameter,
            list(f.value) if isinstance(f.value, tuple) else f.value,
            list(f.out) if isinstance(f.out, tuple) else f.out,
            f"{f.parameter} {_value_text(f.value)} → output {_shape_text(f.out)}",
        )
        for f in result.fixes
        if _in_page_range(f)
    ]


def _refusal_fixes(
    size: Pair, kernel: Pair, stride: Pair, padding: str | Pair, dilation: Pair, mode: str
) -> list[dict[str, Any]]:
    """Settings near a refused one (``same`` with a stride, too much reflect
    padding) that convcore accepts."""
    candidates: list[tuple[str, object, dict[str, object]]] = []
    if padding == "same" and stride != (1, 1):
        candidates.append(("stride", [1, 1], {"stride": (1, 1)}))
        numbers = (dilation[0] * (kernel[0] - 1) // 2, dilation[1] * (kernel[1] - 1) // 2)
        candidates.append(("padding", list(numbers), {"padding": numbers}))
    if mode in ("reflect", "circular"):
        candidates.append(("padding_mode", "replicate", {"padding_mode": "replicate"}))
        candidates.append(("padding_mode", "zeros", {"padding_mode": "zeros"}))
    fixes = []
    base: dict[str, object] = {
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "padding_mode": mode,
    }
    for parameter, value, change in candidates:
        try:
            result = convcore.fit(size, **{**base, **change})
        except ValueError:
            continue
        assert isinstance(result, convcore.Fit2D)
        if min(result.out) > 0:
            text = f"{parameter.replace('_', ' ')} {_value_text(value)}"
            fixes.append(_fix(parameter, value, list(result.out), text))
    return fixes


def _formula(axis: convcore.AxisFit, name: str) -> str:
    """PyTorch's output-size formula for one axis, with this page's numbers."""
    before, after = axis.padding
    pad_text = f"2{TIMES}{before}" if before == after else f"{before} + {after}"
    result = str(axis.out) if axis.out > 0 else "0: no output"
    return (
        f"{name}_out = ⌊({axis.size} + {pad_text} {MINUS} {axis.dilation}{TIMES}({axis.kernel} "
        f"{MINUS} 1) {MINUS} 1)"
        f" / {axis.stride}⌋ + 1 = ⌊{axis.padded - axis.span} / {axis.stride}⌋ + 1 = {result}"
    )


# ----------------------------------------------------------------- windows


def _window(trace: convcore.Trace, step: int) -> dict[str, Any]:
    """One window's arithmetic, compactly: weights, values, products (taps in
    summation order: input channel, kernel row, kernel column)."""
    window = trace[step]
    weights = array("d")
    values = array("d")
    products = array("d")
    padding = []
    sources = []
    channel_sums: list[float] = []
    for tap in window.taps:
        weights.append(tap.weight)
        values.append(tap.value)
        products.append(tap.product)
        padding.append(1 if tap.is_padding else 0)
        sources.append(
            -1 if tap.source is None else tap.source[0] * trace.in_size[1] + tap.source[1]
        )
        while len(channel_sums) <= tap.in_channel:
            channel_sums.append(0.0)
        channel_sums[tap.in_channel] += tap.product
    return {
        "step": window.step,
        "position": list(window.position),
        "weights": weights,
        "values": values,
        "products": products,
        "padding": padding,
        "sources": sources,
        "channel_sums": channel_sums if len(channel_sums) > 1 else [],
        "sum": window.sum,
        "bias": window.bias,
        "output": window.output,
    }


#: Taps in one block of windows: a digit's windows come in one block (up to
#: a 7x7 kernel), a 128x128 upload's 16k in pieces of ~10 ms in the worker.
BLOCK_TAPS: Final = 12_000


def _padded(image: list[list[float]], row_map: list[int], col_map: list[int]) -> list[list[float]]:
    """One channel as the windows see it: index maps applied, 0.0 for zeros."""
    return [
        [image[r][c] if r >= 0 and c >= 0 else 0.0 for c in col_map]
        if r >= 0
        else [0.0] * len(col_map)
        for r in row_map
    ]


def _window_block(trace: convcore.Trace, first: int, count: int) -> dict[str, Any]:
    """Windows ``first .. first + count - 1`` of filter 1, as ``_window`` gives
    each (the same numbers, bit for bit: the sums in the trace's order), but
    tap by tap over all of them at once (a strided slice of a padded row per
    output row), window-major in flat arrays."""
    plan = trace._plan
    width = plan.out_size[1]
    (s_h, s_w), (d_h, d_w) = plan.stride, plan.dilation
    top, left = plan.pads[0][0], plan.pads[1][0]
    height, in_width = plan.in_size
    first_row, skip = divmod(first, width)
    rows = range(first_row, (first + count - 1) // width + 1)
    padded_everywhere = [True] * width

    def block(per_row: list[list[Any]]) -> list[Any]:
        joined: list[Any] = []
        for line in per_row:
            joined += line
        return joined[skip : skip + count]

    weights = array("d")
    values: list[list[float]] = []
    products: list[list[float]] = []
    padding: list[list[bool]] = []
    total = [0.0] * count
    channel_sums = []
    several = len(plan.weight[0]) > 1  # channel sums are shown for RGB only
    for channel, (kernel, factors) in enumerate(zip(plan.weight[0], plan.factors[0], strict=True)):
        padded = _padded(plan.x[channel], plan.row_map, plan.col_map)
        channel_sum = [0.0] * count
        for i, kernel_row in enumerate(kernel):
            row_sum = [0.0] * count
            lines = [padded[r * s_h + i * d_h] for r in rows]
            row_pads = [not 0 <= r * s_h + i * d_h - top < height for r in rows]
            for j, weight in enumerate(kernel_row):
                start, stop = j * d_w, j * d_w + (width - 1) * s_w + 1
                tap = block([line[start:stop:s_w] for line in lines])
                col_pads = [not 0 <= c * s_w + j * d_w - left < in_width for c in range(width)]
                product = list(map(weight.__mul__, tap))
                weights.append(weight)
                values.append(tap)
                products.append(product)
                padding.append(block([padded_everywhere if p else col_pads for p in row_pads]))
                if several:
                    channel_sum = list(map(add, channel_sum, product))
                if factors is None:
                    total = list(map(add, total, product))
                else:  # conv2d's order for a separable kernel, as the trace sums it
                    row_sum = list(map(add, row_sum, map(factors[1][j].__mul__, tap)))
            if factors is not None:
                total = list(map(add, total, map(factors[0][i].__mul__, row_sum)))
        channel_sums.append(channel_sum)
    bias = None if plan.bias is None else plan.bias[0]

    def flat(columns: list[list[float]]) -> array[float]:
        return array("d", chain.from_iterable(zip(*columns, strict=True)))

    return {
        "first": first,
        "count": count,
        "taps": len(weights),
        "weights": weights,
        "values": flat(values),
        "products": flat(products),
        "padding": array("b", chain.from_iterable(zip(*padding, strict=True))),
        "sums": array("d", total),
        "outputs": array("d", total if bias is None else [t + bias for t in total]),
        "channel_sums": flat(channel_sums) if several else array("d"),
        "bias": bias,
    }


def demo_windows(token: int, first: int) -> dict[str, Any]:
    """The block of windows of the run ``token`` (filter 1) that holds
    window ``first``: blocks start at multiples of their size, at most
    ``BLOCK_TAPS`` taps. ``{"stale": True}`` when that run's trace is no
    longer kept (see ``_traces``)."""
    trace = _traces.get(token)
    if trace is None:
        return {"stale": True}
    steps = len(trace)
    taps = len(trace._plan.weight[0]) * trace.kernel[0] * trace.kernel[1]
    size = max(1, BLOCK_TAPS // taps)
    start = min(max(int(first), 0), steps - 1) // size * size
    return {"block": size, **_window_block(trace, start, min(size, steps - start))}


# ------------------------------------------------------------------- code


def _literal(values: Sequence[float]) -> str:
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def pytorch_code(
    channels: int,
    size: Pair,
    kernel: Pair,
    stride: Pair,
    padding: str | Pair,
    dilation: Pair,
    mode: str,
    kernels: list[list[list[float]]],
    bias: list[float] | None,
) -> str:
    """A runnable snippet: given ``x`` of shape (1, C, H, W), ``y = conv(x)``."""
    filters = len(kernels)
    pad = repr(padding) if isinstance(padding, str) else repr(tuple(padding))
    rows = ",\n    ".join(
        "[" + ", ".join(_literal(row) for row in kernel_rows) + "]" for kernel_rows in kernels
    )
    lines = [
        "import torch",
        "from torch import nn",
        "",
        f"# x: a float tensor of shape (1, {channels}, {size[0]}, {size[1]})",
        f"conv = nn.Conv2d({channels}, {filters}, kernel_size={tuple(kernel)!r}, "
        f"stride={tuple(stride)!r}, padding={pad}, dilation={tuple(dilation)!r}, "
        f"bias={bias is not None}, padding_mode={mode!r}).to(x.dtype)",
        f"kernels = torch.tensor([\n    {rows},\n], dtype=x.dtype)  # (filters, kH, kW)",
    ]
    if channels > 1:
        lines.append("# every filter uses its kernel on each input channel and sums the channels")
    lines += [
        "with torch.no_grad():",
        f"    conv.weight.copy_(kernels[:, None].expand(-1, {channels}, -1, -1))",
    ]
    if bias is not None:
        lines.append(f"    conv.bias.copy_(torch.tensor({_literal(bias)}, dtype=x.dtype))")
        lines.append("y = conv(x)")
    else:
        lines.append("y = conv(x)")
    if mode == "zeros":
        bias_arg = "conv.bias" if bias is not None else "None"
        lines += [
            "# the same with torch.nn.functional:",
            f"# y = torch.nn.functional.conv2d(x, conv.weight, {bias_arg}, "
            f"stride={tuple(stride)!r}, padding={pad}, dilation={tuple(dilation)!r})",
        ]
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------- run


def _geometry(
    size: Pair,
    pads: tuple[Pair, Pair],
    out: Pair,
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    mode: str,
) -> dict[str, Any]:
    """Index tables the page draws with: which padded cells each output row /
    column reads, which input pixel each padded cell shows, and the reverse."""
    result: dict[str, Any] = {}
    for axis, name in enumerate(("row", "col")):
        cells = index_map(size[axis], pads[axis][0], pads[axis][1], mode)  # type: ignore[arg-type]
        count = out[axis] if min(out) > 0 else 0
        taps = [
            [o * stride[axis] + k * dilation[axis] for k in range(kernel[axis])]
            for o in range(count)
        ]
        users: list[list[int]] = [[] for _ in range(size[axis])]
        for o, padded in enumerate(taps):
            for source in sorted({cells[p] for p in padded if cells[p] >= 0}):
                users[source].append(o)
        result[f"{name}_map"] = cells
        result[f"{name}_taps"] = taps
        result[f"{name}_users"] = users
    return result


#: The layouts of recent settings (fit, formula, fixes, index tables): a new
#: digit or weight keeps its settings' layout, and ArrowUp then ArrowDown
#: finds the first one again. Oldest out first.
_LAYOUTS: dict[tuple[object, ...], dict[str, Any]] = {}
_LAYOUTS_KEPT: Final = 64

#: The input of the last run, by its source: most changes keep the image.
_last_input: dict[str, Any] = {"key": None}


def _layout(size: Pair, k: Pair, s: Pair, p: str | Pair, d: Pair, mode: str) -> dict[str, Any]:
    """What the settings alone decide, from a cache: the result's fields, and
    ``"out"``, the output size (None when PyTorch refuses the settings)."""
    key = (size, k, s, p, d, mode)
    found = _LAYOUTS.get(key)
    if found is None:
        found = _new_layout(size, k, s, p, d, mode)
        if len(_LAYOUTS) >= _LAYOUTS_KEPT:
            del _LAYOUTS[next(iter(_LAYOUTS))]
        _LAYOUTS[key] = found
    return found


def _new_layout(size: Pair, k: Pair, s: Pair, p: str | Pair, d: Pair, mode: str) -> dict[str, Any]:
    try:
        shape = convcore.fit(size, k, s, p, d, mode)
    except ValueError as exc:
        return {
            "out": None,
            "error": str(exc),
            "fixes": _refusal_fixes(size, k, s, p, d, mode),
            "fit_text": "PyTorch refuses these settings, so there is no output.",
            "pads": [[0, 0], [0, 0]],
            "formula": [],
            "dropped": [[], []],
            "skipped": [[], []],
            "fits": False,
            **_geometry(size, ((0, 0), (0, 0)), (0, 0), k, s, d, "zeros"),
        }
    assert isinstance(shape, convcore.Fit2D)
    pads = (shape.rows.padding, shape.cols.padding)
    return {
        "out": shape.out,
        "error": "",
        "pads": [list(pads[0]), list(pads[1])],
        "formula": [_formula(shape.rows, "H"), _formula(shape.cols, "W")],
        "dropped": [list(shape.rows.dropped), list(shape.cols.dropped)],
        "skipped": [list(shape.rows.skipped), list(shape.cols.skipped)],
        "fits": shape.fits,
        "fixes": _fit_fixes(shape),
        "fit_text": _fit_text(shape),
        **_geometry(size, pads, shape.out, k, s, d, mode),
    }


def _input(
    source: Sequence[float], kind: str, height: int, width: int, channels: int, background: str
) -> tuple[Image, bool, array[float]]:
    """``build_input`` and the input's values flat, remembered for the next
    run: a change of the settings or weights sends the same source again."""
    raw = (source.format, source.tobytes()) if isinstance(source, memoryview) else tuple(source)
    key = (kind, height, width, channels, background, raw)
    if _last_input["key"] != key:
        x, transparent = build_input(source, kind, height, width, channels, background)
        flat = array("d", chain.from_iterable(chain.from_iterable(x)))
        _last_input.update(key=key, value=(x, transparent, flat))
    found: tuple[Image, bool, array[float]] = _last_input["value"]
    return found


def run(
    *,
    source: Sequence[float],
    kind: str,
    height: int,
    width: int,
    channels: int,
    background: str,
    kernel: object,
    stride: object,
    padding: object,
    dilation: object,
    padding_mode: str,
    weights: list[list[float]],
    bias: list[float],
    step: int | None,
    token: int = 0,
) -> dict[str, Any]:
    """Everything the demo shows for one state (see the module docstring)."""
    x, transparent, input_values = _input(source, kind, height, width, channels, background)
    size = (height, width)
    k = _pair("kernel", kernel, KERNEL_RANGE)
    s = _pair("stride", stride, STRIDE_RANGE)
    d = _pair("dilation", dilation, DILATION_RANGE)
    p = _padding(padding)
    if not 1 <= len(weights) <= MAX_FILTERS or len(bias) != len(weights):
        raise ValueError(f"give 1 to {MAX_FILTERS} filters, each with one bias")
    kernels = [
        [list(map(float, w[r * k[1] : (r + 1) * k[1]])) for r in range(k[0])] for w in weights
    ]
    if any(len(w) != k[0] * k[1] for w in weights):
        raise ValueError(f"each filter needs {k[0] * k[1]} weights")
    biases = [float(b) for b in bias] if any(b != 0 for b in bias) else None
    layout = _layout(size, k, s, p, d, padding_mode)
    result: dict[str, Any] = {
        "token": token,
        "in_size": list(size),
        "channels": channels,
        "filters": len(weights),
        "transparent": transparent,
        "input": input_values,
        "code": pytorch_code(channels, size, k, s, p, d, padding_mode, kernels, biases),
        "out_size": None,
        "steps": 0,
        "window": None,
        **{name: value for name, value in layout.items() if name != "out"},
    }
    out = layout["out"]
    if out is None or min(out) < 1:
        _keep_trace(token, None)
        return result
    weight4 = [[kern] * channels for kern in kernels]
    plan = plan_conv(x, weight4, biases, s, p, d, 1, padding_mode)
    output = conv_run(plan)
    flat = array("d", chain.from_iterable(chain.from_iterable(output)))
    trace = trace_plan(plan, 0)
    steps = len(trace)
    _keep_trace(token, trace)
    result.update(
        out_size=list(out),
        steps=steps,
        output=flat,
        ranges=[
            [min(min(row) for row in plane), max(max(row) for row in plane)] for plane in output
        ],
        window=_window(trace, steps - 1 if step is None else min(max(step, 0), steps - 1)),
    )
    return result


def _fit_text(shape: convcore.Fit2D) -> str:
    """A plain sentence about how the windows land."""
    if min(shape.out) < 1:
        return shape.reason[0].upper() + shape.reason[1:] + "."
    parts = []
    for axis, name in ((shape.rows, "row"), (shape.cols, "column")):
        if axis.dropped:
            one = len(axis.dropped) == 1
            parts.append(
                f"{_pixels(name, axis.dropped)} after the last window and "
                f"{'is' if one else 'are'} never read: "
                f"PyTorch drops {'it' if one else 'them'} without a warning"
            )
        elif not axis.fits:
            parts.append(
                f"along the {name}s the last window stops {axis.leftover} padding "
                f"cell{'s' if axis.leftover > 1 else ''} short of the edge (no input pixel lost)"
            )
        if axis.skipped:
            parts.append(
                f"{_pixels(name, axis.skipped)} between windows and "
                f"{'is' if len(axis.skipped) == 1 else 'are'} never read"
            )
    if not parts:
        return "Fits: the last window ends exactly on the edge of the padded input, both ways."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _pixels(name: str, indices: Sequence[int]) -> str:
    """``"input row 19 lies"``, ``"input columns 17\u201319 lie"``."""
    if len(indices) == 1:
        return f"input {name} {indices[0]} lies"
    if list(indices) == list(range(indices[0], indices[-1] + 1)):
        return f"input {name}s {indices[0]}{DASH}{indices[-1]} lie"
    shown = ", ".join(map(str, indices[:8]))
    more = f" and {len(indices) - 8} more" if len(indices) > 8 else ""
    return f"input {name}s {shown}{more} lie"


def demo_run(source: Sequence[float], **settings: Any) -> dict[str, Any]:
    """The page's request: ``run`` with the source pixels as a list, or, sent
    as a typed array, a memoryview: of doubles (pixel values), or of bytes (an
    image's RGBA from a Uint8Array, a quarter of the same as doubles)."""
    if isinstance(source, memoryview) and source.format not in ("d", "B"):
        source = source.cast("B").cast("d")
    return run(source=source, **settings)


def demo_ahead(source: Sequence[float], keep: int, **settings: Any) -> dict[str, Any]:
    """A state the page may show next (one key press away from the shown
    one), computed while it is idle: ``demo_run``'s result, whose trace is
    kept for ``demo_windows`` like any other. ``keep``: the token of the
    result on screen, whose trace must outlive this run's."""
    if keep in _traces:
        _traces[keep] = _traces.pop(keep)
    return demo_run(source, **settings)


def warmup() -> None:
    """One small run and one step, so the build ships what they import."""
    pixels = array("d", [0.0, 0.5, 1.0, 0.25] * 4)
    result = demo_run(
        list(pixels),
        kind="gray",
        height=4,
        width=4,
        channels=1,
        background="black",
        kernel=[3, 3],
        stride=[1, 1],
        padding=[1, 1],
        dilation=[1, 1],
        padding_mode="reflect",
        weights=[[1.0] * 9],
        bias=[0.0],
        step=None,
        token=1,
    )
    demo_windows(1, 0)
    js_number(result["output"][0])


REQUESTS = {"demo_run": demo_run, "demo_ahead": demo_ahead, "demo_windows": demo_windows}
