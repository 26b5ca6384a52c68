"""Hypothesis strategies over the whole conv2d / conv_transpose2d parameter space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests.core.helpers import conv_refusal

MODES = ("zeros", "reflect", "replicate", "circular")


@dataclass
class Case:
    """One drawn call: tensors as nested lists plus keyword arguments."""

    x: list[Any]
    weight: list[Any]
    kwargs: dict[str, Any]
    in_size: tuple[int, int]
    kernel: tuple[int, int]
    channels: tuple[int, int, int]  # C_in, C_out, weight's per-group inputs

    def refusal(self) -> str:
        """Why PyTorch refuses this conv2d call, or "" (see helpers.conv_refusal)."""
        kw = self.kwargs
        return conv_refusal(
            self.in_size,
            self.kernel,
            self.channels,
            kw["stride"],
            kw["padding"],
            kw["dilation"],
            kw["groups"],
            kw["padding_mode"],
        )


def int_or_pair(low: int, high: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high))
    )


def _kernels(draw: st.DrawFn, shape: tuple[int, int, int, int]) -> list[Any]:
    """Weights; often exactly separable (box or outer(u, v)) to reach that path."""
    kind = draw(st.sampled_from(["any", "box", "outer"]))
    if kind == "any":
        return _values(draw, shape)
    kh, kw = shape[2], shape[3]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "box":
        u, v = np.full(kh, rng.uniform(-2, 2)), np.ones(kw)
    else:
        u, v = rng.integers(-2, 3, size=kh) * 0.5, rng.integers(-3, 4, size=kw).astype(float)
    data: list[Any] = np.broadcast_to(np.outer(u, v), shape).tolist()
    return data


def _values(draw: st.DrawFn, shape: tuple[int, ...]) -> list[Any]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        data: list[Any] = rng.integers(-3, 4, size=shape).tolist()  # small ints: exact sums
        return data
    floats: list[Any] = rng.uniform(-1.0, 1.0, size=shape).tolist()
    return floats


@st.composite
def conv_cases(draw: st.DrawFn, max_side: int = 12, max_kernel: int = 6) -> Case:
    """Valid and invalid conv2d calls: shapes 1-12, kernels 1-6, strides 1-4, ..."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    per_group = c_in // groups
    if draw(st.integers(0, 9)) == 0:  # sometimes a groups value that does not divide
        groups = draw(st.integers(1, 4))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    padding = draw(
        st.one_of(
            st.integers(0, 4),
            st.tuples(st.integers(0, 4), st.integers(0, 4)),
            st.tuples(*[st.integers(0, 4)] * 4),  # (top, bottom, left, right)
            st.sampled_from(["same", "valid"]),
        )
    )
    kwargs: dict[str, Any] = {
        "stride": draw(int_or_pair(1, 4)),
        "padding": padding,
        "dilation": draw(int_or_pair(1, 3)),
        "groups": groups,
        "padding_mode": draw(st.sampled_from(MODES)),
    }
    if draw(st.booleans()):
        kwargs["bias"] = _values(draw, (c_out,))
    return Case(
        x=_values(draw, (c_in, h, w)),
        weight=_kernels(draw, (c_out, per_group, kh, kw)),
        kwargs=kwargs,
        in_size=(h, w),
        kernel=(kh, kw),
        channels=(c_in, c_out, per_group),
    )


@st.composite
def transpose_cases(draw: st.DrawFn) -> Case:
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    per_group_out = draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kwargs: dict[str, Any] = {
        "stride": draw(int_or_pair(1, 4)),
        "padding": draw(int_or_pair(0, 4)),
        "output_padding": draw(int_or_pair(0, 3)),
        "dilation": draw(int_or_pair(1, 3)),
        "groups": groups,
    }
    if draw(st.booleans()):
        kwargs["bias"] = _values(draw, (per_group_out * groups,))
    return Case(
        x=_values(draw, (c_in, h, w)),
        weight=_values(draw, (c_in, per_group_out, kh, kw)),
        kwargs=kwargs,
        in_size=(h, w),
        kernel=(kh, kw),
        channels=(c_in, per_group_out * groups, per_group_out),
    )
