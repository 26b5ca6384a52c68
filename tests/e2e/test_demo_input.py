"""The demo's inputs other than the shipped digits: drawing, uploads (good,
bad, huge, transparent) and three RGB channels summed by one filter."""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Site
from tests.e2e.test_demo import (
    TWO_FRAMES,
    arithmetic,
    assert_close,
    calm,
    digits,
    host_output,
    ones,
    page_hash,
    shape,
    table,
)


def drag(page: Page, cells: list[tuple[int, int]], side: int = 20) -> None:
    """Press, move through `cells` (row, col) of a side x side canvas, release."""
    box = page.get_by_test_id("input-canvas").bounding_box()
    assert box is not None

    def at(cell: tuple[int, int]) -> tuple[float, float]:
        r, c = cell
        return box["x"] + (c + 0.5) * box["width"] / side, box["y"] + (r + 0.5) * box[
            "height"
        ] / side

    page.mouse.move(*at(cells[0]))
    page.mouse.down()
    for cell in cells[1:]:
        page.mouse.move(*at(cell), steps=3)
    page.mouse.up()


def upload(site: Site, path: Path) -> None:
    site.page.get_by_test_id("upload").set_input_files(str(path))
    site.wait_ready()


def test_drawing_changes_the_input(site: Site) -> None:
    page = calm(site)
    site.open("index.html")
    page.get_by_test_id("draw-mode").check()
    site.wait_ready()
    assert all(v == 0 for row in table(page, "input-values") for v in row)
    drag(page, [(4, 3), (4, 15), (12, 15)])
    site.wait_ready()
    drawn = table(page, "input-values")
    assert drawn[4][3] == 1 and drawn[4][15] == 1 and drawn[12][15] == 1
    assert drawn[3][9] == 0.5  # the pen's soft edge
    assert_close(table(page, "output-values"), host_output([drawn], [ones(3, 3)])[0])
    hash_ = page_hash(page)
    assert hash_["input"] == "draw" and len(hash_["pixels"]) == 134
    # Keyboard drawing: arrows move the cursor, Space paints.
    page.get_by_test_id("input-canvas").focus()
    for key in ["ArrowDown"] * 17 + ["ArrowRight"] * 2 + [" "]:
        page.keyboard.press(key)
    site.wait_ready()
    assert table(page, "input-values")[17][2] == 1
    # The drawing is in the link (written in a task after the frame of ready).
    page.evaluate(TWO_FRAMES)
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    site.wait_ready()
    after = table(page, "input-values")
    assert after[4][3] == 1 and after[17][2] == 1
    page.get_by_test_id("draw-clear").click()
    site.wait_ready()
    assert all(v == 0 for row in table(page, "input-values") for v in row)


