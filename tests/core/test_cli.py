"""python -m convcore: text, JSON, errors and help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from convcore.__main__ import main


def test_shape_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shape", "20", "--kernel", "5", "--stride", "2"]) == 0
    out = capsys.readouterr().out
    assert "output size: 8" in out and "fits exactly: no" in out
    assert "dropped at the far edge: 19" in out
    assert "kernel=4 -> output 9 (distance 1)" in out


def test_shape_two_d_forms_agree(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for argv in (["28", "32"], ["28x32"], ["28,32"]):
        assert main(["shape", *argv, "-k", "5,3", "-p", "same", "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0]["out"] == [28, 32] and outputs[0]["fits"] is True


def test_shape_json_for_no_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shape", "4", "--kernel", "7", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["out"] == 0 and data["fits"] is False and "no output" in data["reason"]
    assert data["fixes"][0] == {"parameter": "padding", "value": 2, "out": 2, "distance": 2}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["shape", "28", "--stride", "0"], "stride=0"),
        (["shape", "28", "--kernel", "abc"], "--kernel"),
        (["shape", "28", "3", "4"], "size"),
        (["shape", "28", "--padding-mode", "mirror"], "padding-mode"),
        (["shape", "5", "--padding", "5", "-m", "reflect"], "reflect"),
        (["rf", "3:x"], "layer"),
        ([], "COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_receptive_field_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rf", "3", "3:2:1", "--input", "28", "--at", "5,5"]) == 0
    out = capsys.readouterr().out
    assert "layer 2: size (5, 5), jump (2, 2), start (-1, -1), output (13, 13)" in out


def test_help_and_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "convcore", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "examples:" in done.stdout and "shape 28" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "convcore", "shape", "28", "-s", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_pool_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pool", "7", "--kernel", "2", "--ceil-mode"]) == 0
    out = capsys.readouterr().out
    assert "output size: 4" in out and "past the padded edge" in out
    assert main(["pool", "7", "--kernel", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["out"] == 3 and data["stride"] == 2 and data["dropped"] == [6]
    assert all(f["parameter"] != "padding" or f["value"] <= 1 for f in data["fixes"])
    assert main(["pool", "28x32", "-k", "3", "-s", "2", "-p", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["out"] == [14, 16]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["pool", "7", "--kernel", "3", "--padding", "2"], "half the kernel"),
        (["pool", "7"], "--kernel"),
        (["pool", "7", "-k", "0"], "kernel_size=0"),
        (["pool", "7", "-k", "2", "-s", "0"], "stride=0"),
        (["predict"], "image"),
    ],
)
def test_pool_and_predict_bad_arguments(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_shape_takes_four_sides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shape", "28", "-k", "4", "-s", "2", "-p", "1,2,1,2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (
        data["size"] == [28, 28] and data["rows"]["padding"] == [1, 2] and data["out"] == [14, 14]
    )
