"""The network page's model side: the shipped architecture with other conv
widths, what a model does to one digit (every layer's output, the
probabilities), the arithmetic behind one output of any layer, and the model
as PyTorch code.

Every number is convcore's: ``Sequential.activations`` for the layers,
``trace`` and ``trace_pool`` for a window's arithmetic (their outputs are the
layers' outputs bit for bit), ``softmax`` for the probabilities. The page
only draws them.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Sequence
from functools import cache, reduce
from operator import add
from typing import Any, Final

from convcore import nn
from convcore.activation import softmax_of
from convcore.digits import SIDE, digits_model
from convcore.pool import trace_pool
from convcore.trace import trace
from convcore.train import predicted

WIDTH_RANGE: Final = (1, 16)
"""Conv widths the page trains (each layer's output channels)."""
INPUT_SHAPE: Final = (1, SIDE, SIDE)

Image = list[list[list[float]]]
Value = Any  # a layer's output: an image [C][H][W] or a vector


@cache
def shipped() -> nn.Sequential:
    """``convcore.digits_model()``, loaded once (it keeps its plans per input shape)."""
    return digits_model()


def template() -> list[dict[str, Any]]:
    """The shipped model's layers as ``to_dict`` describes them."""
    layers: list[dict[str, Any]] = shipped().to_dict()["layers"]
    return layers


def shipped_widths() -> tuple[int, ...]:
    return tuple(spec["out_channels"] for spec in template() if spec["type"] == "Conv2d")


def check_widths(widths: object) -> tuple[int, ...]:
    """One width per conv layer of the shipped model, each in ``WIDTH_RANGE``."""
    count = len(shipped_widths())
    low, high = WIDTH_RANGE
    if (
        not isinstance(widths, (list, tuple))
        or len(widths) != count
        or not all(isinstance(w, int) and not isinstance(w, bool) for w in widths)
        or not all(low <= w <= high for w in widths)
    ):
        raise ValueError(f"widths must be {count} whole numbers from {low} to {high}")
    return tuple(widths)


def build(widths: Sequence[int], rng: random.Random) -> nn.Sequential:
    """The shipped architecture with conv layer ``k`` ``widths[k]`` channels
    wide (the next layers' inputs follow), fresh weights drawn from ``rng``
    layer by layer, in order, as the constructors draw them."""
    layers: list[nn.Module] = []
    shape: tuple[int, ...] = INPUT_SHAPE
    width = iter(check_widths(list(widths)))
    for spec in template():
        kind = spec["type"]
        arguments = {k: v for k, v in spec.items() if k != "type"}
        if kind == "Conv2d":
            arguments.update(in_channels=shape[0], out_channels=next(width), rng=rng)
        elif kind == "Linear":
            arguments.update(in_features=shape[0], rng=rng)
        layer = nn.LAYERS[kind](**arguments)
        shape = layer.output_shape(shape)
        layers.append(layer)
    return nn.Sequential(*layers)


def copy_of(model: nn.Sequential) -> nn.Sequential:
    """A model with the same layers and weights, trained on no further."""
    return nn.load_model(model.to_dict())


# ------------------------------------------------------------------- a view

MAX_COLS: Final = 80
"""The most cells a row of a layer's picture holds (its maps then wrap)."""
PICTURE_PX: Final = 440
"""The width a layer's picture aims at, in CSS pixels (cells of 3 to 12 px)."""


def grid(shape: Sequence[int]) -> dict[str, int]:
    """How the page draws a layer's output: an image's channels as maps side
    by side (a gap of one cell between them, ``per_row`` maps a row, the
    rows as even as they can be: 8 maps that fit 7 a row go 4 and 4), a
    vector as rows of ``per_row`` cells; ``cols`` x ``rows`` cells of
    ``cell`` CSS pixels in all. The build draws its first picture from the
    same numbers, so nothing moves when the page redraws it."""
    if len(shape) == 3:
        channels, height, width = shape
        fits = max(1, min(channels, (MAX_COLS + 1) // (width + 1)))
        per_row = math.ceil(channels / math.ceil(channels / fits))
        cols = per_row * (width + 1) - 1
        rows = math.ceil(channels / per_row) * (height + 1) - 1
    else:
        per_row = min(shape[0], MAX_COLS)
        cols, rows = per_row, math.ceil(shape[0] / per_row)
    return {"per_row": per_row, "cols": cols, "rows": rows, "cell": _cell(cols)}


def kernel_grid(shape: Sequence[int]) -> dict[str, int]:
    """A conv layer's weights ``[out][in][kh][kw]`` drawn as ``in`` rows of
    ``out`` kernels (one per output channel), a cell's gap between them."""
    out, inputs, height, width = shape
    cols = out * (width + 1) - 1
    return {"per_row": out, "cols": cols, "rows": inputs * (height + 1) - 1, "cell": _cell(cols)}


def _cell(cols: int) -> int:
    return max(3, min(12, PICTURE_PX // cols))


def shape_of(value: Value) -> list[int]:
    if isinstance(value[0], list):
        return [len(value), len(value[0]), len(value[0][0])]
    return [len(value)]


def flat(value: Value) -> array[float]:
    if isinstance(value[0], list):
        return array("d", (v for channel in value for row in channel for v in row))
    return array("d", value)


def layer_text(layer: nn.Module) -> str:
    """A short title: the layer as torch.nn writes its main arguments."""
    if isinstance(layer, nn.Conv2d):
        k = layer.kernel_size
        size = k[0] if k[0] == k[1] else f"{k[0]}x{k[1]}"
        return f"Conv2d({layer.in_channels}, {layer.out_channels}, {size})"
    if isinstance(layer, nn.Linear):
        return f"Linear({layer.in_features}, {layer.out_features})"
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        k = layer.settings.kernel
        return f"{layer.kind}({k[0] if k[0] == k[1] else f'{k[0]}x{k[1]}'})"
    return f"{layer.kind}()"


def describe(model: nn.Sequential) -> list[dict[str, Any]]:
    """Each layer's type, title and full ``repr``."""
    return [
        {"type": layer.kind, "title": layer_text(layer), "repr": repr(layer)} for layer in model
    ]


def view(model: nn.Sequential, image: Image) -> tuple[dict[str, Any], list[Value]]:
    """What the page shows of ``model`` on ``image`` (``[1][20][20]``): every
    layer's output (flat, with its shape and range), the logits, the softmax
    probabilities and the predicted class; and the outputs themselves."""
    outputs = model.activations(image)
    logits = outputs[-1]
    layers = []
    for value in outputs:
        values = flat(value)
        shape = shape_of(value)
        layers.append(
            {
                "shape": shape,
                "grid": grid(shape),
                "values": values,
                "low": min(values),
                "high": max(values),
            }
        )
    result = {
        "input": flat(image),
        "input_grid": grid(shape_of(image)),
        "layers": layers,
        "logits": array("d", logits),
        "probabilities": array("d", softmax_of(logits)),
        "prediction": predicted(logits),
        "model": describe(model),
    }
    return result, outputs


# ------------------------------------------------------- one output's arithmetic


def check_at(at: object, shape: Sequence[int]) -> tuple[int, ...]:
    """``at`` (``[ch, r, c]`` in an image, ``[i]`` in a vector) clamped into ``shape``."""
    if not isinstance(at, (list, tuple)) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in at
    ):
        raise ValueError("at must be whole numbers: [channel, row, column], or [index]")
    if len(at) != len(shape):
        at = [0] * len(shape) if len(at) < len(shape) else at[-len(shape) :]
    return tuple(min(max(v, 0), size - 1) for v, size in zip(at, shape, strict=True))


def _value(value: Value, at: tuple[int, ...]) -> float:
    if len(at) == 3:
        found: float = value[at[0]][at[1]][at[2]]
        return found
    vector: float = value[at[0]]
    return vector


def _conv(layer: nn.Conv2d, below: Image, at: tuple[int, ...]) -> dict[str, Any]:
    channel, row, col = at
    windows = trace(
        below,
        layer.weight.tolist(),
        None if layer.bias is None else layer.bias.data,
        layer.stride,
        layer.padding,
        layer.dilation,
        layer.groups,
        layer.padding_mode,
        out_channel=channel,
    )
    window = windows[windows.step_of(channel, row, col)]
    taps = window.taps
    return {
        "kind": "conv",
        "kernel": list(layer.kernel_size),
        "channels": sorted({tap.in_channel for tap in taps}),
        "weights": array("d", (tap.weight for tap in taps)),
        "values": array("d", (tap.value for tap in taps)),
        "products": array("d", (tap.product for tap in taps)),
        "padding": [1 if tap.is_padding else 0 for tap in taps],
        "sum": window.sum,
        "bias": window.bias,
        "output": window.output,
        "cells": [[tap.in_channel, *tap.source] for tap in taps if tap.source is not None],
    }


def _pool(layer: nn.MaxPool2d | nn.AvgPool2d, below: Image, at: tuple[int, ...]) -> dict[str, Any]:
    channel, row, col = at
    s = layer.settings
    windows = trace_pool(
        below, s.kind, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode,
        s.count_include_pad, s.divisor_override, channel=channel,
    )  # fmt: skip
    window = windows[row * windows.out_size[1] + col]
    taps = window.taps
    winners = [i for i, tap in enumerate(taps) if tap.winner]
    return {
        "kind": s.kind,
        "kernel": list(s.kernel),
        "channels": [channel],
        "values": array("d", (tap.value for tap in taps)),
        "padding": [1 if tap.is_padding else 0 for tap in taps],
        "winner": winners[0] if winners else -1,
        "divisor": window.divisor,
        # avg_pool2d adds the window left to right (so does trace_pool): not fsum
        "sum": reduce(add, (tap.value for tap in taps)) if s.kind == "avg" else None,
        "output": window.output,
        "cells": [[channel, *tap.input] for tap in taps if not tap.is_padding],
    }


def _linear(layer: nn.Linear, below: Value, index: int, layout: list[int]) -> dict[str, Any]:
    width = layer.in_features
    weights = layer.weight.data[index * width : (index + 1) * width]
    products = [w * v for w, v in zip(weights, below, strict=True)]
    total = math.fsum(products)  # convcore's linear: one correctly rounded dot product
    bias = None if layer.bias is None else layer.bias.data[index]
    channels, height, columns = layout if len(layout) == 3 else (1, 1, width)
    return {
        "kind": "linear",
        "kernel": [height, columns],
        "channels": list(range(channels)),
        "weights": array("d", weights),
        "values": array("d", below),
        "products": array("d", products),
        "padding": [0] * width,
        "sum": total,
        "bias": bias,
        "output": total if bias is None else total + bias,
        "cells": [[i] for i in range(width)],
    }


def pick(
    model: nn.Sequential, image: Image, outputs: list[Value], layer: int, at: object
) -> dict[str, Any]:
    """The arithmetic of output ``at`` of layer ``layer`` (0-based, as in the
    state_dict's names), and the cells it read on the layer below (``-1``:
    the input). ``at`` is clamped into the layer's output; the answer says
    where it landed."""
    if not isinstance(layer, int) or isinstance(layer, bool):
        raise ValueError("layer must be a whole number")
    index = min(max(layer, 0), len(model) - 1)
    module, out = model[index], outputs[index]
    below = image if index == 0 else outputs[index - 1]
    where = check_at(at, shape_of(out))
    if isinstance(module, nn.Conv2d):
        found = _conv(module, below, where)
    elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        found = _pool(module, below, where)
    elif isinstance(module, nn.Linear):
        before = image if index < 2 else outputs[index - 2]
        layout = shape_of(before) if isinstance(model[index - 1], nn.Flatten) else []
        found = _linear(module, below, where[0], layout)
    elif isinstance(module, nn.Flatten):
        _, height, width = shape_of(below)
        channel, rest = divmod(where[0], height * width)
        source = [channel, *divmod(rest, width)]
        found = {"kind": "flatten", "value": _value(below, tuple(source)), "cells": [source]}
    else:
        found = {"kind": "relu", "value": _value(below, where), "cells": [list(where)]}
    found.setdefault("output", _value(out, where))
    return {"layer": index, "at": list(where), "below": index - 1, **found}


# ------------------------------------------------------------------- PyTorch


def _pair(value: tuple[int, int]) -> str:
    return repr(tuple(value))


def torch_layer(layer: nn.Module) -> str:
    """The ``torch.nn`` constructor that computes what ``layer`` computes."""
    if isinstance(layer, nn.Conv2d):
        padding = layer.padding
        if not isinstance(padding, str) and len(padding) != 2:
            raise ValueError(f"{layer!r}: torch.nn.Conv2d has no padding on four sides")
        return (
            f"nn.Conv2d({layer.in_channels}, {layer.out_channels}, "
            f"kernel_size={_pair(layer.kernel_size)}, stride={_pair(layer.stride)}, "
            f"padding={padding!r}, dilation={_pair(layer.dilation)}, groups={layer.groups}, "
            f"bias={layer.bias is not None}, padding_mode={layer.padding_mode!r})"
        )
    if isinstance(layer, nn.Linear):
        return (
            f"nn.Linear({layer.in_features}, {layer.out_features}, bias={layer.bias is not None})"
        )
    if isinstance(layer, nn.MaxPool2d):
        s = layer.settings
        return (
            f"nn.MaxPool2d(kernel_size={_pair(s.kernel)}, stride={_pair(s.stride)}, "
            f"padding={_pair(s.padding)}, dilation={_pair(s.dilation)}, ceil_mode={s.ceil_mode})"
        )
    if isinstance(layer, nn.AvgPool2d):
        s = layer.settings
        return (
            f"nn.AvgPool2d(kernel_size={_pair(s.kernel)}, stride={_pair(s.stride)}, "
            f"padding={_pair(s.padding)}, ceil_mode={s.ceil_mode}, "
            f"count_include_pad={s.count_include_pad}, divisor_override={s.divisor_override})"
        )
    if isinstance(layer, nn.Flatten):
        return "nn.Flatten()"  # a batch (1, C, H, W) -> (1, C*H*W), as convcore flattens one image
    return "nn.ReLU()"


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(float(value))


def pytorch_code(model: nn.Sequential, image: Image) -> str:
    """A runnable script: the model as ``nn.Sequential`` in float64 with these
    weights, run on this input; its ``logits`` are the page's."""
    layers = ",\n".join(f"    {torch_layer(layer)}" for layer in model)
    weights = ",\n".join(
        f"    {name!r}: {_literal(value)}" for name, value in model.state_dict().items()
    )
    pixels = _literal([v for channel in image for row in channel for v in row])
    channels, height, width = shape_of(image)
    return (
        "import torch\n"
        "from torch import nn\n"
        "\n"
        f"model = nn.Sequential(\n{layers},\n).double()\n"
        f"weights = {{\n{weights},\n}}\n"
        "model.load_state_dict({name: torch.tensor(value, dtype=torch.float64) "
        "for name, value in weights.items()})\n"
        "\n"
        "# the input the page shows\n"
        f"x = torch.tensor({pixels}, dtype=torch.float64)"
        f".reshape(1, {channels}, {height}, {width})\n"
        "logits = model(x)[0]\n"
        "print(torch.softmax(logits, dim=0))  # the page's probabilities\n"
    )
