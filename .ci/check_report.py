#!/usr/bin/env python3
"""Checks a report rendered by headless Chromium: the DOM has the metrics
table and every chart, and the screenshot is not blank."""
import struct
import sys
import zlib


def png_pixels(path):
    """Decodes a non-interlaced PNG of any colour type and bit depth 8 or 16
    into rows of pixels, each pixel a tuple of samples (palette images give
    their palette index)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert interlace == 0, "interlaced PNG: not supported by this check"
    assert depth in (8, 16) or (colour == 3 and depth == 8), f"unsupported bit depth {depth}"
    samples = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bpp = samples * depth // 8
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append([bytes(line[i:i + bpp]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def main(dom_path, shot_path, figures):
    dom = open(dom_path, encoding="utf-8").read()
    assert 'id="metrics"' in dom, "the metrics table is missing"
    assert dom.count("<svg") >= figures, f"expected {figures} charts, found {dom.count('<svg')}"
    assert "false_red_rate" in dom, "metric rows are missing"
    width, height, rows = png_pixels(shot_path)
    pixels = width * height
    # The page background is the most common pixel; anything else is content.
    counts = {}
    for row in rows[::3]:
        for px in row[::3]:
            counts[px] = counts.get(px, 0) + 1
    background = max(counts, key=counts.get)
    share = 1 - counts[background] / sum(counts.values())
    colours = len(counts)
    print(f"report check: {width}x{height} screenshot, {share:.1%} not background, {colours} colours, {dom.count('<svg')} charts")
    assert share > 0.02, "the screenshot is blank"
    assert colours > 20, "the screenshot has no charts or text"


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
