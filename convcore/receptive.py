"""Receptive field of a stack of convolution layers.

Per axis, after layer ``l`` (input = layer 0; zero padding assumed)::

    jump_l  = jump_{l-1} * stride_l              input pixels between neighbouring outputs
    size_l  = size_{l-1} + (kernel_l - 1) * dilation_l * jump_{l-1}
    start_l = start_{l-1} - padding_before_l * jump_{l-1}

with ``jump_0 = size_0 = 1`` and ``start_0 = 0``. ``start`` is an **index**,
not a centre: the input row/column of the *first* (top/left) pixel in the
receptive field of output ``0`` (negative when it lies in the padding); the
centre is ``start + (size - 1) / 2``. Output ``o`` covers ``start + o*jump``
to ``start + o*jump + size - 1``.

The exact set of input pixels one output depends on is computed by walking
back through the layers, so dilation gaps show up. With ``input_size`` it is
clipped layer by layer: a padded cell is a constant zero and passes no
dependency back, exactly like the input gradient in PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from convcore._check import Pair, Quad, check_int, check_padding, check_pair, show
from convcore.geometry import count_windows, no_output_message, resolve_padding
from convcore.limits import MAX_DILATION, MAX_KERNEL, MAX_LAYERS, MAX_SIDE, MAX_STRIDE

MAX_FIELD: Final = 8192
"""Longest receptive field (per axis) whose pixels are listed without ``input_size``."""


@dataclass(frozen=True)
class Layer:
    """One convolution layer: each argument an int or an ``(h, w)`` pair.

    ``padding`` may also be ``(top, bottom, left, right)``, ``"same"``
    (stride 1) or ``"valid"``.
    ``receptive_field`` also takes a mapping with these keys or a tuple
    ``(kernel, stride, padding, dilation)`` (trailing entries optional).
    """

    kernel: int | Pair
    stride: int | Pair = 1
    padding: int | Pair | Quad | str = 0
    dilation: int | Pair = 1


@dataclass(frozen=True)
class LayerField:
    """Receptive field after one layer, ``(height, width)`` pairs.

    ``size``: input pixels covered by one output; ``jump``: input pixels
    between neighbouring outputs; ``start``: input index of the first pixel
    covered by output 0 (an index, not a centre); ``out_size``: the layer's
    output size when ``input_size`` was given, else ``None``.
    """

    size: Pair
    jump: Pair
    start: Pair
    out_size: Pair | None


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of output pixel ``at`` of the last layer.

    ``layers``: one ``LayerField`` per layer; ``at``: the chosen output pixel
    ``(row, col)``; ``input_size``: the clip size or ``None``; ``rows`` and
    ``cols``: the sorted input rows and columns it depends on (the pixels are
    every ``(row, col)`` combination: see ``pixels``). ``size``, ``jump``,
    ``start`` are the last layer's.
    """

    layers: tuple[LayerField, ...]
    at: Pair
    input_size: Pair | None
    rows: tuple[int, ...]
    cols: tuple[int, ...]

    @property
    def size(self) -> Pair:
        return self.layers[-1].size

    @property
    def jump(self) -> Pair:
        return self.layers[-1].jump

    @property
    def start(self) -> Pair:
        return self.layers[-1].start

    @property
    def pixels(self) -> frozenset[Pair]:
        """Every input pixel ``(row, col)`` the output pixel depends on."""
        return frozenset((r, c) for r in self.rows for c in self.cols)

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts/lists/tuples, ready for ``json.dumps``."""
        return asdict(self)


@dataclass(frozen=True)
class _Checked:
    kernel: Pair
    stride: Pair
    pads: tuple[Pair, Pair]
    dilation: Pair


_KEYS = ("kernel", "stride", "padding", "dilation")


def _as_layer(item: object, index: int) -> Layer:
    name = f"layers[{index}]"
    if isinstance(item, Layer):
        return item
    if isinstance(item, Mapping):
        unknown = [k for k in item if k not in _KEYS]
        if unknown or "kernel" not in item:
            raise ValueError(
                f"{name} must have the key 'kernel' and optionally 'stride', 'padding', "
                f"'dilation'; got keys {[show(k) for k in item]}"
            )
        return Layer(**{str(k): v for k, v in item.items()})
    if isinstance(item, (list, tuple)):
        if not 1 <= len(item) <= 4:
            raise ValueError(
                f"{name} as a tuple must be (kernel, stride, padding, dilation) with 1 to 4 "
                f"entries, got {len(item)}"
            )
        return Layer(*item)
    if isinstance(item, int) and not isinstance(item, bool):
        return Layer(item)
    raise TypeError(
        f"{name} must be a convcore.Layer, a mapping or a tuple (kernel, stride, padding, "
        f"dilation), got {show(item)}"
    )


def _check_layer(item: object, index: int) -> _Checked:
    layer = _as_layer(item, index)
    name = f"layers[{index}]"
    kernel = check_pair(f"{name}.kernel", layer.kernel, 1, MAX_KERNEL, "MAX_KERNEL")
    stride = check_pair(f"{name}.stride", layer.stride, 1, MAX_STRIDE, "MAX_STRIDE")
    dilation = check_pair(f"{name}.dilation", layer.dilation, 1, MAX_DILATION, "MAX_DILATION")
    padding = check_padding(f"{name}.padding", layer.padding)
    return _Checked(kernel, stride, resolve_padding(padding, kernel, dilation, stride), dilation)


def _check_layers(layers: object) -> list[_Checked]:
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Iterable):
        raise TypeError(f"layers must be a list of layers, got {show(layers)}")
    items = list(layers) if not isinstance(layers, (list, tuple)) else layers
    if not items:
        raise ValueError("layers is empty: give at least one layer")
    if len(items) > MAX_LAYERS:
        raise ValueError(
            f"layers has {len(items)} layers; at most {MAX_LAYERS} are allowed "
            "(convcore.MAX_LAYERS)"
        )
    return [_check_layer(item, i) for i, item in enumerate(items)]


def _stats(layers: list[_Checked], axis: int) -> list[tuple[int, int, int]]:
    """``(size, jump, start)`` after each layer along ``axis``."""
    size, jump, start = 1, 1, 0
    out = []
    for layer in layers:
        size += (layer.kernel[axis] - 1) * layer.dilation[axis] * jump
        start -= layer.pads[axis][0] * jump
        jump *= layer.stride[axis]
        out.append((size, jump, start))
    return out


def _sizes(layers: list[_Checked], input_size: Pair) -> list[Pair]:
    """Output size after each layer; ``ValueError`` if one has no output."""
    sizes, current = [], input_size
    for index, layer in enumerate(layers):
        dims = []
        for axis, name in enumerate(("height", "width")):
            pads = layer.pads[axis]
            out = count_windows(
                current[axis] + sum(pads),
                layer.kernel[axis],
                layer.stride[axis],
                layer.dilation[axis],
            )
            if out < 1:
                message = no_output_message(
                    name, current[axis], pads, layer.kernel[axis], layer.dilation[axis]
                )
                raise ValueError(f"layers[{index}] gives {message}.")
            dims.append(out)
        current = (dims[0], dims[1])
        sizes.append(current)
    return sizes


def _depends(
    layers: list[_Checked], axis: int, at: int, limits: list[int] | None
) -> tuple[int, ...]:
    """Input indices along ``axis`` that output ``at`` of the last layer reads."""
    positions = {at}
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        stride, before = layer.stride[axis], layer.pads[axis][0]
        offsets = [t * layer.dilation[axis] - before for t in range(layer.kernel[axis])]
        reached = {o * stride + off for o in positions for off in offsets}
        if limits is not None:  # padded cells are constants: no dependency
            reached = {q for q in reached if 0 <= q < limits[index]}
        positions = reached
    return tuple(sorted(positions))


def receptive_field(
    layers: object, at: object = (0, 0), input_size: object = None
) -> ReceptiveField:
    """Receptive field of output pixel ``at`` after a stack of conv layers.

    ``layers``: ``convcore.Layer`` objects, mappings or tuples ``(kernel,
    stride, padding, dilation)``; ``at``: ``(row, col)`` (or one int for
    both) of the last layer's output; ``input_size``: ``(H, W)`` (or an int)
    to clip to a real input, which also checks that every layer has an output
    and that ``at`` exists. Zero padding is assumed. Without ``input_size``
    the field is the unbounded one (coordinates may be negative). See the
    module docstring for ``size``, ``jump`` and ``start``.
    """
    checked = _check_layers(layers)
    sizes: list[Pair] | None = None
    clip: Pair | None = None
    if input_size is not None:
        clip = check_pair("input_size", input_size, 1, MAX_SIDE, "MAX_SIDE")
        sizes = _sizes(checked, clip)
        last = sizes[-1]
        where = check_pair("at", at, 0, MAX_SIDE, "MAX_SIDE")
        for axis, name in enumerate(("row", "column")):
            check_int(f"at ({name})", where[axis], 0, last[axis] - 1)
    else:
        where = check_pair("at", at, 0, MAX_SIDE, "MAX_SIDE")
    stats = [_stats(checked, 0), _stats(checked, 1)]
    fields = tuple(
        LayerField(
            size=(stats[0][i][0], stats[1][i][0]),
            jump=(stats[0][i][1], stats[1][i][1]),
            start=(stats[0][i][2], stats[1][i][2]),
            out_size=None if sizes is None else sizes[i],
        )
        for i in range(len(checked))
    )
    if clip is None and max(fields[-1].size) > MAX_FIELD:
        raise ValueError(
            f"the receptive field spans {show(max(fields[-1].size))} pixels, too many to list "
            f"(at most {MAX_FIELD} without input_size); pass input_size=(H, W) to clip it"
        )
    limits = None
    if clip is not None and sizes is not None:
        limits = [[clip, *sizes][i] for i in range(len(checked))]
    rows = _depends(checked, 0, where[0], None if limits is None else [s[0] for s in limits])
    cols = _depends(checked, 1, where[1], None if limits is None else [s[1] for s in limits])
    return ReceptiveField(layers=fields, at=where, input_size=clip, rows=rows, cols=cols)
