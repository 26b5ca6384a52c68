"""transpose.html: the output table is convcore.conv_transpose2d's (computed
here on the host) for several settings; the round trip is shown not to give
the input back; refused settings say why and the page carries on."""

from __future__ import annotations

from playwright.sync_api import expect

import convcore
from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import X, set_field, set_hash, table_text, wait_ready

Grid = list[list[float]]

CASES: list[tuple[Grid, Grid, int, int, int]] = [
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0, 1.0]] * 3, 2, 0, 0),
    ([[1.0, -2.0, 0.5], [3.0, 4.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]], 3, 1, 2),
    ([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [[1.0, 2.0, 1.0]] * 3, 1, 1, 0),
    ([[0.1, 0.2], [0.3, 0.7]], [[0.5, -1.5, 2.25]] * 3, 2, 1, 1),
]


def text(grid: Grid, sep: str = ",") -> str:
    return ";".join(sep.join(f"{v:g}" for v in row) for row in grid)


def expected(x: Grid, w: Grid, stride: int, padding: int, output_padding: int) -> list[list[str]]:
    out = convcore.conv_transpose2d(
        [x], [[w]], stride=stride, padding=padding, output_padding=output_padding
    )[0]
    return [[repr(v) for v in row] for row in out]


def test_output_table_matches_convcore(site: Site) -> None:
    page = site.open("transpose.html")
    x, w, s, p, op = CASES[0]
    assert table_text(page, "[data-testid=transpose-output]") == expected(x, w, s, p, op)
    for x, w, s, p, op in CASES[1:]:
        set_hash(page, f"x={text(x)}&w={text(w)}&stride={s}&padding={p}&output_padding={op}")
        assert table_text(page, "[data-testid=transpose-output]") == expected(x, w, s, p, op)
        rows = len(expected(x, w, s, p, op))
        expect(page.get_by_test_id("transpose-out-size")).to_have_text(
            f"{rows}{X}{len(expected(x, w, s, p, op)[0])}"
        )


def test_the_url_state_and_the_selected_pixel(site: Site) -> None:
    x, w, s, p, op = CASES[1]
    page = site.open(
        f"transpose.html#x={text(x)}&w={text(w)}&stride={s}&padding={p}&output_padding={op}&at=1,1"
    )
    assert table_text(page, "[data-testid=transpose-output]") == expected(x, w, s, p, op)
    assert page.input_value("#transpose-x") == "1 -2 0.5; 3 4 0"
    # Input pixel (1, 1) = 4 stamps 4*w at rows 1*3 - 1 + a, columns 1*3 - 1 + b.
    trace = convcore.trace_transpose([x], [[w]], stride=s, padding=p, output_padding=op)
    hits = sorted(t.output for t in trace[1 * 3 + 1].targets if t.inside)
    marked = page.eval_on_selector(
        "[data-testid=transpose-output]",
        """t => Array.from(t.querySelectorAll('td.hit'), td => [
            td.parentElement.rowIndex, td.cellIndex])""",
    )
    assert sorted(tuple(m) for m in marked) == hits
    page.get_by_role("button", name="Input pixel row 0, column 2, value 0.5").click()
    wait_ready(page)
    assert "at=0,2" in page.url
    expect(page.get_by_test_id("transpose-arith")).to_contain_text("Input pixel (0, 2) holds 0.5")


def test_round_trip_is_not_the_identity(site: Site) -> None:
    page = site.open("transpose.html")
    x = [[float(v) for v in row] for row in table_text(page, "[data-testid=roundtrip-x]")]
    w = [[1.0] * 3] * 3
    down = convcore.conv2d([x], [[w]], stride=2)[0]
    up = convcore.conv_transpose2d([down], [[w]], stride=2, output_padding=1)[0]
    assert table_text(page, "[data-testid=roundtrip-down]") == [[repr(v) for v in r] for r in down]
    assert table_text(page, "[data-testid=roundtrip-up]") == [[repr(v) for v in r] for r in up]
    assert up != x and len(up) == len(x)
    expect(page.get_by_test_id("roundtrip-note")).to_contain_text("but not its values")


def test_refused_settings_say_why(site: Site) -> None:
    page = site.open("transpose.html")
    set_field(page, "#transpose-output_padding", 2)
    error = page.locator("[data-testid=widget-transpose] [data-testid=widget-error]")
    expect(error).to_contain_text("output_padding=2")
    set_field(page, "#transpose-x", "1 2; 3")
    expect(error).to_contain_text("same length")
    set_field(page, "#transpose-x", "1 2; 3 4")
    set_field(page, "#transpose-output_padding", 1)
    expect(error).to_be_hidden()
    x, w = CASES[0][0], CASES[0][1]
    assert table_text(page, "[data-testid=transpose-output]") == expected(x, w, 2, 0, 1)
