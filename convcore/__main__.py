"""Command line: ``python -m convcore shape|pool|rf|predict ...``.

``shape`` answers "what size comes out, and does it fit?" with the same
``convcore.fit`` the web page uses; ``pool`` does the same for a pooling
window (PyTorch's pooling rules, ``--ceil-mode``); ``rf`` prints a receptive
field; ``predict`` reads a PNG of a digit and prints the shipped model's ten
probabilities. Bad arguments print one clear line (no traceback) and exit
with status 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence

from convcore.geometry import AxisFit, Fit2D, fit
from convcore.receptive import Layer, receptive_field

_EPILOG = """\
examples:
  python -m convcore shape 28 --kernel 5 --stride 2 --padding 1
  python -m convcore shape 28 32 --kernel 5,3 --padding same
  python -m convcore shape 28x32 --kernel 3 --stride 2 --json
  python -m convcore shape 28 --kernel 4 --stride 2 --padding 1,2,1,2
  python -m convcore pool 7 --kernel 2 --ceil-mode
  python -m convcore rf 3 3:2:1 3:1:2:2 --input 28 --at 5,5
  python -m convcore predict digit.png

exit status: 0 when the question was answered (even "no output"),
2 for bad arguments.
"""


def _numbers(text: str) -> list[int]:
    """``"5"``, ``"5,3"`` or ``"5x3"`` as a list of ints."""
    parts = re.split(r"[,x]", text.strip().lower())
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number or a pair like 5,3 or 5x3, got {text!r}"
        ) from None


def _int_or_pair(text: str) -> int | tuple[int, int]:
    values = _numbers(text)
    if len(values) == 1:
        return values[0]
    if len(values) == 2:
        return values[0], values[1]
    raise argparse.ArgumentTypeError(f"expected one number or two (height,width), got {text!r}")


def _padding(text: str) -> int | tuple[int, int] | tuple[int, int, int, int] | str:
    """A number, a pair ``h,w``, four sides ``top,bottom,left,right``, same or valid."""
    if text.strip().lower() in ("same", "valid"):
        return text.strip().lower()
    values = _numbers(text)
    if len(values) == 4:
        return values[0], values[1], values[2], values[3]
    return _int_or_pair(text)


def _layer(text: str) -> Layer:
    """``k[:s[:p[:d]]]``, each part a number or a pair ``h,w``."""
    parts = text.split(":")
    if not 1 <= len(parts) <= 4 or not all(parts):
        raise argparse.ArgumentTypeError(
            f"a layer is kernel[:stride[:padding[:dilation]]], e.g. 3:2:1, got {text!r}"
        )
    parts += ["1", "0", "1"][len(parts) - 1 :]
    return Layer(
        kernel=_int_or_pair(parts[0]),
        stride=_int_or_pair(parts[1]),
        padding=_padding(parts[2]),
        dilation=_int_or_pair(parts[3]),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m convcore",
        description="Convolution shapes the PyTorch way: output size, whether the last "
        "window lands exactly on the edge, what is dropped, and the nearest settings that fit.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    shape = commands.add_parser(
        "shape",
        help="output size and fit of one layer",
        description="Output size of one convolution layer, whether it fits exactly, "
        "which input rows/columns no window reads, and the nearest settings that fit.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shape.add_argument(
        "size", nargs="+", help="input size: 28, or 28 32, or 28x32 (height x width)"
    )
    shape.add_argument(
        "-k", "--kernel", type=_int_or_pair, default=3, help="kernel size: 5 or 5,3 (default 3)"
    )
    shape.add_argument(
        "-s", "--stride", type=_int_or_pair, default=1, help="stride: 2 or 2,1 (default 1)"
    )
    shape.add_argument(
        "-p",
        "--padding",
        type=_padding,
        default=0,
        help="padding: 1, 1,2 (height,width; before,after with one size), 1,2,0,1 "
        "(top,bottom,left,right: a single size is then a square), same or valid (default 0)",
    )
    shape.add_argument(
        "-d", "--dilation", type=_int_or_pair, default=1, help="dilation (default 1)"
    )
    shape.add_argument(
        "-m",
        "--padding-mode",
        default="zeros",
        choices=("zeros", "reflect", "replicate", "circular"),
        help="padding mode (limits how much padding is allowed; default zeros)",
    )
    shape.add_argument("--json", action="store_true", help="print the result as JSON")
    pool = commands.add_parser(
        "pool",
        help="output size and fit of one pooling window",
        description="Output size of a max or average pooling window (PyTorch's rules: the "
        "stride defaults to the kernel, padding at most half the kernel), whether the last "
        "window lands exactly on the edge, what is dropped, and the nearest settings that fit.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pool.add_argument("size", nargs="+", help="input size: 28, or 28 32, or 28x32")
    pool.add_argument("-k", "--kernel", type=_int_or_pair, required=True, help="window: 2 or 3,2")
    pool.add_argument(
        "-s", "--stride", type=_int_or_pair, default=None, help="stride (default: the kernel)"
    )
    pool.add_argument(
        "-p", "--padding", type=_int_or_pair, default=0, help="padding: 1 or 1,0 (default 0)"
    )
    pool.add_argument(
        "-d", "--dilation", type=_int_or_pair, default=1, help="dilation (max pooling; default 1)"
    )
    pool.add_argument(
        "--ceil-mode",
        action="store_true",
        help="round the output size up: the last window may overhang the edge",
    )
    pool.add_argument("--json", action="store_true", help="print the result as JSON")
    rf = commands.add_parser(
        "rf",
        help="receptive field of a stack of layers",
        description="Receptive field (size, jump, start) of a stack of layers, and the input "
        "pixels one output pixel of the last layer depends on.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rf.add_argument(
        "layers", nargs="+", type=_layer, help="layers as kernel[:stride[:padding[:dilation]]]"
    )
    rf.add_argument(
        "--at",
        type=_int_or_pair,
        default=0,
        help="output pixel row,col of the last layer (default 0,0)",
    )
    rf.add_argument(
        "--input", type=_int_or_pair, default=None, help="input size to clip to, e.g. 28 or 28,32"
    )
    rf.add_argument("--json", action="store_true", help="print the result as JSON")
    predict = commands.add_parser(
        "predict",
        help="classify a PNG of a handwritten digit",
        description="Read an 8-bit gray or RGB PNG, prepare it like the training digits "
        "(dark-on-light inverted, cropped to the ink, scaled into 20x20, centred) and print "
        "the shipped model's probability of each digit 0-9.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("image", help="a PNG file (8-bit gray or RGB)")
    predict.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def _size(values: Sequence[str]) -> int | tuple[int, int]:
    numbers = [n for v in values for n in _numbers(v)]
    if len(numbers) == 1:
        return numbers[0]
    if len(numbers) == 2:
        return numbers[0], numbers[1]
    raise argparse.ArgumentTypeError(
        f"size must be one number or two (height width), got {' '.join(values)}"
    )


def _indices(values: tuple[int, ...]) -> str:
    if not values:
        return "none"
    shown = ", ".join(map(str, values[:12]))
    return shown + (f", ... ({len(values)} in all)" if len(values) > 12 else "")


def _axis_lines(result: AxisFit, label: str) -> list[str]:
    pad = result.padding[0] if result.padding[0] == result.padding[1] else result.padding
    lines = [
        f"{label}: input {result.size}, kernel {result.kernel}, stride {result.stride}, "
        f"padding {pad}, dilation {result.dilation}",
        f"  output size: {result.out}" + ("  (no output)" if result.out == 0 else ""),
        f"  fits exactly: {'yes' if result.fits else 'no'}"
        + (f" - {result.reason}" if result.reason else ""),
        f"  dropped at the far edge: {_indices(result.dropped)}",
        f"  never read inside: {_indices(result.skipped)}",
    ]
    return lines


def _fix_lines(result: AxisFit | Fit2D) -> list[str]:
    if result.fits:
        return []
    if not result.fixes:
        return ["nearest settings that fit exactly: none found by changing one parameter"]
    return ["nearest settings that fit exactly:"] + [f"  {fix}" for fix in result.fixes]


def _shape_text(result: AxisFit | Fit2D) -> str:
    if isinstance(result, AxisFit):
        lines = _axis_lines(result, "axis")
    else:
        lines = [
            f"output size: {result.out[0]} x {result.out[1]}"
            + ("  (no output)" if 0 in result.out else ""),
            f"fits exactly: {'yes' if result.fits else 'no'}",
            *_axis_lines(result.rows, "height"),
            *_axis_lines(result.cols, "width"),
        ]
    return "\n".join(lines + _fix_lines(result))


def _predict(path: str, as_json: bool) -> str:
    from convcore.activation import softmax_of
    from convcore.digits import digits_model, fit_digit
    from convcore.png import read_png

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ValueError(f"cannot read {path!r}: {error.strerror or error}") from None
    digit = fit_digit(read_png(data))
    probabilities = softmax_of(digits_model().forward([digit]))
    best = max(range(10), key=probabilities.__getitem__)
    if as_json:
        return json.dumps({"image": path, "predicted": best, "probabilities": probabilities})
    lines = [f"{path}: {best} ({probabilities[best]:.1%})"]
    lines += [f"  {d}  {p:.4f}  {'#' * round(40 * p)}" for d, p in enumerate(probabilities)]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> str:
    if args.command == "predict":
        return _predict(args.image, args.json)
    if args.command == "pool":
        from convcore.pool import pool_fit

        result = pool_fit(
            _size(args.size), args.kernel, args.stride, args.padding, args.dilation, args.ceil_mode
        )
        return json.dumps(result.to_dict(), indent=2) if args.json else _shape_text(result)
    if args.command == "shape":
        size = _size(args.size)
        if isinstance(size, int) and isinstance(args.padding, tuple) and len(args.padding) == 4:
            size = (size, size)  # four sides need two axes
        result = fit(
            size,
            args.kernel,
            args.stride,
            args.padding,
            args.dilation,
            args.padding_mode,
        )
        return json.dumps(result.to_dict(), indent=2) if args.json else _shape_text(result)
    field = receptive_field(args.layers, at=args.at, input_size=args.input)
    if args.json:
        return json.dumps(field.to_dict(), indent=2)
    lines = [
        f"layer {i + 1}: size {f.size}, jump {f.jump}, start {f.start}"
        + (f", output {f.out_size}" if f.out_size else "")
        for i, f in enumerate(field.layers)
    ]
    lines.append(f"output pixel {field.at} depends on input rows {_indices(field.rows)}")
    lines.append(f"  and input columns {_indices(field.cols)} ({len(field.pixels)} pixels)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad arguments)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help (0) and on errors (2)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        print(_run(args))
    except (ValueError, TypeError, argparse.ArgumentTypeError) as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
