"""Output sizes, and whether a setting "fits" (the post's valid convolution).

Along one axis, a kernel of ``k`` taps with dilation ``d`` covers
``span = d*(k-1) + 1`` cells. On an input of ``n`` cells padded by ``before``
and ``after`` (``padded = before + n + after`` cells) the window starts at
``0, s, 2s, ...`` and PyTorch keeps every start whose window ends inside the
padded input::

    out = (padded - span) // s + 1        (0 when padded < span)

A setting *fits* when the last window ends exactly on the padded edge, i.e.
``(padded - span) % s == 0``. When it does not, PyTorch silently drops the
leftover cells at the far edge; ``fit`` reports them, together with interior
pixels no tap ever reads (stride larger than the dilated kernel, or dilation
gaps the stride never fills), and the nearest settings that fit.

Fixes (``Fix``): change one parameter at a time, among padding, kernel and
stride (dilation is never changed), to the nearest value below and the nearest
value above the current one that fits exactly and gives at least one output.
The distance is the sum of absolute changes (over both axes in 2-D, where the
same parameter may change on both axes). The list is sorted by distance, then
parameter (padding, kernel, stride), then the smaller new value, and cut to
``MAX_FIXES`` entries. Padding fixes respect the padding mode's limits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import product
from typing import Any, Final

from convcore._check import (
    Padding,
    PaddingMode,
    Pair,
    Quad,
    check_bool,
    check_int,
    check_mode,
    check_padding,
    check_pair,
    show,
)
from convcore.limits import MAX_DILATION, MAX_KERNEL, MAX_PADDING, MAX_SIDE, MAX_STRIDE
from convcore.padding import check_mode_padding, mode_limit

MAX_FIXES: Final = 5
"""How many fixes ``fit`` lists at most."""

_PARAMETERS: Final = ("padding", "kernel", "stride")


# ------------------------------------------------------------------ arithmetic


def span(kernel: int, dilation: int) -> int:
    """Cells one window covers along an axis: ``dilation*(kernel-1) + 1``."""
    return dilation * (kernel - 1) + 1


def torch_same(kernel: int, dilation: int) -> Pair:
    """PyTorch's ``padding="same"``: ``(before, after)``, the odd cell after."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def count_windows(padded: int, kernel: int, stride: int, dilation: int) -> int:
    """Windows along an axis of ``padded`` cells; 0 when the kernel is longer."""
    extent = span(kernel, dilation)
    return 0 if padded < extent else (padded - extent) // stride + 1


def ceil_windows(size: int, pads: Pair, kernel: int, stride: int, dilation: int) -> int:
    """Pooling's ``ceil_mode=True`` count: the last window may overhang the
    padded edge, but must start inside the input or the left padding."""
    out = (size + pads[0] + pads[1] - span(kernel, dilation) + stride - 1) // stride + 1
    if out > 0 and (out - 1) * stride >= size + pads[0]:
        out -= 1
    return max(out, 0)


def _ends_on_edge(padded: int, kernel: int, stride: int, dilation: int) -> bool:
    extent = span(kernel, dilation)
    return padded >= extent and (padded - extent) % stride == 0


def resolve_padding(
    padding: Padding, kernel: Pair, dilation: Pair, stride: Pair
) -> tuple[Pair, Pair]:
    """``(top, bottom), (left, right)`` for a checked padding argument.

    ``"same"`` is refused with a stride above 1, like PyTorch does (see
    ``same_padding`` for TensorFlow's rule, which allows any stride).
    """
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(
                f"padding='same' needs stride 1 (PyTorch refuses 'same' for strided "
                f"convolutions), got stride={stride}. Use stride=1, or give padding as a "
                f"number, e.g. padding={torch_same(kernel[0], dilation[0])[0]}, or four "
                f"sides from convcore.same_padding (TensorFlow's 'SAME')."
            )
        return torch_same(kernel[0], dilation[0]), torch_same(kernel[1], dilation[1])
    assert isinstance(padding, tuple)
    if len(padding) == 4:
        return (padding[0], padding[1]), (padding[2], padding[3])
    return (padding[0], padding[0]), (padding[1], padding[1])


