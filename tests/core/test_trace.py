"""trace and trace_transpose: windows, padding flags, exact agreement with conv2d."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

import convcore
from tests.core.helpers import CASES
from tests.core.strategies import Case, conv_cases


@settings(max_examples=250, deadline=None)
@given(conv_cases(max_side=8, max_kernel=4))
def test_every_window_equals_conv2d_exactly(case: Case) -> None:
    kw = case.kwargs
    if case.refusal():
        return
    CASES["trace windows vs conv2d (hypothesis)"] += 1
    out = convcore.conv2d(case.x, case.weight, **kw)
    t = convcore.trace(case.x, case.weight, **kw)
    c_out, h, w = len(out), len(out[0]), len(out[0][0])
    assert len(t) == c_out * h * w == t.steps
    taps_per_window = case.channels[2] * case.kernel[0] * case.kernel[1]
    for step, window in enumerate(t):
        assert window.step == step
        row, col = window.position
        assert window.output == out[window.out_channel][row][col]  # bit for bit
        bias = 0.0 if window.bias is None else window.bias
        assert window.sum + bias == window.output
        assert len(window.taps) == taps_per_window
        assert all(tap.product == tap.weight * tap.value for tap in window.taps)


def test_padding_flags_and_sources_per_mode() -> None:
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    w = [[[[1.0] * 3] * 3]]
    expected_corner = {
        "zeros": (None, 0.0),
        "reflect": ((1, 1), 5.0),
        "replicate": ((0, 0), 1.0),
        "circular": ((2, 2), 9.0),
    }
    for mode, (source, value) in expected_corner.items():
        t = convcore.trace(x, w, padding=1, padding_mode=mode)
        first = t[0]
        corner = first.taps[0]
        assert corner.padded == (0, 0) and corner.input == (-1, -1)
        assert corner.is_padding and corner.source == source and corner.value == value
        centre = first.taps[4]
        assert not centre.is_padding and centre.source == (0, 0) and centre.input == (0, 0)
        assert sum(tap.is_padding for tap in first.taps) == 5


def test_out_channel_selects_one_filter_in_row_major_order() -> None:
    x = [[[float(i * 4 + j) for j in range(4)] for i in range(4)]]
    w = [[[[1.0, 0.0], [0.0, 0.0]]], [[[0.0, 0.0], [0.0, 2.0]]]]
    everything = convcore.trace(x, w, [0.5, -0.5])
    only_one = convcore.trace(x, w, [0.5, -0.5], out_channel=1)
    assert len(everything) == 18 and len(only_one) == 9
    assert only_one.out_channels == (1,)
    assert [win.position for win in only_one[:4]] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert only_one[0].output == everything[9].output == 2.0 * 5.0 - 0.5
    assert only_one[-1] == only_one[8]
    assert only_one.step_of(1, 2, 2) == 8
    with pytest.raises(ValueError, match="out_channel"):
        convcore.trace(x, w, out_channel=2)
    with pytest.raises(ValueError, match="step"):
        only_one[9]


def test_windows_serialise_to_json_and_repr_is_short() -> None:
    t = convcore.trace([[[1.0, 2.0], [3.0, 4.0]]], [[[[1.0]]]])
    data = json.loads(json.dumps(t[3].to_dict()))
    assert data["output"] == 4.0 and data["taps"][0]["source"] == [1, 1]
    assert "taps" not in repr(t[3]) and "steps=4" in repr(t)


def test_trace_transpose_products_add_up_to_the_output() -> None:
    x = [[[1.0, -2.0], [3.0, 0.5]], [[2.0, 1.0], [0.0, -1.0]]]
    w = [[[[1.0, 2.0], [3.0, 4.0]]], [[[0.5, -1.0], [2.0, 1.0]]]]
    kwargs = {"stride": 2, "padding": 1, "output_padding": 1}
    out = convcore.conv_transpose2d(x, w, [0.25], **kwargs)
    t = convcore.trace_transpose(x, w, [0.25], **kwargs)
    assert len(t) == 8 and t.out_size == (3, 3)
    total = [[0.25] * 3 for _ in range(3)]
    for spread in t:
        for target in spread.targets:
            assert target.product == spread.value * target.weight
            if target.inside:
                total[target.output[0]][target.output[1]] += target.product
    for got, expected in zip(total, out[0], strict=True):
        assert got == pytest.approx(expected, rel=1e-12)
    cropped = [tg for tg in t[0].targets if not tg.inside]
    assert cropped and all(min(tg.output) < 0 for tg in cropped)