def test_uploads_good_bad_huge_and_transparent(site: Site, tmp_path: Path) -> None:
    page = calm(site)
    site.open("index.html")
    # Left half black, right half white, 64 wide and 32 high: scaled to 28 x 14.
    halves = Image.new("RGB", (64, 32), (0, 0, 0))
    halves.paste((255, 255, 255), (32, 0, 64, 32))
    halves.save(tmp_path / "halves.png")
    page.get_by_test_id("input-upload").check()
    upload(site, tmp_path / "halves.png")
    values = table(page, "input-values")
    assert (len(values), len(values[0])) == (14, 28)
    assert all(abs(row[c]) < 1e-9 for row in values for c in range(12))
    assert all(abs(row[c] - 1) < 1e-6 for row in values for c in range(16, 28))
    expect(page.get_by_test_id("notice")).to_contain_text(shape(28, 14))
    assert_close(table(page, "output-values"), host_output([values], [ones(3, 3)])[0])
    assert page_hash(page)["input"] == "upload"
    # A different size decodes the same file again.
    size = page.get_by_label("Longest side (pixels)")
    size.fill("16")
    size.press("Enter")
    site.wait_ready()
    values = table(page, "input-values")
    assert (len(values), len(values[0])) == (8, 16)
    # Bad files: a clear message each time, and the previous input stays.
    (tmp_path / "notes.txt").write_text("not a picture")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    for name, words in (("notes.txt", "not an image"), ("broken.png", "could not be")):
        upload(site, tmp_path / name)
        expect(page.get_by_test_id("notice")).to_contain_text(words)
        expect(page.get_by_test_id("notice")).to_contain_text("previous input is kept")
        assert table(page, "input-values") == values
    # A 10,000 x 10,000 image is scaled down promptly.
    Image.new("L", (10_000, 10_000), 255).save(tmp_path / "huge.png")
    started = time.monotonic()
    upload(site, tmp_path / "huge.png")
    assert time.monotonic() - started < 15
    huge = table(page, "input-values")
    assert (len(huge), len(huge[0])) == (16, 16)
    assert all(abs(v - 1) < 1e-6 for row in huge for v in row)
    # Transparency is put on black (the default), and the page says so.
    clear = Image.new("RGBA", (16, 16), (255, 255, 255, 0))
    clear.paste((255, 255, 255, 255), (4, 4, 12, 12))
    clear.save(tmp_path / "clear.png")
    upload(site, tmp_path / "clear.png")
    expect(page.get_by_test_id("notice")).to_contain_text("transparent")
    expect(page.get_by_test_id("notice")).to_contain_text("black")
    values = table(page, "input-values")
    assert values[0][0] == 0 and abs(values[8][8] - 1) < 1e-6
    page.get_by_label("Transparent parts become").select_option("white")
    site.wait_ready()
    values = table(page, "input-values")
    assert abs(values[0][0] - 1) < 1e-6
    expect(page.get_by_test_id("notice")).to_contain_text("white")


def test_rgb_channels_are_summed(site: Site, tmp_path: Path) -> None:
    page = calm(site)
    site.open("index.html#channels=rgb&kernel=2")
    # A digit in RGB mode: three equal channels, so three times the gray output.
    digit = digits(site)[0]
    gray = host_output([digit], [ones(2, 2)])[0]
    rgb = table(page, "output-values")
    assert_close(rgb, host_output([digit] * 3, [ones(2, 2)])[0])
    assert abs(rgb[9][9] - 3 * gray[9][9]) < 1e-9
    arith = arithmetic(page)
    assert len(arith["products"]) == 3 * 4
    assert page.locator("[data-testid=arithmetic] tbody").count() == 3
    # An orange image: each channel is a different constant.
    page.get_by_test_id("input-upload").check()
    size = page.get_by_label("Longest side (pixels)")
    size.fill("10")
    size.press("Enter")
    Image.new("RGB", (10, 10), (255, 128, 0)).save(tmp_path / "orange.png")
    upload(site, tmp_path / "orange.png")
    assert table(page, "input-values") == [[1.0] * 10 for _ in range(10)]  # red
    planes = [[[v] * 10 for _ in range(10)] for v in (1.0, 128 / 255, 0.0)]
    assert_close(table(page, "output-values"), host_output(planes, [ones(2, 2)])[0])
    expect(page.get_by_test_id("channel-canvas-1")).to_be_visible()


def test_touch_drawing_on_a_phone(site: Site) -> None:
    page = calm(site)
    page.set_viewport_size({"width": 390, "height": 844})
    site.open("index.html#input=draw")
    canvas = page.get_by_test_id("input-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] >= 300, "the drawing grid is big enough for a finger"
    cdp = page.context.new_cdp_session(page)
    y = box["y"] + 10.5 * box["height"] / 20
    xs = [box["x"] + (c + 0.5) * box["width"] / 20 for c in range(2, 18, 3)]
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": xs[0], "y": y}]}
    )
    for x in xs[1:]:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    site.wait_ready()
    row = table(page, "input-values")[10]
    assert all(v == 1 for v in row[2:18]), row
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
