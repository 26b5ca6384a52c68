"""Fuzzing the public functions with arbitrary arguments.

Every call must either return a correct result, or raise TypeError (wrong
type) / ValueError (wrong value) with a non-empty message: never another
exception, and never take long (the work caps hold before any allocation).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convcore
from tests.core.helpers import CASES, assert_close, ref_conv2d
from tests.core.strategies import Case, conv_cases

SLOW = 2.0  # seconds; far above any accepted fuzz call, far below a hang

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # includes huge ints
    st.integers(-3, 6),
    st.just(10**6),
    st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["same", "valid", "zeros", "reflect", "circular", "replicate", "SAME"]),
    st.binary(max_size=3),
    st.complex_numbers(max_magnitude=3),
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=3), inner, max_size=2),
    ),
    max_leaves=24,
)
small_param = st.one_of(
    st.integers(-1, 5), st.tuples(st.integers(0, 4), st.integers(0, 4)), anything
)
padding_param = st.one_of(st.sampled_from(["same", "valid"]), small_param)
number = st.one_of(
    st.floats(-4, 4),
    st.integers(-4, 4),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=2),
)


@st.composite
def nested(draw: st.DrawFn, depth: int) -> Any:
    """Mostly well-formed nested lists of numbers, sometimes ragged or odd."""
    if draw(st.integers(0, 9)) == 0:
        return draw(anything)
    dims = [draw(st.integers(0, 4)) for _ in range(depth)]

    def build(level: int) -> Any:
        if level == depth:
            return draw(number) if draw(st.integers(0, 30)) == 0 else draw(st.floats(-4, 4))
        length = dims[level] + (draw(st.integers(-1, 1)) if draw(st.integers(0, 12)) == 0 else 0)
        return [build(level + 1) for _ in range(max(length, 0))]

    return build(0)


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``fn``; return its result or the allowed exception, timing it."""
    start = time.perf_counter()
    try:
        result: Any = fn(*args, **kwargs)
    except (TypeError, ValueError) as error:
        assert str(error).strip(), f"empty message from {fn.__name__}"
        result = error
    elapsed = time.perf_counter() - start
    assert elapsed < SLOW, f"{fn.__name__} took {elapsed:.2f}s"
    return result


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(
    nested(3),
    nested(4),
    st.one_of(st.none(), nested(1)),
    small_param,
    padding_param,
    small_param,
    small_param,
    st.one_of(st.sampled_from(["zeros", "reflect", "replicate", "circular"]), anything),
)
def test_conv2d_fuzz(
    x: Any, w: Any, b: Any, stride: Any, padding: Any, dilation: Any, groups: Any, mode: Any
) -> None:
    CASES["fuzz conv2d"] += 1
    result = call(convcore.conv2d, x, w, b, stride, padding, dilation, groups, mode)
    if not isinstance(result, Exception):  # accepted: it must be right
        CASES["fuzz conv2d accepted and checked"] += 1
        expected = ref_conv2d(x, w, b, stride, padding, dilation, groups, mode)
        assert_close(result, expected, x, w)


_ARGS = ("x", "weight", "bias", "stride", "padding", "dilation", "groups", "padding_mode")


@FUZZ
@given(conv_cases(max_side=8, max_kernel=4), st.data())
def test_conv2d_fuzz_one_argument_broken(case: Case, data: st.DataObject) -> None:
    """A drawn call with one or two arguments replaced by arbitrary values."""
    CASES["fuzz conv2d (valid call, 0-2 arguments replaced)"] += 1
    args = {"x": case.x, "weight": case.weight, "bias": None, **case.kwargs}
    for name in data.draw(st.lists(st.sampled_from(_ARGS), max_size=2, unique=True)):
        args[name] = data.draw(anything if name in ("x", "weight") else small_param)
    result = call(convcore.conv2d, **args)
    if not isinstance(result, Exception):
        CASES["fuzz conv2d accepted and checked"] += 1
        assert_close(result, ref_conv2d(**args), args["x"], args["weight"])


@FUZZ
@given(
    nested(3),
    nested(4),
    st.one_of(st.none(), nested(1)),
    small_param,
    small_param,
    small_param,
    small_param,
    small_param,
)
def test_conv_transpose2d_fuzz(
    x: Any, w: Any, b: Any, s: Any, p: Any, op: Any, g: Any, d: Any
) -> None:
    CASES["fuzz conv_transpose2d"] += 1
    call(convcore.conv_transpose2d, x, w, b, s, p, op, g, d)
    call(convcore.trace_transpose, x, w, b, s, p, op, g, d)


