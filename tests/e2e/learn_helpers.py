"""Helpers shared by the learning pages' browser tests (test_learn*, test_cells,
test_receptive, test_transpose, test_embed)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Frame, Page

from tests.e2e.conftest import ENGINE_TIMEOUT_MS, READY

Where = Page | Frame

X = "\u00d7"  # the multiplication sign the pages write sizes with (20 X 20)
DASH = "\u2013"  # the en dash of ranges (2 DASH 4)

SET_AND_TELL = """(el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', {bubbles: true}));
}"""


def wait_ready(where: Where, timeout: int = ENGINE_TIMEOUT_MS) -> None:
    where.wait_for_selector(READY, state="attached", timeout=timeout)


def set_field(where: Where, selector: str, value: Any) -> None:
    """Set a form field as a reader would (an `input` event), then wait until
    everything the change computes is drawn."""
    where.eval_on_selector(selector, SET_AND_TELL, value)
    wait_ready(where)


def set_hash(where: Where, fragment: str) -> None:
    """Change the URL hash and wait for the page to redraw for it."""
    where.evaluate(
        """(h) => new Promise((resolve) => {
            addEventListener('hashchange', () => setTimeout(resolve, 0), {once: true});
            location.hash = h;
        })""",
        fragment,
    )
    wait_ready(where)


def table_text(where: Where, selector: str) -> list[list[str]]:
    """The text of every body cell of a table, row by row."""
    rows: list[list[str]] = where.eval_on_selector(
        selector,
        "t => Array.from(t.tBodies[0].rows, r => Array.from(r.cells, c => c.textContent.trim()))",
    )
    return rows
