"""The worker checks the wheel against the lock with crypto.subtle, or, where
the page is not a secure context, with its own SHA-256: that one must agree
with hashlib on every padding boundary and on the real wheel."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("sha256_check.mjs")


def test_worker_sha256_matches_hashlib(tmp_path: Path, site_dir: Path) -> None:
    node = shutil.which("node")
    assert node, "node 20 is needed (the build needs it too)"
    files = []
    for size in (0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 65537):
        path = tmp_path / f"data-{size}"
        path.write_bytes(bytes((i * 31 + 7) % 256 for i in range(size)))
        files.append(path)
    files += sorted((site_dir / "wheels").glob("*.whl"))
    result = subprocess.run(
        [node, str(SCRIPT), *map(str, files)], capture_output=True, text=True, check=True
    )
    digests = result.stdout.split()
    assert digests == [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
