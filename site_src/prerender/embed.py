"""embed.html at build time: every widget's first view (the network page's
two as network.html has them); the page shows the one named in the URL hash
(``#widget=receptive&...``)."""

from __future__ import annotations

from typing import Any

from prerender import network
from prerender._shared import WIDGETS, Digits, widgets


def context(digits: Digits) -> dict[str, Any]:
    return {"widgets": widgets(digits), "widget_names": WIDGETS, **network.context(digits)}
