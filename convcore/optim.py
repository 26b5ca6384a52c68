"""``SGD`` (with momentum) and ``Adam``, step for step ``torch.optim``'s.

Both take a list of ``Parameter`` (``model.parameters()``), move each
``data`` by its ``grad`` on ``step()`` (parameters without a gradient are
left alone, as in PyTorch) and forget the gradients on ``zero_grad()``. The
update formulas are written the way ``torch.optim``'s single-tensor code
computes them (the same operations in the same order), so ten steps agree
with PyTorch's to far better than 1e-9.

SGD, with ``buf`` starting as the first gradient::

    buf = momentum * buf + grad          (momentum > 0)
    data = data - lr * buf               (or - lr * grad without momentum)

Adam, at step ``t`` (from 1)::

    m = m + (1 - beta1) * (grad - m)     (torch's lerp)
    v = beta2 * v + (1 - beta2) * grad * grad
    data = data - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import cast

from convcore._check import show
from convcore.nn import Parameter


def _parameters(params: object) -> list[Parameter]:
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"params must be a list of Parameters (model.parameters()), got {show(params)}"
        )
    found = list(params)
    if not found:
        raise ValueError("params is empty: an optimizer needs at least one Parameter")
    for index, p in enumerate(found):
        if not isinstance(p, Parameter):
            raise TypeError(f"params[{index}] must be a convcore Parameter, got {show(p)}")
    return found


def _number(name: str, value: object, low: float, high: float) -> float:
    """A finite real number in ``[low, high]`` (PyTorch's ranges; ``high`` a sanity cap)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {show(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int past float's range
        number = -math.inf if cast(float, value) < 0 else math.inf
    if not low <= number <= high:  # also refuses NaN
        nearest = low if math.isnan(number) else min(max(number, low), high)
        raise ValueError(
            f"{name}={show(number)} is out of range. Allowed: {low} to {high}. "
            f"Nearest valid value: {nearest}."
        )
    return number


class Optimizer:
    """What both optimizers share: the parameters and ``zero_grad``."""

    def __init__(self, params: object) -> None:
        self.params = _parameters(params)

    def zero_grad(self) -> None:
        """Forget every gradient (``grad = None``, PyTorch's default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """``torch.optim.SGD(params, lr, momentum)`` (no dampening, weight decay or Nesterov)."""

    def __init__(self, params: object, lr: float, momentum: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _number("lr", lr, 0.0, 1e6)
        self.momentum = _number("momentum", momentum, 0.0, 1e6)
        self._buffers: dict[int, list[float]] = {}

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, {len(self.params)} parameters)"

    def step(self) -> None:
        lr, momentum = self.lr, self.momentum
        for index, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            if momentum != 0.0:
                buf = self._buffers.get(index)
                if buf is None:
                    buf = list(grad)
                else:
                    buf = [momentum * b + g for b, g in zip(buf, grad, strict=True)]
                self._buffers[index] = grad = buf
            step = -lr
            p.data = [d + step * g for d, g in zip(p.data, grad, strict=True)]


class Adam(Optimizer):
    """``torch.optim.Adam(params, lr, betas, eps)`` (no weight decay, amsgrad)."""

    def __init__(
        self,
        params: object,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-08,
    ) -> None:
        super().__init__(params)
        self.lr = _number("lr", lr, 0.0, 1e6)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {show(betas)}")
        self.betas = (
            _number("betas[0]", betas[0], 0.0, 1.0 - 2**-53),
            _number("betas[1]", betas[1], 0.0, 1.0 - 2**-53),
        )
        self.eps = _number("eps", eps, 0.0, 1.0)
        # per parameter: (steps taken, first moment, second moment), as torch keeps them
        self._state: dict[int, tuple[int, list[float], list[float]]] = {}

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, {len(self.params)} parameters)"
        )

    def step(self) -> None:
        beta1, beta2 = self.betas
        weight, blend, eps, sqrt = 1 - beta1, 1 - beta2, self.eps, math.sqrt
        for index, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            t, m, v = self._state.get(index) or (0, [0.0] * len(grad), [0.0] * len(grad))
            t += 1
            m = [a + weight * (g - a) for a, g in zip(m, grad, strict=True)]
            v = [b * beta2 + blend * g * g for b, g in zip(v, grad, strict=True)]
            self._state[index] = (t, m, v)
            step_size = self.lr / (1 - beta1**t)
            root = (1 - beta2**t) ** 0.5  # torch's `** 0.5`, not math.sqrt
            p.data = [
                d + (-step_size) * (a / (sqrt(b) / root + eps))
                for d, a, b in zip(p.data, m, v, strict=True)
            ]
