"""The network page's requests (network.html, and the embedded widgets
``classify`` and ``train``).

The worker keeps, between requests: the digits once the page has sent them
(``network_data``), the run being trained (``network_reset``,
``network_train``), the measurement of its held-out accuracy in progress
(``network_measure``), the weights put in use with "Use these weights"
(``network_use``), and the last view, so that picking another pixel
(``network_pick``) needs no forward pass. Every request is short: training,
measuring and looking for a mistake go a slice at a time (see
network_train.py), so a stroke or a pause is answered between two slices.
"""

from __future__ import annotations

import json
import zlib
from array import array
from collections.abc import Sequence
from typing import Any, Final

from network_data import Digits, decode
from network_model import (
    Image,
    copy_of,
    flat,
    kernel_grid,
    pick,
    pytorch_code,
    shape_of,
    shipped,
    view,
)
from network_train import Measurement, Settings, Trainer, first_wrong

from convcore import nn
from convcore.digits import SIDE, fit_digit

MODELS: Final = ("shipped", "trained")
KINDS: Final = ("digit", "heldout", "draw")

_state: dict[str, Any] = {
    "digits": None,  # Digits, once sent
    "trained": None,  # the weights "Use these weights" put in use
    "trainer": None,  # the run
    "measure": None,  # a Measurement in progress, or the last one
    "sample": None,  # the digit whose maps the trainer shows
    "last": None,  # (model, image, outputs) of the last view
}


def _digits() -> Digits:
    digits: Digits | None = _state["digits"]
    if digits is None:
        raise ValueError("the held-out and training digits are not loaded yet (network_data)")
    return digits


def _model(name: str) -> tuple[nn.Sequential, str]:
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}")
    trained = _state["trained"]
    if name == "trained" and trained is not None:
        return trained, "trained"
    return shipped(), "shipped"


def _pixels(pixels: Sequence[float] | None) -> list[list[float]]:
    values = [] if pixels is None else [float(v) for v in pixels]
    if len(values) != SIDE * SIDE:
        raise ValueError(f"pixels must be {SIDE * SIDE} numbers, got {len(values)}")
    return [values[r * SIDE : (r + 1) * SIDE] for r in range(SIDE)]


def _image(kind: str, index: int, pixels: Sequence[float] | None) -> Image:
    """A shipped digit (its values come from the page), a held-out one, or a
    drawing, prepared as ``python -m convcore predict`` prepares a picture."""
    if kind == "digit":
        return [_pixels(pixels)]
    if kind == "heldout":
        digits = _digits()
        if not isinstance(index, int) or not 0 <= index < len(digits.heldout_labels):
            raise ValueError(f"heldout must be from 0 to {len(digits.heldout_labels) - 1}")
        return digits.heldout(index)
    if kind == "draw":
        return [fit_digit(_pixels(pixels))]
    raise ValueError(f"kind must be one of {', '.join(KINDS)}")


def network_view(
    model: str,
    kind: str,
    index: int = 0,
    pixels: Sequence[float] | None = None,
    layer: int | None = None,
    at: object = None,
    code: bool = True,
) -> dict[str, Any]:
    """The model in use on one digit: every layer, the probabilities, the
    prediction, the arithmetic of output ``at`` of ``layer`` and the PyTorch
    code (see network_model.py)."""
    used, source = _model(model)
    image = _image(kind, index, pixels)
    result, outputs = view(used, image)
    _state["last"] = (used, image, outputs)
    result["source"] = source
    result["kernels"] = _kernels(used)
    if layer is not None:
        result["pick"] = pick(used, image, outputs, layer, at)
    if code:
        result["code"] = pytorch_code(used, image)
    return result


def network_pick(layer: int, at: object) -> dict[str, Any]:
    """The arithmetic of another output of the last view."""
    if _state["last"] is None:
        raise ValueError("no view yet: network_view first")
    used, image, outputs = _state["last"]
    return pick(used, image, outputs, layer, at)


def network_data(data: memoryview) -> dict[str, Any]:
    """Read the digits of data/mnist.js (the gzipped bytes, from the page)."""
    digits = decode(bytes(data))
    _state["digits"] = digits
    return {"train": len(digits.train_labels), "heldout": len(digits.heldout_labels)}


