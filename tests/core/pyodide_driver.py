"""Runs convcore cases and turns the results into JSON-ready data.

The same file runs twice: on the host (to compute the expected values) and
inside Pyodide (Python 3.14 in WebAssembly, via pyodide_runner.mjs). It uses
only the standard library and convcore, so it can be copied into Pyodide.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import convcore


def _jsonable(result: Any, post: str) -> Any:
    if post == "trace":  # every window's position, sum and output, plus one full window
        windows = list(result)
        return {
            "len": len(result),
            "windows": [[w.out_channel, w.position, w.sum, w.output] for w in windows],
            "first": windows[0].to_dict(),
        }
    if post == "trace_transpose":
        return {"len": len(result), "last": result[-1].to_dict()}
    if hasattr(result, "to_dict"):
        return result.to_dict()
    return result


def run_case(case: dict[str, Any]) -> Any:
    """The JSON round-tripped result of one case, or the exception's type."""
    function = getattr(convcore, case["fn"])
    try:
        result = function(*case.get("args", []), **case.get("kwargs", {}))
    except (TypeError, ValueError) as error:
        return {"error": type(error).__name__}
    return json.loads(json.dumps(_jsonable(result, case.get("post", ""))))


def main(cases_json: str) -> str:
    """Run every case, compare with its ``expected``; a JSON summary."""
    cases = json.loads(cases_json)
    failed = [case["name"] for case in cases if run_case(case) != case["expected"]]
    return json.dumps(
        {
            "python": sys.version.split()[0],
            "platform": sys.platform,
            "total": len(cases),
            "agreed": len(cases) - len(failed),
            "failed": failed,
        }
    )
