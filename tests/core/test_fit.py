"""fit, output_size and valid_convolution: hand-checked cases and properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore import AxisFit, Fit2D
from tests.core.helpers import CASES


def axis(*args: Any, **kwargs: Any) -> AxisFit:
    result = convcore.fit(*args, **kwargs)
    assert isinstance(result, AxisFit)
    return result


def test_the_post_example_drops_the_last_row() -> None:
    result = axis(20, 5, stride=2)
    assert result.out == 8 and not result.fits
    assert result.dropped == (19,) and result.skipped == ()
    assert result.used == 19 and result.leftover == 1
    assert "skips" in result.reason


def test_fitting_setting_has_no_fixes_and_no_reason() -> None:
    result = axis(28, 5, stride=1, padding=2)
    assert result.fits and result.out == 28 and result.fixes == () and result.reason == ""


def test_interior_skips_when_stride_exceeds_the_kernel() -> None:
    result = axis(10, 2, stride=3)  # windows read 0-1, 3-4, 6-7; 9 is left over
    assert result.out == 3
    assert result.skipped == (2, 5)
    assert result.dropped == (8, 9)


def test_dilation_gaps_the_stride_never_fills_are_skipped() -> None:
    result = axis(9, 3, stride=2, dilation=2)  # every window reads even indices only
    assert result.out == 3 and result.fits
    assert result.skipped == (1, 3, 5, 7)


def test_leftover_that_is_only_padding_drops_no_input() -> None:
    result = axis(28, 5, stride=2, padding=1)
    assert result.out == 13 and not result.fits
    assert result.dropped == () and "only padding" in result.reason


def test_no_output_is_reported_not_raised() -> None:
    result = axis(4, 7)
    assert result.out == 0 and not result.fits
    assert "no output" in result.reason
    assert result.dropped == (0, 1, 2, 3)
    assert result.fixes[0] == convcore.Fix("padding", 2, 2, 2)


def test_fixes_are_sorted_by_distance_then_parameter() -> None:
    result = axis(20, 3, stride=3)
    assert [str(f) for f in result.fixes] == [
        "kernel=2 -> output 7 (distance 1)",
        "padding=2 -> output 8 (distance 2)",
        "kernel=5 -> output 6 (distance 2)",
        "stride=1 -> output 18 (distance 2)",
        "stride=17 -> output 2 (distance 14)",
    ]


def test_fixes_respect_the_padding_mode() -> None:
    zeros = axis(3, 6, padding=1)
    assert any(f.parameter == "padding" for f in zeros.fixes)
    reflect = axis(3, 6, padding=1, padding_mode="reflect")
    assert all(f.parameter != "padding" or f.value in (0, 1, 2) for f in reflect.fixes)


def test_two_d_fit_fixes_change_one_parameter_on_both_axes() -> None:
    result = convcore.fit((28, 32), (5, 3), stride=2)
    assert isinstance(result, Fit2D)
    assert result.out == (12, 15) and not result.fits
    assert result.rows.dropped == (27,) and result.cols.dropped == (31,)
    first = result.fixes[0]
    assert first.parameter == "kernel" and first.distance == 2
    both = convcore.fit((28, 32), first.value, stride=2)
    assert isinstance(both, Fit2D) and both.fits and both.out == first.out


def test_invalid_parameters_still_raise() -> None:
    with pytest.raises(ValueError, match="stride"):
        convcore.fit(20, 3, stride=0)
    with pytest.raises(ValueError, match="negative"):
        convcore.fit(20, 3, padding=-1)
    with pytest.raises(ValueError, match="same"):
        convcore.fit(20, 3, stride=2, padding="same")
    with pytest.raises(TypeError):
        convcore.fit(20, (3, 3))


def _apply(size: Any, fix: convcore.Fix, kwargs: dict[str, Any]) -> AxisFit | Fit2D:
    return convcore.fit(size, **{**kwargs, fix.parameter: fix.value})


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 9),
    st.integers(1, 6),
    st.integers(0, 5),
    st.integers(1, 3),
    st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
)
def test_every_fix_fits_and_has_output(n: int, k: int, s: int, p: int, d: int, mode: str) -> None:
    CASES["fit fixes (property)"] += 1
    kwargs = {"kernel": k, "stride": s, "padding": p, "dilation": d, "padding_mode": mode}
    try:
        result = convcore.fit(n, **kwargs)
    except ValueError:
        assert (mode == "reflect" and p >= n) or (mode == "circular" and p > n)
        return
    assert isinstance(result, AxisFit)
    assert result.out == max(0, (n + 2 * p - d * (k - 1) - 1) // s + 1)
    assert len(result.fixes) <= convcore.MAX_FIXES
    assert result.fixes == convcore.fit(n, **kwargs).fixes  # deterministic
    distances = [f.distance for f in result.fixes]
    assert distances == sorted(distances)
    for fix in result.fixes:
        fixed = _apply(n, fix, kwargs)
        assert fixed.fits and fixed.out == fix.out and isinstance(fix.out, int) and fix.out >= 1
    two = convcore.fit((n, n + 1), **kwargs)
    assert isinstance(two, Fit2D)
    for fix in two.fixes:
        fixed = _apply((n, n + 1), fix, kwargs)
        assert fixed.fits and fixed.out == fix.out


def test_output_size_formula_and_errors() -> None:
    assert convcore.output_size(28, 5, 2, 1) == 13
    assert convcore.output_size(7, 3, padding="same") == 7
    assert convcore.output_size(7, 4, dilation=2) == 1
    with pytest.raises(ValueError, match="no output"):
        convcore.output_size(7, 4, dilation=3)
    with pytest.raises(ValueError, match="kernel"):
        convcore.output_size(7, 0)
    with pytest.raises(ValueError, match="n="):
        convcore.output_size(0, 1)
    with pytest.raises(TypeError, match="bool"):
        convcore.output_size(7, True)


# mypy flags the missing return: the very bug the post printed.
def as_printed(input_size: int, kernel_size: int, padding: int, stride: int) -> bool | None:  # type: ignore[return]
    """The post's helper, as printed: its return False sits inside the if."""
    if (input_size + 2 * padding - kernel_size) % stride == 0:
        return True
        return False


def test_valid_convolution_returns_a_real_bool() -> None:
    # Where the printed version says True, we agree...
    assert as_printed(20, 4, 0, 2) is True
    assert convcore.valid_convolution(20, 4, 0, 2) is True
    # ...but for an invalid setting it returns None, we return False.
    assert as_printed(20, 5, 0, 2) is None
    assert convcore.valid_convolution(20, 5, 0, 2) is False
    # And a kernel longer than the padded input has no output at all.
    assert as_printed(2, 5, 0, 3) is True
    assert convcore.valid_convolution(2, 5, 0, 3) is False


@given(st.integers(1, 30), st.integers(1, 8), st.integers(0, 4), st.integers(1, 5))
@settings(max_examples=200, deadline=None)
def test_valid_convolution_is_fit(n: int, k: int, p: int, s: int) -> None:
    CASES["valid_convolution vs fit"] += 1
    ours = convcore.valid_convolution(n, k, p, s)
    assert ours is axis(n, k, stride=s, padding=p).fits
    printed = as_printed(n, k, p, s)
    if n + 2 * p >= k:
        assert ours is (printed is True)