def _kernels(model: nn.Sequential) -> list[dict[str, Any]]:
    """Each conv layer's weights, flat, with their shape and picture layout."""
    return [
        {
            "layer": i,
            "shape": list(layer.weight.shape),
            "grid": kernel_grid(layer.weight.shape),
            "values": array("d", layer.weight.data),
        }
        for i, layer in enumerate(model)
        if isinstance(layer, nn.Conv2d)
    ]


def _snapshot(trainer: Trainer) -> dict[str, Any]:
    """The run's learned kernels, and its view of the sample digit."""
    sample, _ = view(trainer.model, _state["sample"])
    return {"kernels": _kernels(trainer.model), "sample": sample}


def network_reset(
    seed: int, widths: list[int], opt: str, lr: float, batch: int, sample: Sequence[float]
) -> dict[str, Any]:
    """A new run from the seed's weights (nothing trained yet)."""
    settings = Settings.checked(seed, widths, opt, lr, batch)
    _state["sample"] = [_pixels(sample)]
    trainer = _state["trainer"] = Trainer(settings)
    _state["measure"] = None
    return {"seen": 0, "steps": 0, **_snapshot(trainer)}


def _trainer() -> Trainer:
    trainer: Trainer | None = _state["trainer"]
    if trainer is None:
        raise ValueError("no run yet: network_reset first")
    return trainer


def network_train(ms: float, until_step: bool = False, snapshot: bool = False) -> dict[str, Any]:
    """One slice of training (see ``Trainer.run``); with ``snapshot`` the
    kernels and the sample's maps as they are after it."""
    trainer = _trainer()
    result = trainer.run(_digits(), min(float(ms), 1000.0), bool(until_step))
    if snapshot:
        result.update(_snapshot(trainer))
    return result


def network_measure(ms: float, start: bool = False) -> dict[str, Any]:
    """One slice of measuring the held-out accuracy; ``start`` begins a new
    measurement of the run's weights as they are now."""
    trainer = _trainer()
    measure: Measurement | None = _state["measure"]
    if start or measure is None:
        measure = _state["measure"] = Measurement(trainer.model, trainer.seen, _digits())
    return measure.run(_digits(), min(float(ms), 1000.0))


def network_use() -> dict[str, Any]:
    """Put the run's weights, as they are now, into the classifier."""
    trainer = _trainer()
    _state["trained"] = copy_of(trainer.model)
    return {"seen": trainer.seen}


def network_weights(model: str = "run") -> str:
    """The weights as JSON (``Sequential.to_dict``; ``convcore.load_model`` reads it):
    the run's, or a model of the classifier's."""
    used = _trainer().model if model == "run" else _model(model)[0]
    return json.dumps(used.to_dict())


def network_mistake(model: str, start: int, checked: int = 0, ms: float = 40) -> dict[str, Any]:
    """A slice of the search for a held-out digit the model gets wrong."""
    used, _ = _model(model)
    return first_wrong(used, _digits(), int(start), int(checked), min(float(ms), 1000.0))


def warmup() -> None:
    """Every request once on a few made-up digits, so the build ships what they import."""
    side = SIDE * SIDE
    header = {"side": SIDE, "table": [0.0, 0.5, 1.0], "train": [1] * 10, "heldout": [1] * 10}
    pixels = bytes((i * 7 + d) % 3 for d in range(20) for i in range(side))
    packer = zlib.compressobj(wbits=31)
    blob = packer.compress(json.dumps(header).encode() + b"\n" + pixels) + packer.flush()
    network_data(memoryview(blob))
    digit = flat(_digits().train(3))
    network_view("shipped", "draw", pixels=digit, layer=0, at=[0, 8, 8])
    for layer, at in enumerate(shape_of(value) for value in _state["last"][2]):
        network_pick(layer, [v // 2 for v in at])
    widths = [w for w in (spec.get("out_channels") for spec in shipped().to_dict()["layers"]) if w]
    network_reset(1, widths, "sgd", 0.01, 2, digit)
    network_train(1, until_step=True, snapshot=True)
    network_measure(1, start=True)
    network_use()
    network_view("trained", "heldout", index=2)
    network_weights()
    network_mistake("trained", 0)


REQUESTS = {
    "network_view": network_view,
    "network_pick": network_pick,
    "network_data": network_data,
    "network_reset": network_reset,
    "network_train": network_train,
    "network_measure": network_measure,
    "network_use": network_use,
    "network_weights": network_weights,
    "network_mistake": network_mistake,
}
