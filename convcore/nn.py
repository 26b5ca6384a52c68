"""Layers and ``Sequential``: a small CNN with ``torch.nn``'s names.

``Conv2d``, ``ReLU``, ``MaxPool2d``, ``AvgPool2d``, ``Flatten`` and
``Linear`` take ``torch.nn``'s constructor arguments and start from
PyTorch's default initialisation ranges (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
for weights and biases), drawn from a seeded ``random.Random``: the ``rng``
keyword, or convcore's default generator (``manual_seed`` reseeds it, like
``torch.manual_seed``). The numbers differ from PyTorch's (another
generator); the ranges are the same.

A ``Sequential`` runs one image at a time (``[C][H][W]`` in, whatever the
last layer gives out). ``forward`` checks the input once and the layers'
shapes and work caps once per input shape, then runs the layers without
checking again; it keeps what each layer read, so that ``backward`` can add
every parameter's gradient to ``Parameter.grad`` (summed over calls, like
``torch``'s ``.grad``, until the optimizer's ``zero_grad``). ``state_dict``
is keyed like ``nn.Sequential``'s (``"0.weight"``, ``"0.bias"``, ...), and
``to_dict`` / ``load_model`` hold the architecture too, so a model with other
widths, trained anywhere, loads here.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from math import fsum
from operator import add
from os import PathLike
from typing import Any, ClassVar, Final

from convcore._check import (
    Matrix,
    check_bool,
    check_int,
    check_mode,
    check_padding,
    check_pair,
    image_like,
    probe_image,
    probe_shape,
    probe_vector,
    show,
    to_blocks,
    to_image,
    to_numbers,
)
from convcore.backward import channel_taps, conv_forward, patch_grads
from convcore.dense import linear_grads, linear_of
from convcore.geometry import resolve_padding
from convcore.limits import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_KERNEL,
    MAX_LAYERS,
    MAX_STRIDE,
    MAX_VALUES,
)
from convcore.padding import check_mode_padding
from convcore.plan import check_groups, check_out_size, check_work
from convcore.pool import (
    PoolSettings,
    avg_grad,
    avg_sums,
    check_pool,
    divisors,
    max_grad,
    max_of,
    max_taps,
    pool_work,
)
from convcore.windows import Grid, grid

Shape = tuple[int, ...]  # (C, H, W) for an image, (N,) for a vector
Value = Any  # an image [C][H][W] (list[Matrix]) or a vector (list[float])

FORMAT: Final = "convcore.Sequential"
VERSION: Final = 1

_default_rng = random.Random(0)


def manual_seed(seed: int) -> None:
    """Reseed the generator layers draw their initial weights from (no ``rng``)."""
    _default_rng.seed(check_int("seed", seed, 0, 2**64 - 1))


class Parameter:
    """A weight tensor: ``data`` and ``grad`` are flat lists in row-major
    order of ``shape`` (``grad`` is ``None`` until a backward pass)."""

    __slots__ = ("data", "grad", "shape")

    def __init__(self, shape: Shape, data: list[float]) -> None:
        self.shape = shape
        self.data = data
        self.grad: list[float] | None = None

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape})"

    def tolist(self) -> Any:
        """The data nested like ``shape`` (what ``torch.Tensor.tolist`` gives)."""
        return _nest(self.data, self.shape)

    def accumulate(self, grad: list[float]) -> None:
        """Add ``grad`` to ``self.grad`` (``grad`` becomes it when there is none)."""
        self.grad = grad if self.grad is None else list(map(add, self.grad, grad))


def _nest(flat: list[float], shape: Shape) -> Any:
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0]
    return [_nest(flat[i : i + step], shape[1:]) for i in range(0, len(flat), step)]


def _init(shape: Shape, rng: random.Random | None, bound: float) -> Parameter:
    """``U(-bound, bound)`` values drawn in row-major order."""
    source = _default_rng if rng is None else rng
    return Parameter(shape, [source.uniform(-bound, bound) for _ in range(math.prod(shape))])


def _kaiming_bound(fan_in: int) -> float:
    """PyTorch's ``kaiming_uniform_(a=sqrt(5))`` bound, in its own arithmetic
    (about ``1/sqrt(fan_in)``)."""
    gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
    return math.sqrt(3.0) * (gain / math.sqrt(fan_in))


def _check_rng(rng: object) -> random.Random | None:
    if rng is None or isinstance(rng, random.Random):
        return rng
    raise TypeError(f"rng must be a random.Random or None, got {show(rng)}")


class Module:
    """What every layer has; the ``_`` methods are ``Sequential``'s fast path."""

    kind: ClassVar[str] = "Module"

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        return []

    def to_dict(self) -> dict[str, Any]:
        """The constructor's arguments (JSON-ready), with ``"type"``."""
        return {"type": self.kind}

    def output_shape(self, shape: Shape) -> Shape:
        """The output shape for an input shape; ``ValueError`` if it does not fit."""
        raise NotImplementedError

    def forward(self, x: object) -> Value:
        """This layer alone on ``x`` (checked like ``Sequential.forward``)."""
        return Sequential(self).forward(x)

    def __call__(self, x: object) -> Value:
        return self.forward(x)

    def _run(self, x: Value) -> tuple[Value, Any]:
        """``(output, what backward needs)`` for a checked input."""
        raise NotImplementedError

    def _back(self, grad: Value, saved: Any, need_x: bool) -> Value | None:
        """Add parameter gradients; the input's gradient if ``need_x``."""
        raise NotImplementedError


