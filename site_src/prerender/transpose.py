"""transpose.html at build time: the widget's first view (learn_transpose) and
the sizes its text quotes, from convcore."""

from __future__ import annotations

from typing import Any

import convcore
from prerender._shared import Digits, widgets


def context(digits: Digits) -> dict[str, Any]:
    down = {n: convcore.output_size(n, 3, stride=2, padding=1) for n in (9, 10)}
    return {"widgets": widgets(digits, ("transpose",)), "down": down}
