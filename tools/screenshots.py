"""The README's pictures, made from the built site.

    .venv/bin/python tools/screenshots.py [--dist dist] [--out docs/images]

Each picture is a page opened from disk in Debian's Chromium at a fixed
viewport, with its state fixed in the URL hash, taken once Python has
computed that state (`html[data-engine=python][data-state=ready]`), with
animations off. The PNGs are reduced to a small palette so the repository
stays light; rerun after a change that alters what the pages look like.
"""

from __future__ import annotations

import argparse
import io
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import FloatRect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
READY = "html[data-engine=python][data-state=ready]"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass(frozen=True)
class Shot:
    """One picture: a page in a given state, cut to the part worth showing."""

    name: str
    url: str  # relative to dist/, hash included
    selector: str  # the element whose box is kept, from its top
    max_height: int  # CSS pixels of it kept at most
    width: int = 1280
    height: int = 900
    colours: int = 64  # the palette: the network's two colour scales beside gray need more


SHOTS = (
    Shot("demo", "index.html#kernel=5&stride=2&padding=1&digit=3&step=40", "main", 780, width=1000),
    Shot(
        "receptive",
        "receptive.html#layers=3:1:0:1,3:2:1:2,3:1:1:2&at=3,4&digit=3",
        "[data-testid=widget-receptive] .widget-view",
        520,
        width=1000,
    ),
    Shot(
        "network",
        "network.html#heldout=8&layer=2&at=3,2,2",
        "#layers",
        820,
        width=1000,
        colours=160,
    ),
)


def small_png(png: bytes, colours: int = 64) -> bytes:
    """The screenshot with its colours reduced to a palette: a fraction of the bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    reduced = image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def take(dist: Path, out: Path, shots: Sequence[Shot]) -> list[Path]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for shot in shots:
            context = browser.new_context(
                viewport={"width": shot.width, "height": shot.height},
                device_scale_factor=1,
                reduced_motion="reduce",
            )
            page = context.new_page()
            page.goto((dist / shot.url.split("#")[0]).as_uri() + "#" + shot.url.split("#", 1)[1])
            page.wait_for_selector(READY, timeout=60_000)
            page.evaluate("document.fonts.ready")
            box = page.locator(shot.selector).first.bounding_box()
            assert box is not None, f"{shot.url}: no {shot.selector} on the page"
            clip: FloatRect = {**box, "height": min(box["height"], shot.max_height)}
            png = page.screenshot(clip=clip, full_page=True, animations="disabled")
            path = out / f"{shot.name}.png"
            path.write_bytes(small_png(png, shot.colours))
            written.append(path)
            context.close()
        browser.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="the built site")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    if not (args.dist / "index.html").is_file():
        parser.error(f"{args.dist} holds no built site: run build.py first")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in take(args.dist, args.out, SHOTS):
        shown = path.relative_to(ROOT) if ROOT in path.parents else path
        print(f"{shown}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