def _image(shape: Shape, layer: Module) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ValueError(
            f"{layer!r} needs an image [C][H][W], but gets a vector of {shape[0]} numbers; "
            f"put it before Flatten"
        )
    return shape[0], shape[1], shape[2]


class Conv2d(Module):
    """``torch.nn.Conv2d``: see ``convcore.conv2d`` for the arguments."""

    kind = "Conv2d"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.in_channels = check_int("in_channels", in_channels, 1, MAX_CHANNELS, "MAX_CHANNELS")
        self.out_channels = check_int("out_channels", out_channels, 1, MAX_CHANNELS, "MAX_CHANNELS")
        self.kernel_size = check_pair("kernel_size", kernel_size, 1, MAX_KERNEL, "MAX_KERNEL")
        self.stride = check_pair("stride", stride, 1, MAX_STRIDE, "MAX_STRIDE")
        self.padding = check_padding("padding", padding)
        self.dilation = check_pair("dilation", dilation, 1, MAX_DILATION, "MAX_DILATION")
        self.groups = check_groups(
            groups, self.in_channels, self.out_channels, "in_channels and out_channels"
        )
        self.padding_mode = check_mode(padding_mode)
        self._pads = resolve_padding(self.padding, self.kernel_size, self.dilation, self.stride)
        generator = _check_rng(rng)
        per_group = self.in_channels // self.groups
        fan_in = per_group * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, per_group, *self.kernel_size)
        self.weight = _init(shape, generator, _kaiming_bound(fan_in))
        self.bias = None
        if check_bool("bias", bias):
            self.bias = _init((self.out_channels,), generator, 1 / math.sqrt(fan_in))
        self._grids: dict[tuple[int, int], Grid] = {}

    def __repr__(self) -> str:
        extra = ""
        if self.padding != (0, 0):
            extra += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            extra += f", dilation={self.dilation}"
        if self.groups != 1:
            extra += f", groups={self.groups}"
        if self.bias is None:
            extra += ", bias=False"
        if self.padding_mode != "zeros":
            extra += f", padding_mode={self.padding_mode!r}"
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}{extra})"
        )

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        return [("weight", self.weight)] + ([] if self.bias is None else [("bias", self.bias)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": self.padding if isinstance(self.padding, str) else list(self.padding),
            "dilation": list(self.dilation),
            "groups": self.groups,
            "bias": self.bias is not None,
            "padding_mode": self.padding_mode,
        }

    def _grid(self, size: tuple[int, int]) -> Grid:
        found = self._grids.get(size)
        if found is None:
            for axis, name in enumerate(("height", "width")):
                check_mode_padding(
                    name, size[axis], *self._pads[axis], self.padding_mode, f"the input {name}"
                )
            out = check_out_size(size, self._pads, self.kernel_size, self.stride, self.dilation)
            found = grid(
                size, self._pads, self.kernel_size, self.stride, self.dilation, out,
                self.padding_mode,
            )  # fmt: skip
            self._grids[size] = found
        return found

    def output_shape(self, shape: Shape) -> Shape:
        channels, height, width = _image(shape, self)
        if channels != self.in_channels:
            raise ValueError(
                f"{self!r} takes {self.in_channels} input channel(s) but gets {channels}"
            )
        out_h, out_w = self._grid((height, width)).out_size
        values = self.out_channels * out_h * out_w
        check_work(values * math.prod(self.weight.shape[1:]), values, "this layer's output")
        return self.out_channels, out_h, out_w

    def _filters(self) -> list[list[float]]:
        data = self.weight.data
        size = len(data) // self.out_channels
        return [data[start : start + size] for start in range(0, len(data), size)]

    def _run(self, x: list[Matrix]) -> tuple[list[Matrix], Any]:
        g = self._grid((len(x[0]), len(x[0][0])))
        taps = [channel_taps(g, channel) for channel in x]
        bias = None if self.bias is None else self.bias.data
        out = conv_forward(g, taps, self._filters(), bias, self.groups)
        return [g.rows_of(channel) for channel in out], (g, taps)

    def _back(self, grad: list[Matrix], saved: Any, need_x: bool) -> list[Matrix] | None:
        g, taps = saved
        grids = [g.grid_of(channel) for channel in grad]
        grad_x, grad_filters = patch_grads(g, taps, self._filters(), grids, self.groups, need_x)
        self.weight.accumulate([v for f in grad_filters for v in f])
        if self.bias is not None:
            self.bias.accumulate([fsum(channel) for channel in grids])
        return grad_x


class Linear(Module):
    """``torch.nn.Linear``: ``y = weight @ x + bias`` on a vector."""

    kind = "Linear"

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, *,
        rng: random.Random | None = None,
    ) -> None:  # fmt: skip
        self.in_features = check_int("in_features", in_features, 1, MAX_VALUES, "MAX_VALUES")
        self.out_features = check_int("out_features", out_features, 1, MAX_VALUES, "MAX_VALUES")
        check_work(self.in_features * self.out_features, self.in_features * self.out_features,
                   "the weight")  # fmt: skip
        generator = _check_rng(rng)
        bound = 1 / math.sqrt(self.in_features)
        self.weight = _init(
            (self.out_features, self.in_features), generator, _kaiming_bound(self.in_features)
        )
        self.bias = (
            _init((self.out_features,), generator, bound) if check_bool("bias", bias) else None
        )

    def __repr__(self) -> str:
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None})"
        )

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        return [("weight", self.weight)] + ([] if self.bias is None else [("bias", self.bias)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
        }

    def output_shape(self, shape: Shape) -> Shape:
        if len(shape) != 1:
            raise ValueError(
                f"{self!r} needs a vector, but gets an image {'x'.join(map(str, shape))}; "
                f"put Flatten() before it"
            )
        if shape[0] != self.in_features:
            raise ValueError(
                f"{self!r} takes {self.in_features} numbers but gets {shape[0]}; "
                f"use in_features={shape[0]}"
            )
        return (self.out_features,)

    def _rows(self) -> Matrix:
        data, width = self.weight.data, self.in_features
        return [data[start : start + width] for start in range(0, len(data), width)]

    def _run(self, x: list[float]) -> tuple[list[float], Any]:
        return linear_of(x, self._rows(), None if self.bias is None else self.bias.data), x

    def _back(self, grad: list[float], saved: Any, need_x: bool) -> list[float] | None:
        grad_x, grad_weight = linear_grads(grad, saved, self._rows(), need_x)
        self.weight.accumulate(grad_weight)
        if self.bias is not None:
            self.bias.accumulate(list(grad))
        return grad_x


def _relu_values(x: Value) -> Value:
    if isinstance(x[0], list):
        return [_relu_values(part) for part in x]
    return [v if v >= 0.0 else 0.0 for v in x]  # -0.0 stays -0.0, as in PyTorch


def _relu_grads(grad: Value, x: Value) -> Value:
    if isinstance(x[0], list):
        return [_relu_grads(g, part) for g, part in zip(grad, x, strict=True)]
    return [g if v > 0.0 else 0.0 for g, v in zip(grad, x, strict=True)]


class ReLU(Module):
    """``torch.nn.ReLU``: ``max(x, 0)`` elementwise, on an image or a vector."""

    kind = "ReLU"

    def __repr__(self) -> str:
        return "ReLU()"

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def _run(self, x: Value) -> tuple[Value, Any]:
        return _relu_values(x), x

    def _back(self, grad: Value, saved: Any, need_x: bool) -> Value | None:
        return _relu_grads(grad, saved) if need_x else None


class Flatten(Module):
    """``torch.nn.Flatten``: an image ``[C][H][W]`` to its ``C*H*W`` values, row-major.

    Only the defaults ``start_dim=1, end_dim=-1`` exist here: a network sees
    one image at a time, so "everything but the batch" is everything.
    """

    kind = "Flatten"

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        if (start_dim, end_dim) != (1, -1) or isinstance(start_dim, bool):
            raise ValueError(
                f"Flatten(start_dim={show(start_dim)}, end_dim={show(end_dim)}): convcore "
                f"flattens a whole image, so only start_dim=1, end_dim=-1 are allowed"
            )

    def __repr__(self) -> str:
        return "Flatten(start_dim=1, end_dim=-1)"

    def output_shape(self, shape: Shape) -> Shape:
        return (math.prod(shape),)

    def _run(self, x: Value) -> tuple[Value, Any]:
        if not isinstance(x[0], list):
            return x, None
        return [v for channel in x for row in channel for v in row], (len(x[0]), len(x[0][0]))

    def _back(self, grad: Value, saved: Any, need_x: bool) -> Value | None:
        if not need_x or saved is None:
            return grad if need_x else None
        height, width = saved
        rows = [grad[start : start + width] for start in range(0, len(grad), width)]
        return [rows[start : start + height] for start in range(0, len(rows), height)]


class _Pool(Module):
    """What max and average pooling layers share: settings and grids per input size."""

    settings: PoolSettings

    def _setup(self, settings: PoolSettings) -> None:
        self.settings = settings
        self._grids: dict[tuple[int, int], Grid] = {}

    def _grid(self, size: tuple[int, int]) -> Grid:
        found = self._grids.get(size)
        if found is None:
            found = self._grids[size] = self.settings.grid(size)
        return found

    def output_shape(self, shape: Shape) -> Shape:
        channels, height, width = _image(shape, self)
        g = self._grid((height, width))
        pool_work(self.settings, channels, g)
        return channels, *g.out_size

    def _arguments(self) -> dict[str, Any]:
        s = self.settings

        def short(pair: tuple[int, int]) -> int | tuple[int, int]:
            return pair[0] if pair[0] == pair[1] else pair

        return {"kernel_size": short(s.kernel), "stride": short(s.stride),
                "padding": short(s.padding)}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **self._arguments()}


