"""The demo's request (demo_api.demo_run) remembers what a change leaves
alone (the layout of recent settings, the last input): whatever the order of
the changes, every result must equal the one computed from nothing, and its
numbers must be convcore's."""

from __future__ import annotations

import sys
from array import array
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import convcore

SITE_SRC = Path(__file__).resolve().parents[2] / "site_src"
for folder in (SITE_SRC, SITE_SRC / "py"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import demo_api  # noqa: E402  (site_src/py is on sys.path only from here)

SIDE = 6


def forget() -> None:
    demo_api._LAYOUTS.clear()
    demo_api._last_input["key"] = None


@st.composite
def states(draw: st.DrawFn) -> dict[str, Any]:
    """A demo state on a 6x6 input: any settings the page can send, including
    ones PyTorch refuses and ones with no output."""
    pair = st.tuples(st.integers(1, 4), st.integers(1, 4)).map(list)
    kernel = draw(pair)
    filters = draw(st.integers(1, 3))
    numbers = st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.25])
    return {
        "source": memoryview(array("d", draw(st.lists(numbers, min_size=36, max_size=36)))),
        "kind": "gray",
        "height": SIDE,
        "width": SIDE,
        "channels": draw(st.sampled_from([1, 3])),
        "background": "black",
        "kernel": kernel,
        "stride": draw(pair),
        "padding": draw(
            st.one_of(st.sampled_from(["same", "valid"]), st.tuples(*[st.integers(0, 3)] * 2))
        ),
        "dilation": draw(st.tuples(st.integers(1, 2), st.integers(1, 2)).map(list)),
        "padding_mode": draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"])),
        "weights": [
            draw(st.lists(numbers, min_size=kernel[0] * kernel[1], max_size=kernel[0] * kernel[1]))
            for _ in range(filters)
        ],
        "bias": draw(st.lists(numbers, min_size=filters, max_size=filters)),
        "step": draw(st.none() | st.integers(0, 50)),
    }


def fix_padding(state: dict[str, Any]) -> dict[str, Any]:
    padding = state["padding"]
    return {**state, "padding": padding if isinstance(padding, str) else list(padding)}


@settings(max_examples=60, deadline=None)
@given(st.lists(states(), min_size=2, max_size=6), st.randoms())
def test_remembered_parts_change_nothing(walk: list[dict[str, Any]], rng: Any) -> None:
    """Each state of a walk (some repeated, as ArrowUp then ArrowDown repeats
    one) gives what it gives on a worker that has computed nothing yet."""
    walk = [fix_padding(s) for s in walk]
    walk += [rng.choice(walk) for _ in range(3)]
    for token, state in enumerate(walk):
        warm = demo_api.demo_run(**{**state, "token": token})
        forget()
        fresh = demo_api.demo_run(**{**state, "token": token})
        assert warm == fresh
        # the trace kept for steps is the shown state's
        if fresh["steps"]:
            block = demo_api.demo_windows(token, 0)
            assert block["outputs"][0] == fresh["output"][0]
    assert demo_api.demo_windows(-5, 0) == {"stale": True}


@settings(max_examples=80, deadline=None)
@given(states())
def test_window_blocks_are_the_traces_windows(state: dict[str, Any]) -> None:
    """Every window of a block, tap by tap, is the trace's window (sums and
    outputs bit for bit), whatever the kernel (separable ones are summed in
    another order), channels, padding, stride or bias."""
    result = demo_api.demo_run(**{**fix_padding(state), "token": 7})
    trace = demo_api._traces.get(7)
    if not result["steps"]:
        assert trace is None
        return
    assert trace is not None
    step = 0
    while step < result["steps"]:
        block = demo_api.demo_windows(7, step)
        assert block["first"] == step
        taps = block["taps"]
        for k in range(block["count"]):
            want = demo_api._window(trace, step + k)
            got = slice(k * taps, (k + 1) * taps)
            assert list(block["weights"]) == list(want["weights"])
            assert list(block["values"][got]) == list(want["values"])
            assert list(block["products"][got]) == list(want["products"])
            assert list(block["padding"][got]) == want["padding"]
            assert block["sums"][k] == want["sum"] and block["outputs"][k] == want["output"]
            channels = len(want["channel_sums"])
            assert (
                list(block["channel_sums"][k * channels : (k + 1) * channels])
                == want["channel_sums"]
            )
            assert block["bias"] == want["bias"]
        step += block["count"]


def test_big_traces_come_in_blocks() -> None:
    """A 40x40 input with a 5x5 kernel on three channels: 1296 windows of 75
    taps come in blocks of at most BLOCK_TAPS taps, each asked for by any
    window inside it."""
    side = 40
    result = demo_api.demo_run(
        source=memoryview(array("d", [(i % 7) / 7 for i in range(side * side)])),
        kind="gray",
        height=side,
        width=side,
        channels=3,
        background="black",
        kernel=[5, 5],
        stride=[1, 1],
        padding=[0, 0],
        dilation=[1, 1],
        padding_mode="zeros",
        weights=[[float(i % 3) for i in range(25)]],
        bias=[0.5],
        step=None,
        token=11,
    )
    taps = 3 * 25
    size = demo_api.BLOCK_TAPS // taps
    assert result["steps"] == 36 * 36 > size
    block = demo_api.demo_windows(11, size + 3)
    assert (block["first"], block["count"], block["block"]) == (size, min(size, 1296 - size), size)
    last = demo_api.demo_windows(11, result["steps"] - 1)
    assert last["first"] + last["count"] == result["steps"]
    assert list(last["outputs"]) == list(result["output"][last["first"] : result["steps"]])


def test_numbers_are_convcores() -> None:
    """The output, the window's arithmetic and the layout, against convcore
    called directly, after other states filled the caches."""
    rows = [[(r * 7 + c * 3) % 5 - 2.0 for c in range(SIDE)] for r in range(SIDE)]
    source = memoryview(array("d", [v for row in rows for v in row]))
    base: dict[str, Any] = {
        "source": source,
        "kind": "gray",
        "height": SIDE,
        "width": SIDE,
        "channels": 1,
        "background": "black",
        "stride": [1, 1],
        "dilation": [1, 1],
        "padding_mode": "reflect",
        "step": 4,
    }
    kernel = [[1.0, -2.0], [0.5, 3.0]]
    for k in (3, 2, 3, 2):
        weights = [[1.0] * 9] if k == 3 else [[v for row in kernel for v in row]]
        result = demo_api.demo_run(
            **base, kernel=[k, k], padding=[1, 1], weights=weights, bias=[0.25], token=k
        )
    want = convcore.conv2d([rows], [[kernel]], [0.25], 1, 1, 1, 1, "reflect")[0]
    assert list(result["output"]) == [v for row in want for v in row]
    assert result["out_size"] == [7, 7]
    window = convcore.trace([rows], [[kernel]], [0.25], 1, 1, 1, 1, "reflect")[4]
    assert list(result["window"]["products"]) == [t.product for t in window.taps]
    assert result["window"]["sum"] == window.sum
    assert result["window"]["output"] == window.output == want[0][4]
    fit = convcore.fit((SIDE, SIDE), 2, 1, 1, 1, "reflect")
    assert isinstance(fit, convcore.Fit2D)
    assert result["fits"] == fit.fits
    assert result["dropped"] == [list(fit.rows.dropped), list(fit.cols.dropped)]
