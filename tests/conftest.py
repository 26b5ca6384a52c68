"""Fixtures shared by every test folder: the repository root and a built site.

The site is built once per session into a temporary folder (or taken from
CONVCORE_DIST when set, to iterate on browser tests without rebuilding).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import build  # noqa: E402  (the repository root is on sys.path only from here)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """dist/ built by build.py, once per test session."""
    prebuilt = os.environ.get("CONVCORE_DIST")
    if prebuilt:
        yield Path(prebuilt).resolve()
        return
    out = tmp_path_factory.mktemp("site") / "dist"
    assert build.main(["--out", str(out)]) == 0, "build.py failed"
    yield out
