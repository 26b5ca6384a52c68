"""Reading an 8-bit grayscale or RGB PNG with the standard library (``zlib``).

Only what ``python -m convcore predict`` needs: colour types 0 (gray) and 2
(RGB), bit depth 8, no interlacing. Anything else (palette, alpha, 16-bit,
interlaced, a broken file) raises ``ValueError`` saying what was found and
what is accepted. The image's size is checked against ``MAX_SIDE`` before
anything is decompressed, and decompression stops at the size the header
announces, so a small file cannot expand into a huge one.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final

from convcore._check import Matrix
from convcore.limits import MAX_SIDE

SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_CHANNELS: Final = {0: 1, 2: 3}  # colour type -> bytes per pixel (at bit depth 8)
_KINDS: Final = {0: "gray", 2: "RGB", 3: "palette", 4: "gray with alpha", 6: "RGBA"}


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """``(type, body)`` of every chunk, CRCs checked, up to IEND."""
    chunks = []
    at = len(SIGNATURE)
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if len(body) != length or at + 12 + length > len(data):
            raise ValueError("the PNG file is cut short (a chunk runs past its end)")
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"the PNG file is damaged (chunk {kind!r} fails its CRC check)")
        chunks.append((kind, body))
        if kind == b"IEND":
            return chunks
        at += 12 + length
    raise ValueError("the PNG file is cut short (no IEND chunk)")


def _header(chunks: list[tuple[bytes, bytes]]) -> tuple[int, int, int]:
    """``(width, height, bytes per pixel)`` from IHDR, refusing what is not handled."""
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise ValueError("not a valid PNG: the first chunk must be a 13-byte IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    kind = _KINDS.get(colour, f"colour type {colour}")
    if colour not in _CHANNELS or depth != 8:
        raise ValueError(
            f"the PNG is {kind} at {depth} bits per channel; only 8-bit gray or 8-bit RGB "
            f"PNGs are read (save it as one of those, without transparency)"
        )
    if interlace:
        raise ValueError("the PNG is interlaced (Adam7); save it without interlacing")
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(
            f"the PNG is {width}x{height}; each side must be 1 to {MAX_SIDE} pixels "
            f"(convcore.MAX_SIDE, a work cap). Scale it down first."
        )
    return width, height, _CHANNELS[colour]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, width: int, height: int, pixel: int) -> list[bytearray]:
    """The scanlines with PNG's five filters undone."""
    stride = width * pixel
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for r in range(height):
        start = r * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(pixel, stride):
                line[i] = (line[i] + line[i - pixel]) & 0xFF
        elif kind == 2:
            line = bytearray((x + y) & 0xFF for x, y in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - pixel] if i >= pixel else 0
                line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - pixel] if i >= pixel else 0
                up_left = previous[i - pixel] if i >= pixel else 0
                line[i] = (line[i] + _paeth(left, previous[i], up_left)) & 0xFF
        elif kind != 0:
            raise ValueError(f"the PNG is damaged: row {r} has unknown filter type {kind}")
        rows.append(line)
        previous = line
    return rows


def read_png(data: bytes) -> Matrix:
    """The image as rows of brightness in ``0.0..1.0`` (RGB as luma,
    ``0.299 R + 0.587 G + 0.114 B``)."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file (it does not start with the PNG signature)")
    chunks = _chunks(data)
    width, height, pixel = _header(chunks)
    expected = height * (1 + width * pixel)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(b"".join(b for k, b in chunks if k == b"IDAT"), expected)
    except zlib.error as error:
        raise ValueError(f"the PNG's image data is damaged: {error}") from None
    if len(raw) != expected:
        raise ValueError(
            f"the PNG's image data has {len(raw)} bytes where its header needs {expected}"
        )
    rows = _unfilter(raw, width, height, pixel)
    if pixel == 1:
        return [[v / 255 for v in row] for row in rows]
    return [
        [
            (0.299 * r + 0.587 * g + 0.114 * b) / 255
            for r, g, b in zip(*[iter(row)] * 3, strict=True)
        ]
        for row in rows
    ]
