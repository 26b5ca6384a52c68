"""Argument checking shared by every public function.

Two rules hold everywhere in convcore:

* a value of the wrong *type* (a string, a bool, a float where a whole number
  is needed, a ragged nested list) raises ``TypeError``;
* a value of the right type but outside its allowed range raises
  ``ValueError``.

Both messages say what was wrong, what is allowed and, when there is one, the
nearest valid value, because the readers are students looking at a web page.
Nothing here formats an arbitrary object with ``repr`` (a 10**5-element list or
a 10**5000-digit int would make the error itself slow or fail).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Final, Literal, TypeAlias

from convcore.limits import MAX_CHANNELS, MAX_PADDING, MAX_SIDE, MAX_VALUES

Pair: TypeAlias = tuple[int, int]
#: Four-sided padding: (top, bottom, left, right).
Quad: TypeAlias = tuple[int, int, int, int]
#: A padding after checking: a (height, width) pair, four sides, or one of the two words.
Padding: TypeAlias = Pair | Quad | Literal["same", "valid"]
PaddingMode: TypeAlias = Literal["zeros", "reflect", "replicate", "circular"]
Matrix: TypeAlias = list[list[float]]

PADDING_MODES: tuple[PaddingMode, ...] = ("zeros", "reflect", "replicate", "circular")

# Why a lower bound exists, in words a student understands.
_WHY_LOW = {
    "stride": "the window has to move at least one pixel per step",
    "kernel": "a kernel needs at least one tap",
    "dilation": "dilation 1 means neighbouring taps; smaller values have no meaning",
    "padding": "padding cannot be negative (PyTorch refuses it)",
    "output_padding": "output_padding cannot be negative",
    "groups": "there is at least one group",
    "size": "the input needs at least one pixel",
}


def show(value: object) -> str:
    """A short description of ``value`` that is safe and cheap to build."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:
            digits = int(value.bit_length() * math.log10(2))
            return f"{'-' if value < 0 else ''}an int of about 10**{digits}"
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 30 else repr(value[:30]) + "..."
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"


def _stem(name: str) -> str:
    """``'stride (width)'`` -> ``'stride'``: the key of ``_WHY_LOW``."""
    return name.split(" ")[0].split("[")[0]


def as_int(name: str, value: object) -> int:
    """``value`` as an int, or ``TypeError`` (bools and floats are refused)."""
    if isinstance(value, bool):
        raise TypeError(
            f"{name} must be a whole number, got the bool {value!r}; "
            f"write {int(value)} if you mean the number"
        )
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        raise TypeError(
            f"{name} must be a whole number (int), got the float {value!r}; "
            f"write {show(int(value))}"
        )
    raise TypeError(f"{name} must be a whole number (int), got {show(value)}")


def check_bool(name: str, value: object) -> bool:
    """``True`` or ``False`` only (``0``/``1`` and strings are refused)."""
    if isinstance(value, bool):
        return value
    raise TypeError(f"{name} must be True or False, got {show(value)}")


def in_range(name: str, value: int, low: int, high: int, cap: str = "") -> int:
    """Return ``value`` if ``low <= value <= high``, else a ``ValueError``.

    ``cap`` names the module constant behind ``high`` when the upper bound is
    one of convcore's work caps rather than a mathematical limit.
    """
    if value < low:
        why = _WHY_LOW.get(_stem(name), "")
        raise ValueError(
            f"{name}={show(value)} is too small{': ' + why if why else ''}. "
            f"Allowed: {low} to {high}. Nearest valid value: {low}."
        )
    if value > high:
        why = f" (convcore.{cap}, a work cap that keeps a browser tab responsive)" if cap else ""
        raise ValueError(
            f"{name}={show(value)} is too large. Allowed: {low} to {high}{why}. "
            f"Nearest valid value: {high}."
        )
    return value


def check_int(name: str, value: object, low: int, high: int, cap: str = "") -> int:
    """An int in ``[low, high]``; ``TypeError``/``ValueError`` otherwise."""
    return in_range(name, as_int(name, value), low, high, cap)


