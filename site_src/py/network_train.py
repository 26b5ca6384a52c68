"""Training in the page, in slices: the worker answers one request at a
time, so a request that trained for seconds would keep the page from
classifying a stroke or pausing. The page asks for ``SLICE_MS``-long
slices; between two, anything else it asks is answered.

A run is reproducible from its settings alone. Seed ``s``:
``rng = random.Random(s)``; the model is ``network_model.build(widths,
rng)`` (each layer draws its weights from ``rng`` in order); each epoch
shuffles with ``convcore.batches(range(N), batch, rng)`` when it starts; each
batch is one ``convcore.train_step`` (Adam, or SGD with momentum
``MOMENTUM``, at ``lr``). A slice may stop inside a batch: it adds the
gradients of the images it reached (``convcore.train.add_gradient``, what
``train_step`` does image by image) and steps the optimizer when the batch is
complete, so the weights are those of ``train_step``, bit for bit.

Held-out accuracy is measured on a fixed subset (every ``EVERY``-th held-out
digit: 50 of each class), on a copy of the weights taken when the
measurement starts, also in slices, interleaved with training.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from math import fsum
from typing import Any, Final

from network_data import Digits
from network_model import build, check_widths, copy_of

from convcore import nn
from convcore.optim import SGD, Adam, Optimizer
from convcore.train import add_gradient, batches, evaluate, predicted

SLICE_MS: Final = 40
"""The longest slice the page asks for (it stops at the first image past it)."""
MOMENTUM: Final = 0.9
EVERY: Final = 4
"""Held-out digits 0, 4, 8, ...: 500 of the 2,000, 50 of each class."""
LR_RANGE: Final = (1e-5, 1.0)
BATCH_RANGE: Final = (1, 64)
SEED_RANGE: Final = (0, 2**32 - 1)
OPTIMIZERS: Final = ("adam", "sgd")
DEFAULTS: Final = {"seed": 1, "opt": "adam", "lr": 0.01, "batch": 16}
"""A fresh run's settings (its widths are the shipped model's): chosen so a
run reaches 90% held-out within 90 s in the page (docs/performance.md)."""


@dataclass(frozen=True)
class Settings:
    """What a run depends on (the page's ``seed``, ``widths``, ``opt``, ``lr``, ``batch``)."""

    seed: int
    widths: tuple[int, ...]
    opt: str
    lr: float
    batch: int

    @classmethod
    def checked(
        cls, seed: object, widths: object, opt: object, lr: object, batch: object
    ) -> Settings:
        def whole(name: str, value: object, limits: tuple[int, int]) -> int:
            low, high = limits
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}")
            return value

        if opt not in OPTIMIZERS:
            raise ValueError(f"opt must be one of {', '.join(OPTIMIZERS)}")
        if (
            isinstance(lr, bool)
            or not isinstance(lr, (int, float))
            or not LR_RANGE[0] <= lr <= LR_RANGE[1]
        ):
            raise ValueError(f"lr must be a number from {LR_RANGE[0]} to {LR_RANGE[1]}")
        return cls(
            seed=whole("seed", seed, SEED_RANGE),
            widths=check_widths(widths),
            opt=str(opt),
            lr=float(lr),
            batch=whole("batch", batch, BATCH_RANGE),
        )

    def optimizer(self, model: nn.Sequential) -> Optimizer:
        if self.opt == "adam":
            return Adam(model.parameters(), lr=self.lr)
        return SGD(model.parameters(), lr=self.lr, momentum=MOMENTUM)


class Trainer:
    """One run: the model, its optimizer and where it is in its epoch."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.model = build(settings.widths, self.rng)
        self.optimizer = settings.optimizer(self.model)
        self.seen = 0  # images of completed steps
        self.steps = 0
        self.epoch = 0
        self._order: list[list[int]] = []  # this epoch's batches still to come
        self._batch: list[int] = []  # the batch in progress
        self._losses: list[float] = []  # its images' losses so far

    def __repr__(self) -> str:
        return f"Trainer({self.settings}, seen={self.seen}, steps={self.steps})"

    def _next_batch(self, digits: Digits) -> None:
        if not self._order:
            self._order = batches(range(len(digits.train_labels)), self.settings.batch, self.rng)
            self.epoch += 1
        self._batch = self._order.pop(0)
        self._losses = []
        self.optimizer.zero_grad()

    def run(self, digits: Digits, ms: float, until_step: bool) -> dict[str, Any]:
        """Train for about ``ms`` milliseconds (stopping at the first image
        past them), or, with ``until_step``, until the next optimizer step
        (whichever comes first). Returns the losses of the steps completed."""
        clock = time.perf_counter
        start = clock()
        deadline = start + ms / 1000
        losses: list[float] = []
        seen_at: list[int] = []
        labels = digits.train_labels
        while True:
            if not self._batch:
                self._next_batch(digits)
            batch = self._batch
            scale = 1.0 / len(batch)
            index = batch[len(self._losses)]
            self._losses.append(add_gradient(self.model, digits.train(index), labels[index], scale))
            if len(self._losses) == len(batch):
                self.optimizer.step()
                losses.append(fsum(self._losses) * scale)
                self.seen += len(batch)
                self.steps += 1
                seen_at.append(self.seen)
                self._batch = []
                if until_step:
                    break
            if clock() >= deadline:
                break
        return {
            "losses": losses,
            "seen_at": seen_at,
            "seen": self.seen,
            "steps": self.steps,
            "epoch": self.epoch,
            "pending": len(self._losses) if self._batch else 0,
            "ms": (clock() - start) * 1000,
        }


class Measurement:
    """Held-out accuracy of a copy of the weights, measured a slice at a time."""

    def __init__(self, model: nn.Sequential, seen: int, digits: Digits) -> None:
        self.model = copy_of(model)
        self.seen = seen
        self.indices = range(0, len(digits.heldout_labels), EVERY)
        self.done = 0
        self.correct = 0

    def __repr__(self) -> str:
        return f"Measurement(seen={self.seen}, {self.done}/{len(self.indices)})"

    @property
    def finished(self) -> bool:
        return self.done == len(self.indices)

    def run(self, digits: Digits, ms: float) -> dict[str, Any]:
        clock = time.perf_counter
        deadline = clock() + ms / 1000
        labels = digits.heldout_labels
        while not self.finished:
            index = self.indices[self.done]
            found = evaluate(self.model, [digits.heldout(index)], [labels[index]])
            self.correct += found.correct
            self.done += 1
            if clock() >= deadline:
                break
        return {
            "seen": self.seen,
            "done": self.done,
            "count": len(self.indices),
            "correct": self.correct,
            "accuracy": self.correct / self.done if self.finished else None,
        }


def first_wrong(
    model: nn.Sequential, digits: Digits, start: int, checked: int, ms: float
) -> dict[str, Any]:
    """The first held-out digit from ``start`` on (wrapping around) that the
    model gets wrong: ``{"found": index}``; when ``ms`` ran out first,
    ``{"next": index, "checked": n}`` to go on from (``n`` digits checked in
    all, counting the ``checked`` of earlier calls); ``{"none": True}`` once
    every held-out digit was checked."""
    clock = time.perf_counter
    deadline = clock() + ms / 1000
    count = len(digits.heldout_labels)
    index = start % count
    while checked < count:
        if predicted(model.forward(digits.heldout(index))) != digits.heldout_labels[index]:
            return {"found": index}
        index, checked = (index + 1) % count, checked + 1
        if clock() >= deadline:
            return {"next": index, "checked": checked}
    return {"none": True}
