"""The handwritten signature as the server sees it: the stroke points alone.

The image put into the agreements is drawn here from the points (fixed ink, bounded canvas),
never decoded from what the client sends: a client PNG may claim any size (a 23 KB PNG of
9500 × 9500 pixels costs a gigabyte to decode). The input is capped before anything is drawn.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

MAX_STROKES = 60
MAX_POINTS_PER_STROKE = 2_000
MAX_POINTS = 5_000
COORD_SLACK = 2.0  # CSS pixels a point may lie outside the pad (rounding at the edge)
MAX_TIME_MS = 4_102_444_800_000  # 2100-01-01: `t` is milliseconds since the epoch

# The drawn image: the pad's shape, at most this size; the ink as on the pad.
CANVAS_MAX_W = 1000
CANVAS_MAX_H = 500
CANVAS_MAX_SCALE = 2.0
INK_WIDTH = 3.0  # CSS pixels (the pad's own pen)

# A client PNG (older app versions send one) is only checked from its header, never decoded.
CLIENT_PNG_MAX_SIDE = 4000
CLIENT_PNG_MAX_PIXELS = 4_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class StrokesRefused(Exception):
    def __init__(self, code: str, detail: dict[str, int] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


Point = tuple[float, float]


@dataclass(frozen=True)
class Drawn:
    png: bytes
    width: int
    height: int
    scale: float
    ink_pixels: int  # dark pixels, counted at the pad's own scale


def strokes_check(
    strokes: Sequence[Sequence[dict[str, float]]], *, width: int, height: int
) -> list[list[Point]]:
    """The strokes as (x, y) lists; refuses too many strokes or points (SIGNATURE_TOO_COMPLEX)
    and points off the pad or at a time that is no time (SIGNATURE_INVALID)."""
    limits = {
        "max_strokes": MAX_STROKES,
        "max_points_per_stroke": MAX_POINTS_PER_STROKE,
        "max_points": MAX_POINTS,
    }
    if len(strokes) > MAX_STROKES:
        raise StrokesRefused("SIGNATURE_TOO_COMPLEX", limits)
    total = 0
    for stroke in strokes:
        total += len(stroke)
        if len(stroke) > MAX_POINTS_PER_STROKE or total > MAX_POINTS:
            raise StrokesRefused("SIGNATURE_TOO_COMPLEX", limits)
    out: list[list[Point]] = []
    for stroke in strokes:
        line: list[Point] = []
        for p in stroke:
            x, y, t = float(p["x"]), float(p["y"]), float(p["t"])
            if not all(math.isfinite(v) for v in (x, y, t)):
                raise StrokesRefused("SIGNATURE_INVALID")
            if not (-COORD_SLACK <= x <= width + COORD_SLACK):
                raise StrokesRefused("SIGNATURE_INVALID")
            if not (-COORD_SLACK <= y <= height + COORD_SLACK):
                raise StrokesRefused("SIGNATURE_INVALID")
            if not (0 <= t <= MAX_TIME_MS):
                raise StrokesRefused("SIGNATURE_INVALID")
            line.append((x, y))
        if line:
            out.append(line)
    return out


def strokes_draw(strokes: Sequence[Sequence[Point]], *, width: int, height: int) -> Drawn:
    """Black ink on white, the pad's shape scaled into at most CANVAS_MAX_W × CANVAS_MAX_H."""
    scale = min(CANVAS_MAX_W / width, CANVAS_MAX_H / height, CANVAS_MAX_SCALE)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.new("L", size, 255)
    pen = ImageDraw.Draw(image)
    ink = max(2, round(INK_WIDTH * scale))
    radius = ink / 2
    for stroke in strokes:
        points = [(x * scale, y * scale) for x, y in stroke]
        if len(points) > 1:
            pen.line(points, fill=0, width=ink, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps, and a single tap is a dot
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    dark = sum(image.histogram()[:128])
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return Drawn(
        png=buf.getvalue(),
        width=size[0],
        height=size[1],
        scale=scale,
        ink_pixels=round(dark / (scale * scale)),
    )


def client_png_acceptable(data: bytes) -> bool:
    """Whether a client PNG's header (its IHDR chunk) describes a pad-sized image. Nothing is
    decoded, not even by Pillow's lazy open; the image itself is not used."""
    if len(data) < 33 or not data.startswith(PNG_SIGNATURE):
        return False
    length, kind = struct.unpack(">I4s", data[8:16])
    if length != 13 or kind != b"IHDR":
        return False
    w, h = (int(v) for v in struct.unpack(">II", data[16:24]))
    if zlib.crc32(data[12:29]) != struct.unpack(">I", data[29:33])[0]:
        return False
    return (
        0 < w <= CLIENT_PNG_MAX_SIDE
        and 0 < h <= CLIENT_PNG_MAX_SIDE
        and (w * h <= CLIENT_PNG_MAX_PIXELS)
    )
