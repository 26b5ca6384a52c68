"""receptive.html at build time: the explorer's first view (learn_receptive)
and the numbers its notes quote, from convcore.receptive_field."""

from __future__ import annotations

from typing import Any

import convcore
from prerender._shared import Digits, widgets


def numbers() -> dict[str, Any]:
    def last(layers: list[tuple[int, ...]]) -> convcore.LayerField:
        return convcore.receptive_field(layers, at=0).layers[-1]

    gaps = convcore.receptive_field([(3, 1, 0, 2)] * 3, at=0)
    return {
        "two": last([(3,), (3,)]).size[0],
        "one": last([(5,)]).size[0],
        "stem_jump": last([(7, 2, 3), (3, 2, 1)]).jump[0],
        "stem_size": last([(7, 2, 3), (3, 2, 1)]).size[0],
        "dilated": last([(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)]).size[0],
        "gaps_size": gaps.size[0],
        "gaps_rows": len(gaps.rows),
    }


def context(digits: Digits) -> dict[str, Any]:
    return {"widgets": widgets(digits, ("receptive",)), "n": numbers()}