class MaxPool2d(_Pool):
    """``torch.nn.MaxPool2d``: see ``convcore.max_pool2d``."""

    kind = "MaxPool2d"

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        ceil_mode: bool = False,
    ) -> None:
        self._setup(
            check_pool("max", kernel_size, stride, padding, dilation, ceil_mode, True, None)
        )

    def _arguments(self) -> dict[str, Any]:
        s = self.settings
        dilation = s.dilation[0] if s.dilation[0] == s.dilation[1] else s.dilation
        return {**super()._arguments(), "dilation": dilation, "ceil_mode": s.ceil_mode}

    def __repr__(self) -> str:
        return "MaxPool2d(" + ", ".join(f"{k}={v}" for k, v in self._arguments().items()) + ")"

    def _run(self, x: list[Matrix]) -> tuple[list[Matrix], Any]:
        g = self._grid((len(x[0]), len(x[0][0])))
        saved = []
        out = []
        for channel in x:
            taps = max_taps(g, channel)
            top = max_of(taps)
            saved.append((taps, top))
            out.append(g.rows_of(top))
        return out, (g, saved)

    def _back(self, grad: list[Matrix], saved: Any, need_x: bool) -> list[Matrix] | None:
        if not need_x:
            return None
        g, per_channel = saved
        return [
            max_grad(g, taps, top, g.grid_of(channel))
            for (taps, top), channel in zip(per_channel, grad, strict=True)
        ]


