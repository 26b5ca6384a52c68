"""The page's requests, answered with convcore inside the Pyodide worker.

The worker calls ``dispatch(name, args_json, buffers)`` for every
``{type: "call", fn, args, buffers}`` message: ``name`` picks one function of
REQUESTS, ``args_json`` holds its keyword arguments, and ``buffers`` maps more
keyword names to typed arrays (read as memoryviews). Results are plain dicts,
lists and ``array.array`` values (typed arrays on the JavaScript side).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import convcore


def convcore_version() -> str:
    return str(getattr(convcore, "__version__", "unknown"))


REQUESTS: dict[str, Callable[..., Any]] = {
    "convcore_version": convcore_version,
}


class RequestError(ValueError):
    """A request the page should never send; the message says which."""


def dispatch(name: str, args_json: str, buffers: Any = None) -> Any:
    handler = REQUESTS.get(name)
    if handler is None:
        raise RequestError(f"unknown request {name!r}; known: {', '.join(sorted(REQUESTS))}")
    args = json.loads(args_json)
    if not isinstance(args, dict):
        raise RequestError("request arguments must be a JSON object")
    if buffers is not None:
        for key in buffers.object_keys():
            args[key] = buffers[key].to_memoryview()
    return handler(**args)


def warmup() -> None:
    """Exercise every request once (the build records which modules load)."""
    dispatch("convcore_version", "{}")
