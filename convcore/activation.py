"""ReLU, softmax, log-softmax and cross-entropy, with their gradients.

All equal PyTorch's on float64 data (``torch.relu``, ``F.softmax``,
``F.log_softmax``, ``F.cross_entropy`` with class-index targets and the mean
over the batch). ``relu`` keeps ``-0.0`` as PyTorch does. Softmax and its
relatives subtract the largest logit before ``exp``, so no logit is too large
(``[1000.0, 0.0]`` gives ``[1.0, 0.0]``, not ``nan``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from math import exp, fsum, log
from typing import Any, Final

from convcore._check import (
    as_int,
    in_range,
    probe_shape,
    probe_vector,
    show,
    to_blocks,
    to_floats,
    to_numbers,
)
from convcore.limits import MAX_VALUES

MAX_DEPTH: Final = 6
"""The deepest nesting ``relu`` takes (``[N][C][H][W]`` is 4)."""

Nested = Any  # a float, or lists of them nested to any depth


# ----------------------------------------------------------------------- relu


def _relu_rows(values: list[float]) -> list[float]:
    return [v if v >= 0.0 else 0.0 for v in values]  # -0.0 stays -0.0, as in PyTorch


def _probe_nested(name: str, value: object) -> tuple[int, ...]:
    """The shape of a rectangular nesting (a number has shape ``()``)."""
    depth, current = 0, value
    while isinstance(current, (list, tuple)):
        if not current:
            raise ValueError(f"{name} has an empty list: every level needs at least one entry")
        depth += 1
        if depth > MAX_DEPTH:
            raise ValueError(f"{name} is nested deeper than {MAX_DEPTH} levels; not allowed")
        current = current[0]
    if depth == 0:
        return ()
    axes = tuple(f"level-{i} entry" for i in range(depth))
    shape = probe_shape(name, value, axes, tuple((MAX_VALUES, "MAX_VALUES") for _ in axes))
    if math.prod(shape) > MAX_VALUES:
        raise ValueError(
            f"{name} has {math.prod(shape)} numbers; at most {MAX_VALUES} are allowed "
            f"(convcore.MAX_VALUES, a work cap that keeps a browser tab responsive)."
        )
    return shape


def _to_nested(value: object, name: str, index: tuple[int, ...], shape: tuple[int, ...]) -> Nested:
    if len(shape) == 1:
        return to_floats(value, name, index, shape[0])
    blocks = to_blocks(value, name, index, shape[0])
    return [_to_nested(block, name, (*index, i), shape[1:]) for i, block in enumerate(blocks)]


def to_nested(value: object, name: str) -> tuple[Nested, tuple[int, ...]]:
    """``value`` as floats with its shape: a number, or rectangular nested lists
    (a NumPy array is taken as its ``tolist()``)."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (list, tuple, str, bytes, float, int)):
        value = tolist()
    shape = _probe_nested(name, value)
    if not shape:
        return to_floats([value], name, (), 1)[0], shape
    return _to_nested(value, name, (), shape), shape


def _map_rows(fn: Any, *arrays: Nested, depth: int) -> Nested:
    if depth == 1:
        return fn(*arrays)
    return [_map_rows(fn, *parts, depth=depth - 1) for parts in zip(*arrays, strict=True)]


def relu(x: object) -> Nested:
    """``max(x, 0)`` elementwise, any nesting (a number too), same shape."""
    values, shape = to_nested(x, "x")
    if not shape:
        return _relu_rows([values])[0]
    return _map_rows(_relu_rows, values, depth=len(shape))


def _relu_grad_rows(grads: list[float], xs: list[float]) -> list[float]:
    return [g if v > 0.0 else 0.0 for g, v in zip(grads, xs, strict=True)]


