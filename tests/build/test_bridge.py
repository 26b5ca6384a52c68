"""The worker's request modules: every request is named after its module
(`demo_run` lives in demo_api.py), which is how the bridge finds a module to
import on first use; and every name dispatches on the host too."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

import convcore

PY = Path(__file__).resolve().parents[2] / "site_src" / "py"
if str(PY) not in sys.path:
    sys.path.insert(0, str(PY))

import convcore_bridge  # noqa: E402  (site_src/py is on sys.path only from here)


def test_there_are_request_modules() -> None:
    assert "demo_api" in convcore_bridge.API_MODULES
    assert "learn_api" in convcore_bridge.API_MODULES


@pytest.mark.parametrize("module_name", convcore_bridge.API_MODULES)
def test_requests_are_named_after_their_module(module_name: str) -> None:
    module = importlib.import_module(module_name)
    prefix = module_name.removesuffix("_api") + "_"
    assert module.REQUESTS
    for name, function in module.REQUESTS.items():
        assert name.startswith(prefix), f"{name} must start with {prefix}"
        assert convcore_bridge.handler(name) is function


def test_unknown_requests_are_refused_by_name() -> None:
    for name in ("nope", "demo_nope", "zzz_run"):
        with pytest.raises(convcore_bridge.RequestError, match=repr(name)):
            convcore_bridge.dispatch(name, "{}")
    with pytest.raises(convcore_bridge.RequestError, match="JSON object"):
        convcore_bridge.dispatch("convcore_version", json.dumps([1]))
    version = convcore_bridge.dispatch("convcore_version", "{}")
    assert version == convcore.__version__
