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


# ------------------------------------------------------ the network's pieces

pool_param = st.one_of(st.none(), small_param)


@FUZZ
@given(nested(3), small_param, pool_param, small_param, small_param, anything, anything, anything)
def test_pooling_fuzz(
    x: Any, k: Any, s: Any, p: Any, d: Any, ceil: Any, include: Any, divisor: Any
) -> None:
    CASES["fuzz pooling (forward, backward, trace_pool)"] += 1
    out = call(convcore.max_pool2d, x, k, s, p, d, ceil)
    call(convcore.avg_pool2d, x, k, s, p, ceil, include, divisor)
    grad = out if not isinstance(out, Exception) else x
    call(convcore.max_pool2d_backward, grad, x, k, s, p, d, ceil)
    call(convcore.avg_pool2d_backward, grad, x, k, s, p, ceil, include, divisor)
    t = call(convcore.trace_pool, x, include, k, s, p, d, ceil, include, divisor, divisor)
    if not isinstance(t, Exception) and len(t):
        call(t.__getitem__, -1)


@FUZZ
@given(nested(3), nested(3), nested(4), st.one_of(st.none(), nested(1)), small_param, padding_param)
def test_conv2d_backward_fuzz(g: Any, x: Any, w: Any, b: Any, s: Any, p: Any) -> None:
    CASES["fuzz conv2d_backward"] += 1
    call(convcore.conv2d_backward, g, x, w, b, s, p)


@FUZZ
@given(
    st.one_of(nested(1), nested(2), nested(3), anything),
    st.one_of(nested(1), nested(2), anything),
    st.one_of(st.lists(st.integers(-2, 5), max_size=4), anything),
)
def test_classifier_pieces_fuzz(a: Any, b: Any, targets: Any) -> None:
    CASES["fuzz relu/softmax/cross_entropy/flatten/linear (+ backward)"] += 1
    call(convcore.relu, a)
    call(convcore.relu_backward, a, b)
    call(convcore.softmax, a)
    call(convcore.log_softmax, a)
    call(convcore.cross_entropy, b, targets)
    call(convcore.cross_entropy_backward, b, targets)
    call(convcore.flatten, a)
    call(convcore.linear, a, b, targets)
    call(convcore.linear_backward, targets, a, b)


@FUZZ
@given(
    st.one_of(st.integers(-2, 40), st.tuples(st.integers(0, 30), st.integers(0, 30)), anything),
    small_param,
    small_param,
    small_param,
    anything,
)
def test_same_padding_and_ceil_mode_fuzz(size: Any, k: Any, s: Any, d: Any, ceil: Any) -> None:
    CASES["fuzz same_padding, output_size/fit with ceil_mode"] += 1
    pads = call(convcore.same_padding, size, k, s, d)
    assert isinstance(pads, Exception) or (len(pads) == 4 and min(pads) >= 0)
    call(convcore.output_size, size, k, s, 0, d, ceil)
    call(convcore.fit, size, k, s, 0, d, "zeros", ceil)


LAYER_ARGS = st.lists(st.one_of(small_param, st.just("same"), st.booleans()), max_size=6)


@FUZZ
@given(
    st.sampled_from(["Conv2d", "Linear", "MaxPool2d", "AvgPool2d", "Flatten", "ReLU"]),
    LAYER_ARGS,
    st.one_of(nested(3), nested(1), anything),
    st.one_of(nested(3), nested(1), anything),
)
def test_layers_fuzz(kind: str, args: list[Any], x: Any, grad: Any) -> None:
    """Any constructor arguments, any input, any gradient: an answer or a clear error."""
    CASES["fuzz layers and Sequential"] += 1
    layer = call(getattr(convcore, kind), *args)
    if isinstance(layer, Exception):
        return
    model = convcore.Sequential(layer)
    if not isinstance(call(model.forward, x), Exception):
        call(model.backward, grad)
    call(model.load_state_dict, x if isinstance(x, dict) else {"0.weight": x})
    call(convcore.load_model, {"format": "convcore.Sequential", "version": 1,
                               "layers": [{"type": kind, "x": x}], "state_dict": {}})  # fmt: skip


@FUZZ
@given(anything, anything, anything, anything)
def test_optimizers_fuzz(params: Any, lr: Any, momentum: Any, betas: Any) -> None:
    CASES["fuzz SGD/Adam"] += 1
    real = convcore.Linear(2, 2).parameters()
    call(convcore.SGD, params, lr, momentum)
    call(convcore.SGD, real, lr, momentum)
    call(convcore.Adam, real, lr, betas)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from([b"", b"\x89PNG\r\n\x1a\n"]))
def test_png_fuzz(data: bytes, prefix: bytes) -> None:
    from convcore.png import read_png

    CASES["fuzz read_png"] += 1
    call(read_png, prefix + data)
    call(convcore.fit_digit, nested_rows(data))


def nested_rows(data: bytes) -> list[list[float]]:
    width = max(1, len(data) % 7)
    values = [b / 255 for b in data] or [0.0]
    return [values[i : i + width] for i in range(0, len(values) - width + 1, width)] or [[0.0]]


@FUZZ
@given(anything, st.one_of(st.integers(-2, 5), anything), st.one_of(nested(3), anything))
def test_training_helpers_fuzz(items: Any, size: Any, image: Any) -> None:
    import random

    CASES["fuzz shuffled/batches/train_step/evaluate"] += 1
    rng = random.Random(0)
    call(convcore.shuffled, items if isinstance(items, (list, tuple)) else [items], size)
    call(convcore.batches, items if isinstance(items, (list, tuple)) else [1, 2], size, rng)
    model = convcore.Sequential(convcore.Flatten(), convcore.Linear(4, 3, rng=rng))
    optimizer = convcore.SGD(model.parameters(), lr=0.1)
    call(convcore.train_step, model, optimizer, [image], [size])
    call(convcore.evaluate, model, [image, image], [size, 0])
