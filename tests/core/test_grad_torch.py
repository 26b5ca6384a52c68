"""Gradients and classifier pieces against torch.autograd (float64, 1e-9):
conv2d_backward over the whole conv2d parameter space, relu, flatten, linear,
softmax, log_softmax and cross_entropy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from tests.core.helpers import CASES, assert_close, pair
from tests.core.strategies import Case, conv_cases

F = torch.nn.functional
torch.set_default_dtype(torch.float64)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def torch_conv_grads(case: Case, grad: Any) -> tuple[Any, Any, Any] | None:
    """``(grad_x, grad_weight, grad_bias)`` from autograd, or None if torch refuses."""
    kw = dict(case.kwargs)
    bias = kw.pop("bias", None)
    x = torch.tensor(case.x, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(case.weight, dtype=torch.float64, requires_grad=True)
    b = None if bias is None else torch.tensor(bias, dtype=torch.float64, requires_grad=True)
    padding, mode = kw["padding"], kw["padding_mode"]
    try:
        if (isinstance(padding, tuple) and len(padding) == 4) or mode != "zeros":
            top, bottom, left, right = _four(padding, case.kernel, pair(kw["dilation"]))
            if padding == "same" and pair(kw["stride"]) != (1, 1):
                return None
            torch_mode = "constant" if mode == "zeros" else mode
            padded = F.pad(x[None], (left, right, top, bottom), mode=torch_mode)
            y = F.conv2d(padded, w, b, kw["stride"], 0, kw["dilation"], kw["groups"])
        else:
            y = F.conv2d(x[None], w, b, kw["stride"], padding, kw["dilation"], kw["groups"])
        y.backward(torch.tensor(grad)[None])  # type: ignore[no-untyped-call]
    except (RuntimeError, ValueError, NotImplementedError):
        return None
    assert x.grad is not None and w.grad is not None
    return x.grad.numpy(), w.grad.numpy(), None if b is None or b.grad is None else b.grad.numpy()


def _four(padding: Any, kernel: tuple[int, int], dilation: tuple[int, int]) -> tuple[int, ...]:
    if isinstance(padding, tuple) and len(padding) == 4:
        return tuple(padding)
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        sides = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            sides += [total // 2, total - total // 2]
        return tuple(sides)
    ph, pw = pair(padding)
    return (ph, ph, pw, pw)


@settings(max_examples=300, deadline=None)
@given(conv_cases(max_side=8, max_kernel=4), st.integers(0, 2**32 - 1))
def test_conv2d_backward_agrees_with_autograd(case: Case, seed: int) -> None:
    """Every padding form and mode, stride, dilation, groups, bias."""
    CASES["conv2d_backward vs torch (hypothesis)"] += 1
    try:
        y = convcore.conv2d(case.x, case.weight, **case.kwargs)
    except ValueError:
        y = None
    grad = None if y is None else np.random.default_rng(seed).uniform(-1, 1, np.shape(y))
    expected = None if grad is None else torch_conv_grads(case, grad)
    if expected is None:
        assert y is None or grad is None, "torch refused a call conv2d accepted"
        with pytest.raises(ValueError, match=r"."):
            convcore.conv2d_backward(np.zeros((1, 1, 1)).tolist(), case.x, case.weight,
                                     **case.kwargs)  # fmt: skip
        return
    assert grad is not None
    grad_x, grad_w, grad_b = convcore.conv2d_backward(grad.tolist(), case.x, case.weight,
                                                      **case.kwargs)  # fmt: skip
    assert_close(grad_x, expected[0], grad, case.weight, "grad_x")
    assert_close(grad_w, expected[1], grad, case.x, "grad_weight")
    if expected[2] is None:
        assert grad_b is None
    else:
        assert grad_b is not None
        np.testing.assert_allclose(grad_b, expected[2], rtol=1e-9, atol=1e-9 * grad.size)


@settings(max_examples=150, deadline=None)
@given(conv_cases(max_side=8, max_kernel=4), st.integers(0, 2**32 - 1))
def test_input_gradient_is_conv_transpose2d_with_the_same_weights(case: Case, seed: int) -> None:
    """Zeros padding, equal sides: grad_x == conv_transpose2d(grad, w, ...,
    output_padding=the leftover cells fit reports)."""
    kw = {**case.kwargs, "padding_mode": "zeros", "bias": None}
    if not isinstance(kw["padding"], int):
        kw["padding"] = 1
    try:
        y = convcore.conv2d(case.x, case.weight, **kw)
    except ValueError:
        return
    CASES["conv2d_backward grad_x == conv_transpose2d"] += 1
    grad = np.random.default_rng(seed).uniform(-1, 1, np.shape(y)).tolist()
    grad_x, _, _ = convcore.conv2d_backward(grad, case.x, case.weight, **kw)
    shape = convcore.fit((len(case.x[0]), len(case.x[0][0])), case.kernel, kw["stride"],
                         kw["padding"], kw["dilation"])  # fmt: skip
    assert isinstance(shape, convcore.Fit2D)
    transposed = convcore.conv_transpose2d(
        grad,
        case.weight,
        stride=kw["stride"],
        padding=kw["padding"],
        output_padding=(shape.rows.leftover, shape.cols.leftover),
        groups=kw["groups"],
        dilation=kw["dilation"],
    )
    assert_close(grad_x, np.asarray(transposed), grad, case.weight)


def test_conv2d_backward_checks_grad_output() -> None:
    x, w = [[[1.0] * 4] * 4], [[[[1.0] * 3] * 3]]
    with pytest.raises(ValueError, match=r"grad_output is 1x3x3 but conv2d's output is 1x2x2"):
        convcore.conv2d_backward([[[0.0] * 3] * 3], x, w)
    with pytest.raises(TypeError, match="grad_output"):
        convcore.conv2d_backward("g", x, w)
    grad_x, grad_w, grad_b = convcore.conv2d_backward([[[1.0] * 2] * 2], x, w, bias=[0.5])
    assert (
        grad_b == [4.0] and grad_w == [[[[4.0] * 3] * 3]] and grad_x[0][0] == [1.0, 2.0, 2.0, 1.0]
    )


# --------------------------------------------------------- classifier pieces


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=0, max_size=4), st.integers(0, 2**32 - 1))
def test_relu_and_its_gradient(shape: list[int], seed: int) -> None:
    CASES["relu vs torch (hypothesis)"] += 1
    rng = np.random.default_rng(seed)
    values = rng.choice([-1.5, -0.0, 0.0, 0.25, 2.0], size=shape) * rng.uniform(0.5, 2, size=shape)
    x = torch.tensor(values, requires_grad=True)
    y = torch.relu(x)
    grad = rng.uniform(-1, 1, size=shape)
    y.backward(torch.tensor(grad))  # type: ignore[no-untyped-call]
    ours = convcore.relu(values.tolist())
    assert np.array_equal(np.signbit(ours), np.signbit(y.detach().numpy()))  # -0.0 kept
    np.testing.assert_array_equal(ours, y.detach().numpy())
    assert x.grad is not None
    np.testing.assert_array_equal(convcore.relu_backward(grad.tolist(), values.tolist()), x.grad)


def test_flatten_is_row_major() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    assert convcore.flatten(x.tolist()) == torch.flatten(torch.tensor(x)).tolist()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.booleans(), st.integers(0, 2**32 - 1))
def test_linear_and_its_gradients(n_in: int, n_out: int, with_bias: bool, seed: int) -> None:
    CASES["linear vs torch (hypothesis)"] += 1
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.normal(size=n_in), requires_grad=True)
    w = torch.tensor(rng.normal(size=(n_out, n_in)), requires_grad=True)
    b = torch.tensor(rng.normal(size=n_out), requires_grad=True) if with_bias else None
    y = F.linear(x, w, b)
    grad = rng.normal(size=n_out)
    y.backward(torch.tensor(grad))  # type: ignore[no-untyped-call]
    args = (x.tolist(), w.tolist(), None if b is None else b.tolist())
    np.testing.assert_allclose(convcore.linear(*args), y.detach().numpy(), rtol=1e-9, atol=1e-12)
    grad_x, grad_w, grad_b = convcore.linear_backward(grad.tolist(), *args)
    assert x.grad is not None and w.grad is not None
    np.testing.assert_allclose(grad_x, x.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grad_w, w.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert (grad_b is None) == (b is None)
    if b is not None:
        assert b.grad is not None and grad_b is not None
        np.testing.assert_allclose(grad_b, b.grad.numpy(), rtol=1e-9, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4), st.integers(1, 12), st.floats(0.1, 800.0), st.integers(0, 2**32 - 1))
def test_softmax_and_cross_entropy(n: int, k: int, scale: float, seed: int) -> None:
    """Large logits included: the max is subtracted before exp."""
    CASES["softmax/log_softmax/cross_entropy vs torch (hypothesis)"] += 1
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * scale
    targets = rng.integers(0, k, size=n).tolist()
    z = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(z, torch.tensor(targets))
    loss.backward()  # type: ignore[no-untyped-call]
    row = logits[0].tolist()
    np.testing.assert_allclose(convcore.softmax(row), F.softmax(z[0], 0).tolist(), rtol=1e-9,
                               atol=1e-300)  # fmt: skip
    np.testing.assert_allclose(convcore.log_softmax(row), F.log_softmax(z[0], 0).tolist(),
                               rtol=1e-9, atol=1e-9)  # fmt: skip
    ours = convcore.cross_entropy(logits.tolist(), targets)
    assert ours == pytest.approx(loss.item(), rel=1e-9, abs=1e-12)
    assert z.grad is not None
    np.testing.assert_allclose(convcore.cross_entropy_backward(logits.tolist(), targets),
                               z.grad.numpy(), rtol=1e-9, atol=1e-12)  # fmt: skip


def test_cross_entropy_refusals() -> None:
    with pytest.raises(ValueError, match=r"targets\[0\]=3 is too large. Allowed: 0 to 2"):
        convcore.cross_entropy([[1.0, 2.0, 3.0]], [3])
    with pytest.raises(ValueError, match="too small"):  # no ignore_index=-100 here
        convcore.cross_entropy([[1.0, 2.0, 3.0]], [-100])
    with pytest.raises(TypeError, match="whole number"):
        convcore.cross_entropy([[1.0, 2.0]], [1.0])
    with pytest.raises(ValueError, match="one target per row"):
        convcore.cross_entropy([[1.0, 2.0]], [0, 1])
    assert convcore.softmax([1000.0, 0.0]) == [1.0, 0.0]
