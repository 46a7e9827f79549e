"""Reads a PNG (8-bit RGB or RGBA, not interlaced: what Chromium and Warren write) with zlib alone, so tests can look at pixels."""
import struct
import zlib
from typing import Callable, NamedTuple


class Png(NamedTuple):
    width: int
    height: int
    rgb: Callable[[int, int], int]


def read_png(png: bytes) -> Png:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"not a PNG: starts with {png[:8].hex()}")
    at, idat, width, height, channels = 8, b"", 0, 0, 0
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        data = png[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data)
            channels = {2: 3, 6: 4}.get(colour, 0)
            if depth != 8 or not channels or interlace:
                raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
        elif kind == b"IDAT":
            idat += data
        elif kind == b"IEND":
            break
        at += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    pixels, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line, row = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)], bytearray(stride)
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 0:
                p = 0
            elif kind == 1:
                p = a
            elif kind == 2:
                p = b
            elif kind == 3:
                p = (a + b) >> 1
            elif kind == 4:
                e = a + b - c
                p = a if abs(e - a) <= abs(e - b) and abs(e - a) <= abs(e - c) else b if abs(e - b) <= abs(e - c) else c
            else:
                raise ValueError(f"bad PNG filter {kind} on row {y}")
            row[i] = (line[i] + p) & 0xFF
        pixels += row
        prev = row

    def rgb(x: int, y: int) -> int:
        i = y * stride + x * channels
        return pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]

    return Png(width, height, rgb)
