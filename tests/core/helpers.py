"""Test helpers: an independent NumPy reference and the validity rules.

The reference is deliberately plain (``np.pad`` plus one strided slice per
kernel tap) and shares no code with convcore, so agreement means something.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

#: How many cases each fuzz/property test ran; printed in the terminal summary.
CASES: Counter[str] = Counter()

_NP_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def pads_of(
    padding: Any, kernel: tuple[int, int], dilation: tuple[int, int]
) -> list[tuple[int, int]]:
    """((top, bottom), (left, right)) the way PyTorch reads ``padding``
    (four numbers are convcore's (top, bottom, left, right))."""
    if padding == "valid":
        return [(0, 0), (0, 0)]
    if padding == "same":
        out = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return out
    if isinstance(padding, (list, tuple)) and len(padding) == 4:
        top, bottom, left, right = (int(p) for p in padding)
        return [(top, bottom), (left, right)]
    ph, pw = pair(padding)
    return [(ph, ph), (pw, pw)]


def ref_conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Array:
    """Straightforward NumPy convolution with PyTorch's Conv2d semantics."""
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(weight, dtype=np.float64)
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    c_out, per_group, kh, kw = wa.shape
    pads = pads_of(padding, (kh, kw), (dh, dw))
    xp = np.pad(xa, [(0, 0), *pads], mode=_NP_MODES[padding_mode])  # type: ignore[call-overload]
    hp, wp = xp.shape[1:]
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((c_out, ho, wo))
    outs_per_group = c_out // groups
    for co in range(c_out):
        first = (co // outs_per_group) * per_group
        for ci in range(per_group):
            for a in range(kh):
                for b in range(kw):
                    rows = slice(a * dh, a * dh + (ho - 1) * sh + 1, sh)
                    cols = slice(b * dw, b * dw + (wo - 1) * sw + 1, sw)
                    out[co] += wa[co, ci, a, b] * xp[first + ci, rows, cols]
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64)[:, None, None]
    return out


def ref_conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Array:
    """Scatter on a full canvas, then crop: the textbook transposed conv."""
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(weight, dtype=np.float64)
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = map(
        pair, (stride, padding, output_padding, dilation)
    )
    c_in, h, w = xa.shape
    _, per_group, kh, kw = wa.shape
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (w - 1) * sw + dw * (kw - 1) + 1 + opw
    canvas = np.zeros((per_group * groups, full_h, full_w))
    ins_per_group = c_in // groups
    for ci in range(c_in):
        g = ci // ins_per_group
        for co in range(per_group):
            for a in range(kh):
                for b in range(kw):
                    rows = slice(a * dh, a * dh + (h - 1) * sh + 1, sh)
                    cols = slice(b * dw, b * dw + (w - 1) * sw + 1, sw)
                    canvas[g * per_group + co, rows, cols] += wa[ci, co, a, b] * xa[ci]
    out = canvas[:, ph : full_h - ph, pw : full_w - pw]
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)[:, None, None]
    return out


def conv_refusal(
    in_size: tuple[int, int],
    kernel: tuple[int, int],
    channels: tuple[int, int, int],
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    padding_mode: str,
) -> str:
    """Why PyTorch refuses this Conv2d call, or ``""`` if it accepts it.

    ``channels`` is (C_in, C_out, weight's C_in/groups). Written from
    PyTorch's documented rules, not from convcore's code.
    """
    c_in, c_out, per_group = channels
    if c_in % groups or c_out % groups or per_group * groups != c_in:
        return "groups"
    if padding == "same" and pair(stride) != (1, 1):
        return "same+stride"
    (dh, dw) = pair(dilation)
    pads = pads_of(padding, kernel, (dh, dw))
    for size, (before, after), k, d in zip(in_size, pads, kernel, (dh, dw), strict=True):
        if padding_mode == "reflect" and max(before, after) >= size:
            return "reflect"
        if padding_mode == "circular" and max(before, after) > size:
            return "circular"
        if size + before + after < d * (k - 1) + 1:
            return "empty"
    return ""


def assert_close(ours: Any, expected: Array, x: Any, weight: Any, what: str = "") -> None:
    """Equal to 1e-9 relative to the size of the products that were summed."""
    got = np.asarray(ours, dtype=np.float64)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    scale = 1.0 + float(np.abs(np.asarray(x, dtype=np.float64)).max()) * float(
        np.abs(np.asarray(weight, dtype=np.float64)).sum()
    )
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * scale, err_msg=what)


def nested(array: Array) -> list[Any]:
    """A NumPy array as nested Python lists of floats."""
    out: list[Any] = array.tolist()
    return out


def shapes(value: Sequence[Any]) -> tuple[int, ...]:
    return tuple(np.asarray(value).shape)
