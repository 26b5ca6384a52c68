"""Dense layers: ``flatten`` and ``linear`` (PyTorch's ``F.linear``), with its gradient.

(The module is not called ``linear``: a submodule of that name would hide
the function ``convcore.linear`` once imported.)

A classifier's head: ``flatten`` turns the last feature maps ``[C][H][W]``
into one vector (row-major, as ``torch.flatten`` does), ``linear`` maps it to
one score per class, ``y[o] = sum_i weight[o][i] * x[i] + bias[o]``.
"""

from __future__ import annotations

from convcore._check import (
    Matrix,
    probe_image,
    probe_shape,
    probe_vector,
    to_image,
    to_matrix,
    to_numbers,
)
from convcore.flat import dots, weighted_sum
from convcore.limits import MAX_VALUES
from convcore.plan import check_work


def flatten(x: object) -> list[float]:
    """``[C][H][W]`` -> the ``C*H*W`` values, row-major (channel, row, column)."""
    image = to_image(x, "x", probe_image("x", x))
    return [v for channel in image for row in channel for v in row]


def linear_of(x: list[float], weight: Matrix, bias: list[float] | None) -> list[float]:
    """The unchecked ``linear``: one correctly rounded dot product per output
    (reading only ``x``'s non-zero entries when most are zero, as after ReLU)."""
    out = dots(weight, x)
    return out if bias is None else [v + b for v, b in zip(out, bias, strict=True)]


def _check_linear(
    x: object, weight: object, bias: object
) -> tuple[list[float], Matrix, list[float] | None]:
    """``x`` ``[in]``, ``weight`` ``[out][in]``, ``bias`` ``None`` or ``[out]``."""
    length = probe_vector("x", x)
    out_features, in_features = probe_shape(
        "weight",
        weight,
        ("output row", "input column"),
        ((MAX_VALUES, "MAX_VALUES"), (MAX_VALUES, "MAX_VALUES")),
    )
    if in_features != length:
        raise ValueError(
            f"weight has {in_features} columns but x has {length} numbers; weight is laid "
            f"out [out_features][in_features], with one column per input number"
        )
    check_work(out_features * in_features, out_features * in_features, "weight")
    xs = to_numbers(x, "x", length)
    rows = to_matrix(weight, "weight", (), (out_features, in_features))
    if bias is None:
        return xs, rows, None
    bias_length = probe_vector("bias", bias)
    if bias_length != out_features:
        raise ValueError(
            f"bias has {bias_length} numbers but weight has {out_features} rows; give one "
            f"number per output (or None)"
        )
    return xs, rows, to_numbers(bias, "bias", out_features)


def linear(x: object, weight: object, bias: object = None) -> list[float]:
    """``weight @ x + bias``, equal to ``torch.nn.functional.linear``.

    ``x`` is a vector ``[in]``, ``weight`` ``[out][in]``, ``bias`` ``None``
    or ``[out]``; returns ``[out]``.
    """
    return linear_of(*_check_linear(x, weight, bias))


def linear_grads(
    grad: list[float], x: list[float], weight: Matrix, need_x: bool
) -> tuple[list[float] | None, list[float]]:
    """``(grad_x, grad_weight)`` of ``linear`` for the output gradient
    ``grad``; ``grad_weight`` is ``outer(grad, x)`` flattened row by row."""
    grad_weight = [g * v for g in grad for v in x]
    grad_x = weighted_sum(weight, grad, None) if need_x else None
    return grad_x, grad_weight


def linear_backward(
    grad_output: object, x: object, weight: object, bias: object = None
) -> tuple[list[float], Matrix, list[float] | None]:
    """The gradients of ``linear(x, weight, bias)``: ``(grad_x, grad_weight, grad_bias)``.

    ``grad_x = weight^T @ grad_output``, ``grad_weight = outer(grad_output,
    x)``, ``grad_bias = grad_output`` (``None`` without bias), as
    ``torch.autograd`` gives them.
    """
    xs, rows, biases = _check_linear(x, weight, bias)
    length = probe_vector("grad_output", grad_output)
    if length != len(rows):
        raise ValueError(
            f"grad_output has {length} numbers but the layer has {len(rows)} outputs; "
            f"pass the gradient of linear's output"
        )
    grad = to_numbers(grad_output, "grad_output", length)
    grad_x, grad_weight = linear_grads(grad, xs, rows, need_x=True)
    assert grad_x is not None
    width = len(xs)
    nested = [grad_weight[start : start + width] for start in range(0, len(grad_weight), width)]
    return grad_x, nested, None if biases is None else list(grad)
