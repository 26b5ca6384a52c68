"""learn.html and the other learning pages: each loads with nothing from
outside, shows its pre-rendered view, and every widget redraws with
convcore's numbers (computed here on the host) when its controls change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import convcore
from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import X, set_field, table_text, wait_ready

PAGES = ["learn.html", "receptive.html", "transpose.html", "python.html", "embed.html"]


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_python_with_nothing_from_outside(site: Site, name: str) -> None:
    page = site.open(name)  # the guard fails the test on any outside request or page error
    assert page.evaluate("document.documentElement.dataset.state") == "ready"
    expect(page.get_by_test_id("engine-status")).to_contain_text("ready")


def test_pre_rendered_view_shows_before_python(site: Site) -> None:
    page = site.open("learn.html", wait=None)
    page.wait_for_load_state("domcontentloaded")
    # Drawn from the build's numbers, whatever the engine is doing.
    expect(page.get_by_test_id("window-taps").locator("tbody tr")).to_have_count(9)
    expect(page.get_by_test_id("kernel-facts")).to_contain_text(f"16{X}16")
    expect(page.get_by_test_id("pad-reflect").locator("tbody tr")).to_have_count(8)
    assert page.evaluate("document.documentElement.dataset.state") == "ready"
    wait_ready(page)


def test_window_widget_steps_and_sums(site: Site) -> None:
    page = site.open("learn.html")
    digit = page.evaluate("window.CONVCORE_DIGITS[3]")
    edge = [[-1.0, 0.0, 1.0]] * 3
    out = convcore.conv2d([digit], [[edge]])[0]
    canvas = page.locator("#widget-window canvas[data-role=output]")
    canvas.focus()
    canvas.press("ArrowRight")
    wait_ready(page)
    expect(page.locator("#widget-window table.taps caption")).to_contain_text("(8, 9)")
    shown = float(page.inner_text("#widget-window .sum"))
    assert shown == pytest.approx(out[8][9], abs=5e-5)
    page.get_by_role("button", name="Next window").click()
    wait_ready(page)
    expect(page.locator("#widget-window table.taps caption")).to_contain_text("(8, 10)")
    set_field(page, "#window-weights", "ones")
    ones = convcore.conv2d([digit], [[[[1.0] * 3] * 3]])[0]
    assert float(page.inner_text("#widget-window .sum")) == pytest.approx(ones[8][10], abs=5e-5)


def test_kernel_stride_dilation_widgets(site: Site) -> None:
    page = site.open("learn.html")
    set_field(page, "#kernel-kernel", 7)
    n = convcore.output_size(20, 7)
    expect(page.get_by_test_id("kernel-facts")).to_contain_text(
        f"{n}{X}{n} and costs {n * n * 49:,} multiply-adds"
    )
    set_field(page, "#stride-kernel", 2)
    set_field(page, "#stride-stride", 3)
    fit = convcore.fit(20, 2, stride=3)
    assert isinstance(fit, convcore.AxisFit)
    expect(page.get_by_test_id("stride-facts")).to_contain_text(f"output is {fit.out}{X}{fit.out}")
    expect(page.get_by_test_id("stride-facts")).to_contain_text(
        f"never read inside: {', '.join(map(str, fit.skipped))}."
    )
    set_field(page, "#dilation-dilation", 4)
    d = convcore.output_size(20, 3, dilation=4)
    expect(page.get_by_test_id("dilation-facts")).to_contain_text(f"spans 9{X}9 pixels")
    expect(page.get_by_test_id("dilation-facts")).to_contain_text(f"the output is {d}{X}{d}")


def test_padding_widget_shows_each_mode(site: Site) -> None:
    page = site.open("learn.html")
    set_field(page, "#padding-padding", 3)
    ramp = [[float(r * 4 + c + 1) for c in range(4)] for r in range(4)]
    for mode in ("zeros", "reflect", "replicate", "circular"):
        padded = convcore.conv2d([ramp], [[[[1.0]]]], padding=3, padding_mode=mode)[0]
        want = [[f"{v:g}" for v in row] for row in padded]
        assert table_text(page, f"[data-testid=pad-{mode}]") == want


def test_fit_widget_formula_and_leftovers(site: Site) -> None:
    page = site.open("learn.html")
    set_field(page, "#fit-size", 28)
    set_field(page, "#fit-kernel", 5)
    set_field(page, "#fit-stride", 2)
    set_field(page, "#fit-padding", 1)
    out = convcore.output_size(28, 5, stride=2, padding=1)
    expect(page.get_by_test_id("fit-formula")).to_contain_text(f"floor(25 / 2) + 1 = {out}")
    expect(page.get_by_test_id("fit-facts")).to_contain_text("The formula floors")
    set_field(page, "#fit-kernel", 40)
    expect(page.get_by_test_id("fit-facts")).to_contain_text("No window fits at all")
    set_field(page, "#fit-kernel", 0)  # below the field's minimum: said, not sent
    expect(page.locator("#widget-fit [data-testid=widget-error]")).to_contain_text("from 1 to 64")
