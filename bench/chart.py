"""The chart of bench/bench_site.py's results: time until Python is ready
after a cold load, ours against the bare loadPyodide() page, on loopback and
on a 20 Mbit/s link, with the issue's targets marked.

    .venv/bin/python bench/chart.py [bench/results/latest.json] [docs/perf-chart.png]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

WIDTH = 960
LEFT = 190  # bar labels
RIGHT = 200  # value labels
BAR = 26
GAP = 10
OURS = (37, 99, 235)
BARE = (148, 148, 148)
TARGET = (220, 38, 38)
INK = (30, 30, 30)
DIM = (110, 110, 110)

# (group title, target ratio to the group's bare bar, [(scenario key, label)])
GROUPS: list[tuple[str, float | None, list[tuple[str, str]]]] = [
    (
        "loopback, gzip",
        0.5,
        [
            ("bare_http", "bare loadPyodide()"),
            ("ours_http", "convcore, http"),
            ("ours_file", "convcore, file://"),
        ],
    ),
    (
        "20 Mbit/s, 40 ms per request, gzip",
        0.7,
        [("bare_slow", "bare loadPyodide()"), ("ours_slow", "convcore, http")],
    ),
]


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:
        return ImageFont.load_default(size)


def draw(results: dict[str, Any], path: Path) -> None:
    loads = results["loads"]
    title_font, font, small = _font(17, bold=True), _font(14), _font(12)
    rows = sum(len(items) for _, _, items in GROUPS)
    height = 70 + len(GROUPS) * 34 + rows * (BAR + GAP) + 40
    img = Image.new("RGB", (WIDTH, height), "white")
    pen = ImageDraw.Draw(img)
    machine = results.get("machine", {})
    runs = results.get("config", {}).get("runs")
    pen.text(
        (16, 12),
        "Time until Python is ready, cold load (lower is better)",
        font=title_font,
        fill=INK,
    )
    pen.text(
        (16, 36),
        f"median of {runs} alternating runs, whiskers p25-p75; "
        f"Chromium {machine.get('chromium', '?')}, {machine.get('cores', '?')} cores; "
        "red line: target",
        font=small,
        fill=DIM,
    )
    top_value = max(
        (loads[key]["ready_ms"]["p75"] or 0 for _, _, items in GROUPS for key, _ in items),
        default=1,
    )
    scale = (WIDTH - LEFT - RIGHT) / max(top_value, 1)
    y = 70
    for title, target, items in GROUPS:
        pen.text((16, y), title, font=font, fill=INK)
        y += 26
        bare_median = loads[items[0][0]]["ready_ms"]["median"]
        first_y = y
        for key, label in items:
            stats = loads[key]["ready_ms"]
            value = stats["median"]
            pen.text((28, y + 5), label, font=font, fill=INK)
            if value is None:
                pen.text((LEFT, y + 5), "no data", font=font, fill=DIM)
                y += BAR + GAP
                continue
            colour = BARE if key.startswith("bare") else OURS
            pen.rectangle((LEFT, y, LEFT + value * scale, y + BAR), fill=colour)
            low, high = stats["p25"], stats["p75"]
            mid = y + BAR // 2
            pen.line((LEFT + low * scale, mid, LEFT + high * scale, mid), fill=INK, width=2)
            for end in (low, high):
                pen.line(
                    (LEFT + end * scale, mid - 6, LEFT + end * scale, mid + 6), fill=INK, width=2
                )
            text = f"{value / 1000:.2f} s"
            if not key.startswith("bare") and bare_median:
                text += f"   {value / bare_median:.2f}x bare"
            pen.text((LEFT + max(value, high) * scale + 10, y + 5), text, font=font, fill=INK)
            y += BAR + GAP
        if target is not None and bare_median:
            x = LEFT + target * bare_median * scale
            for dash in range(first_y + BAR + GAP - 4, y - GAP + 4, 8):
                pen.line((x, dash, x, dash + 4), fill=TARGET, width=2)
            pen.text((x + 4, y - GAP + 2), f"{target:.1f}x bare", font=small, fill=TARGET)
        y += 8
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else ROOT / "bench" / "results" / "latest.json"
    target = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "perf-chart.png"
    draw(json.loads(source.read_text()), target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
