"""The first view of each page, computed with convcore when the site is built.

build.py calls ``page_context(page, digits)`` for every template; a page
``name.html`` gets what ``prerender/name.py``'s ``context(digits)`` returns
(nothing if there is no such module), so the page is meaningful before Python
has loaded in the browser.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

Digits = list[list[list[float]]]


def page_context(page: str, digits: Digits) -> dict[str, Any]:
    name = f"{__name__}.{page.removesuffix('.html')}"
    if importlib.util.find_spec(name) is None:
        return {}
    module = importlib.import_module(name)
    context: dict[str, Any] = module.context(digits)
    return context
