"""The wheel in dist/wheels/ installs offline into a fresh virtual environment,
with no dependencies, and gives a working command line and API."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.core.helpers import png_bytes


@pytest.fixture(scope="module")
def installed(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The venv's python, with only the wheel installed into it."""
    (wheel,) = (site_dir / "wheels").glob("convcore-*-py3-none-any.whl")
    env_dir = tmp_path_factory.mktemp("wheel") / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    command = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Run outside the repository so its own convcore/ cannot be imported instead.
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_cli_help_and_a_shape(installed: Path, tmp_path: Path) -> None:
    help_text = run(installed, "-m", "convcore", "--help", cwd=tmp_path)
    assert help_text.returncode == 0, help_text.stderr
    assert "shape" in help_text.stdout and "rf" in help_text.stdout
    shape = run(
        installed, "-m", "convcore", "shape", "28", "-k", "5", "-s", "2", "--json", cwd=tmp_path
    )
    assert shape.returncode == 0, shape.stderr
    result = json.loads(shape.stdout)
    assert result["out"] == 12 and result["fits"] is False and result["dropped"] == [27]


def test_the_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = (
        "import convcore, json; print(json.dumps([convcore.__file__, "
        "convcore.output_size(20, 3, stride=2, padding=1), "
        "convcore.conv2d([[[1.0, 2.0], [3.0, 4.0]]], [[[[1.0, 1.0], [1.0, 1.0]]]])]))"
    )
    out = run(installed, "-c", code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    where, size, conv = json.loads(out.stdout)
    assert "site-packages" in where and str(installed.parent.parent) in where
    assert size == 10 and conv == [[[10.0]]]
    listed = run(installed, "-m", "pip", "list", "--format=json", cwd=tmp_path).stdout
    names = {p["name"].lower() for p in json.loads(listed)} - {"pip", "setuptools"}
    assert names == {"convcore"}  # nothing else came with it


def test_the_shipped_model_comes_with_the_wheel(installed: Path, tmp_path: Path) -> None:
    """digits_model() reads its JSON from the installed package, and predict uses it."""
    code = (
        "import convcore, json; m = convcore.digits_model(); "
        "print(json.dumps([len(m), m.forward([[[0.0] * 20] * 20]).__len__()]))"
    )
    out = run(installed, "-c", code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [7, 10]
    picture = tmp_path / "one.png"
    stroke = [[0] * 9, *([[0] * 4 + [255] + [0] * 4] * 12), [0] * 9]  # a "1"
    picture.write_bytes(png_bytes(stroke, 1, [0] * len(stroke)))
    done = run(installed, "-m", "convcore", "predict", str(picture), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["probabilities"]) == 10 and result["predicted"] == 1
