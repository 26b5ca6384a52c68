"""Four-sided padding, ``same_padding`` and pooling's ``ceil_mode`` rule, against PyTorch.

PyTorch's ``F.pad`` lists the last axis first: ``(left, right, top, bottom)``;
convcore's four sides are ``(top, bottom, left, right)``.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from tests.core.helpers import CASES, assert_close

F = torch.nn.functional
torch.set_default_dtype(torch.float64)

# torch notes that even kernels with "same" copy the input; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def torch_same_conv(x: Any, w: Any, stride: tuple[int, int], dilation: tuple[int, int]) -> Any:
    """TensorFlow's "SAME" in PyTorch: F.pad with the four sides, then conv2d."""
    top, bottom, left, right = convcore.same_padding(
        (len(x[0]), len(x[0][0])), (len(w[0][0]), len(w[0][0][0])), stride, dilation
    )
    padded = F.pad(torch.tensor(x)[None], (left, right, top, bottom))
    return F.conv2d(padded, torch.tensor(w), stride=stride, dilation=dilation)[0].numpy()


@settings(max_examples=150, deadline=None)
@given(
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.integers(0, 2**32 - 1),
)
def test_same_padding_is_tensorflows_same_with_any_stride(
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    seed: int,
) -> None:
    CASES["same_padding + F.pad + conv2d vs torch (hypothesis)"] += 1
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(2, *size)).tolist()
    w = rng.uniform(-1, 1, size=(3, 2, *kernel)).tolist()
    expected = torch_same_conv(x, w, stride, dilation)
    assert expected.shape[1:] == (-(-size[0] // stride[0]), -(-size[1] // stride[1]))
    pads = convcore.same_padding(size, kernel, stride, dilation)
    if max(pads) > convcore.MAX_PADDING:
        return
    got = convcore.conv2d(x, w, stride=stride, padding=pads, dilation=dilation)
    assert_close(got, expected, x, w, f"{size} {kernel} {stride} {dilation} -> {pads}")


def test_same_padding_with_stride_1_is_pytorchs_same() -> None:
    for size, kernel, dilation in itertools.product(range(1, 9), range(1, 6), range(1, 4)):
        layer = torch.nn.Conv2d(1, 1, kernel, padding="same", dilation=dilation, bias=False)
        x = torch.randn(1, 1, size, size)
        top, bottom, left, right = convcore.same_padding(size, kernel, 1, dilation)
        with torch.no_grad():
            expected = layer(x)
            ours = F.conv2d(F.pad(x, (left, right, top, bottom)), layer.weight, dilation=dilation)
        assert torch.equal(expected, ours), (size, kernel, dilation)


def test_same_padding_rule_by_hand() -> None:
    assert convcore.same_padding(20, 5, 2) == (1, 2, 1, 2)  # out 10, total 3
    assert convcore.same_padding((7, 8), (3, 4), (2, 3), (1, 2)) == (1, 1, 2, 3)
    assert convcore.same_padding(5, 1, 4) == (0, 0, 0, 0)  # no padding needed
    with pytest.raises(ValueError, match="stride"):
        convcore.same_padding(5, 3, 0)
    with pytest.raises(TypeError):
        convcore.same_padding("5", 3)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_four_sided_padding_is_f_pad_then_conv2d(mode: str) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4))  # small enough for reflect/circular to refuse some
    w = rng.normal(size=(3, 2, 3, 2))
    checked = refused = 0
    for top, bottom, left, right in itertools.product(range(5), range(3), range(3), range(4)):
        pad_mode = "constant" if mode == "zeros" else mode
        try:
            padded = F.pad(torch.tensor(x)[None], (left, right, top, bottom), mode=pad_mode)
        except RuntimeError:
            with pytest.raises(ValueError, match=mode):
                convcore.conv2d(x.tolist(), w.tolist(), padding=(top, bottom, left, right),
                                padding_mode=mode)  # fmt: skip
            refused += 1
            continue
        expected = F.conv2d(padded, torch.tensor(w))[0].numpy()
        got = convcore.conv2d(
            x.tolist(), w.tolist(), padding=(top, bottom, left, right), padding_mode=mode
        )
        assert_close(got, expected, x, w, f"{mode} {(top, bottom, left, right)}")
        checked += 1
    CASES[f"four-sided padding vs F.pad ({mode})"] += checked
    assert checked > 30 and (refused > 0) == (mode in ("reflect", "circular"))


def test_output_size_with_before_and_after_matches_f_pad() -> None:
    for n, k, s, before, after in itertools.product(
        range(1, 8), range(1, 5), range(1, 4), range(3), range(3)
    ):
        x = F.pad(torch.ones(1, 1, n, 1), (0, 0, before, after))
        if x.shape[2] < k:
            with pytest.raises(ValueError, match="no output"):
                convcore.output_size(n, k, s, (before, after))
            continue
        expected = F.conv2d(x, torch.ones(1, 1, k, 1), stride=(s, 1)).shape[2]
        assert convcore.output_size(n, k, s, (before, after)) == expected


def test_output_size_ceil_mode_is_poolings_rule() -> None:
    """Every (n, k, s, p, d) torch's max_pool2d accepts, with ceil_mode on and off."""
    checked = 0
    for ceil, n, k, s, d in itertools.product(
        (False, True), range(1, 10), range(1, 5), range(1, 4), range(1, 3)
    ):
        for p in range(k // 2 + 1):
            x = torch.zeros(1, 1, n, 1)
            try:
                expected = F.max_pool2d(x, (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode=ceil).shape[2]
            except RuntimeError:
                with pytest.raises(ValueError):
                    convcore.output_size(n, k, s, p, d, ceil_mode=ceil)
                continue
            assert convcore.output_size(n, k, s, p, d, ceil_mode=ceil) == expected
            checked += 1
    CASES["output_size(ceil_mode) vs torch pooling"] += checked


def test_fit_with_ceil_mode_reports_the_overhang() -> None:
    result = convcore.fit(5, 2, 2, ceil_mode=True)
    assert isinstance(result, convcore.AxisFit)
    assert (result.out, result.used, result.leftover, result.dropped) == (3, 6, -1, ())
    assert "past the padded edge" in result.reason
    assert all(f.out == convcore.output_size(5, **{"kernel": 2, "stride": 2, f.parameter: f.value},
                                             ceil_mode=True) for f in result.fixes)  # fmt: skip
    floor = convcore.fit(5, 2, 2)
    assert isinstance(floor, convcore.AxisFit) and floor.dropped == (4,) and floor.out == 2


def test_fit_and_trace_take_four_sides() -> None:
    two_d = convcore.fit((7, 9), 3, 2, (0, 2, 1, 1))
    assert isinstance(two_d, convcore.Fit2D)
    assert two_d.rows.padding == (0, 2) and two_d.cols.padding == (1, 1) and two_d.out == (4, 5)
    one_d = convcore.fit(7, 3, 1, (0, 2))
    assert isinstance(one_d, convcore.AxisFit) and one_d.padding == (0, 2) and one_d.out == 7
    t = convcore.trace([[[1.0] * 4] * 4], [[[[1.0]]]], padding=(1, 0, 0, 2))
    assert t.padding == ((1, 0), (0, 2)) and t.out_size == (5, 6)
    with pytest.raises(ValueError, match=r"four numbers \(top, bottom, left, right\)"):
        convcore.conv2d([[[1.0]]], [[[[1.0]]]], padding=(1, 2, 3))
    with pytest.raises(ValueError, match=r"padding \(left\)=-1"):
        convcore.conv2d([[[1.0]]], [[[[1.0]]]], padding=(1, 2, -1, 0))