def relu_backward(grad_output: object, x: object) -> Nested:
    """The gradient of ``relu(x)``: ``grad_output`` where ``x > 0``, else 0."""
    xs, shape = to_nested(x, "x")
    grads, grad_shape = to_nested(grad_output, "grad_output")
    if grad_shape != shape:
        raise ValueError(
            f"grad_output has shape {grad_shape} but x has shape {shape}; they must match"
        )
    if not shape:
        return _relu_grad_rows([grads], [xs])[0]
    return _map_rows(_relu_grad_rows, grads, xs, depth=len(shape))


# -------------------------------------------------------------------- softmax


def softmax_of(z: list[float]) -> list[float]:
    top = max(z)
    exps = [exp(v - top) for v in z]
    scale = 1.0 / fsum(exps)
    return [e * scale for e in exps]


def log_softmax_of(z: list[float]) -> list[float]:
    top = max(z)
    shift = log(fsum([exp(v - top) for v in z]))
    return [v - top - shift for v in z]


def _vector(name: str, value: object) -> list[float]:
    return to_numbers(value, name, probe_vector(name, value))


def softmax(z: object) -> list[float]:
    """``exp(z) / sum(exp(z))`` for a vector of logits, computed stably."""
    return softmax_of(_vector("z", z))


def log_softmax(z: object) -> list[float]:
    """``z - log(sum(exp(z)))`` for a vector of logits, computed stably."""
    return log_softmax_of(_vector("z", z))


# -------------------------------------------------------------- cross-entropy


def _batch(logits: object, targets: object) -> tuple[list[list[float]], list[int]]:
    """``[N][K]`` logits and ``N`` class indices, checked."""
    rows, classes = probe_shape(
        "logits",
        logits,
        ("example", "logit"),
        ((MAX_VALUES, "MAX_VALUES"), (MAX_VALUES, "MAX_VALUES")),
    )
    if rows * classes > MAX_VALUES:
        raise ValueError(
            f"logits has {rows * classes} numbers; at most {MAX_VALUES} are allowed "
            f"(convcore.MAX_VALUES)."
        )
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        tolist = getattr(targets, "tolist", None)
        targets = tolist() if callable(tolist) else targets
    if not isinstance(targets, (list, tuple)):
        raise TypeError(f"targets must be a list of class indices (ints), got {show(targets)}")
    if len(targets) != rows:
        raise ValueError(
            f"targets has {len(targets)} class indices but logits has {rows} rows; "
            f"give one target per row"
        )
    checked = [
        in_range(f"targets[{i}]", as_int(f"targets[{i}]", t), 0, classes - 1)
        for i, t in enumerate(targets)
    ]
    blocks = to_blocks(logits, "logits", (), rows)
    return [to_floats(row, "logits", (i,), classes) for i, row in enumerate(blocks)], checked


def cross_entropy(logits: object, targets: object) -> float:
    """The mean over the batch of ``-log_softmax(logits[n])[targets[n]]``.

    ``logits`` is ``[N][K]``, ``targets`` ``N`` class indices in ``0..K-1``;
    equal to ``F.cross_entropy`` (reduction ``"mean"``, no weights).
    """
    rows, checked = _batch(logits, targets)
    return -fsum(log_softmax_of(z)[t] for z, t in zip(rows, checked, strict=True)) / len(rows)


def cross_entropy_grad(z: list[float], target: int, scale: float) -> list[float]:
    """``scale * (softmax(z) - one_hot(target))``: one row of the gradient."""
    grad = [p * scale for p in softmax_of(z)]
    grad[target] -= scale
    return grad


def cross_entropy_backward(logits: object, targets: object) -> list[list[float]]:
    """The gradient of ``cross_entropy(logits, targets)`` with respect to the
    logits: ``(softmax(logits[n]) - one_hot(targets[n])) / N``, ``[N][K]``."""
    rows, checked = _batch(logits, targets)
    scale = 1.0 / len(rows)
    return [cross_entropy_grad(z, t, scale) for z, t in zip(rows, checked, strict=True)]