def _pair_items(name: str, value: object) -> tuple[object, object] | None:
    """The two entries of an ``(h, w)`` pair, ``None`` for a scalar."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be one number or a pair (height, width); "
                f"got a {type(value).__name__} of {len(value)} entries"
            )
        return value[0], value[1]
    return None


def check_pair(name: str, value: object, low: int, high: int, cap: str = "") -> Pair:
    """An int or an ``(h, w)`` pair of ints, each in ``[low, high]``."""
    items = _pair_items(name, value)
    if items is None:
        one = check_int(name, value, low, high, cap)
        return one, one
    return (
        check_int(f"{name} (height)", items[0], low, high, cap),
        check_int(f"{name} (width)", items[1], low, high, cap),
    )


SIDES: Final = ("top", "bottom", "left", "right")


def check_padding(name: str, value: object, high: int = MAX_PADDING) -> Padding:
    """``"same"``, ``"valid"``, or an int / ``(h, w)`` pair / ``(top, bottom,
    left, right)`` four in ``[0, high]``."""
    if isinstance(value, str):
        if value in ("same", "valid"):
            return "same" if value == "same" else "valid"
        raise ValueError(
            f"{name}={show(value)} is not understood. Allowed: a number of pixels "
            f"(0 to {high}), a pair (height, width), four numbers (top, bottom, left, "
            f"right), 'same' or 'valid'."
        )
    if isinstance(value, (list, tuple)) and len(value) not in (2, 4):
        raise ValueError(
            f"{name} must be one number, a pair (height, width) or four numbers "
            f"(top, bottom, left, right); got a {type(value).__name__} of {len(value)} entries"
        )
    if isinstance(value, (list, tuple)) and len(value) == 4:
        top, bottom, left, right = (
            check_int(f"{name} ({side})", v, 0, high, "MAX_PADDING")
            for side, v in zip(SIDES, value, strict=True)
        )
        return top, bottom, left, right
    return check_pair(name, value, 0, high, "MAX_PADDING")


def check_mode(value: object) -> PaddingMode:
    """One of the four padding modes PyTorch's ``Conv2d`` knows."""
    if not isinstance(value, str):
        raise TypeError(
            f"padding_mode must be a string, one of {', '.join(PADDING_MODES)}; got {show(value)}"
        )
    for mode in PADDING_MODES:
        if value == mode:
            return mode
    raise ValueError(
        f"padding_mode={show(value)} is not a padding mode. "
        f"Allowed: {', '.join(repr(m) for m in PADDING_MODES)}."
    )


# ---------------------------------------------------------------- nested lists

PathFn = Callable[[], str]


def _path(name: str, *index: int) -> PathFn:
    """Build ``x[0][3]`` only when an error message needs it."""
    return lambda: name + "".join(f"[{i}]" for i in index)


def as_sequence(value: object, path: PathFn, what: str) -> Sequence[object]:
    """A list/tuple (or anything with ``tolist``, e.g. a NumPy array)."""
    if isinstance(value, (list, tuple)):
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (str, bytes)):
        converted = tolist()
        if isinstance(converted, list):
            return converted
    raise TypeError(f"{path()} must be a list of {what}, got {show(value)}")


def probe_shape(
    name: str, value: object, axes: tuple[str, ...], caps: tuple[tuple[int, str], ...]
) -> tuple[int, ...]:
    """See ``_probe``; a wrong nesting depth also names the expected layout."""
    try:
        return _probe(name, value, axes, caps)
    except TypeError as error:
        layout = "".join(f"[{axis}]" for axis in axes)
        raise TypeError(f"{error} ({name} is laid out {layout})") from None


def _probe(
    name: str, value: object, axes: tuple[str, ...], caps: tuple[tuple[int, str], ...]
) -> tuple[int, ...]:
    """The shape read along the first entries, with caps checked on the way.

    Checking only the first entry of each level is cheap and lets callers
    refuse oversized work before converting anything; ``to_matrix`` later
    verifies every other entry has the same length (else the list is ragged).
    """
    shape: list[int] = []
    current = value
    for depth, (axis, (cap, cap_name)) in enumerate(zip(axes, caps, strict=True)):
        path = _path(name, *([0] * depth))
        seq = as_sequence(current, path, f"{axis}s" if depth + 1 < len(axes) else "numbers")
        if not seq:
            raise ValueError(f"{path()} is empty: {name} needs at least one {axis}.")
        if len(seq) > cap:
            raise ValueError(
                f"{name} has {len(seq)} {axis}s; at most {cap} are allowed "
                f"(convcore.{cap_name}, a work cap that keeps a browser tab responsive)."
            )
        shape.append(len(seq))
        current = seq[0]
    return tuple(shape)


_PLAIN = frozenset({int, float})
_FLOAT = frozenset({float})


def _bad_number(path: PathFn, value: object) -> Exception:
    if isinstance(value, bool):
        return TypeError(f"{path()} is the bool {value!r}; the entries must be numbers")
    if isinstance(value, numbers.Real):
        return ValueError(f"{path()} is {show(value)}; only finite numbers can be convolved")
    return TypeError(f"{path()} must be a number, got {show(value)}")