@FUZZ
@given(nested(3), nested(4), small_param, padding_param, anything)
def test_trace_fuzz(x: Any, w: Any, stride: Any, padding: Any, out_channel: Any) -> None:
    CASES["fuzz trace"] += 1
    result = call(convcore.trace, x, w, None, stride, padding, out_channel=out_channel)
    if not isinstance(result, Exception) and len(result):
        call(result.__getitem__, 0)
        call(result.__getitem__, out_channel)


@FUZZ
@given(
    st.one_of(st.integers(-2, 40), st.tuples(st.integers(0, 30), st.integers(0, 30)), anything),
    small_param,
    small_param,
    padding_param,
    small_param,
    st.one_of(st.just("zeros"), anything),
)
def test_geometry_fuzz(size: Any, k: Any, s: Any, p: Any, d: Any, mode: Any) -> None:
    CASES["fuzz fit/output_size/valid_convolution"] += 1
    result = call(convcore.fit, size, k, s, p, d, mode)
    if isinstance(result, (convcore.AxisFit, convcore.Fit2D)):
        for fix in result.fixes:
            assert fix.distance > 0
    out = call(convcore.output_size, size, k, s, p, d)
    assert isinstance(out, Exception) or (isinstance(out, int) and out >= 1)
    valid = call(convcore.valid_convolution, size, k, p, s)
    assert isinstance(valid, (bool, Exception))


@FUZZ
@given(
    st.one_of(
        anything,
        st.lists(
            st.one_of(
                st.tuples(
                    st.integers(-1, 5), st.integers(-1, 3), st.integers(-1, 3), st.integers(0, 3)
                ),
                st.builds(convcore.Layer, small_param, small_param, padding_param, small_param),
                st.dictionaries(st.sampled_from(["kernel", "stride", "padding", "x"]), small_param),
                anything,
            ),
            max_size=4,
        ),
    ),
    st.one_of(st.tuples(st.integers(0, 5), st.integers(0, 5)), anything),
    st.one_of(st.none(), st.integers(1, 30), anything),
)
def test_receptive_field_fuzz(layers: Any, at: Any, input_size: Any) -> None:
    CASES["fuzz receptive_field"] += 1
    call(convcore.receptive_field, layers, at, input_size)


# ------------------------------------------------------------ caps and types


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"padding": 10**6}, "MAX_PADDING"),
        ({"padding": (0, 10**6)}, "MAX_PADDING"),
        ({"stride": 10**9}, "MAX_STRIDE"),
        ({"dilation": 10**3}, "MAX_DILATION"),
        ({"groups": 10**5}, "MAX_CHANNELS"),
        ({"padding": 10**400}, "MAX_PADDING"),
    ],
)
def test_oversized_settings_are_refused_quickly(kwargs: dict[str, Any], words: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError, match=words):
        convcore.conv2d([[[1.0] * 5] * 5], [[[[1.0]]]], **kwargs)
    assert time.perf_counter() - start < 0.05


def test_huge_inputs_are_refused_before_any_work() -> None:
    wide = [[[0.0] * 100_000]]
    start = time.perf_counter()
    with pytest.raises(ValueError, match="MAX_SIDE"):
        convcore.conv2d(wide, [[[[1.0]]]])
    with pytest.raises(ValueError, match="MAX_SIDE"):
        convcore.conv2d([[[0.0]] * 100_000], [[[[1.0]]]])
    big_kernel = [[[[0.0] * 1000]]]
    with pytest.raises(ValueError, match="MAX_KERNEL"):
        convcore.conv2d([[[0.0] * 10]], big_kernel)
    # within every per-axis cap, but too many multiply-adds in total
    image = [[[0.0] * 1024] * 1024]
    with pytest.raises(ValueError, match="MAX_MACS"):
        convcore.conv2d(image, [[[[0.0] * 64] * 64]], padding=32)
    with pytest.raises(ValueError, match="MAX_"):
        convcore.fit(10**9, 3)
    with pytest.raises(ValueError, match="MAX_"):
        convcore.conv_transpose2d([[[0.0] * 1024] * 1024], [[[[0.0] * 64] * 64]], stride=64)
    assert time.perf_counter() - start < 0.5


