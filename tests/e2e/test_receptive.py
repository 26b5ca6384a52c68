"""receptive.html: the explorer shows convcore's receptive field (computed here
on the host) for the URL's stack, presets, clicks and arrow keys."""

from __future__ import annotations

from playwright.sync_api import Page, expect

import convcore
from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import X, set_field, set_hash, table_text, wait_ready

Stack = list[tuple[int, int, int, int]]


def host_rows(layers: Stack, at: tuple[int, int]) -> list[list[str]]:
    """The table convcore says the page must show: one row per layer."""
    field = convcore.receptive_field(layers, at=at, input_size=20)
    rows: list[list[str]] = []
    for (k, s, p, d), info in zip(layers, field.layers, strict=True):
        assert info.out_size is not None
        values = [k, s, p, d, info.out_size[0], info.size[0], info.jump[0], info.start[0]]
        rows.append([str(len(rows) + 1), *map(str, values)])
    return rows


def shown_at(page: Page) -> tuple[int, int]:
    text = page.get_by_test_id("rf-summary").inner_text()
    head = text.split(")")[0].split("(")[1]
    r, c = (int(v) for v in head.split(","))
    return r, c


def check(page: Page, layers: Stack, at: tuple[int, int]) -> None:
    assert table_text(page, "[data-testid=rf-table]") == host_rows(layers, at)
    field = convcore.receptive_field(layers, at=at, input_size=20)
    expect(page.get_by_test_id("rf-summary")).to_contain_text(
        f"Output pixel ({at[0]}, {at[1]}) of layer {len(layers)} "
    )
    expect(page.get_by_test_id("rf-summary")).to_contain_text(f": {len(field.pixels)} pixels.")


def test_the_url_state_is_computed_with_convcore(site: Site) -> None:
    layers: Stack = [(7, 2, 3, 1), (3, 2, 1, 1)]
    page = site.open("receptive.html#layers=7:2:3:1,3:2:1:1&at=0,4&digit=7")
    check(page, layers, (0, 4))
    assert page.input_value("#receptive-digit") == "7"
    dilated: Stack = [(3, 1, 0, 2), (3, 1, 0, 2), (3, 1, 0, 2)]
    set_hash(page, "layers=3:1:0:2,3:1:0:2,3:1:0:2&at=3,5")
    check(page, dilated, (3, 5))


def test_presets_layers_and_keyboard(site: Site) -> None:
    page = site.open("receptive.html")
    check(page, [(3, 1, 0, 1), (3, 1, 0, 1)], (8, 8))  # the pre-rendered default
    page.get_by_role("button", name=f"one 5{X}5").click()
    wait_ready(page)
    check(page, [(5, 1, 0, 1)], (8, 8))
    page.get_by_role("button", name="dilated 1, 2, 4").click()
    wait_ready(page)
    check(page, [(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)], (10, 10))
    assert "layers=3:1:1:1,3:1:2:2,3:1:4:4" in page.url
    canvas = page.locator("[data-testid=widget-receptive] canvas[data-role=output]")
    canvas.focus()
    canvas.press("ArrowRight")
    wait_ready(page)
    canvas.press("ArrowUp")
    wait_ready(page)
    assert shown_at(page) == (9, 11)
    check(page, [(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)], (9, 11))
    page.get_by_test_id("rf-add").click()
    wait_ready(page)
    set_field(page, "#rf-l4-stride", 2)
    stack: Stack = [(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4), (3, 2, 0, 1)]
    check(page, stack, shown_at(page))
    page.get_by_role("button", name="Remove layer 1").click()
    wait_ready(page)
    check(page, stack[1:], shown_at(page))


def test_a_click_picks_the_output_pixel(site: Site) -> None:
    page = site.open("receptive.html#layers=3:1:0:1&at=0,0")
    canvas = page.locator("[data-testid=widget-receptive] canvas[data-role=output]")
    box = canvas.bounding_box()
    assert box is not None
    cell = box["width"] / 18
    canvas.click(position={"x": cell * 5.5, "y": cell * 2.5})
    wait_ready(page)
    check(page, [(3, 1, 0, 1)], (2, 5))
    assert page.input_value("#rf-at-row") == "2" and page.input_value("#rf-at-col") == "5"


def test_number_fields_pick_the_output_pixel(site: Site) -> None:
    page = site.open("receptive.html#layers=3:2:1:1,3:1:0:2")
    set_field(page, "#rf-at-row", 1)
    set_field(page, "#rf-at-col", 5)
    check(page, [(3, 2, 1, 1), (3, 1, 0, 2)], (1, 5))
    assert "at=1,5" in page.url


def test_a_stack_with_no_output_says_why(site: Site) -> None:
    page = site.open("receptive.html")
    set_field(page, "#rf-l1-kernel", 9)
    set_field(page, "#rf-l2-kernel", 9)
    set_field(page, "#rf-l2-dilation", 2)
    error = page.locator("[data-testid=widget-receptive] [data-testid=widget-error]")
    expect(error).to_contain_text("no output")
    set_field(page, "#rf-l2-dilation", 1)
    expect(error).to_be_hidden()
    check(page, [(9, 1, 0, 1), (9, 1, 0, 1)], (2, 2))
