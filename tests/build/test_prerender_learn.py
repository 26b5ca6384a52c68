"""learn.html's network section at build time: the pooling request's numbers
and JSON, the words that describe the shipped kernels, and the figures the
prose quotes about the shipped model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import convcore

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT / "site_src"), str(ROOT / "site_src" / "py")]

import learn_api  # noqa: E402  (the page's modules are on sys.path only from here)
from prerender import learn  # noqa: E402
from prerender._shared import as_json, first_view  # noqa: E402

RAMP = [[float((r * 7 + c * 3) % 11) / 10 for c in range(9)] for r in range(9)]


def strict_json(text: str) -> Any:
    """JSON as a browser's JSON.parse reads it: no Infinity, no NaN."""

    def refuse(word: str) -> None:
        raise ValueError(f"{word} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_pool_request_equals_convcore_and_its_trace() -> None:
    view = learn_api.learn_pool(RAMP, kind="avg", kernel=2, ceil_mode=True, at=[4, 4])
    assert view["output"] == convcore.avg_pool2d([RAMP], 2, ceil_mode=True)[0]
    window = convcore.trace_pool([RAMP], "avg", 2, ceil_mode=True)[4 * 5 + 4]
    assert view["window"]["output"] == window.output
    assert view["window"]["divisor"] == window.divisor == 1
    assert [t["beyond"] for t in view["window"]["taps"]] == [False, True, True, True]
    assert view["sizes"] == {"floor": 4, "ceil": 5}
    assert view["margin"] == [0, 1]


def test_max_pool_padding_travels_as_json_null() -> None:
    view = learn_api.learn_pool(RAMP, kind="max", kernel=3, padding=1, at=[0, 0])
    taps = view["window"]["taps"]
    assert [t["value"] for t in taps[:3]] == [None, None, None]
    assert view["window"]["winner"] is not None
    assert strict_json(as_json(view)) == strict_json(json.dumps(view))


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"kernel": 2, "padding": 2}, "more than half the kernel"),
        ({"kind": "min"}, "not a kind of pooling"),
        ({"kernel": 12}, "PyTorch refuses an empty output"),
    ],
)
def test_pool_request_explains_a_refusal(settings: dict[str, Any], says: str) -> None:
    assert says in learn_api.learn_pool(RAMP, **settings)["error"]


def test_the_first_view_of_each_new_widget_is_plain_json() -> None:
    digit = [[0.0] * 20 for _ in range(20)]
    for name in ("pool", "kernels"):
        strict_json(as_json(first_view(name, [digit] * 10)))


@pytest.mark.parametrize(
    ("kernel", "words"),
    [
        ([[-1.0, 0.0, 1.0]] * 3, "positive towards its right and negative towards its left, so it "
         "finds the left edge of a vertical stroke"),
        ([[1.0] * 3, [0.0] * 3, [-1.0] * 3], "positive towards its top and negative towards its "
         "bottom, so it finds the bottom edge of a horizontal stroke"),
        ([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0]], "positive towards its bottom right"),
        ([[1.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, -1.0]], "positive towards its top left"),
        ([[0, -1, -1], [1, 0, -1], [1, 1, 0]], "positive towards its bottom left"),
        ([[0.0, 1.0, 1.0], [-1.0, 0.0, 1.0], [-1.0, -1.0, 0.0]], "positive towards its top right"),
        ([[0.2, 0.3, 0.2]] * 3, "mostly positive, so it responds to the ink under it"),
        ([[-0.5, -0.4, -0.5]] * 3, "mostly negative, so it responds to where there is no ink"),
    ],
)  # fmt: skip
def test_kernel_words(kernel: list[list[float]], words: str) -> None:
    assert learn.kernel_shape(kernel).startswith(words)


def test_what_the_prose_quotes_about_the_shipped_model() -> None:
    digit = [[float((r + c) % 2) for c in range(20)] for r in range(20)]
    net = learn.network([digit] * 10)
    model = convcore.digits_model()
    assert net["model"] == repr(model)
    assert net["shapes"][0] == "1\u00d720\u00d720" and net["shapes"][-1] == "10"
    stack = net["receptive_link"].removeprefix("receptive.html#layers=").split(",")
    field = convcore.receptive_field([tuple(map(int, s.split(":"))) for s in stack])
    assert [f["size"] for f in net["fields"]] == [layer.size[0] for layer in field.layers]
    assert len(net["kernel_words"]) == net["first_channels"] == len(model.state_dict()["0.bias"])


def test_the_layers_cell_builds_the_shipped_architecture() -> None:
    """The cell says it builds the shipped model's layers with fresh weights."""
    (code,) = [cell["code"] for cell in learn.CELLS if cell["id"] == "layers"]
    digit = [[0.0] * 20 for _ in range(20)]
    namespace: dict[str, Any] = {"digit": digit}
    exec(code, namespace)
    built, shipped = namespace["model"], convcore.digits_model()
    assert repr(built) == repr(shipped)
    assert built.state_dict() != shipped.state_dict()
