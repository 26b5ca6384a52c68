"""Work caps: the largest settings convcore agrees to compute.

convcore runs inside a browser tab (Pyodide), where a runaway loop freezes the
page. Every public function checks its arguments against these caps *before*
it allocates or loops, and refuses with a ``ValueError`` that names the cap.

The caps are generous for teaching: a 128x128 RGB image, kernels up to 20,
padding up to 10, dilation up to 5 and 3 filters (about 60 million
multiply-adds) is inside every cap.
"""

from __future__ import annotations

from typing import Final

#: Largest input height or width (also the largest ``size`` that ``fit``,
#: ``output_size`` and ``receptive_field`` accept).
MAX_SIDE: Final = 1024
#: Largest kernel height or width.
MAX_KERNEL: Final = 64
#: Largest padding on one side.
MAX_PADDING: Final = 64
#: Largest dilation.
MAX_DILATION: Final = 16
#: Largest stride (a larger stride could never move the window twice).
MAX_STRIDE: Final = MAX_SIDE
#: Largest number of input or output channels (and of groups).
MAX_CHANNELS: Final = 64
#: Largest number of numbers in one input or output tensor.
MAX_VALUES: Final = 4 * 1024 * 1024
#: Largest number of multiply-adds in one call (pure Python does roughly
#: 20-50 million a second natively, 2-3x fewer in Pyodide).
MAX_MACS: Final = 64_000_000
#: Largest number of layers ``receptive_field`` follows.
MAX_LAYERS: Final = 64

__all__ = [
    "MAX_CHANNELS",
    "MAX_DILATION",
    "MAX_KERNEL",
    "MAX_LAYERS",
    "MAX_MACS",
    "MAX_PADDING",
    "MAX_SIDE",
    "MAX_STRIDE",
    "MAX_VALUES",
]
