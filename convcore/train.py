"""Training a classifier: convcore's seeded shuffle, one optimizer step on a
batch, and accuracy with the confusion counts.

``shuffled`` is Fisher-Yates driven by ``random.Random.getrandbits`` only
(the Mersenne Twister's raw bits), not by ``random.shuffle``, whose way of
drawing is an implementation detail: the same seed gives the same order in
every Python and in Pyodide, so a page and a script see the same batches.
``shifted`` moves a digit by whole pixels (the augmentation the shipped
model was trained with: the values stay exactly the dataset's).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from math import fsum
from typing import Any, TypeVar

from convcore._check import Matrix, check_int, show
from convcore.activation import cross_entropy_grad, log_softmax_of
from convcore.nn import Sequential
from convcore.optim import Optimizer

T = TypeVar("T")


def below(rng: random.Random, n: int) -> int:
    """A uniform int in ``[0, n)`` from raw bits (rejection, no modulo bias)."""
    bits = n.bit_length()
    while True:
        value = rng.getrandbits(bits)
        if value < n:
            return value


def shuffled(items: Sequence[T], rng: random.Random) -> list[T]:
    """A copy of ``items`` in a random order that depends only on ``rng``'s state."""
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, e.g. random.Random(0), got {show(rng)}")
    out = list(items)
    for i in range(len(out) - 1, 0, -1):
        j = below(rng, i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def batches(items: Sequence[T], batch_size: int, rng: random.Random) -> list[list[T]]:
    """``items`` shuffled, then cut into batches of ``batch_size`` (the last may be smaller)."""
    size = check_int("batch_size", batch_size, 1, max(1, len(items)))
    order = shuffled(items, rng)
    return [order[start : start + size] for start in range(0, len(order), size)]


def train_step(
    model: Sequential, optimizer: Optimizer, images: Sequence[object], targets: Sequence[int]
) -> float:
    """One step on one batch: the mean cross-entropy's gradient, then ``optimizer.step()``.

    Each image goes forward and backward on its own (the model holds one at
    a time); their gradients add up in ``Parameter.grad``, each scaled by
    ``1 / len(images)``, which is the gradient of the batch's mean loss.
    Returns that mean loss (before the step).
    """
    if len(images) != len(targets) or not images:
        raise ValueError(
            f"a batch needs as many targets as images, and at least one: got {len(images)} "
            f"images and {len(targets)} targets"
        )
    optimizer.zero_grad()
    scale = 1.0 / len(images)
    losses = []
    for image, target in zip(images, targets, strict=True):
        logits = model.forward(image)
        label = _target(target, len(logits))
        losses.append(-log_softmax_of(logits)[label])
        model.backward(cross_entropy_grad(logits, label, scale))
    optimizer.step()
    return fsum(losses) * scale


def shifted(image: Matrix, rows: int, cols: int) -> Matrix:
    """``image`` moved down ``rows`` and right ``cols`` whole pixels (negative:
    up/left), zeros coming in: the values themselves never change."""
    height, width = len(image), len(image[0])
    blank = [0.0] * width
    moved = []
    for r in range(height):
        source = r - rows
        if not 0 <= source < height:
            moved.append(list(blank))
            continue
        row = image[source]
        if cols >= 0:
            moved.append(blank[:cols] + row[: width - cols])
        else:
            moved.append(row[-cols:] + blank[:-cols])
    return moved


def _target(target: object, classes: int) -> int:
    return check_int("target", target, 0, classes - 1)


@dataclass(frozen=True)
class Evaluation:
    """``accuracy`` = ``correct / count``; ``confusion[true][predicted]`` counts."""

    correct: int
    count: int
    accuracy: float
    confusion: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


def predicted(logits: Sequence[float]) -> int:
    """The class with the largest logit (the first of equals)."""
    return max(range(len(logits)), key=logits.__getitem__)


def evaluate(model: Sequential, images: Sequence[object], targets: Sequence[int]) -> Evaluation:
    """How many images the model classifies right, and what it mistakes for what."""
    if len(images) != len(targets) or not images:
        raise ValueError(f"got {len(images)} images and {len(targets)} targets; give one each")
    first = model.forward(images[0])
    classes = len(first)
    counts = [[0] * classes for _ in range(classes)]
    for index, (image, target) in enumerate(zip(images, targets, strict=True)):
        logits = first if index == 0 else model.forward(image)
        counts[_target(target, classes)][predicted(logits)] += 1
    correct = sum(counts[k][k] for k in range(classes))
    return Evaluation(
        correct=correct,
        count=len(images),
        accuracy=correct / len(images),
        confusion=tuple(tuple(row) for row in counts),
    )
