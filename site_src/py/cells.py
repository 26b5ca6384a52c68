"""Code cells of the learning pages: run a snippet the reader edited.

``run_cell(code, variables_json)`` runs ``code`` in a fresh namespace that
holds the page's variables (``kernel``, ``stride``, ``digit``, ...), the way a
notebook cell runs: statements execute, and when the last statement is an
expression its ``repr`` is the cell's result. What the cell prints and the
traceback of an error are returned as text, never raised, so one broken cell
cannot break the page. Stopping a cell that runs forever is the page's job
(it restarts the worker: Python cannot be interrupted from outside). WebKit,
though, leaves a terminated worker's WebAssembly running, so the cell's own
loops also stop themselves a little after the page's limit (``limit_s``).
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
import types
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any

MAX_OUTPUT = 20_000
"""Characters of printed output kept; more is cut, with a note."""

MAX_REPR = 5_000
"""Characters of the final expression's repr kept."""

GRACE_S = 1.0
"""How long after the page's limit a cell stops itself: the page's restart
comes first wherever terminating a worker stops it."""

_MONITORING: Any = getattr(sys, "monitoring", None)  # Python 3.12+ (Pyodide); not the host's 3.11
_TOOL = 4  # a sys.monitoring tool id that Python gives no other meaning

_count = 0


class CellStopped(BaseException):
    """Raised inside a cell that ran past its limit (a BaseException, so that
    the cell's own ``except Exception`` cannot swallow it)."""


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """The cell's code and every function, class and generator body in it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


@contextmanager
def _time_limit(code: types.CodeType, limit_s: float | None) -> Iterator[None]:
    """While inside, every backward jump of the cell's own code checks the
    clock; library code runs unwatched, at full speed."""
    if limit_s is None or _MONITORING is None:
        yield
        return
    deadline = time.monotonic() + limit_s + GRACE_S

    def on_jump(_code: types.CodeType, _offset: int, _target: int) -> None:
        if time.monotonic() > deadline:
            raise CellStopped(f"the cell ran for more than {limit_s:g} s")

    if _MONITORING.get_tool(_TOOL) is None:
        _MONITORING.use_tool_id(_TOOL, "cell time limit")
    _MONITORING.register_callback(_TOOL, _MONITORING.events.JUMP, on_jump)
    watched = list(_code_objects(code))
    for each in watched:
        _MONITORING.set_local_events(_TOOL, each, _MONITORING.events.JUMP)
    try:
        yield
    finally:
        for each in watched:
            _MONITORING.set_local_events(_TOOL, each, 0)
        _MONITORING.register_callback(_TOOL, _MONITORING.events.JUMP, None)


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


def run_cell(code: str, variables_json: str, limit_s: float | None = None) -> dict[str, Any]:
    """Run one cell; return ``{ok, stdout, result, error, ms}``.

    ``result`` is the repr of a final expression (``None`` when there is
    none or it is ``None``); ``error`` the traceback text when the cell
    raised (``ok`` is then False). Variables are JSON values by name. With
    ``limit_s`` the cell's loops stop it a little after that many seconds.
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
                statements = compile(body, name, "exec")
                with _time_limit(statements, limit_s):
                    exec(statements, namespace)
                if last is not None:
                    expression = compile(last, name, "eval")
                    with _time_limit(expression, limit_s):
                        value = eval(expression, namespace)
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
