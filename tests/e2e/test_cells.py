"""Code cells (learn.html, python.html): they run only on a click, show output,
results and tracebacks, survive a runaway cell, and can import the stdlib."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Site
from tests.e2e.learn_helpers import set_field, wait_ready

DONE = re.compile(r"Ran in|raised|Stopped|Not run")


def run(page: Page, cell: str, code: str | None = None, timeout: int = 30_000) -> str:
    """Run one cell (after replacing its code) and return its output text."""
    box = page.get_by_test_id(f"cell-{cell}")
    if code is not None:
        box.get_by_test_id("cell-code").fill(code)
    status = box.get_by_test_id("cell-status")
    box.get_by_test_id("cell-run").click()
    expect(status).to_have_text(DONE, timeout=timeout)
    wait_ready(page)
    return box.get_by_test_id("cell-output").inner_text()


def test_cells_show_their_expected_output(site: Site) -> None:
    page = site.open("learn.html")
    assert run(page, "post").splitlines() == ["True", "None"]
    fixed = run(page, "fixed").splitlines()
    assert fixed[:4] == ["False", "True", "False", "False"]
    assert "PyTorch silently skips" in fixed[4]
    cross = run(page, "cross")
    assert "as written:   [[3.0, 3.0]]" in cross and "kernel flipped: [[-3.0, -3.0]]" in cross
    formula = run(page, "formula").splitlines()
    assert formula[2] == "n=20 k=4 s=3 p=0: 6 6"
    assert "Fraction(17, 1)" in run(page, "stdlib")


def test_cells_see_the_page_settings(site: Site) -> None:
    page = site.open("learn.html")
    assert run(page, "digit").startswith("20x20 in, 18x18 out")
    set_field(page, "#var-kernel", 5)
    set_field(page, "#var-stride", 2)
    assert run(page, "digit").startswith("20x20 in, 8x8 out")
    assert "#kernel=5&stride=2" in page.url
    current = run(page, "current")
    assert "output size: 8 | fits exactly: False" in current
    assert "(19,)" in current
    digit_sum = run(page, "digit", "print(len(digit), len(digit[0]), digit_index)")
    assert digit_sum == "20 20 3"


def test_cells_never_run_by_themselves(site: Site) -> None:
    page = site.open("learn.html#kernel=9")
    for status in page.get_by_test_id("cell-status").all():
        expect(status).to_contain_text("computed when the site was built")
    # The pre-rendered output is the build's (default settings), not this URL's.
    expect(page.get_by_test_id("cell-digit").get_by_test_id("cell-output")).to_contain_text(
        "18x18 out"
    )
    assert page.input_value("#var-kernel") == "9"


def test_ctrl_enter_runs_the_cell(site: Site) -> None:
    page = site.open("learn.html")
    box = page.get_by_test_id("cell-post")
    box.get_by_test_id("cell-code").fill("print(6 * 7)")
    box.get_by_test_id("cell-code").press("Control+Enter")
    expect(box.get_by_test_id("cell-status")).to_have_text(DONE, timeout=30_000)
    expect(box.get_by_test_id("cell-output")).to_have_text("42")


def test_an_error_shows_its_traceback_and_the_page_carries_on(site: Site) -> None:
    page = site.open("learn.html")
    out = run(page, "post", "def half(n):\n    return n / 0\n\nprint('before')\nhalf(4)")
    assert out.startswith("before\nTraceback (most recent call last):")
    assert "line 5, in <module>" in out and "return n / 0" in out
    assert out.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "cells.py" not in out  # the runner's own frame is not shown
    box = page.get_by_test_id("cell-post")
    expect(box.get_by_test_id("cell-output")).to_have_attribute("data-kind", "error")
    syntax = run(page, "post", "def f(:\n  pass")
    assert "SyntaxError" in syntax
    assert run(page, "fixed").startswith("False")
    set_field(page, "#fit-kernel", 5)
    expect(page.get_by_test_id("fit-formula")).to_contain_text("= 6")


def test_a_runaway_cell_is_stopped_and_everything_still_answers(site: Site) -> None:
    page = site.open("learn.html")
    out = run(page, "post", "while True:\n    pass", timeout=40_000)
    assert "Stopped" in out and "Python was restarted" in out
    wait_ready(page)  # the new worker is up
    assert run(page, "fixed").startswith("False")
    set_field(page, "#rf-l1-kernel", 5)
    expect(page.get_by_test_id("widget-receptive").get_by_test_id("rf-table")).to_contain_text("7")
    rows = page.eval_on_selector(
        "[data-testid=widget-receptive] [data-testid=rf-table]",
        "t => Array.from(t.tBodies[0].rows, r => r.cells[6].textContent)",
    )
    assert rows == ["5", "7"]


@pytest.mark.parametrize(
    "modules",
    ["fractions, decimal, statistics", "difflib, textwrap, calendar, email.message, xml.dom"],
)
def test_a_cell_can_import_the_standard_library(site: Site, modules: str) -> None:
    page = site.open("learn.html")
    code = f"import {modules}\nprint('imported', {len(modules.split(','))})"
    assert run(page, "stdlib", code) == f"imported {len(modules.split(','))}"


# Not in Pyodide's Python at all: other platforms' modules, terminals, and
# what Pyodide leaves out of its standard library (ensurepip, venv, dbm, ...).
NOT_IN_PYODIDE = {
    "curses", "dbm", "ensurepip", "grp", "msvcrt", "nt", "pwd", "pydoc_data",
    "readline", "resource", "syslog", "venv", "winreg", "winsound",
}  # fmt: skip

EVERY_MODULE = """\
import importlib, sys
skip = {"antigravity", "this", "idlelib", "turtledemo", "tkinter", "turtle"}
failed = []
for name in sorted(sys.stdlib_module_names - skip):
    if not name.startswith("_"):
        try:
            importlib.import_module(name)
        except ImportError:
            failed.append(name)
print(" ".join(failed))
"""


def test_every_standard_module_pyodide_has_imports(site: Site) -> None:
    page = site.open("learn.html")
    failed = set(run(page, "stdlib", EVERY_MODULE).split())
    assert failed <= NOT_IN_PYODIDE


def test_python_page_examples_run(site: Site) -> None:
    page = site.open("python.html")
    out = run(page, "api-shape").splitlines()
    assert out[0] == "13"
    assert run(page, "api-conv") == "[[[-3.5, -3.5, 2.5], [-3.5, -3.5, 4.5]]]"