class AvgPool2d(_Pool):
    """``torch.nn.AvgPool2d``: see ``convcore.avg_pool2d``."""

    kind = "AvgPool2d"

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        self._setup(
            check_pool(
                "avg", kernel_size, stride, padding, 1, ceil_mode, count_include_pad,
                divisor_override,
            )
        )  # fmt: skip

    def _arguments(self) -> dict[str, Any]:
        s = self.settings
        return {
            **super()._arguments(),
            "ceil_mode": s.ceil_mode,
            "count_include_pad": s.count_include_pad,
            "divisor_override": s.divisor_override,
        }

    def __repr__(self) -> str:
        args = super()._arguments()
        return "AvgPool2d(" + ", ".join(f"{k}={v}" for k, v in args.items()) + ")"

    def _divisors(self, g: Grid) -> list[float]:
        return divisors(g, self.settings.count_include_pad, self.settings.divisor_override)

    def _run(self, x: list[Matrix]) -> tuple[list[Matrix], Any]:
        g = self._grid((len(x[0]), len(x[0][0])))
        divisor = self._divisors(g)
        out = [g.rows_of([s / d for s, d in zip(avg_sums(g, c), divisor, strict=True)]) for c in x]
        return out, g

    def _back(self, grad: list[Matrix], saved: Any, need_x: bool) -> list[Matrix] | None:
        if not need_x:
            return None
        divisor = self._divisors(saved)
        return [avg_grad(saved, saved.grid_of(channel), divisor) for channel in grad]