def to_floats(value: object, name: str, index: tuple[int, ...], width: int) -> list[float]:
    """One row of numbers as floats; exactly ``width`` of them, all finite."""
    seq = as_sequence(value, _path(name, *index), "numbers")
    if len(seq) != width:
        raise TypeError(
            f"{name} is ragged: {_path(name, *index)()} has {len(seq)} numbers "
            f"but the first row has {width}; every row must be as long"
        )
    # Fast path: a set of types is built in C, so plain rows cost one pass.
    types = set(map(type, seq))
    if types <= _PLAIN:
        plain: Sequence[float] = seq  # type: ignore[assignment]  # just checked
        try:
            row = list(plain) if types == _FLOAT else list(map(float, plain))
        except OverflowError:
            row = []
        # sum() is NaN/inf when an entry is, and rarely (overflow) otherwise.
        if len(row) == width and math.isfinite(sum(row)):
            return row
    return _slow_floats(seq, name, index)


def _slow_floats(seq: Sequence[object], name: str, index: tuple[int, ...]) -> list[float]:
    """Entry-by-entry conversion that can say which entry is wrong."""
    row: list[float] = []
    for j, item in enumerate(seq):
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise _bad_number(_path(name, *index, j), item)
        try:
            number = float(item)
        except (OverflowError, ValueError, TypeError):
            raise _bad_number(_path(name, *index, j), item) from None
        if not math.isfinite(number):
            raise _bad_number(_path(name, *index, j), item)
        row.append(number)
    return row


def to_matrix(value: object, name: str, index: tuple[int, ...], shape: Pair) -> Matrix:
    """A ``[rows][cols]`` block of floats, checked against ``shape``."""
    seq = as_sequence(value, _path(name, *index), "rows")
    if len(seq) != shape[0]:
        raise TypeError(
            f"{name} is ragged: {_path(name, *index)()} has {len(seq)} rows "
            f"but the first one has {shape[0]}; every block must be as tall"
        )
    return [to_floats(row, name, (*index, i), shape[1]) for i, row in enumerate(seq)]


def to_blocks(value: object, name: str, index: tuple[int, ...], count: int) -> Sequence[object]:
    """One level of a nested list that must hold ``count`` entries."""
    seq = as_sequence(value, _path(name, *index), "lists")
    if len(seq) != count:
        raise TypeError(
            f"{name} is ragged: {_path(name, *index)()} has {len(seq)} entries "
            f"but the first one has {count}"
        )
    return seq


def to_vector(value: object, name: str, length: int) -> list[float]:
    """A flat list of ``length`` finite numbers (the bias)."""
    seq = as_sequence(value, _path(name), "numbers")
    if len(seq) != length:
        raise ValueError(
            f"{name} has {len(seq)} numbers but there are {length} output channels; "
            f"give one number per output channel (or None)"
        )
    return to_floats(seq, name, (), length)


# ------------------------------------------------------------ images, vectors

_IMAGE_AXES: Final = ("channel", "row", "column")
_IMAGE_CAPS: Final = (
    (MAX_CHANNELS, "MAX_CHANNELS"),
    (MAX_SIDE, "MAX_SIDE"),
    (MAX_SIDE, "MAX_SIDE"),
)


def probe_image(name: str, value: object) -> tuple[int, int, int]:
    """The ``[C][H][W]`` shape of ``value``, read along first entries, caps checked."""
    c, h, w = probe_shape(name, value, _IMAGE_AXES, _IMAGE_CAPS)
    if c * h * w > MAX_VALUES:
        raise ValueError(
            f"{name} has {c * h * w} numbers; at most {MAX_VALUES} are allowed "
            f"(convcore.MAX_VALUES, a work cap that keeps a browser tab responsive)."
        )
    return c, h, w


def to_image(value: object, name: str, shape: tuple[int, int, int]) -> list[Matrix]:
    """A probed ``[C][H][W]`` nested list as floats (ragged lists refused)."""
    blocks = to_blocks(value, name, (), shape[0])
    return [to_matrix(block, name, (c,), shape[1:]) for c, block in enumerate(blocks)]


def image_like(name: str, value: object, shape: tuple[int, int, int], of: str) -> list[Matrix]:
    """``value`` as floats, which must have exactly the ``[C][H][W]`` shape of ``of``."""
    found = probe_image(name, value)
    if found != shape:
        raise ValueError(
            f"{name} is {'x'.join(map(str, found))} but {of} is {'x'.join(map(str, shape))} "
            f"([C][H][W]); they must have the same shape"
        )
    return to_image(value, name, shape)


def probe_vector(name: str, value: object) -> int:
    """The length of a flat list of numbers, at most ``MAX_VALUES``."""
    (length,) = probe_shape(name, value, ("number",), ((MAX_VALUES, "MAX_VALUES"),))
    return length


def to_numbers(value: object, name: str, length: int) -> list[float]:
    """A flat list of exactly ``length`` finite numbers, as floats."""
    return to_floats(value, name, (), length)
