"""receptive_field: arithmetic, layer forms and errors (the torch oracle is in test_torch)."""

from __future__ import annotations

import pytest

import convcore
from convcore import Layer


def test_classic_stack_size_jump_start() -> None:
    field = convcore.receptive_field([Layer(3, 1, 1), Layer(3, 2, 1), Layer(3, 1, 1)])
    assert [f.size for f in field.layers] == [(3, 3), (5, 5), (9, 9)]
    assert [f.jump for f in field.layers] == [(1, 1), (2, 2), (2, 2)]
    assert [f.start for f in field.layers] == [(-1, -1), (-2, -2), (-4, -4)]
    assert field.rows == tuple(range(-4, 5)) and field.size == (9, 9)


def test_layer_forms_are_equivalent() -> None:
    forms = [
        [Layer(kernel=3, stride=2, padding=1, dilation=2)],
        [{"kernel": 3, "stride": 2, "padding": 1, "dilation": 2}],
        [(3, 2, 1, 2)],
    ]
    results = [convcore.receptive_field(f, at=(2, 1)) for f in forms]
    assert results[0] == results[1] == results[2]
    assert results[0].rows == (3, 5, 7) and results[0].cols == (1, 3, 5)


def test_clipping_removes_padding_and_checks_at() -> None:
    field = convcore.receptive_field([(3, 1, 1)], at=(0, 0), input_size=5)
    assert field.rows == (0, 1) and field.layers[-1].out_size == (5, 5)
    assert len(field.pixels) == 4
    with pytest.raises(ValueError, match="at"):
        convcore.receptive_field([(3, 1, 1)], at=(5, 0), input_size=5)
    with pytest.raises(ValueError, match="no output"):
        convcore.receptive_field([(7,)], input_size=5)


def test_bad_layers() -> None:
    with pytest.raises(ValueError, match="empty"):
        convcore.receptive_field([])
    with pytest.raises(TypeError):
        convcore.receptive_field("3x3")
    with pytest.raises(ValueError, match="kernel"):
        convcore.receptive_field([{"stride": 2}])
    with pytest.raises(ValueError, match="too small"):
        convcore.receptive_field([(3, 0)])
    with pytest.raises(ValueError, match="input_size"):
        convcore.receptive_field([(64, 1, 0, 16)] * 20)
