"""The inner loops: sums of products over flat lists of floats.

Everything heavy in convcore (convolutions, pooling, linear layers and their
gradients) ends in one of these two shapes, so they are the only code whose
speed matters:

* ``weighted_sum``: ``acc + w0*s0 + w1*s1 + ...`` elementwise over whole
  lists, a generated list comprehension per tap count (one interpreter loop
  for up to ``CHUNK`` lists at once, measured ~1.8x faster than one pass per
  list, and 48 at once ~10% faster than 16 on a small network's short
  lists). The products are added left to right, in the order given, so the
  chunk size never changes a result.
* ``dot`` / ``dots``: sums of products, ``math.fsum(map(mul, a, b))``: the products
  are made in C, and the sum is correctly rounded, so it is the same number
  on every Python version and platform (``sum`` changed its rounding in
  Python 3.12; Pyodide runs 3.14, the CPython here 3.11).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from math import fsum
from operator import itemgetter, mul
from typing import Final

CHUNK: Final = 48
"""Lists combined per generated comprehension (longer ones gain nothing)."""

_Combine = Callable[..., list[float]]
_COMBINERS: dict[tuple[int, bool], _Combine] = {}


def _combiner(taps: int, with_acc: bool) -> _Combine:
    """A function ``f(*slices, *weights[, acc])`` summing weighted slices.

    Generated source is the fastest pure-Python form of this loop; the sum is
    left-associative, i.e. in tap order, like ``trace``'s running sum.
    """
    key = (taps, with_acc)
    if key not in _COMBINERS:
        values = [f"v{i}" for i in range(taps)]
        terms = " + ".join(f"w{i} * v{i}" for i in range(taps))
        params = [f"s{i}" for i in range(taps)] + [f"w{i}" for i in range(taps)]
        if with_acc:
            body = (
                f"[a + {terms} for a, {', '.join(values)} in zip(acc, {', '.join(params[:taps])})]"
            )
            params.append("acc")
        elif taps == 1:
            body = f"[{terms} for v0 in s0]"
        else:
            body = f"[{terms} for {', '.join(values)} in zip({', '.join(params[:taps])})]"
        namespace: dict[str, object] = {}
        exec(f"def combine({', '.join(params)}):\n    return {body}\n", namespace)
        combine = namespace["combine"]
        assert callable(combine)
        _COMBINERS[key] = combine
    return _COMBINERS[key]


def weighted_sum(
    slices: Sequence[Sequence[float]], weights: Sequence[float], acc: list[float] | None
) -> list[float]:
    """``acc + sum(w * s)`` elementwise, in order, ``CHUNK`` lists at a time.

    ``acc=None`` starts from the first product (not from ``0.0 +``).
    """
    for start in range(0, len(slices), CHUNK):
        part = slices[start : start + CHUNK]
        ws = weights[start : start + CHUNK]
        if acc is None:
            acc = _combiner(len(part), False)(*part, *ws)
        else:
            acc = _combiner(len(part), True)(*part, *ws, acc)
    assert acc is not None
    return acc


def dot(a: list[float], b: list[float]) -> float:
    """``sum(a[i] * b[i])``, correctly rounded (see the module docstring)."""
    return fsum(map(mul, a, b))


def dots(vectors: Iterable[Sequence[float]], weights: list[float]) -> list[float]:
    """``dot(v, weights)`` for each vector, reading only where ``weights`` is
    not zero when that is under half of it: a gradient that came back through
    ReLU and max pooling is mostly zeros, and zero terms never change an
    exact sum, so the result is the same number either way."""
    where = [i for i, w in enumerate(weights) if w]
    if 2 * len(where) > len(weights):
        return [fsum(map(mul, v, weights)) for v in vectors]
    if len(where) < 2:  # itemgetter of one index gives a number, not a tuple
        return [fsum(v[i] * weights[i] for i in where) for v in vectors]
    pick = itemgetter(*where)
    picked = pick(weights)
    return [fsum(map(mul, pick(v), picked)) for v in vectors]
