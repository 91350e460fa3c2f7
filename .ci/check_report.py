#!/usr/bin/env python3
"""Checks a report rendered by headless Chromium: the DOM has the metrics
table and every chart, and the screenshot is not blank."""
import struct
import sys
import zlib


def png_pixels(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) into rows of bytes."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour {colour})"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
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
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def main(dom_path, shot_path, figures):
    dom = open(dom_path, encoding="utf-8").read()
    assert 'id="metrics"' in dom, "the metrics table is missing"
    assert dom.count("<svg") >= figures, f"expected {figures} charts, found {dom.count('<svg')}"
    assert "false_red_rate" in dom, "metric rows are missing"
    width, height, channels, rows = png_pixels(shot_path)
    pixels = width * height
    non_white = sum(1 for row in rows for i in range(0, len(row), channels) if row[i:i + 3] != b"\xff\xff\xff")
    colours = len({row[i:i + 3] for row in rows[::7] for i in range(0, len(row), channels * 7)})
    share = non_white / pixels
    print(f"report check: {width}x{height} screenshot, {share:.1%} non-white, {colours} colours, {dom.count('<svg')} charts")
    assert share > 0.02, "the screenshot is blank"
    assert colours > 20, "the screenshot has no charts or text"


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
