"""convcore against PyTorch itself (float64): values, refusals, receptive field.

torch is imported unconditionally: in CI a missing torch must fail, not skip.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Literal

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from tests.core.helpers import CASES, assert_close, pair
from tests.core.strategies import MODES, Case, conv_cases, transpose_cases

torch.set_default_dtype(torch.float64)

Mode = Literal["zeros", "reflect", "replicate", "circular"]

# torch notes that even kernels with "same" copy the input; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def torch_conv2d(case: Case) -> list[Any] | None:
    """``nn.Conv2d`` output, or ``None`` when torch refuses the call.

    Four-sided padding is ``F.pad`` (which lists (left, right, top, bottom))
    in the same mode, then the layer without padding.
    """
    kw = dict(case.kwargs)
    bias = kw.pop("bias", None)
    c_in, c_out, _ = case.channels
    x = torch.tensor(case.x, dtype=torch.float64)[None]
    if isinstance(kw["padding"], tuple) and len(kw["padding"]) == 4:
        top, bottom, left, right = kw["padding"]
        mode = "constant" if kw["padding_mode"] == "zeros" else kw["padding_mode"]
        try:
            x = torch.nn.functional.pad(x, (left, right, top, bottom), mode=mode)
        except (RuntimeError, ValueError, NotImplementedError):
            return None
        kw["padding"], kw["padding_mode"] = 0, "zeros"
    try:
        layer = torch.nn.Conv2d(
            c_in,
            c_out,
            case.kernel,
            stride=kw["stride"],
            padding=kw["padding"],
            dilation=kw["dilation"],
            groups=kw["groups"],
            bias=bias is not None,
            padding_mode=kw["padding_mode"],
        )
        with torch.no_grad():
            if layer.weight.shape != torch.tensor(case.weight, dtype=torch.float64).shape:
                return None  # groups changed the expected weight shape: torch refuses
            layer.weight.copy_(torch.tensor(case.weight, dtype=torch.float64))
            if bias is not None:
                assert layer.bias is not None
                layer.bias.copy_(torch.tensor(bias, dtype=torch.float64))
            out: list[Any] = layer(x)[0].tolist()
            return out
    except (RuntimeError, ValueError):
        return None


@settings(max_examples=400, deadline=None)
@given(conv_cases(max_side=9, max_kernel=5))
def test_conv2d_agrees_with_torch(case: Case) -> None:
    """Where torch raises we raise ValueError; where torch works we agree."""
    CASES["conv2d vs torch (hypothesis)"] += 1
    expected = torch_conv2d(case)
    if expected is None:
        with pytest.raises(ValueError, match=r"."):
            convcore.conv2d(case.x, case.weight, **case.kwargs)
        return
    got = convcore.conv2d(case.x, case.weight, **case.kwargs)
    assert_close(got, np.asarray(expected), case.x, case.weight, repr(case.kwargs))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("kernel", "dilation"), [(2, 1), (4, 1), (2, 3), (4, 2), ((2, 3), 1)])
def test_same_with_even_kernels(mode: Mode, kernel: Any, dilation: int) -> None:
    rng = np.random.default_rng(3)
    kh, kw = pair(kernel)
    x = rng.normal(size=(2, 7, 8))
    weight = rng.normal(size=(3, 2, kh, kw))
    layer = torch.nn.Conv2d(2, 3, (kh, kw), padding="same", dilation=dilation, padding_mode=mode)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        expected = layer(torch.tensor(x)[None])[0].detach().numpy()
    assert layer.bias is not None
    bias = layer.bias.detach().tolist()
    got = convcore.conv2d(
        x.tolist(), weight.tolist(), bias, padding="same", dilation=dilation, padding_mode=mode
    )
    assert_close(got, expected, x, weight, f"{mode} k{kernel} d{dilation}")


@pytest.mark.parametrize("mode", MODES)
def test_padding_limits_per_mode_match_torch(mode: Mode) -> None:
    """reflect: padding < size; circular: padding <= size; zeros/replicate: no limit."""
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    for padding in range(0, 9):
        layer = torch.nn.Conv2d(1, 1, 3, padding=padding, padding_mode=mode, bias=False)
        try:
            with torch.no_grad():
                expected: Any = layer(x)[0].tolist()
        except RuntimeError:
            expected = None
        weight = layer.weight.detach().tolist()
        if expected is None:
            with pytest.raises(ValueError, match=mode):
                convcore.conv2d(x[0].tolist(), weight, padding=padding, padding_mode=mode)
        else:
            got = convcore.conv2d(x[0].tolist(), weight, padding=padding, padding_mode=mode)
            assert_close(got, np.asarray(expected), x, weight, f"{mode} p{padding}")


def test_negative_padding_is_refused_although_torch_crops() -> None:
    """A deliberate difference: torch's reflect/replicate/circular modes accept
    negative padding (they crop); convcore refuses it in every mode."""
    layer = torch.nn.Conv2d(1, 1, 1, padding=-1, padding_mode="replicate")
    assert layer(torch.ones(1, 1, 4, 4)).shape[-1] == 2
    with pytest.raises(ValueError, match="negative"):
        convcore.conv2d([[[1.0] * 4] * 4], [[[[1.0]]]], padding=-1, padding_mode="replicate")


def torch_transpose(case: Case) -> list[Any] | None:
    kw = dict(case.kwargs)
    bias = kw.pop("bias", None)
    try:
        out = torch.nn.functional.conv_transpose2d(
            torch.tensor(case.x, dtype=torch.float64)[None],
            torch.tensor(case.weight, dtype=torch.float64),
            None if bias is None else torch.tensor(bias, dtype=torch.float64),
            **kw,
        )
    except (RuntimeError, ValueError):
        return None
    result: list[Any] = out[0].tolist()
    return result


@settings(max_examples=300, deadline=None)
@given(transpose_cases())
def test_conv_transpose2d_agrees_with_torch(case: Case) -> None:
    CASES["conv_transpose2d vs torch (hypothesis)"] += 1
    expected = torch_transpose(case)
    if expected is None:
        with pytest.raises(ValueError, match=r"."):
            convcore.conv_transpose2d(case.x, case.weight, **case.kwargs)
        return
    got = convcore.conv_transpose2d(case.x, case.weight, **case.kwargs)
    assert_close(got, np.asarray(expected), case.x, case.weight, repr(case.kwargs))


# ------------------------------------------------------------ receptive field


def gradient_pixels(
    layers: list[tuple[int, int, int, int]], size: tuple[int, int], at: tuple[int, int]
) -> frozenset[tuple[int, int]]:
    """Input pixels with a non-zero gradient of one output pixel (the oracle)."""
    x = torch.ones(1, 1, *size, requires_grad=True)
    y = x
    for kernel, stride, padding, dilation in layers:
        conv = torch.nn.Conv2d(1, 1, kernel, stride, padding, dilation, bias=False)
        with torch.no_grad():
            conv.weight.fill_(1.0)  # positive weights: no cancellation
        y = conv(y)
    y[0, 0, at[0], at[1]].backward()  # type: ignore[no-untyped-call]
    assert x.grad is not None
    rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
    return frozenset(zip(rows.tolist(), cols.tolist(), strict=True))


def test_receptive_field_equals_gradient_support() -> None:
    rng = random.Random(11)
    checked = 0
    while checked < 120:
        depth = rng.randint(1, 3)
        layers = [
            (rng.randint(1, 4), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 3))
            for _ in range(depth)
        ]
        size = (rng.randint(6, 20), rng.randint(6, 20))
        try:
            field = convcore.receptive_field(layers, input_size=size)
        except ValueError:
            continue  # a layer without output: torch refuses too
        out_h, out_w = field.layers[-1].out_size or (0, 0)
        at = (rng.randrange(out_h), rng.randrange(out_w))
        field = convcore.receptive_field(layers, at=at, input_size=size)
        assert field.pixels == gradient_pixels(layers, size, at), (layers, size, at)
        checked += 1
    CASES["receptive field vs torch gradient"] += checked


def test_receptive_field_with_dilation_has_gaps_like_the_gradient() -> None:
    layers = [(3, 1, 0, 2), (2, 1, 0, 3)]
    field = convcore.receptive_field(layers, at=(0, 0), input_size=(12, 12))
    assert field.rows == (0, 2, 3, 4, 5, 7)
    assert field.pixels == gradient_pixels(layers, (12, 12), (0, 0))


def test_output_size_matches_torch() -> None:
    for n, k, s, p, d in itertools.product(
        range(1, 9), range(1, 5), range(1, 4), range(3), range(1, 3)
    ):
        try:
            expected = torch.nn.Conv2d(1, 1, k, s, p, d)(torch.ones(1, 1, n, 1 + 2 * d * k)).shape[
                2
            ]
        except RuntimeError:
            with pytest.raises(ValueError):
                convcore.output_size(n, k, s, p, d)
            continue
        assert convcore.output_size(n, k, s, p, d) == expected


@given(st.integers(1, 3))
@settings(max_examples=3, deadline=None)
def test_trace_matches_torch_output(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 6, 5))
    weight = rng.normal(size=(2, 2, 3, 2))
    layer = torch.nn.Conv2d(2, 2, (3, 2), padding=1, padding_mode="circular", bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        expected = layer(torch.tensor(x)[None])[0].numpy()
    t = convcore.trace(x.tolist(), weight.tolist(), padding=1, padding_mode="circular")
    got = np.zeros_like(expected)
    for window in t:
        got[window.out_channel][window.position] = window.output
    assert_close(got, expected, x, weight)
