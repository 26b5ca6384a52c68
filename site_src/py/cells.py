"""Code cells of the learning pages: run a snippet the reader edited.

``run_cell(code, variables_json)`` runs ``code`` in a fresh namespace that
holds the page's variables (``kernel``, ``stride``, ``digit``, ...), the way a
notebook cell runs: statements execute, and when the last statement is an
expression its ``repr`` is the cell's result. What the cell prints and the
traceback of an error are returned as text, never raised, so one broken cell
cannot break the page. Stopping a cell that runs forever is the page's job
(it restarts the worker: Python cannot be interrupted from inside).
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import linecache
import sys
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

MAX_OUTPUT = 20_000
"""Characters of printed output kept; more is cut, with a note."""

MAX_REPR = 5_000
"""Characters of the final expression's repr kept."""

_count = 0


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters not shown)"


def _register_source(code: str) -> str:
    """A file name for the cell whose lines tracebacks can show."""
    global _count
    _count += 1
    name = f"<cell {_count}>"
    linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
    return name


def _split(tree: ast.Module) -> tuple[ast.Module, ast.Expression | None]:
    """The cell's statements, and its last line when that is an expression."""
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop()
        assert isinstance(last, ast.Expr)
        return tree, ast.Expression(last.value)
    return tree, None


def _error_text(error: BaseException, skip_runner: bool) -> str:
    """The traceback as Python prints it, without this module's own frame."""
    tb = error.__traceback__
    if skip_runner and tb is not None:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def run_cell(code: str, variables_json: str) -> dict[str, Any]:
    """Run one cell; return ``{ok, stdout, result, error, ms}``.

    ``result`` is the repr of a final expression (``None`` when there is
    none or it is ``None``); ``error`` the traceback text when the cell
    raised (``ok`` is then False). Variables are JSON values by name.
    """
    variables = json.loads(variables_json) if variables_json else {}
    if not isinstance(variables, dict):
        raise ValueError("variables_json must be a JSON object of name -> value")
    namespace: dict[str, Any] = {"__name__": "__cell__", "__builtins__": builtins}
    namespace.update({str(k): v for k, v in variables.items()})
    out = io.StringIO()
    result: str | None = None
    error: str | None = None
    started = time.perf_counter()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO()  # input() ends at once instead of waiting for nobody
    try:
        with redirect_stdout(out), redirect_stderr(out):
            try:
                name = _register_source(code)
                body, last = _split(ast.parse(code, filename=name, mode="exec"))
                exec(compile(body, name, "exec"), namespace)
                if last is not None:
                    value = eval(compile(last, name, "eval"), namespace)
                    if value is not None:
                        result = _cut(repr(value), MAX_REPR)
            except SyntaxError as syntax:
                error = "".join(traceback.format_exception_only(type(syntax), syntax))
            except BaseException as raised:  # a cell may raise anything, SystemExit too
                error = _error_text(raised, skip_runner=True)
    finally:
        sys.stdin = old_stdin
    return {
        "ok": error is None,
        "stdout": _cut(out.getvalue(), MAX_OUTPUT),
        "result": result,
        "error": error,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
