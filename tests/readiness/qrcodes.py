"""Read QR codes as a phone would: from the page's SVG, or from a screenshot of it (zxing-cpp).

Standard library plus zxing-cpp: the SVG's module paths and a PNG's pixels become an 8-bit
grey image handed to the decoder as a buffer, so no imaging library is needed.
"""

from __future__ import annotations

import re
import struct
import zlib

import zxingcpp

SCALE = 4


def _decode(grey: bytes, width: int, height: int) -> str:
    image = memoryview(grey).cast("B", shape=[height, width])
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    if len(found) != 1:
        raise AssertionError(f"expected one QR code, found {len(found)}")
    return str(found[0].text)


def read_svg(svg: str) -> str:
    """The text of a QR code drawn as segno's inline SVG (one path of horizontal strokes)."""
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg) or re.search(
        r'width="(\d+)" height="(\d+)"', svg
    )
    assert box is not None, "no size on the SVG"
    scale = re.search(r'transform="scale\((\d+)\)"', svg)
    modules = int(box.group(1)) // (int(scale.group(1)) if scale else 1)
    dark = [bytearray(modules) for _ in range(modules)]
    path = re.search(r'<path[^>]*stroke="[^"]+"[^>]*\sd="([^"]+)"', svg)
    assert path is not None, "no dark path in the SVG"
    x = y = 0.0
    for command, args in re.findall(r"([MmHhVv])([^MmHhVv]*)", path.group(1)):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            for column in range(int(x), int(x + numbers[0])):
                dark[int(y)][column] = 1
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    size = modules * SCALE
    grey = bytearray()
    for row in range(size):
        for column in range(size):
            grey.append(0 if dark[row // SCALE][column // SCALE] else 255)
    return _decode(bytes(grey), size, size)


def _unfilter(data: bytes, width: int, height: int, channels: int) -> bytes:
    stride = width * channels
    out = bytearray()
    previous = bytearray(stride)
    at = 0
    for _ in range(height):
        kind, line = data[at], bytearray(data[at + 1 : at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 255
        out += line
        previous = line
    return bytes(out)


def read_png(png: bytes) -> str:
    """The text of the one QR code in a screenshot (8-bit RGB or RGBA PNG, as Chromium makes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, chunks, header = 8, bytearray(), b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {2: 3, 6: 4}.get(colour)
    assert depth == 8, "only 8-bit PNGs are read"
    assert channels, "only RGB and RGBA PNGs are read"
    assert not interlace, "interlaced PNGs are not read"
    pixels = _unfilter(zlib.decompress(bytes(chunks)), width, height, channels)
    grey = bytes(
        (pixels[i] * 3 + pixels[i + 1] * 6 + pixels[i + 2]) // 10
        for i in range(0, len(pixels), channels)
    )
    return _decode(grey, width, height)
