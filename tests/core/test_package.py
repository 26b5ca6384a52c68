"""The package's surface: every name in ``__all__`` is there, and the
receptive-field and transposed-convolution modules load only when one of
their names is first used (the demo page's Python never needs them)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import convcore
import convcore.receptive
import convcore.transpose

ROOT = Path(__file__).resolve().parent.parent.parent


def python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


LAZY = ("receptive", "transpose", "pool", "activation", "dense", "backward", "nn", "optim",
        "train", "digits", "png")  # fmt: skip


def test_import_leaves_the_other_modules_for_later() -> None:
    code = (
        "import sys, convcore\n"
        "lazy = ('convcore.receptive', 'convcore.transpose')\n"
        "print([m in sys.modules for m in lazy])\n"
        "convcore.receptive_field\n"
        "print([m in sys.modules for m in lazy])\n"
        "from convcore import conv_transpose2d\n"
        "print([m in sys.modules for m in lazy])\n"
    )
    assert python(code).splitlines() == [
        "[False, False]",
        "[True, False]",
        "[True, True]",
    ]


def test_the_network_modules_load_only_when_used() -> None:
    """The site imports convcore at start-up: none of the network's modules come with it."""
    code = (
        "import sys, convcore\n"
        f"print(sorted(m for m in {LAZY!r} if 'convcore.' + m in sys.modules))\n"
        "convcore.max_pool2d\n"
        f"print(sorted(m for m in {LAZY!r} if 'convcore.' + m in sys.modules))\n"
        "convcore.Sequential\n"
        f"print(sorted(m for m in {LAZY!r} if 'convcore.' + m in sys.modules))\n"
    )
    assert python(code).splitlines() == [
        "[]",
        "['pool']",
        "['backward', 'dense', 'nn', 'pool']",
    ]


def test_every_name_is_the_modules_own() -> None:
    assert python("from convcore import *; print(sorted(dir()))").count("receptive_field") == 1
    modules = [importlib.import_module(f"convcore.{m}") for m in LAZY]
    for name in convcore.__all__:
        assert name in dir(convcore), name
        value = getattr(convcore, name)
        for module in modules:
            if name in vars(module):
                assert value is vars(module)[name], name
    assert convcore.receptive_field is convcore.receptive.receptive_field
    assert convcore.conv_transpose2d is convcore.transpose.conv_transpose2d
    assert callable(convcore.linear) and convcore.linear.__module__ == "convcore.dense"


def test_unknown_names_still_raise() -> None:
    try:
        convcore.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("convcore.no_such_name did not raise")
