"""embed.html: one widget alone, with its state in the URL, inside an iframe of
someone else's page (over http: the server's URL; from disk: a file page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Frame, expect

import convcore
from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import DASH, X, set_field, set_hash, table_text, wait_ready


def framed(site: Site, tmp_path: Path, fragment: str) -> Frame:
    """A host page of course notes with the widget in an iframe; its frame."""
    src = site.url(f"embed.html#{fragment}")
    host = (
        "<!doctype html><html><head><title>My course notes</title></head><body>"
        "<h1>Week 3: receptive fields</h1>"
        f'<iframe src="{src}" title="convcore widget" width="900" height="900"></iframe>'
        "</body></html>"
    )
    page = site.page
    if site.mode == "file":
        path = tmp_path / "notes.html"
        path.write_text(host)
        page.goto(path.as_uri())
    else:
        # Served by the test itself, from a secure (loopback) origin: the
        # worker needs crypto.subtle, which an iframe only gets when every
        # page around it is a secure context (not so for page.set_content).
        url = site.server.base + "course-notes.html"
        page.route(url, lambda route: route.fulfill(body=host, content_type="text/html"))
        page.goto(url)
    iframe = page.wait_for_selector("iframe")
    assert iframe is not None
    frame = iframe.content_frame()
    assert frame is not None
    wait_ready(frame)
    return frame


def test_receptive_widget_alone_in_an_iframe(site: Site, tmp_path: Path) -> None:
    frame = framed(site, tmp_path, "widget=receptive&layers=5:1:0:1,3:2:1:2&at=2,3&digit=7")
    shown = frame.locator("[data-widget]:not([hidden])")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-widget", "receptive")
    expect(frame.locator("nav[aria-label=Site]")).to_have_count(0)
    expect(frame.get_by_test_id("embed-chooser")).to_be_hidden()
    field = convcore.receptive_field([(5, 1, 0, 1), (3, 2, 1, 2)], at=(2, 3), input_size=20)
    rows = table_text(frame, "[data-testid=rf-table]")
    assert [r[6] for r in rows] == [str(f.size[0]) for f in field.layers]
    assert [r[7] for r in rows] == [str(f.jump[0]) for f in field.layers]
    assert [r[8] for r in rows] == [str(f.start[0]) for f in field.layers]
    assert frame.input_value("#receptive-digit") == "7"
    # A change inside the iframe goes into the iframe's own URL.
    set_field(frame, "#rf-l1-kernel", 3)
    assert "widget=receptive&layers=3:1:0:1,3:2:1:2" in frame.url


def test_transposed_widget_alone_in_an_iframe(site: Site, tmp_path: Path) -> None:
    frame = framed(site, tmp_path, "widget=transpose&x=1,0;0,2&w=1,2;3,4&stride=2&padding=1")
    expect(frame.locator("[data-widget]:not([hidden])")).to_have_attribute(
        "data-widget", "transpose"
    )
    out = convcore.conv_transpose2d(
        [[[1.0, 0.0], [0.0, 2.0]]], [[[[1.0, 2.0], [3.0, 4.0]]]], stride=2, padding=1
    )[0]
    assert table_text(frame, "[data-testid=transpose-output]") == [
        [repr(v) for v in row] for row in out
    ]


def test_pooling_widget_alone_in_an_iframe(site: Site, tmp_path: Path) -> None:
    state = "widget=pool&digit=5&kind=avg&kernel=3&stride=2&padding=1&ceil_mode=true&at=9,0"
    frame = framed(site, tmp_path, state)
    expect(frame.locator("[data-widget]:not([hidden])")).to_have_attribute("data-widget", "pool")
    digit = frame.evaluate("window.CONVCORE_DIGITS[5]")
    settings = {"stride": 2, "padding": 1, "ceil_mode": True}
    pooled = convcore.avg_pool2d([digit], 3, **settings)[0]
    shown = table_text(frame, "[data-testid=pool-output]")
    for row, want in zip(shown, pooled, strict=True):
        assert [float(v) for v in row] == pytest.approx(want, rel=1e-9, abs=0)
    window = convcore.trace_pool([digit], "avg", 3, **settings)[9 * len(pooled) + 0]
    expect(frame.get_by_test_id("pool-window-title")).to_contain_text("output (9, 0)")
    expect(frame.get_by_test_id("pool-facts")).to_contain_text(f"/ {window.divisor} = ")
    page_checked = frame.is_checked("#pool-ceil_mode")
    assert page_checked and frame.input_value("#pool-stride") == "2"
    # A word that is not true or false is explained, not guessed at.
    set_hash(frame, "widget=pool&ceil_mode=maybe")
    error = frame.locator("#widget-pool [data-testid=widget-error]")
    expect(error).to_contain_text("ceil_mode=maybe")


def test_kernels_widget_alone(site: Site) -> None:
    page = site.open("embed.html#widget=kernels&digit=14")
    expect(page.locator("[data-widget]:not([hidden])")).to_have_attribute("data-widget", "kernels")
    digit = page.evaluate("window.CONVCORE_DIGITS[14]")
    relu = convcore.digits_model().activations([digit])[1]
    shown = page.eval_on_selector(
        "[data-testid=kernels-map-0]",
        "t => Array.from(t.tBodies[0].rows, r => Array.from(r.cells, c => c.dataset.value))",
    )
    for row, want in zip(shown, relu[0], strict=True):
        assert [float(v) for v in row] == pytest.approx(want, rel=1e-9, abs=0)


def test_an_article_widget_alone(site: Site) -> None:
    page = site.open("embed.html#widget=stride&digit=5&kernel=2&stride=5")
    expect(page.locator("[data-widget]:not([hidden])")).to_have_attribute("data-widget", "stride")
    fit = convcore.fit(20, 2, stride=5)
    assert isinstance(fit, convcore.AxisFit)
    facts = page.get_by_test_id("stride-facts")
    expect(facts).to_contain_text(f"the output is {fit.out}{X}{fit.out}")
    expect(facts).to_contain_text(
        f"never read inside: 2{DASH}4, 7{DASH}9, 12{DASH}14. Dropped at the far edge: 17{DASH}19"
    )


def test_without_a_widget_name_the_page_lists_them(site: Site) -> None:
    page = site.open("embed.html")
    expect(page.get_by_test_id("embed-chooser")).to_be_visible()
    expect(page.locator("[data-widget]:not([hidden])")).to_have_count(0)
    assert len(page.get_by_test_id("embed-chooser").locator("a").all()) == 10


def test_widget_links_carry_their_state(site: Site) -> None:
    page = site.open("learn.html")
    set_field(page, "#stride-stride", 2)
    link = page.locator("#widget-stride a.embed-link")
    href = link.get_attribute("href")
    assert href is not None
    assert href.startswith("embed.html#widget=stride&") and "stride=2" in href
    link.click()
    page.wait_for_load_state()
    wait_ready(page)
    expect(page.locator("[data-widget]:not([hidden])")).to_have_attribute("data-widget", "stride")
    assert page.input_value("#stride-stride") == "2"
