"""learn.html's "From a layer to a network": the pooling and kernels widgets
show convcore's numbers (computed here on the host), and the section's code
cells print in the page what the same code prints on the host."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

import convcore
from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import DASH, Where, X, set_field, table_text, wait_ready
from tests.e2e.test_cells import run

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "site_src" / "py"))
import cells  # the worker's cell runner, run here on the host

NETWORK_CELLS = ("pool", "layers", "predict", "backward", "train")

VALUES = "t => Array.from(t.tBodies[0].rows, r => Array.from(r.cells, c => c.dataset.value))"


def values(where: Where, selector: str) -> list[list[float]]:
    """A table's exact numbers (each cell's data-value, JavaScript's String)."""
    rows: list[list[str]] = where.eval_on_selector(selector, VALUES)
    return [[float(v) for v in row] for row in rows]


def numbers(where: Where, selector: str) -> list[list[float]]:
    """A table whose cells hold JavaScript's String(number)."""
    return [[float(v) for v in row] for row in table_text(where, selector)]


def exactly(shown: list[list[float]], want: list[list[float]]) -> None:
    assert len(shown) == len(want)
    for got, expected in zip(shown, want, strict=True):
        assert got == pytest.approx(expected, rel=1e-9, abs=0)


def page_digit(page: Page, index: int) -> list[list[float]]:
    digit: list[list[float]] = page.evaluate(f"window.CONVCORE_DIGITS[{index}]")
    return digit


def test_pool_widget_shows_trace_pool(site: Site) -> None:
    page = site.open("learn.html")
    digit = page_digit(page, 3)
    exactly(numbers(page, "[data-testid=pool-output]"), convcore.max_pool2d([digit], 2)[0])
    set_field(page, "#pool-kind", "avg")
    set_field(page, "#pool-kernel", 3)
    page.check("#pool-ceil_mode")
    wait_ready(page)
    pooled = convcore.avg_pool2d([digit], 3, ceil_mode=True)[0]
    expect(page.get_by_test_id("pool-out-size")).to_have_text(f"7{X}7")
    exactly(numbers(page, "[data-testid=pool-output]"), pooled)
    facts = page.get_by_test_id("pool-facts")
    expect(facts).to_contain_text("ceil_mode rounds the size up: 7 instead of 6")
    # The corner window hangs over the edge: 4 of its 9 cells count.
    canvas = page.locator("#widget-pool canvas[data-role=output]")
    canvas.focus()
    for key in ("End", "ArrowDown", "ArrowDown", "ArrowDown"):
        canvas.press(key)
        wait_ready(page)
    window = convcore.trace_pool([digit], "avg", 3, ceil_mode=True)[6 * 7 + 6]
    assert window.divisor == 4
    expect(page.get_by_test_id("pool-window-title")).to_contain_text("output (6, 6)")
    expect(facts).to_contain_text("/ 4 = ")
    rows = table_text(page, "[data-testid=pool-window]")
    assert [row[2] for row in rows] == [DASH] * 3
    corner = values(page, "[data-testid=pool-window]")[0][:2]
    assert corner == [tap.value for tap in window.taps[:2]]
    # Max pooling on the background: four equal zeros, the first one wins.
    set_field(page, "#pool-kind", "max")
    winner = convcore.trace_pool([digit], "max", 3, ceil_mode=True)[6 * 7 + 6].winner
    assert winner == (18, 18)
    expect(facts).to_contain_text("at input (18, 18), the first of 4 equal values")
    expect(page.locator("[data-testid=pool-window] td.hit")).to_have_count(1)
    # What PyTorch refuses is said, not drawn.
    set_field(page, "#pool-padding", 2)
    error = page.locator("#widget-pool [data-testid=widget-error]")
    expect(error).to_contain_text("more than half the kernel")
    expect(error).to_contain_text("Allowed: 0 to 1")


def test_kernels_widget_shows_the_shipped_first_layer(site: Site) -> None:
    page = site.open("learn.html")
    model = convcore.digits_model()
    weights = model.state_dict()["0.weight"]
    for k, kernel in enumerate(weights):
        exactly(values(page, f"[data-testid=kernels-weights-{k}]"), kernel[0])
    set_field(page, "#kernels-digit", 7)
    digit = page_digit(page, 7)
    outputs = model.activations([digit])
    for k, channel in enumerate(outputs[1]):
        exactly(values(page, f"[data-testid=kernels-map-{k}]"), channel)
    probabilities = convcore.softmax(outputs[-1])
    best = max(range(10), key=probabilities.__getitem__)
    expect(page.get_by_test_id("kernels-facts")).to_contain_text(f"reads digit 7 as a {best},")


def host_output(code: str, variables: dict[str, Any]) -> str:
    """What cells.js shows for a cell run on the host with the page's variables."""
    reply = cells.run_cell(code, json.dumps(variables))
    text = reply["stdout"] + (reply["error"] or reply["result"] or "")
    return text.rstrip("\n") or "(no output)"


def test_network_cells_print_what_the_host_prints(site: Site) -> None:
    page = site.open("learn.html")
    variables = page.evaluate("LearnCells.variables()")
    shown = {}
    for name in NETWORK_CELLS:
        box = page.get_by_test_id(f"cell-{name}")
        shown[name] = run(page, name)
        expect(box.get_by_test_id("cell-status")).to_contain_text("Ran in")
        code = box.get_by_test_id("cell-code").input_value()
        assert shown[name] == host_output(code, variables), name
    # What the prose around the cells says of their output.
    backward = shown["backward"].splitlines()
    assert backward[0] == "grad_x vs conv_transpose2d(g, w): 0.0e+00"
    assert float(backward[1].split()[-1]) < 1e-12
    train = shown["train"].splitlines()
    first_loss, last_loss = float(train[0].split()[3]), float(train[4].split()[-1])
    assert 0.6 < first_loss < 0.8 and last_loss < 0.1
    kernels = [json.loads(line) for line in train[-2:]]
    assert any(min(k[1]) > 0 > max(k[0] + k[2]) for k in kernels), kernels
