"""python.html at build time: the command line's answers and the API examples'
output, produced by running them with convcore on the host."""

from __future__ import annotations

import io
import shlex
from contextlib import redirect_stdout
from typing import Any

from convcore.__main__ import main as cli_main
from prerender._shared import Digits, run_cell

COMMANDS = (
    "python -m convcore shape 28 --kernel 5 --stride 2 --padding 1",
    "python -m convcore shape 20 --kernel 4 --stride 3",
    "python -m convcore rf 3 3 3:2:1 --input 20 --at 4,4",
)

EXAMPLES: list[dict[str, str]] = [
    {
        "id": "api-conv",
        "label": "conv2d: nested lists in, nested lists out",
        "code": """\
import convcore

x = [[[1.0, 2.0, 3.0, 0.0],        # [channels][rows][columns]
      [4.0, 5.0, 6.0, 1.0],
      [7.0, 8.0, 9.0, 2.0]]]
w = [[[[1.0, 0.0],                 # [out channels][in channels][kH][kW]
       [0.0, -1.0]]]]
convcore.conv2d(x, w, bias=[0.5], stride=1, padding=0)
""",
    },
    {
        "id": "api-shape",
        "label": "Shapes: output_size, fit, valid_convolution",
        "code": """\
import convcore

print(convcore.output_size(28, 5, stride=2, padding=1))
f = convcore.fit(28, 5, stride=2, padding=1)
print(f.out, f.fits, f.dropped)
print(f.reason)
print(convcore.valid_convolution(28, 5, 1, 2))
""",
    },
    {
        "id": "api-more",
        "label": "Receptive field, transposed convolution, one window of a trace",
        "code": """\
import convcore

rf = convcore.receptive_field([(3, 1, 1), (3, 2, 1), (3, 1, 1)], at=(2, 2), input_size=20)
print([layer.size for layer in rf.layers], rf.rows)

print(convcore.conv_transpose2d([[[1.0, 2.0]]], [[[[1.0, 1.0, 1.0]]]], stride=2))

t = convcore.trace([[[1.0, 2.0], [3.0, 4.0]]], [[[[1.0, 1.0], [1.0, 1.0]]]])
window = t[0]
[(tap.input, tap.value, tap.weight) for tap in window.taps], window.output
""",
    },
]


def run_cli(command: str) -> str:
    """The CLI's output for ``command`` (``python -m convcore ...``), run here."""
    argv = shlex.split(command)[3:]
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        status = cli_main(argv)
    if status != 0:
        raise RuntimeError(f"{command!r} exited with {status}")
    return buffer.getvalue().rstrip("\n")


def context(digits: Digits) -> dict[str, Any]:
    cells = []
    for spec in EXAMPLES:
        reply = run_cell(spec["code"], {})
        if not reply["ok"]:
            raise RuntimeError(f"python.html example {spec['id']} failed:\n{reply['error']}")
        text = reply["stdout"] + (reply["result"] or "")
        cells.append(
            {
                **spec,
                "rows": spec["code"].count("\n") + 1,
                "output": text.rstrip("\n"),
                "kind": "ok",
            }
        )
    return {
        "commands": [{"command": c, "output": run_cli(c)} for c in COMMANDS],
        "examples": cells,
    }