def same_padding(size: object, kernel: object, stride: object = 1, dilation: object = 1) -> Quad:
    """TensorFlow/Keras ``"SAME"`` (ONNX ``SAME_UPPER``) as ``(top, bottom, left, right)``.

    Each argument is an int (both axes) or an ``(h, w)`` pair. Per axis the
    output has ``ceil(n / stride)`` cells and the total padding is
    ``max((out - 1) * stride + dilation * (kernel - 1) + 1 - n, 0)``, the odd
    cell at the bottom/right. Unlike PyTorch's ``padding="same"`` any stride is
    allowed. In PyTorch: ``F.conv2d(F.pad(x, (left, right, top, bottom)), w,
    stride=stride, dilation=dilation)`` (``F.pad`` lists the last axis first).
    """
    sizes = check_pair("size", size, 1, MAX_SIDE, "MAX_SIDE")
    kernels = check_pair("kernel", kernel, 1, MAX_KERNEL, "MAX_KERNEL")
    strides = check_pair("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    dilations = check_pair("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
    sides: list[int] = []
    for n, k, s, d in zip(sizes, kernels, strides, dilations, strict=True):
        out = -(-n // s)
        total = max((out - 1) * s + span(k, d) - n, 0)
        sides += [total // 2, total - total // 2]
    return sides[0], sides[1], sides[2], sides[3]


def no_output_message(axis: str, size: int, pads: Pair, kernel: int, dilation: int) -> str:
    """Why an axis gives no window at all, with the nearest settings that do."""
    padded = size + pads[0] + pads[1]
    extent = span(kernel, dilation)
    largest_kernel = (padded - 1) // dilation + 1
    need = extent - size - pads[0] - pads[1]
    return (
        f"no output: along the {axis} the kernel covers {extent} pixels "
        f"(kernel {kernel}, dilation {dilation}) but the padded input has only {padded} "
        f"({size} + padding {pads[0]}+{pads[1]}). Allowed: a kernel of at most "
        f"{largest_kernel} here, or {need} more pixels of padding in total"
    )


def output_size(
    n: object,
    kernel: object,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    ceil_mode: object = False,
) -> int:
    """Output length along one axis, PyTorch's formula.

    ``floor((n + 2*padding - dilation*(kernel-1) - 1) / stride) + 1``.
    ``padding`` may also be ``(before, after)``, ``"valid"`` (0) or
    ``"same"`` (needs stride 1). ``ceil_mode=True`` is pooling's rule: ``ceil``
    instead of ``floor``, minus one if that last window would start after the
    input (in the right padding), as in PyTorch's pooling layers.
    Raises ``ValueError`` naming the parameter when an argument is out of range
    or when no window fits (the result would be below 1).
    """
    size = check_int("n", n, 1, MAX_SIDE, "MAX_SIDE")
    k = check_int("kernel", kernel, 1, MAX_KERNEL, "MAX_KERNEL")
    s = check_int("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    d = check_int("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
    ceil = check_bool("ceil_mode", ceil_mode)
    pad = _one_axis_padding(padding, k, d, s)
    if ceil:
        out = ceil_windows(size, pad, k, s, d)
    else:
        out = count_windows(size + pad[0] + pad[1], k, s, d)
    if out < 1:
        raise ValueError(no_output_message("axis", size, pad, k, d) + ".")
    return out


def _one_axis_padding(padding: object, kernel: int, dilation: int, stride: int) -> Pair:
    if isinstance(padding, (list, tuple)):
        if len(padding) != 2:
            raise ValueError(
                f"padding for one axis must be a number, a pair (before, after), 'same' or "
                f"'valid'; got a {type(padding).__name__} of {len(padding)} entries"
            )
        return (
            check_int("padding (before)", padding[0], 0, MAX_PADDING, "MAX_PADDING"),
            check_int("padding (after)", padding[1], 0, MAX_PADDING, "MAX_PADDING"),
        )
    checked = check_padding("padding", padding)
    rows, _ = resolve_padding(checked, (kernel, kernel), (dilation, dilation), (stride, stride))
    return rows


# ------------------------------------------------------------------------- fit


@dataclass(frozen=True)
class Fix:
    """One nearby setting that fits exactly.

    ``parameter`` is ``"padding"``, ``"kernel"`` or ``"stride"``; ``value`` its
    new value (an ``(h, w)`` pair in 2-D); ``out`` the output size with it;
    ``distance`` the sum of absolute changes.
    """

    parameter: str
    value: int | Pair
    out: int | Pair
    distance: int

    def __str__(self) -> str:
        return f"{self.parameter}={self.value} -> output {self.out} (distance {self.distance})"


@dataclass(frozen=True)
class AxisFit:
    """How windows land along one axis (``fit`` with an int size).

    Fields: the settings (``size``, ``kernel``, ``stride``, ``padding`` as
    ``(before, after)``, ``dilation``); ``out`` windows; ``fits``: the last
    window ends exactly on the padded edge (False when ``out == 0``);
    ``span``: cells one window covers; ``padded``: padded length; ``used``:
    padded cells up to the end of the last window; ``leftover = padded - used``
    (negative under ``ceil_mode`` when the last window overhangs the edge);
    ``dropped``: input indices after the last window, which PyTorch silently
    ignores; ``skipped``: input indices before that which no tap reads;
    ``fixes``: nearest settings that fit (see the module docstring);
    ``reason``: a sentence when it does not fit, ``""`` when it does.
    """

    size: int
    kernel: int
    stride: int
    padding: Pair
    dilation: int
    out: int
    fits: bool
    span: int
    padded: int
    used: int
    leftover: int
    dropped: tuple[int, ...]
    skipped: tuple[int, ...]
    fixes: tuple[Fix, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


@dataclass(frozen=True)
class Fit2D:
    """``fit`` with an ``(H, W)`` size: one ``AxisFit`` per axis.

    ``out`` is ``(H_out, W_out)``; ``fits`` is true when both axes fit;
    ``fixes`` change one parameter (on one or both axes) so both axes fit;
    ``reason`` joins the axes' reasons.
    """

    size: Pair
    out: Pair
    fits: bool
    rows: AxisFit
    cols: AxisFit
    fixes: tuple[Fix, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


@dataclass(frozen=True)
class _Axis:
    """Checked settings of one axis, before padding words are resolved."""

    size: int
    kernel: int
    stride: int
    pads: Pair
    dilation: int
    symmetric: bool  # False for "same" with an even span: padding fixes skip it
    pad_limit: int  # the largest padding the mode allows on this axis
    ceil: bool  # pooling's ceil_mode: the last window may overhang the padded edge


def _windows(axis: _Axis, pads: Pair, kernel: int, stride: int) -> int:
    """Windows along ``axis`` with these settings, by the axis's rounding rule."""
    if axis.ceil:
        return ceil_windows(axis.size, pads, kernel, stride, axis.dilation)
    return count_windows(axis.size + pads[0] + pads[1], kernel, stride, axis.dilation)


def _unread(axis: _Axis, out: int) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """``(dropped, skipped, used)`` input indices along an axis."""
    padded = axis.size + axis.pads[0] + axis.pads[1]
    if out == 0:
        return tuple(range(axis.size)), (), 0
    last = (out - 1) * axis.stride
    used = last + span(axis.kernel, axis.dilation)
    read = bytearray(max(padded, used))  # ceil_mode: the last window may overhang
    for tap in range(axis.kernel):
        start = tap * axis.dilation
        read[start : start + last + 1 : axis.stride] = b"\x01" * out
    before = axis.pads[0]
    dropped = tuple(q - before for q in range(used, padded) if 0 <= q - before < axis.size)
    skipped = tuple(
        q - before for q in range(min(used, padded)) if not read[q] and 0 <= q - before < axis.size
    )
    return dropped, skipped, used


def _reason(axis: _Axis, out: int, leftover: int, dropped: int, name: str) -> str:
    if out == 0:
        return no_output_message(name, axis.size, axis.pads, axis.kernel, axis.dilation)
    if leftover == 0:
        return ""
    if leftover < 0:
        over = -leftover
        return (
            f"the last window reaches {over} pixel{'s' if over > 1 else ''} past the padded "
            f"edge along the {name} (ceil_mode: PyTorch keeps it and reads only the cells "
            f"that exist)"
        )
    if dropped == 0:
        what = "only padding, so no input pixel is lost"
    elif dropped == leftover:
        what = f"input pixel{'s' if dropped > 1 else ''} that PyTorch silently skips"
    else:
        what = f"{dropped} of them input pixels that PyTorch silently skips, the rest padding"

    return (
        f"the last window stops {leftover} pixel{'s' if leftover > 1 else ''} before the "
        f"padded edge along the {name} ({what})"
    )


def _fits_with(axis: _Axis, parameter: str, value: int) -> int:
    """Output size if ``parameter`` became ``value`` and the axis fits, else 0."""
    pads, kernel, stride = axis.pads, axis.kernel, axis.stride
    if parameter == "padding":
        pads = (value, value)
    elif parameter == "kernel":
        kernel = value
    else:
        stride = value
    out = _windows(axis, pads, kernel, stride)
    used = (out - 1) * stride + span(kernel, axis.dilation)
    return out if out > 0 and used == axis.size + pads[0] + pads[1] else 0


def _current(axis: _Axis, parameter: str) -> int:
    if parameter == "padding":
        return axis.pads[0]
    return axis.kernel if parameter == "kernel" else axis.stride


def _bounds(axis: _Axis, parameter: str) -> Pair:
    if parameter == "padding":
        return 0, axis.pad_limit
    if parameter == "kernel":
        return 1, MAX_KERNEL
    # A stride beyond padded - span moves the window nowhere new.
    padded = axis.size + axis.pads[0] + axis.pads[1]
    return 1, max(1, min(MAX_STRIDE, padded - span(axis.kernel, axis.dilation)))


def _nearest(axis: _Axis, parameter: str) -> list[tuple[int, int]]:
    """``(value, out)`` of the nearest fitting value below and above."""
    if parameter == "padding" and not axis.symmetric:
        return []
    current = _current(axis, parameter)
    low, high = _bounds(axis, parameter)
    found: list[tuple[int, int]] = []
    for step in (-1, 1):
        value = current + step
        while low <= value <= high:
            out = _fits_with(axis, parameter, value)
            if out:
                found.append((value, out))
                break
            value += step
    return found


def _rank(fix: Fix) -> tuple[int, int, tuple[int, ...]]:
    value = fix.value if isinstance(fix.value, tuple) else (fix.value,)
    return fix.distance, _PARAMETERS.index(fix.parameter), value


def _axis_fixes(axis: _Axis) -> tuple[Fix, ...]:
    fixes = [
        Fix(parameter, value, out, abs(value - _current(axis, parameter)))
        for parameter in _PARAMETERS
        for value, out in _nearest(axis, parameter)
    ]
    return tuple(sorted(fixes, key=_rank)[:MAX_FIXES])


def _options(axis: _Axis, fits: bool, parameter: str) -> list[tuple[int, int]]:
    """Values one axis may take in a 2-D fix: unchanged if it fits already."""
    if fits:
        return [(_current(axis, parameter), count_windows_of(axis))]
    return _nearest(axis, parameter)


def count_windows_of(axis: _Axis) -> int:
    return _windows(axis, axis.pads, axis.kernel, axis.stride)


def _pair_fixes(rows: _Axis, cols: _Axis, fits: Pair) -> tuple[Fix, ...]:
    fixes: list[Fix] = []
    for parameter in _PARAMETERS:
        row_options = _options(rows, bool(fits[0]), parameter)
        col_options = _options(cols, bool(fits[1]), parameter)
        for (rv, ro), (cv, co) in product(row_options, col_options):
            distance = abs(rv - _current(rows, parameter)) + abs(cv - _current(cols, parameter))
            fixes.append(Fix(parameter, (rv, cv), (ro, co), distance))
    return tuple(sorted(fixes, key=_rank)[:MAX_FIXES])


def _axis_fit(axis: _Axis, name: str, with_fixes: bool) -> AxisFit:
    padded = axis.size + axis.pads[0] + axis.pads[1]
    out = count_windows_of(axis)
    dropped, skipped, used = _unread(axis, out)
    fits = out > 0 and used == padded
    return AxisFit(
        size=axis.size,
        kernel=axis.kernel,
        stride=axis.stride,
        padding=axis.pads,
        dilation=axis.dilation,
        out=out,
        fits=fits,
        span=span(axis.kernel, axis.dilation),
        padded=padded,
        used=used,
        leftover=padded - used if out else padded,
        dropped=dropped,
        skipped=skipped,
        fixes=_axis_fixes(axis) if with_fixes and not fits else (),
        reason=_reason(axis, out, padded - used, len(dropped), name),
    )


def _make_axes(
    size: object,
    kernel: object,
    stride: object,
    padding: object,
    dilation: object,
    padding_mode: object,
    ceil_mode: object,
) -> tuple[_Axis, _Axis] | _Axis:
    mode: PaddingMode = check_mode(padding_mode)
    ceil = check_bool("ceil_mode", ceil_mode)
    two_d = isinstance(size, (list, tuple))
    if two_d:
        sizes = check_pair("size", size, 1, MAX_SIDE, "MAX_SIDE")
    else:
        one = check_int("size", size, 1, MAX_SIDE, "MAX_SIDE")
        sizes = (one, one)
    kernels = check_pair("kernel", kernel, 1, MAX_KERNEL, "MAX_KERNEL")
    strides = check_pair("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    dilations = check_pair("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
    checked = check_padding("padding", padding)
    pads = resolve_padding(checked, kernels, dilations, strides)
    axes = []
    for i, name in enumerate(("height", "width")):
        check_mode_padding(name, sizes[i], *pads[i], mode, f"the input {name}")
        limit = mode_limit(sizes[i], mode)
        axes.append(
            _Axis(
                size=sizes[i],
                kernel=kernels[i],
                stride=strides[i],
                pads=pads[i],
                dilation=dilations[i],
                symmetric=pads[i][0] == pads[i][1],
                pad_limit=MAX_PADDING if limit is None else min(limit, MAX_PADDING),
                ceil=ceil,
            )
        )
    return (axes[0], axes[1]) if two_d else axes[0]


def fit(
    size: object,
    kernel: object,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    padding_mode: object = "zeros",
    ceil_mode: object = False,
) -> AxisFit | Fit2D:
    """Does the last window land exactly on the padded edge? What is left over?

    ``size`` an int gives an ``AxisFit`` (one axis; the other arguments must
    then be ints, padding an int, ``(before, after)``, ``"same"`` or
    ``"valid"``); ``size`` an ``(H, W)`` pair gives a ``Fit2D`` (each other
    argument an int or a pair, padding also ``(top, bottom, left, right)``).
    ``ceil_mode=True`` counts windows by pooling's rule (``output_size``):
    the last window may then overhang the padded edge, which shows as a
    negative ``leftover`` (``used`` beyond ``padded``).
    Settings with no output at all are reported (``out == 0``, ``fits``
    False, a ``reason``) rather than raised, so a page can show "no output"
    and the fixes. Invalid parameters (stride 0, negative padding, values
    above the caps, ``"same"`` with stride > 1, padding beyond what
    ``padding_mode`` allows) raise ``ValueError``; wrong types ``TypeError``.
    See the module docstring for the order of fixes.
    """
    one_axis = not isinstance(size, (list, tuple))
    if one_axis and isinstance(padding, (list, tuple)):
        before, after = _one_axis_padding(padding, 1, 1, 1)
        padding = (before, after, before, after)
    axes = _make_axes(size, kernel, stride, padding, dilation, padding_mode, ceil_mode)
    if isinstance(axes, _Axis):
        for name, value in (("kernel", kernel), ("stride", stride), ("dilation", dilation)):
            if isinstance(value, (list, tuple)):
                raise TypeError(f"with a single size, {name} must be an int, got {show(value)}")
        return _axis_fit(axes, "axis", with_fixes=True)
    rows = _axis_fit(axes[0], "height", with_fixes=False)
    cols = _axis_fit(axes[1], "width", with_fixes=False)
    both = rows.fits and cols.fits
    return Fit2D(
        size=(rows.size, cols.size),
        out=(rows.out, cols.out),
        fits=both,
        rows=rows,
        cols=cols,
        fixes=() if both else _pair_fixes(axes[0], axes[1], (rows.fits, cols.fits)),
        reason="; ".join(r for r in (rows.reason, cols.reason) if r),
    )


def valid_convolution(
    input_size: object, kernel_size: object, padding: object, stride: object
) -> bool:
    """The post's rule, done right: True when the last window ends on the edge.

    ``(input_size + 2*padding - kernel_size) % stride == 0``, and the kernel
    must not be longer than the padded input (else there is no output at
    all, which the post's version calls valid). Always returns a bool; bad
    arguments raise like ``fit``.
    """
    named = (
        ("input_size", input_size),
        ("kernel_size", kernel_size),
        ("padding", padding),
        ("stride", stride),
    )
    for name, value in named:
        if isinstance(value, (list, tuple)):
            raise TypeError(f"valid_convolution works on one axis: {name} must be an int")
    n = check_int("input_size", input_size, 1, MAX_SIDE, "MAX_SIDE")
    k = check_int("kernel_size", kernel_size, 1, MAX_KERNEL, "MAX_KERNEL")
    s = check_int("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
    before, after = _one_axis_padding(padding, k, 1, s)
    return _ends_on_edge(n + before + after, k, s, 1)
