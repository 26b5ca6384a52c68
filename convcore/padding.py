"""The four padding modes, each as an *index map* along one axis.

Padding an axis of ``size`` pixels by ``before`` and ``after`` pixels gives a
padded axis of ``before + size + after`` cells. ``index_map`` says, for every
padded cell, which input pixel it shows, or ``-1`` for a zero. The convolution
and the trace both read through these maps, so they agree on every padded
value, and the trace can tell the page which real pixel a reflected cell came
from. The maps follow ``torch.nn.functional.pad``:

* ``zeros``: cells outside the input are 0;
* ``reflect``: mirror without repeating the edge pixel (``d c b | a b c d | c b a``);
  PyTorch requires each side's padding to be smaller than the input;
* ``replicate``: repeat the edge pixel (``a a a | a b c d | d d d``);
* ``circular``: wrap around (``b c d | a b c d | a b c``); PyTorch requires
  each side's padding to be at most the input size (wrapping only once).
"""

from __future__ import annotations

from convcore._check import PaddingMode

ZERO = -1
"""Index-map entry for a cell that holds a zero (``zeros`` mode only)."""


def source_index(q: int, size: int, before: int, mode: PaddingMode) -> int:
    """The input index padded cell ``q`` shows, or ``ZERO``.

    ``q`` counts from the first padded cell; ``q - before`` is the position
    relative to the input, negative in the top/left padding.
    """
    i = q - before
    if 0 <= i < size:
        return i
    if mode == "zeros":
        return ZERO
    if mode == "replicate":
        return 0 if i < 0 else size - 1
    if mode == "circular":
        return i % size
    # reflect: mirror about the first and last pixel (each used once).
    return -i if i < 0 else 2 * (size - 1) - i


def index_map(size: int, before: int, after: int, mode: PaddingMode) -> list[int]:
    """``source_index`` for every cell of the padded axis, computed once."""
    return [source_index(q, size, before, mode) for q in range(before + size + after)]


def mode_limit(size: int, mode: PaddingMode) -> int | None:
    """The largest padding one side may have in ``mode``, ``None`` if unlimited.

    These are PyTorch's limits: reflect mirrors once (padding < size), circular
    wraps once (padding <= size).
    """
    if mode == "reflect":
        return size - 1
    if mode == "circular":
        return size
    return None


def check_mode_padding(
    axis: str, size: int, before: int, after: int, mode: PaddingMode, length: str
) -> None:
    """``ValueError`` when ``mode`` cannot pad an axis of ``size`` that much.

    ``axis`` is a word for the message ("height"), ``length`` the input size's
    name ("the input height").
    """
    limit = mode_limit(size, mode)
    if limit is None or max(before, after) <= limit:
        return
    side = "before" if before > limit else "after"
    amount = max(before, after)
    rule = "must be smaller than" if mode == "reflect" else "may be at most (it wraps around once)"
    raise ValueError(
        f"{mode} padding of {amount} on the {axis} ({side} the input) is too large: "
        f"{mode} padding {rule} {length} ({size}). Allowed: 0 to {limit}. "
        f"Nearest valid value: {limit}, or use padding_mode='replicate' or 'zeros'."
    )
