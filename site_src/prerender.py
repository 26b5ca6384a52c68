"""The first view of each page, computed with convcore when the site is built.

build.py calls ``page_context(page, digits)`` for every template; what it
returns is passed to that template, so the page is meaningful before Python
has loaded in the browser.
"""

from __future__ import annotations

from typing import Any


def page_context(page: str, digits: list[list[list[float]]]) -> dict[str, Any]:
    return {}
