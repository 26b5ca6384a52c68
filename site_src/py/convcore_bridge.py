"""The page's requests, answered with convcore inside the Pyodide worker.

The worker calls ``dispatch(name, args_json, buffers)`` for every
``{type: "call", fn, args, buffers}`` message: ``name`` picks one request,
``args_json`` holds its keyword arguments, and ``buffers`` maps more keyword
names to typed arrays (read as memoryviews). Results are plain dicts, lists
and ``array.array`` values (typed arrays on the JavaScript side).

Requests live in the ``*_api.py`` modules beside this one, each with a
``REQUESTS`` dict (name -> function) and optionally a ``warmup()``; code
cells (``run``) are answered by ``cells.run_cell``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import convcore


class RequestError(ValueError):
    """A request the page should never send; the message says which."""


def convcore_version() -> str:
    return str(convcore.__version__)


def _api_modules() -> list[ModuleType]:
    here = Path(__file__).resolve().parent
    return [importlib.import_module(p.stem) for p in sorted(here.glob("*_api.py"))]


def _collect() -> dict[str, Callable[..., Any]]:
    requests: dict[str, Callable[..., Any]] = {"convcore_version": convcore_version}
    for module in _api_modules():
        for name, handler in module.REQUESTS.items():
            if name in requests:
                raise RuntimeError(f"request {name!r} is defined twice ({module.__name__})")
            requests[name] = handler
    return requests


REQUESTS = _collect()


def dispatch(name: str, args_json: str, buffers: Any = None) -> Any:
    handler = REQUESTS.get(name)
    if handler is None:
        raise RequestError(f"unknown request {name!r}; known: {', '.join(sorted(REQUESTS))}")
    args = json.loads(args_json)
    if not isinstance(args, dict):
        raise RequestError("request arguments must be a JSON object")
    if buffers is not None:
        # a JsProxy of {name: Float64Array}; each becomes a memoryview of doubles
        for key, array in buffers.as_py_json().items():
            args[key] = array.to_memoryview()
    return handler(**args)


def run_cell(code: str, variables_json: str) -> Any:
    """A code cell of the learning pages (see cells.py)."""
    cells = importlib.import_module("cells")
    return cells.run_cell(code, variables_json)


def warmup() -> None:
    """Exercise every request once (the build records which modules load)."""
    convcore_version()
    for module in _api_modules():
        if hasattr(module, "warmup"):
            module.warmup()
