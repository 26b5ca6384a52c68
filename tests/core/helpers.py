"""Test helpers: an independent NumPy reference and the validity rules.

The reference is deliberately plain (``np.pad`` plus one strided slice per
kernel tap) and shares no code with convcore, so agreement means something.
"""

from __future__ import annotations

import itertools
import struct
import zlib
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


# ------------------------------------------------------------------- pooling


def _pool_axis(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """Output length by PyTorch's pooling formula (written from its docs)."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def ref_pool2d(
    x: Any,
    kind: str,
    kernel: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    grad_output: Any = None,
) -> tuple[Array, Array | None]:
    """Pooling one window at a time with NumPy, and (given ``grad_output``)
    its gradient: ``(output, grad_x)``. Max takes the first maximum among
    the window's input cells (``-inf`` and no gradient when it has none)."""
    xa = np.asarray(x, dtype=np.float64)
    (kh, kw), (ph, pw), (dh, dw) = pair(kernel), pair(padding), pair(dilation)
    sh, sw = (kh, kw) if stride is None else pair(stride)
    c, h, w = xa.shape
    oh, ow = _pool_axis(h, kh, sh, ph, dh, ceil_mode), _pool_axis(w, kw, sw, pw, dw, ceil_mode)
    out = np.zeros((c, oh, ow))
    grad = None if grad_output is None else np.zeros_like(xa)
    for ch, i, j in itertools.product(range(c), range(oh), range(ow)):
        r0, c0 = i * sh - ph, j * sw - pw
        rows = [r0 + a * dh for a in range(kh)]
        cols = [c0 + b * dw for b in range(kw)]
        cells = [(r, q) for r in rows for q in cols if 0 <= r < h and 0 <= q < w]
        if kind == "max":
            if not cells:
                out[ch, i, j] = -np.inf
                continue
            values = [xa[ch, r, q] for r, q in cells]
            best = int(np.argmax(values))  # the first maximum
            out[ch, i, j] = values[best]
            if grad is not None:
                grad[ch][cells[best]] += grad_output[ch][i][j]
            continue
        inside_padded = [
            (r, q) for r in rows for q in cols if r < h + ph and q < w + pw
        ]  # ceil_mode's overhang is not part of the window
        if divisor_override is not None:
            divisor = divisor_override
        else:
            divisor = len(inside_padded) if count_include_pad else len(cells)
        out[ch, i, j] = sum(xa[ch, r, q] for r, q in cells) / divisor
        if grad is not None:
            for cell in cells:
                grad[ch][cell] += grad_output[ch][i][j] / divisor
    return out, grad


# ---------------------------------------------------------------------- PNG


def png_bytes(rows: list[list[int]], channels: int, filters: list[int]) -> bytes:
    """A PNG written by hand, row ``r`` with filter ``filters[r]`` (0-4)."""
    width = len(rows[0]) // channels
    raw = b""
    previous = [0] * len(rows[0])
    for row, kind in zip(rows, filters, strict=True):
        out = []
        for i, value in enumerate(row):
            left = row[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            p = left + up - up_left
            paeth = min(
                (abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - up_left), 2, up_left)
            )[2]
            guess = [0, left, up, (left + up) // 2, paeth][kind]
            out.append((value - guess) & 0xFF)
        raw += bytes([kind, *out])
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 0 if channels == 1 else 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip
