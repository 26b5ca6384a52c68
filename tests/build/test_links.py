"""Links of the built site: every internal href/src exists, every #anchor
exists in its target page, and pages load nothing from outside the site."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src"}


class Page(HTMLParser):
    """The ids of one page, its links and what it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "link" and "href" in a:
            self.loads.append(a["href"])
        if tag in LOADS and a.get(LOADS[tag]):
            self.loads.append(a[LOADS[tag]])


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


@pytest.fixture(scope="module")
def pages(site_dir: Path) -> dict[str, Page]:
    return {p.name: parse(p) for p in sorted(site_dir.glob("*.html"))}


def test_every_internal_link_and_anchor_exists(site_dir: Path, pages: dict[str, Page]) -> None:
    broken = []
    for name, page in pages.items():
        for url in page.links + page.loads:
            if is_external(url):
                continue
            parts = urlsplit(url)
            target_name = unquote(parts.path) or name
            target = site_dir / target_name
            if not target.is_file():
                broken.append(f"{name}: {url} (no file {target_name})")
                continue
            fragment = unquote(parts.fragment)
            # A fragment with "=" is a widget's state (#widget=receptive&...), not an anchor.
            if not fragment or "=" in fragment or target.suffix != ".html":
                continue
            if fragment not in pages[target.name].ids:
                broken.append(f"{name}: {url} (no id {fragment!r} in {target.name})")
    assert broken == []


def test_pages_load_nothing_from_outside(pages: dict[str, Page]) -> None:
    outside = [
        f"{name}: {url}"
        for name, page in pages.items()
        for url in page.loads
        if is_external(url) and not url.startswith("data:")
    ]
    assert outside == []


def test_the_learning_pages_are_linked_from_every_page(pages: dict[str, Page]) -> None:
    for name in (
        "learn.html",
        "receptive.html",
        "transpose.html",
        "network.html",
        "python.html",
    ):
        assert name in pages
        linking = [n for n, p in pages.items() if name in p.links]
        assert len(linking) >= len(pages) - 1, f"{name} is linked only from {linking}"