def test_teaching_sized_work_is_inside_the_caps() -> None:
    """128x128 RGB, kernel 20, padding 10, dilation 5, 3 filters: allowed."""
    assert convcore.MAX_SIDE >= 128 and convcore.MAX_KERNEL >= 20
    assert convcore.MAX_PADDING >= 10 and convcore.MAX_DILATION >= 5
    out = convcore.output_size(128, 20, 1, 10, 1)
    assert 3 * 3 * 20 * 20 * out * out <= convcore.MAX_MACS
    assert 3 * out * out <= convcore.MAX_VALUES
    shape = convcore.fit((128, 128), 20, 1, 10, 5)
    assert shape.out == (53, 53)


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (("x", [[[[1.0]]]]), {}, TypeError),
        (([[[1.0, True]]], [[[[1.0]]]]), {}, TypeError),
        (([[[1.0, "2"]]], [[[[1.0]]]]), {}, TypeError),
        (([[[1.0, 2.0], [3.0]]], [[[[1.0]]]]), {}, TypeError),  # ragged
        (([[[1.0, math.nan]]], [[[[1.0]]]]), {}, ValueError),
        (([[[1.0, math.inf]]], [[[[1.0]]]]), {}, ValueError),
        (([[[1.0, 10**400]]], [[[[1.0]]]]), {}, ValueError),
        (([[[1.0]]], [[[[1.0]]]]), {"stride": True}, TypeError),
        (([[[1.0]]], [[[[1.0]]]]), {"stride": 1.0}, TypeError),
        (([[[1.0]]], [[[[1.0]]]]), {"stride": "2"}, TypeError),
        (([[[1.0]]], [[[[1.0]]]]), {"stride": 0}, ValueError),
        (([[[1.0]]], [[[[1.0]]]]), {"stride": (1, 2, 3)}, ValueError),
        (([[[1.0]]], [[[[1.0]]]]), {"padding": "full"}, ValueError),
        (([[[1.0]]], [[[[1.0]]]]), {"padding_mode": "mirror"}, ValueError),
        (([[[1.0]]], [[[[1.0]]]]), {"padding_mode": 0}, TypeError),
        (([[[1.0]]], [[[[1.0]]]]), {"bias": [1.0, 2.0]}, ValueError),
        (([], [[[[1.0]]]]), {}, ValueError),
        (([[[]]], [[[[1.0]]]]), {}, ValueError),
        (([[[1.0]]], [[[[1.0]]]]), {"groups": 2}, ValueError),
    ],
)
def test_wrong_types_and_values(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        convcore.conv2d(*args, **kwargs)
    assert len(str(info.value)) > 20


def test_messages_say_range_and_nearest_value() -> None:
    with pytest.raises(ValueError) as info:
        convcore.conv2d([[[1.0] * 4] * 4], [[[[1.0] * 3] * 3]], padding=4, padding_mode="reflect")
    message = str(info.value)
    assert "smaller than" in message and "0 to 3" in message and "Nearest valid value: 3" in message
    with pytest.raises(ValueError, match="Nearest valid value: 1"):
        convcore.conv2d([[[1.0]]], [[[[1.0]]]], stride=0)
    with pytest.raises(ValueError, match=r"stride 1.*padding=1"):
        convcore.conv2d([[[1.0] * 4] * 4], [[[[1.0] * 3] * 3]], padding="same", stride=2)
    with pytest.raises(ValueError, match="Nearest valid value: 3") as info:
        convcore.conv2d([[[1.0] * 4]] * 6, [[[[1.0]]] * 2] * 3, groups=4)
    with pytest.raises(ValueError, match=r"no output.*at most 4"):
        convcore.conv2d([[[1.0] * 4] * 4], [[[[1.0] * 5] * 5]])
    with pytest.raises(ValueError, match=r"output_padding.*smaller than the stride"):
        convcore.conv_transpose2d([[[1.0]]], [[[[1.0]]]], output_padding=1)


def test_numpy_arrays_and_tuples_are_accepted() -> None:
    import numpy as np

    x = np.arange(16.0).reshape(1, 4, 4)
    w = ((((1, 0), (0, 1)),),)
    assert convcore.conv2d(x, w) == convcore.conv2d(x.tolist(), [[[[1, 0], [0, 1]]]])
    assert convcore.conv2d(x, w, stride=np.int64(2))[0][0] == [5.0, 9.0]
