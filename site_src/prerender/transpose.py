"""transpose.html at build time: the widget's first view (learn_transpose)."""

from __future__ import annotations

from typing import Any

from prerender._shared import Digits, widgets


def context(digits: Digits) -> dict[str, Any]:
    return {"widgets": widgets(digits, ("transpose",))}