LAYERS: Final[dict[str, type[Module]]] = {
    layer.kind: layer for layer in (Conv2d, ReLU, MaxPool2d, AvgPool2d, Flatten, Linear)
}


# ------------------------------------------------------------------ Sequential


@dataclass(frozen=True)
class _Plan:
    """The shapes a ``Sequential`` passes through for one input shape."""

    shapes: tuple[Shape, ...]  # the input's, then each layer's output


class Sequential:
    """``torch.nn.Sequential`` for one image at a time (see the module doc)."""

    def __init__(self, *layers: Module) -> None:
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        if len(layers) > MAX_LAYERS:
            raise ValueError(
                f"Sequential has {len(layers)} layers; at most {MAX_LAYERS} are allowed "
                f"(convcore.MAX_LAYERS)"
            )
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"layer {index} must be a convcore layer ({', '.join(LAYERS)}), "
                    f"got {show(layer)}"
                )
        self.layers: tuple[Module, ...] = layers
        self._plans: dict[Shape, _Plan] = {}
        self._saved: list[Any] | None = None
        self._out_shape: Shape = ()

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    # ---------------------------------------------------------------- running

    def _plan(self, shape: Shape) -> _Plan:
        plan = self._plans.get(shape)
        if plan is None:
            shapes = [shape]
            for index, layer in enumerate(self.layers):
                try:
                    shapes.append(layer.output_shape(shapes[-1]))
                except ValueError as error:
                    raise ValueError(f"layer {index}: {error}") from None
            plan = self._plans[shape] = _Plan(tuple(shapes))
        return plan

    def _check_input(self, x: object) -> tuple[Value, Shape]:
        """``x`` as floats: an image ``[C][H][W]``, or a vector if the first
        layer takes one."""
        if isinstance(self.layers[0], Linear):
            length = probe_vector("x", x)
            return to_numbers(x, "x", length), (length,)
        shape = probe_image("x", x)
        return to_image(x, "x", shape), shape

    def _run(self, x: object, keep: bool) -> list[Value]:
        value, shape = self._check_input(x)
        plan = self._plan(shape)
        outputs: list[Value] = []
        saved: list[Any] = []
        for layer in self.layers:
            value, kept = layer._run(value)
            saved.append(kept)
            if keep:
                outputs.append(value)
        self._saved, self._out_shape = saved, plan.shapes[-1]
        return outputs if keep else [value]

    def forward(self, x: object) -> Value:
        """The last layer's output for one input (an image ``[C][H][W]``)."""
        return self._run(x, keep=False)[0]

    __call__ = forward

    def activations(self, x: object) -> list[Value]:
        """Every layer's output, in order (the last one is ``forward``'s)."""
        return self._run(x, keep=True)

    def backward(self, grad_output: object, input_grad: bool = False) -> Value | None:
        """Add every parameter's gradient for the last ``forward`` to its ``grad``.

        ``grad_output`` is the gradient of the loss with respect to that
        forward's output (for a classifier, one row of
        ``cross_entropy_backward``). Returns the gradient with respect to the
        input when ``input_grad`` (a saliency map), else ``None`` (and skips
        computing it).
        """
        if self._saved is None:
            raise ValueError("backward needs a forward first: call forward(x), then backward")
        grad, wanted = self._check_grad(grad_output), check_bool("input_grad", input_grad)
        saved = self._saved
        for index in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[index]._back(grad, saved[index], index > 0 or wanted)
        return grad

    def _check_grad(self, grad_output: object) -> Value:
        shape = self._out_shape
        if len(shape) == 1:
            length = probe_vector("grad_output", grad_output)
            if length != shape[0]:
                raise ValueError(
                    f"grad_output has {length} numbers but the output has {shape[0]}; pass "
                    f"the gradient of forward's output"
                )
            return to_numbers(grad_output, "grad_output", length)
        return image_like("grad_output", grad_output, (shape[0], shape[1], shape[2]),
                          "forward's output")  # fmt: skip

    # ------------------------------------------------------------- parameters

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """``("0.weight", p), ("0.bias", p), ...`` like ``nn.Sequential``."""
        return [
            (f"{index}.{name}", p)
            for index, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``)."""
        for p in self.parameters():
            p.grad = None

    def state_dict(self) -> dict[str, Any]:
        """Each parameter as nested lists, keyed like ``nn.Sequential.state_dict()``."""
        return {name: p.tolist() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: object) -> None:
        """Replace every parameter by the same key's values (nested lists, or
        anything with ``tolist()``, such as a torch tensor); the keys must be
        exactly ``state_dict()``'s and every shape must match."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict must be a dict of nested lists, got {show(state_dict)}")
        named = dict(self.named_parameters())
        missing = sorted(set(named) - set(state_dict))
        unexpected = sorted(str(k) for k in set(state_dict) - set(named))
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not fit this model: missing keys {missing}, unexpected keys "
                f"{unexpected[:10]}; expected exactly {sorted(named)}"
            )
        loaded = {name: _load(name, state_dict[name], p.shape) for name, p in named.items()}
        for name, p in named.items():
            p.data, p.grad = loaded[name], None

    def to_dict(self) -> dict[str, Any]:
        """The architecture and the weights, ready for ``json.dumps``
        (``load_model`` makes the same model from it)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "layers": [layer.to_dict() for layer in self.layers],
            "state_dict": self.state_dict(),
        }


def _load(name: str, value: object, shape: Shape) -> list[float]:
    """A nested list of exactly ``shape`` as flat floats (errors name the key)."""
    axes = tuple(f"axis-{i} entry" for i in range(len(shape)))
    found = probe_shape(name, value, axes, tuple((MAX_VALUES, "MAX_VALUES") for _ in axes))
    if found != shape:
        raise ValueError(f"{name} has shape {found} but this model's {name} has shape {shape}")
    blocks = [value]
    for size in shape[:-1]:
        blocks = [item for block in blocks for item in to_blocks(block, name, (), size)]
    return [v for row in blocks for v in to_numbers(row, name, shape[-1])]


def load_model(path_or_dict: object) -> Sequential:
    """A ``Sequential`` from ``Sequential.to_dict()``'s dict, or a JSON file of it.

    The dict holds ``"layers"`` (each ``{"type": "Conv2d", ...constructor
    arguments}``) and ``"state_dict"``; other keys (``"meta"``) are kept out.
    """
    if isinstance(path_or_dict, (str, PathLike)):
        try:
            with open(path_or_dict, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as error:
            raise ValueError(f"cannot read the model file {str(path_or_dict)!r}: {error}") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"the model file is not JSON: {error}") from None
    else:
        data = path_or_dict
    if not isinstance(data, Mapping):
        raise TypeError(f"a model is a dict (Sequential.to_dict()) or a path, got {show(data)}")
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(
            f"not a convcore model: expected format {FORMAT!r} version {VERSION}, got "
            f"{show(data.get('format'))} version {show(data.get('version'))}"
        )
    specs = data.get("layers")
    if not isinstance(specs, Sequence) or isinstance(specs, str):
        raise TypeError(f"the model's layers must be a list, got {show(specs)}")
    model = Sequential(*(_layer(spec, i) for i, spec in enumerate(specs)))
    model.load_state_dict(data.get("state_dict"))
    return model


def _layer(spec: object, index: int) -> Module:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("type"), str):
        raise TypeError(f"layers[{index}] must be a dict with a 'type', got {show(spec)}")
    layer = LAYERS.get(spec["type"])
    if layer is None:
        raise ValueError(
            f"layers[{index}] has type {show(spec['type'])}; convcore knows {', '.join(LAYERS)}"
        )
    arguments = {str(k): v for k, v in spec.items() if k != "type"}
    try:
        return layer(**arguments)
    except TypeError as error:
        raise TypeError(f"layers[{index}] ({spec['type']}): {error}") from None
    except ValueError as error:
        raise ValueError(f"layers[{index}] ({spec['type']}): {error}") from None
