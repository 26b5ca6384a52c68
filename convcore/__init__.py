"""convcore: an exact, pure-Python 2-D convolution core with PyTorch semantics.

Standard library only, so it runs unchanged in CPython and in Pyodide.

* ``conv2d`` / ``conv_transpose2d``: equal to PyTorch's on float64 data;
* ``output_size``, ``fit``, ``valid_convolution``: shapes and leftovers;
* ``trace`` / ``trace_transpose``: every window, lazily, for animations;
* ``receptive_field``: what one output pixel of a layer stack depends on;
* ``MAX_*``: the work caps every function enforces before doing any work.

Wrong types raise ``TypeError``, wrong values ``ValueError``, each with a
message that says what is allowed.
"""

import importlib
from typing import TYPE_CHECKING, Any

from convcore.conv import conv2d
from convcore.geometry import (
    MAX_FIXES,
    AxisFit,
    Fit2D,
    Fix,
    fit,
    output_size,
    same_padding,
    valid_convolution,
)
from convcore.limits import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_KERNEL,
    MAX_LAYERS,
    MAX_MACS,
    MAX_PADDING,
    MAX_SIDE,
    MAX_STRIDE,
    MAX_VALUES,
)
from convcore.trace import Tap, Trace, Window, trace

if TYPE_CHECKING:
    from convcore.activation import (
        cross_entropy,
        cross_entropy_backward,
        log_softmax,
        relu,
        relu_backward,
        softmax,
    )
    from convcore.backward import conv2d_backward
    from convcore.dense import flatten, linear, linear_backward
    from convcore.digits import crop_centre, digits_model, fit_digit
    from convcore.nn import (
        AvgPool2d,
        Conv2d,
        Flatten,
        Linear,
        MaxPool2d,
        Parameter,
        ReLU,
        Sequential,
        load_model,
        manual_seed,
    )
    from convcore.optim import SGD, Adam
    from convcore.pool import (
        PoolTap,
        PoolTrace,
        PoolWindow,
        avg_pool2d,
        avg_pool2d_backward,
        max_pool2d,
        max_pool2d_backward,
        trace_pool,
    )
    from convcore.receptive import MAX_FIELD, Layer, LayerField, ReceptiveField, receptive_field
    from convcore.train import Evaluation, batches, evaluate, shuffled, train_step
    from convcore.transpose import (
        Scatter,
        Spread,
        TransposeTrace,
        conv_transpose2d,
        trace_transpose,
    )

#: Imported on first use (PEP 562): a program that only convolves, like the
#: demo page's Python, starts without them (in Pyodide that is a third of
#: ``import convcore``, and the network's modules would be more).
_LAZY = {
    **dict.fromkeys(
        ("MAX_FIELD", "Layer", "LayerField", "ReceptiveField", "receptive_field"),
        "convcore.receptive",
    ),
    **dict.fromkeys(
        ("Scatter", "Spread", "TransposeTrace", "conv_transpose2d", "trace_transpose"),
        "convcore.transpose",
    ),
    **dict.fromkeys(
        (
            "PoolTap",
            "PoolTrace",
            "PoolWindow",
            "avg_pool2d",
            "avg_pool2d_backward",
            "max_pool2d",
            "max_pool2d_backward",
            "trace_pool",
        ),
        "convcore.pool",
    ),
    **dict.fromkeys(
        (
            "cross_entropy",
            "cross_entropy_backward",
            "log_softmax",
            "relu",
            "relu_backward",
            "softmax",
        ),
        "convcore.activation",
    ),
    **dict.fromkeys(("flatten", "linear", "linear_backward"), "convcore.dense"),
    "conv2d_backward": "convcore.backward",
    **dict.fromkeys(("crop_centre", "digits_model", "fit_digit"), "convcore.digits"),
    **dict.fromkeys(
        (
            "AvgPool2d",
            "Conv2d",
            "Flatten",
            "Linear",
            "MaxPool2d",
            "Parameter",
            "ReLU",
            "Sequential",
            "load_model",
            "manual_seed",
        ),
        "convcore.nn",
    ),
    **dict.fromkeys(("SGD", "Adam"), "convcore.optim"),
    **dict.fromkeys(
        ("Evaluation", "batches", "evaluate", "shuffled", "train_step"), "convcore.train"
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'convcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.1.0"

__all__ = [
    "MAX_CHANNELS",
    "MAX_DILATION",
    "MAX_FIELD",
    "MAX_FIXES",
    "MAX_KERNEL",
    "MAX_LAYERS",
    "MAX_MACS",
    "MAX_PADDING",
    "MAX_SIDE",
    "MAX_STRIDE",
    "MAX_VALUES",
    "SGD",
    "Adam",
    "AvgPool2d",
    "AxisFit",
    "Conv2d",
    "Evaluation",
    "Fit2D",
    "Fix",
    "Flatten",
    "Layer",
    "LayerField",
    "Linear",
    "MaxPool2d",
    "Parameter",
    "PoolTap",
    "PoolTrace",
    "PoolWindow",
    "ReLU",
    "ReceptiveField",
    "Scatter",
    "Sequential",
    "Spread",
    "Tap",
    "Trace",
    "TransposeTrace",
    "Window",
    "__version__",
    "avg_pool2d",
    "avg_pool2d_backward",
    "batches",
    "conv2d",
    "conv2d_backward",
    "conv_transpose2d",
    "crop_centre",
    "cross_entropy",
    "cross_entropy_backward",
    "digits_model",
    "evaluate",
    "fit",
    "fit_digit",
    "flatten",
    "linear",
    "linear_backward",
    "load_model",
    "log_softmax",
    "manual_seed",
    "max_pool2d",
    "max_pool2d_backward",
    "output_size",
    "receptive_field",
    "relu",
    "relu_backward",
    "same_padding",
    "shuffled",
    "softmax",
    "trace",
    "trace_pool",
    "trace_transpose",
    "train_step",
    "valid_convolution",
]
