"""The README and docs/: every link points somewhere, and every contract name
the tests use is written down in docs/contract.md.

The contract doc is the single source for outside checks; a test that starts
relying on a test id or an accessible name the doc does not list fails here,
so the doc cannot fall behind the suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
CONTRACT = ROOT / "docs" / "contract.md"

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
# How the tests name test ids and accessible names.
TEST_ID = re.compile(r"""get_by_test_id\(\s*(f?)["']([^"']+)["']|data-testid=["']?([\w{}-]+)""")
LABEL = re.compile(r"""get_by_label\(\s*["']([^"']+)["']""")
# Placeholders the contract writes in capitals (weight-R-C, pad-MODE, cell-ID, ...).
PLACEHOLDER = re.compile(r"\b(?:R|C|N|ID|NAME|MODE|CLASS)\b")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.M)}


def links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_points_somewhere(doc: Path) -> None:
    broken = []
    for url in links(doc):
        if re.match(r"[a-z]+:", url):
            continue  # http(s), mailto: outside the repository, not checked offline
        target, _, fragment = url.partition("#")
        path = (doc.parent / target).resolve() if target else doc
        if not path.exists():
            broken.append(f"{url}: no {path.relative_to(ROOT) if ROOT in path.parents else path}")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{url}: no heading #{fragment} in {path.name}")
    assert broken == []


def test_readme_links_every_doc() -> None:
    linked = {(ROOT / url.partition("#")[0]).resolve() for url in links(ROOT / "README.md")}
    missing = [p.name for p in DOCS if p.parent.name == "docs" and p.resolve() not in linked]
    assert missing == [], "docs a newcomer cannot reach from the README in one click"


def contract_names() -> tuple[set[str], list[re.Pattern[str]]]:
    """The contract's code spans: literal names, and patterns for those with placeholders."""
    text = CONTRACT.read_text(encoding="utf-8")
    names = set(re.findall(r"`([^`]+)`", text)) | set(re.findall(r'"([^"]+)"', text))
    names |= set(re.findall(r"data-testid=([\w-]+)", text))
    patterns = []
    for name in names:
        ranged = re.sub(r"(\d+)\.\.(\d+)", r"[\1-\2]", re.escape(name).replace(r"\.\.", ".."))
        generic = PLACEHOLDER.sub("[A-Za-z0-9_]+", ranged)
        if generic != re.escape(name):
            patterns.append(re.compile(generic + "$"))
    return names, patterns


def used_by_tests() -> tuple[set[str], set[str]]:
    ids: set[str] = set()
    labels: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for is_f, literal, bare in TEST_ID.findall(text):
            name = literal or bare
            if is_f or "{" in name:
                name = re.sub(r"\{[^}]*\}", "N", name)
            ids.add(name)
        labels.update(LABEL.findall(text))
    return ids, labels


def documented(name: str, names: set[str], patterns: list[re.Pattern[str]]) -> bool:
    if name in names or any(p.match(name) for p in patterns):
        return True
    # Filters 2 and 3 repeat filter 1's ids with -f1 / -f2 (see the contract).
    base = re.sub(r"-f[12](?=-|$)", "", name)
    return base != name and documented(base, names, patterns)


def test_every_test_id_the_tests_use_is_in_the_contract() -> None:
    names, patterns = contract_names()
    ids, _ = used_by_tests()
    assert len(ids) > 40, "the pattern no longer finds the tests' test ids"
    missing = sorted(i for i in ids if not documented(i, names, patterns))
    assert missing == [], f"test ids used by tests but missing from {CONTRACT.name}"


def test_every_accessible_name_the_tests_use_is_in_the_contract() -> None:
    names, patterns = contract_names()
    _, labels = used_by_tests()
    assert labels, "the pattern no longer finds the tests' labels"
    missing = sorted(n for n in labels if not documented(n, names, patterns))
    assert missing == [], f"accessible names used by tests but missing from {CONTRACT.name}"


def test_a_placeholder_matches_only_its_own_shape() -> None:
    names, patterns = contract_names()
    assert documented("weight-2-1", names, patterns)
    assert documented("weight-f1-0-2", names, patterns)
    assert not documented("weight-row", names, patterns)
    assert not documented("no-such-test-id-anywhere", names, patterns)
