"""Layers, Sequential and the optimizers against torch.nn / torch.optim (float64)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import convcore
from convcore import nn, optim
from convcore.train import batches, shuffled, train_step
from tests.core.helpers import CASES

torch.set_default_dtype(torch.float64)
F = torch.nn.functional


def digits_layers(rng: random.Random) -> list[nn.Module]:
    return [
        nn.Conv2d(1, 4, 5, padding=2, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(200, 10, rng=rng),
    ]


class FourSidedConv2d(torch.nn.Conv2d):
    """torch's Conv2d after F.pad, for convcore's (top, bottom, left, right)
    padding (a Conv2d subclass, so its state_dict keys stay weight/bias)."""

    def __init__(self, sides: tuple[int, int, int, int], **kwargs: Any) -> None:
        self.sides, self.pad_mode = sides, kwargs.pop("padding_mode")
        super().__init__(padding=0, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom, left, right = self.sides
        mode = "constant" if self.pad_mode == "zeros" else self.pad_mode
        return super().forward(F.pad(x, (left, right, top, bottom), mode=mode))


def torch_twin(model: nn.Sequential) -> torch.nn.Sequential:
    """The same architecture in torch (built from to_dict), with the same weights."""
    layers: list[torch.nn.Module] = []
    for spec in model.to_dict()["layers"]:
        kind, args = spec["type"], {k: v for k, v in spec.items() if k != "type"}
        for key, value in args.items():
            if isinstance(value, list):
                args[key] = tuple(value)
        if kind == "Conv2d" and isinstance(args["padding"], tuple) and len(args["padding"]) == 4:
            layers.append(FourSidedConv2d(args.pop("padding"), **args))
            continue
        layers.append(getattr(torch.nn, kind)(**args))
    twin = torch.nn.Sequential(*layers)
    twin.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    return twin


def digits(count: int, seed: int) -> list[Any]:
    """Digit-like inputs: mostly exact zeros, so relu and max pooling see ties."""
    rng = np.random.default_rng(seed)
    ink = rng.uniform(0, 1, size=(count, 1, 20, 20)) * (rng.uniform(size=(count, 1, 20, 20)) < 0.3)
    data: list[Any] = ink.tolist()
    return data


MIXED = "avg pool, four-sided and reflect padding, groups, strides"
ARCHITECTURES: dict[str, Callable[[random.Random], list[nn.Module]]] = {
    "digits": digits_layers,
    MIXED: lambda rng: [
        nn.Conv2d(1, 4, 3, stride=2, padding=(1, 2, 0, 1), padding_mode="reflect", rng=rng),
        nn.ReLU(),
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        nn.Conv2d(4, 6, (2, 3), dilation=(1, 2), groups=2, padding="same", bias=False, rng=rng),
        nn.MaxPool2d(2, stride=1, ceil_mode=True),
        nn.Flatten(),
        nn.Linear(150, 12, rng=rng),
        nn.ReLU(),
        nn.Linear(12, 3, bias=False, rng=rng),
    ],
}


@pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_forward_activations_and_backward_match_autograd(name: str) -> None:
    model = nn.Sequential(*ARCHITECTURES[name](random.Random(7)))
    twin = torch_twin(model)
    for x in digits(3, 1):
        xt = torch.tensor(x, requires_grad=True)
        outputs = []
        y = xt[None]
        for layer in twin:
            y = layer(y)
            outputs.append(y[0])
        ours = model.activations(x)
        assert len(ours) == len(outputs)
        for got, expected in zip(ours, outputs, strict=True):
            np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-9, atol=1e-12)
        grad = np.random.default_rng(2).normal(size=outputs[-1].shape)
        twin.zero_grad()
        outputs[-1].backward(torch.tensor(grad))
        model.zero_grad()
        grad_x = model.backward(grad.tolist(), input_grad=True)
        assert xt.grad is not None and grad_x is not None
        np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        torch_grads = {k: p.grad for k, p in twin.named_parameters()}
        for key, p in model.named_parameters():
            expected_grad = torch_grads[key]
            assert p.grad is not None and expected_grad is not None
            np.testing.assert_allclose(np.reshape(p.grad, p.shape), expected_grad.numpy(),
                                       rtol=1e-9, atol=1e-12, err_msg=key)  # fmt: skip
        CASES["Sequential forward/backward vs torch"] += 1
    assert model.backward(grad.tolist()) is None  # the input's gradient only on request


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_ten_optimizer_steps_equal_torch(kind: str) -> None:
    """The shipped architecture, the same initial weights and batches."""
    model = nn.Sequential(*digits_layers(random.Random(3)))
    twin = torch_twin(model)
    if kind == "sgd":
        ours: optim.Optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        theirs: torch.optim.Optimizer = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    else:
        ours = optim.Adam(model.parameters(), lr=0.01)
        theirs = torch.optim.Adam(twin.parameters(), lr=0.01)
    data = digits(80, 4)
    labels = np.random.default_rng(5).integers(0, 10, size=80).tolist()
    order = batches(range(80), 8, random.Random(6))
    assert len(order) == 10
    for batch in order:
        loss = train_step(model, ours, [data[i] for i in batch], [labels[i] for i in batch])
        theirs.zero_grad()
        expected = F.cross_entropy(twin(torch.tensor([data[i] for i in batch])),
                                   torch.tensor([labels[i] for i in batch]))  # fmt: skip
        expected.backward()  # type: ignore[no-untyped-call]
        theirs.step()
        assert loss == pytest.approx(expected.item(), rel=1e-9)
    for key, value in twin.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=key)  # fmt: skip
    CASES[f"10 {kind} steps vs torch"] += 1


def test_state_dict_is_keyed_like_nn_sequential_and_loads_torch_weights() -> None:
    model = nn.Sequential(*digits_layers(random.Random(0)))
    twin = torch_twin(model)
    assert list(model.state_dict()) == list(twin.state_dict())
    for key, value in twin.state_dict().items():
        assert np.shape(model.state_dict()[key]) == tuple(value.shape)
    other = torch.nn.Sequential(*[type(m)(**_args(m)) for m in twin])  # fresh torch weights
    model.load_state_dict(other.state_dict())  # tensors: anything with tolist()
    x = digits(1, 9)[0]
    expected = other(torch.tensor(x)[None])[0].detach().numpy()
    np.testing.assert_allclose(model.forward(x), expected, rtol=1e-9, atol=1e-12)
    assert repr(model) == repr(twin)


def _args(module: torch.nn.Module) -> dict[str, Any]:
    if isinstance(module, torch.nn.Conv2d):
        return {"in_channels": module.in_channels, "out_channels": module.out_channels,
                "kernel_size": module.kernel_size, "padding": module.padding}  # fmt: skip
    if isinstance(module, torch.nn.Linear):
        return {"in_features": module.in_features, "out_features": module.out_features}
    if isinstance(module, torch.nn.MaxPool2d):
        return {"kernel_size": module.kernel_size}
    return {}


def test_to_dict_and_load_model_round_trip(tmp_path: Path) -> None:
    model = nn.Sequential(*ARCHITECTURES[MIXED](random.Random(2)))
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_dict()))
    loaded = convcore.load_model(path)
    assert loaded.to_dict() == model.to_dict() and repr(loaded) == repr(model)
    x = digits(1, 3)[0]
    assert loaded.forward(x) == model.forward(x)
    wider = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(648, 4))
    assert len(convcore.load_model(wider.to_dict()).forward(x)) == 4


def test_default_initialisation_ranges() -> None:
    conv = nn.Conv2d(3, 5, 4, groups=1, rng=random.Random(1))
    bound = 1 / np.sqrt(3 * 4 * 4)
    assert max(abs(v) for v in conv.weight.data) <= bound
    assert conv.bias is not None and max(abs(v) for v in conv.bias.data) <= bound
    assert max(conv.weight.data) > 0.9 * bound and min(conv.weight.data) < -0.9 * bound
    linear = nn.Linear(100, 7, rng=random.Random(1))
    assert max(abs(v) for v in linear.weight.data) <= 0.1
    torch_conv = torch.nn.Conv2d(3, 5, 4)
    assert float(torch_conv.weight.detach().abs().max()) <= bound  # the same range in torch
    again = nn.Conv2d(3, 5, 4, rng=random.Random(1))
    assert again.weight.data == conv.weight.data  # seeded: the same numbers
    nn.manual_seed(4)
    first = nn.Linear(3, 2).weight.data
    nn.manual_seed(4)
    assert nn.Linear(3, 2).weight.data == first


def test_seeded_shuffle_is_convcores_own() -> None:
    """Fixed numbers: any change to the order would break every runtime's agreement."""
    assert shuffled(range(10), random.Random(0)) == [7, 8, 1, 5, 3, 4, 2, 0, 9, 6]
    sizes = [len(b) for b in batches(range(70), 32, random.Random(1))]
    assert sizes == [32, 32, 6]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: nn.Sequential(), "at least one layer"),
        (lambda: nn.Sequential(nn.ReLU(), "relu"), "layer 1 must be a convcore layer"),  # type: ignore[arg-type]
        (lambda: nn.Conv2d(1, 2, 3, stride=2, padding="same"), "stride 1"),
        (lambda: nn.Conv2d(3, 2, 3, groups=2), "groups=2"),
        (lambda: nn.MaxPool2d(3, padding=2), "half the kernel"),
        (lambda: nn.Flatten(start_dim=0), "start_dim=1"),
        (lambda: nn.Linear(0, 2), "in_features=0"),
        (lambda: optim.SGD([], lr=0.1), "empty"),
        (lambda: optim.Adam(nn.Linear(2, 2).parameters(), lr=-1), "lr=-1.0"),
        (lambda: optim.Adam(nn.Linear(2, 2).parameters(), betas=(0.9, 1.0)), "betas"),
    ],
)
def test_constructor_refusals(make: Any, words: str) -> None:
    with pytest.raises((TypeError, ValueError), match=words):
        make()


