"""The page's requests, answered with convcore inside the Pyodide worker.

The worker calls ``dispatch(name, args_json, buffers)`` for every
``{type: "call", fn, args, buffers}`` message: ``name`` picks one request,
``args_json`` holds its keyword arguments, and ``buffers`` maps more keyword
names to typed arrays (read as memoryviews). Results are plain dicts, lists
and ``array.array`` values (typed arrays on the JavaScript side).

Requests live in the ``*_api.py`` modules beside this one, each with a
``REQUESTS`` dict (name -> function) and optionally a ``warmup()``. A
request's name starts with its module's prefix (``demo_run`` is in
``demo_api.py``), so a module is imported only when first needed. Code cells
(``run``) are answered by ``cells.run_cell``.
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


API_MODULES = sorted(p.stem for p in Path(__file__).resolve().parent.glob("*_api.py"))


def _api_module(request: str) -> ModuleType | None:
    """The module answering `request`: a request `demo_run` lives in demo_api.py.

    Modules are imported on first use, so a page starts without importing
    the other pages' code, and its worker is never busy importing them.
    """
    module_name = request.split("_", 1)[0] + "_api"
    if module_name not in API_MODULES:
        return None
    return importlib.import_module(module_name)


def handler(name: str) -> Callable[..., Any]:
    if name == "convcore_version":
        return convcore_version
    module = _api_module(name)
    requests: dict[str, Callable[..., Any]] = getattr(module, "REQUESTS", {})
    if name not in requests:
        known = ["convcore_version", *(f"{m.removesuffix('_api')}_*" for m in API_MODULES)]
        raise RequestError(f"unknown request {name!r}; known: {', '.join(known)}")
    return requests[name]


def dispatch(name: str, args_json: str, buffers: Any = None) -> Any:
    run = handler(name)
    args = json.loads(args_json)
    if not isinstance(args, dict):
        raise RequestError("request arguments must be a JSON object")
    if buffers is not None:
        # a JsProxy of {name: typed array}; each becomes a memoryview of its
        # items (doubles for a Float64Array, bytes for an image's Uint8Array)
        for key, array in buffers.as_py_json().items():
            args[key] = array.to_memoryview()
    return run(**args)


def preload() -> None:
    """Import every request module (the build's warm-up records what they import)."""
    for name in API_MODULES:
        importlib.import_module(name)


def run_cell(code: str, variables_json: str, limit_s: float | None = None) -> Any:
    """A code cell of the learning pages (see cells.py)."""
    cells = importlib.import_module("cells")
    return cells.run_cell(code, variables_json, limit_s)


def warmup() -> None:
    """Exercise every request once (the build records which modules load)."""
    convcore_version()
    preload()
    for name in API_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "warmup"):
            module.warmup()
