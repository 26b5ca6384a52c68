"""conv2d and conv_transpose2d against the NumPy reference, over the whole space."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

import convcore
from tests.core.helpers import (
    CASES,
    assert_close,
    pair,
    ref_conv2d,
    ref_conv_transpose2d,
)
from tests.core.strategies import Case, conv_cases, transpose_cases


@settings(max_examples=600, deadline=None)
@given(conv_cases())
def test_conv2d_matches_numpy_or_refuses(case: Case) -> None:
    CASES["conv2d vs numpy (hypothesis)"] += 1
    kw = case.kwargs
    why = case.refusal()
    if why:
        with pytest.raises(ValueError) as info:
            convcore.conv2d(case.x, case.weight, **kw)
        assert str(info.value), why
        return
    got = convcore.conv2d(case.x, case.weight, **kw)
    expected = ref_conv2d(case.x, case.weight, **kw)
    assert_close(got, expected, case.x, case.weight, repr(kw))


def _transpose_refusal(case: Case) -> bool:
    kw = case.kwargs
    stride, padding = pair(kw["stride"]), pair(kw["padding"])
    out_pad, dilation = pair(kw["output_padding"]), pair(kw["dilation"])
    for axis in range(2):
        if out_pad[axis] >= max(stride[axis], dilation[axis]):
            return True
        size = (
            (case.in_size[axis] - 1) * stride[axis]
            - 2 * padding[axis]
            + dilation[axis] * (case.kernel[axis] - 1)
            + out_pad[axis]
            + 1
        )
        if size < 1:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(transpose_cases())
def test_conv_transpose2d_matches_numpy_or_refuses(case: Case) -> None:
    CASES["conv_transpose2d vs numpy (hypothesis)"] += 1
    if _transpose_refusal(case):
        with pytest.raises(ValueError, match=r"."):
            convcore.conv_transpose2d(case.x, case.weight, **case.kwargs)
        return
    got = convcore.conv_transpose2d(case.x, case.weight, **case.kwargs)
    expected = ref_conv_transpose2d(case.x, case.weight, **case.kwargs)
    assert_close(got, expected, case.x, case.weight, repr(case.kwargs))


def test_even_kernel_same_pads_bottom_right() -> None:
    # A 2x2 kernel that only keeps its top-left tap shows where the extra cell went.
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    weight = [[[[0.0, 0.0], [0.0, 1.0]]]]
    got = convcore.conv2d(x, weight, padding="same")
    # total padding 1 = 0 before + 1 after, so output (i, j) reads input (i+1, j+1)
    assert got == [[[5.0, 6.0, 0.0], [8.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]


def test_large_case_matches_numpy() -> None:
    """The fast path on a bigger image (128x128 RGB, 3 filters, stride 2)."""
    import numpy as np

    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 128, 128)).tolist()
    weight = rng.normal(size=(3, 3, 5, 5)).tolist()
    bias = [0.5, -1.0, 2.0]
    settings_list: list[dict[str, Any]] = [
        {"padding": 2},
        {"stride": 2, "padding": 1, "dilation": 2},
    ]
    for kwargs in settings_list:
        got = convcore.conv2d(x, weight, bias, **kwargs)
        assert_close(got, ref_conv2d(x, weight, bias, **kwargs), x, weight, repr(kwargs))
