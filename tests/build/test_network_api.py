"""The network page's Python (site_src/py/network_*.py) on the host: the
digits it reads back are the desktop's, every number it shows is convcore's,
its sliced training gives train_step's weights, and its PyTorch code gives
its logits in torch."""

from __future__ import annotations

import base64
import json
import random
import re
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import build
import convcore
from convcore.digits import mnist_split

SITE_SRC = Path(__file__).resolve().parents[2] / "site_src"
for folder in (SITE_SRC, SITE_SRC / "py"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import network_api  # noqa: E402  (site_src/py is on sys.path only from here)
import network_data  # noqa: E402
import network_model  # noqa: E402
import network_train  # noqa: E402

Split = tuple[list[Any], list[int], list[Any], list[int]]


@pytest.fixture(scope="module")
def split(repo_root: Path) -> Split:
    return mnist_split(repo_root / "node_modules" / "mnist" / "src" / "digits")


@pytest.fixture(scope="module")
def digits(split: Split) -> network_data.Digits:
    return network_data.decode(build.mnist_payload(split))


@pytest.fixture
def fresh(digits: network_data.Digits) -> Iterator[None]:
    """The worker's state as a page leaves it once it has sent the digits."""
    saved = dict(network_api._state)
    network_api._state["digits"] = digits
    yield
    network_api._state.clear()
    network_api._state.update(saved)


def test_the_shipped_digits_read_back_as_the_desktops_floats(
    split: Split, digits: network_data.Digits, site_dir: Path
) -> None:
    train, train_labels, held, held_labels = split
    assert digits.train_labels == tuple(train_labels)
    assert digits.heldout_labels == tuple(held_labels)
    assert len(held) == 2000
    assert all(digits.train(i) == [image] for i, image in enumerate(train))
    assert all(digits.heldout(i) == [image] for i, image in enumerate(held))
    # ...and so do those of the file the build wrote
    script = (site_dir / "data" / "mnist.js").read_text()
    found = re.fullmatch(r'window\.CONVCORE_MNIST = "([A-Za-z0-9+/=]+)";\n', script)
    assert found is not None
    shipped = network_data.decode(base64.b64decode(found.group(1)))
    assert shipped == digits


def blob_of(pixels: bytes) -> bytes:
    """One 1x1 training digit of a one-value table, then ``pixels``."""
    header = {"side": 1, "table": [0.0], "train": [1] + [0] * 9, "heldout": [0] * 10}
    return build.gzip_bytes(json.dumps(header).encode() + b"\n" + pixels)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"not gzip", "damaged"),
        (build.gzip_bytes(b'{"side": 20}'), "description"),
        (build.gzip_bytes(b'{"side": 2, "table": [0.0], "train": [1], "heldout": []}\n'), "10"),
        (blob_of(b""), "hold 0 pixels, not 1 digits"),
        (blob_of(b"\x01"), "past the end"),
    ],
)
def test_damaged_digits_are_refused(blob: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        network_data.decode(blob)


def test_the_view_is_the_shipped_models(digits: network_data.Digits, fresh: None) -> None:
    model = convcore.digits_model()
    for index in (0, 1, 999, 1999):
        image = digits.heldout(index)
        answer = network_api.network_view("shipped", "heldout", index=index, code=False)
        outputs = model.activations(image)
        assert [list(layer["values"]) for layer in answer["layers"]] == [
            list(network_model.flat(out)) for out in outputs
        ]
        assert list(answer["logits"]) == outputs[-1]
        assert list(answer["probabilities"]) == convcore.softmax(outputs[-1])
        assert answer["prediction"] == max(range(10), key=outputs[-1].__getitem__)
        assert answer["source"] == "shipped"
    # no trained weights in use: the shipped model answers
    assert network_api.network_view("trained", "heldout", index=5)["source"] == "shipped"


def test_a_drawing_is_prepared_as_predict_prepares_a_picture(fresh: None) -> None:
    levels = [[0.0] * 20 for _ in range(20)]
    for r in range(3, 9):
        levels[r][2] = 1.0
        levels[r][3] = 0.5
    pixels = [v for row in levels for v in row]
    answer = network_api.network_view("shipped", "draw", pixels=pixels, code=False)
    prepared = convcore.fit_digit(levels)
    assert list(answer["input"]) == [v for row in prepared for v in row]
    assert list(answer["logits"]) == convcore.digits_model().forward([prepared])


def every_output(shape: list[int]) -> Iterator[list[int]]:
    if len(shape) == 1:
        yield from ([i] for i in range(shape[0]))
        return
    for c in range(shape[0]):
        for r in range(shape[1]):
            for col in range(shape[2]):
                yield [c, r, col]


def test_every_outputs_arithmetic_gives_that_output(
    digits: network_data.Digits, fresh: None
) -> None:
    """Bit for bit, for every output of every layer of the shipped model."""
    answer = network_api.network_view("shipped", "heldout", index=7, code=False)
    for layer, shown in enumerate(answer["layers"]):
        values = list(shown["values"])
        for n, at in enumerate(every_output(shown["shape"])):
            found = network_api.network_pick(layer, at)
            assert found["at"] == at
            assert found["output"] == values[n], (layer, at)


def test_a_conv_pixel_is_the_trace_and_a_pool_pixel_the_pool_trace(
    digits: network_data.Digits, fresh: None
) -> None:
    model = convcore.digits_model()
    image = digits.heldout(42)
    outputs = model.activations(image)
    network_api.network_view("shipped", "heldout", index=42, code=False)
    conv = model[0]
    assert isinstance(conv, convcore.Conv2d)
    assert conv.bias is not None
    windows = convcore.trace(
        image, conv.weight.tolist(), conv.bias.data, conv.stride, conv.padding, out_channel=2
    )
    window = windows[windows.step_of(2, 5, 9)]
    found = network_api.network_pick(0, [2, 5, 9])
    assert list(found["weights"]) == [t.weight for t in window.taps]
    assert list(found["values"]) == [t.value for t in window.taps]
    assert list(found["products"]) == [t.product for t in window.taps]
    assert (found["sum"], found["bias"], found["output"]) == (
        window.sum,
        window.bias,
        window.output,
    )
    (sr, sc), pads = conv.stride, conv.padding
    assert isinstance(pads, tuple)
    pr, pc = pads[0], pads[-1]
    inside = [(5 * sr - pr + a, 9 * sc - pc + b) for a in range(5) for b in range(5)]
    assert found["cells"] == [[0, r, c] for r, c in inside if 0 <= r < 20 and 0 <= c < 20]
    assert found["padding"] == [0 if 0 <= r < 20 and 0 <= c < 20 else 1 for r, c in inside]
    pool = convcore.trace_pool(outputs[1], "max", 2, channel=3)[2 * 5 + 4]
    found = network_api.network_pick(2, [3, 2, 4])
    assert list(found["values"]) == [t.value for t in pool.taps]
    assert found["winner"] == [t.winner for t in pool.taps].index(True)
    assert found["output"] == pool.output == outputs[2][3][2][4]
    assert found["cells"] == [[3, 4, 8], [3, 4, 9], [3, 5, 8], [3, 5, 9]]
    # out of range: clamped, and the answer says where
    assert network_api.network_pick(99, [9, -4, 77])["at"] == [9]
    assert network_api.network_pick(0, [9, -4, 77])["at"] == [7, 0, 9]


def run_on_host(
    settings: network_train.Settings, digits: network_data.Digits, steps: int
) -> convcore.Sequential:
    """The documented recipe, with convcore's train_step."""
    rng = random.Random(settings.seed)
    model = network_model.build(settings.widths, rng)
    optimizer = settings.optimizer(model)
    done = 0
    while done < steps:
        for batch in convcore.batches(range(len(digits.train_labels)), settings.batch, rng):
            if done == steps:
                break
            images = [digits.train(i) for i in batch]
            convcore.train_step(model, optimizer, images, [digits.train_labels[i] for i in batch])
            done += 1
    return model


@pytest.mark.parametrize(("opt", "batch", "steps"), [("adam", 3, 4), ("sgd", 5, 3)])
def test_training_in_slices_gives_train_steps_weights(
    digits: network_data.Digits, opt: str, batch: int, steps: int
) -> None:
    settings = network_train.Settings.checked(7, [3, 5], opt, 0.01, batch)
    trainer = network_train.Trainer(settings)
    while trainer.steps < steps:
        trainer.run(digits, 0.0, until_step=False)  # a slice of one image
    assert trainer.seen == steps * batch
    host = run_on_host(settings, digits, steps)
    assert trainer.model.state_dict() == host.state_dict()


def test_an_epoch_boundary_reshuffles_as_the_recipe_does(digits: network_data.Digits) -> None:
    count = len(digits.train_labels)
    small = network_data.Digits(
        digits.side,
        digits.table,
        digits.pixels[: 10 * 400] + digits.pixels[count * 400 :],
        (0,) * 10,
        digits.heldout_labels,
    )
    settings = network_train.Settings.checked(3, [2, 2], "adam", 0.02, 4)
    trainer = network_train.Trainer(settings)
    for _ in range(5):  # 3 batches an epoch (4, 4, 2)
        trainer.run(small, 1000.0, until_step=True)
    assert trainer.epoch == 2
    assert trainer.model.state_dict() == run_on_host(settings, small, 5).state_dict()


def test_held_out_accuracy_is_evaluate_on_every_fourth(digits: network_data.Digits) -> None:
    model = convcore.digits_model()
    measure = network_train.Measurement(model, 123, digits)
    while not measure.finished:
        found = measure.run(digits, 0.0)
    subset = range(0, 2000, 4)
    expected = convcore.evaluate(
        model, [digits.heldout(i) for i in subset], [digits.heldout_labels[i] for i in subset]
    )
    assert found == {
        "seen": 123,
        "done": 500,
        "count": 500,
        "correct": expected.correct,
        "accuracy": expected.accuracy,
    }


def test_a_mistake_is_the_first_wrong_digit_from_where_it_starts(
    digits: network_data.Digits,
) -> None:
    model = convcore.digits_model()

    def wrong(i: int) -> bool:
        logits = model.forward(digits.heldout(i))
        return max(range(10), key=logits.__getitem__) != digits.heldout_labels[i]

    expected = next(i for i in range(1500, 4000) if wrong(i % 2000)) % 2000
    answer: dict[str, Any] = {"next": 1500, "checked": 0}
    while "next" in answer:
        answer = network_train.first_wrong(model, digits, answer["next"], answer["checked"], 0.0)
    assert answer == {"found": expected}


def test_the_pytorch_code_gives_the_pages_logits(digits: network_data.Digits, fresh: None) -> None:
    torch = pytest.importorskip("torch")
    answer = network_api.network_view("shipped", "heldout", index=1234)
    names: dict[str, Any] = {}
    exec(answer["code"], names)
    logits = names["logits"].tolist()
    assert logits == pytest.approx(list(answer["logits"]), rel=1e-9, abs=1e-12)
    assert names["x"].dtype == torch.float64
    assert "print(torch.softmax" in answer["code"]


def test_use_and_download_the_runs_weights(digits: network_data.Digits, fresh: None) -> None:
    sample = array("d", [0.0] * 400)
    first = network_api.network_reset(5, [2, 3], "adam", 0.01, 2, sample)
    assert first["seen"] == 0
    assert [k["shape"] for k in first["kernels"]] == [[2, 1, 5, 5], [3, 2, 3, 3]]
    fresh_weights = json.loads(network_api.network_weights())
    again = network_api.network_reset(5, [2, 3], "adam", 0.01, 2, sample)
    assert list(again["kernels"][0]["values"]) == list(first["kernels"][0]["values"])
    network_api.network_train(1000, until_step=True)
    trained = json.loads(network_api.network_weights())
    assert trained["state_dict"] != fresh_weights["state_dict"]
    assert convcore.load_model(trained).state_dict() == trained["state_dict"]
    network_api.network_use()
    network_api.network_train(1000, until_step=True)  # the weights in use stay as they were
    view = network_api.network_view("trained", "heldout", index=3, code=False)
    assert view["source"] == "trained"
    assert list(view["logits"]) == convcore.load_model(trained).forward(digits.heldout(3))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seed": -1}, "seed"),
        ({"widths": [4]}, "widths"),
        ({"widths": [4, 99]}, "widths"),
        ({"opt": "rmsprop"}, "opt"),
        ({"lr": 0.0}, "lr"),
        ({"lr": True}, "lr"),
        ({"batch": 65}, "batch"),
    ],
)
def test_bad_settings_are_refused(change: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"seed": 1, "widths": [4, 8], "opt": "adam", "lr": 0.01, "batch": 8}
    with pytest.raises(ValueError, match=message):
        network_train.Settings.checked(**{**settings, **change})


def test_bad_requests_say_what_is_wrong(fresh: None) -> None:
    network_api._state["digits"] = None
    with pytest.raises(ValueError, match="not loaded"):
        network_api.network_view("shipped", "heldout", index=3)
    with pytest.raises(ValueError, match="400 numbers"):
        network_api.network_view("shipped", "digit", pixels=[0.0] * 399)
    with pytest.raises(ValueError, match="model must be"):
        network_api.network_view("mine", "digit", pixels=[0.0] * 400)
    with pytest.raises(ValueError, match="kind must be"):
        network_api.network_view("shipped", "photo", pixels=[0.0] * 400)
    with pytest.raises(ValueError, match="at must be"):
        network_api.network_view("shipped", "digit", pixels=[0.0] * 400, layer=0, at="3,4")