def test_shape_and_state_refusals() -> None:
    model = nn.Sequential(*digits_layers(random.Random(0)))
    with pytest.raises(ValueError, match=r"layer 0: Conv2d.*takes 1 input channel"):
        model.forward([[[0.0] * 20] * 20] * 2)
    with pytest.raises(ValueError, match=r"layer 7: Linear.*takes 200 numbers but gets 8"):
        model.forward([[[0.0] * 4] * 4])
    with pytest.raises(ValueError, match="forward first"):
        nn.Sequential(nn.ReLU()).backward([1.0])
    model.forward(digits(1, 0)[0])
    with pytest.raises(ValueError, match="grad_output has 3 numbers but the output has 10"):
        model.backward([1.0, 2.0, 3.0])
    state = model.state_dict()
    del state["7.bias"]
    with pytest.raises(ValueError, match=r"missing keys \['7.bias'\]"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["0.weight"] = [[[[0.0] * 5] * 5]] * 3
    with pytest.raises(ValueError, match=r"0.weight has shape \(3, 1, 5, 5\)"):
        model.load_state_dict(state)
    with pytest.raises(ValueError, match="not a convcore model"):
        convcore.load_model({"layers": []})
    with pytest.raises(ValueError, match="Dropout"):
        convcore.load_model({"format": "convcore.Sequential", "version": 1,
                             "layers": [{"type": "Dropout"}], "state_dict": {}})  # fmt: skip
    with pytest.raises(ValueError, match="cannot read"):
        convcore.load_model("/no/such/model.json")
