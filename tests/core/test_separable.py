"""The two-pass path for exactly separable kernels (box, Sobel, outer(u, v))."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore.separable import factor
from tests.core.helpers import CASES, assert_close, conv_refusal, ref_conv2d
from tests.core.strategies import MODES, int_or_pair


def test_factor_finds_exact_outer_products_only() -> None:
    assert factor([[1.0] * 3] * 3) == ([1.0] * 3, [1.0] * 3)
    sobel = [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]
    u, v = factor(sobel) or ([], [])
    assert [[a * b for b in v] for a in u] == sobel
    assert factor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]) is None  # Laplacian
    assert factor([[0.0] * 3] * 3) is None  # nothing to gain: every tap is skipped
    assert factor([[1.0, 1.0], [1.0, 1.0]]) is None  # 2x2: two passes would not be cheaper
    assert factor([[0.1, 0.2, 0.3]] * 3) is not None


@st.composite
def separable_case(draw: st.DrawFn) -> tuple[Any, Any, dict[str, Any], tuple[int, ...]]:
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(2, 6)), draw(st.integers(3, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kernels = np.empty((c_out, c_in // groups, kh, kw))
    for index in np.ndindex(kernels.shape[:2]):
        u = rng.integers(-2, 3, size=kh) * 0.5
        v = rng.integers(-3, 4, size=kw) * 1.0
        kernels[index] = np.outer(u, v) if draw(st.booleans()) else rng.uniform(-1, 1)
    kwargs = {
        "stride": draw(int_or_pair(1, 3)),
        "padding": draw(st.one_of(int_or_pair(0, 3), st.sampled_from(["same", "valid"]))),
        "dilation": draw(int_or_pair(1, 3)),
        "groups": groups,
        "padding_mode": draw(st.sampled_from(MODES)),
        "bias": rng.uniform(-1, 1, size=c_out).tolist(),
    }
    x = rng.uniform(-1, 1, size=(c_in, h, w)).tolist()
    return x, kernels.tolist(), kwargs, (h, w, kh, kw, c_in, c_out)


@settings(max_examples=250, deadline=None)
@given(separable_case())
def test_separable_path_matches_numpy_and_trace(case: tuple[Any, Any, dict[str, Any], Any]) -> None:
    x, weight, kwargs, (h, w, kh, kw, c_in, c_out) = case
    groups = kwargs["groups"]
    args = (kwargs["stride"], kwargs["padding"], kwargs["dilation"], groups, kwargs["padding_mode"])
    if conv_refusal((h, w), (kh, kw), (c_in, c_out, c_in // groups), *args):
        return
    CASES["separable kernels vs numpy and trace"] += 1
    out = convcore.conv2d(x, weight, **kwargs)
    assert_close(out, ref_conv2d(x, weight, **kwargs), x, weight, repr(kwargs))
    for window in convcore.trace(x, weight, **kwargs):
        row, col = window.position
        assert window.output == out[window.out_channel][row][col]
