"""Reading one side of an ID card: bytes in, :class:`SideReading` out.

decode (``decode``) → find and rectify the card (``locate``) → OCR, turning the card upright
(``ocr``) → image checks on the upright card (``quality``) → side and fields (``parse``).
The check digit and the other rules are *not* applied here (``rules`` does that); the
number is reported exactly as read.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from . import divisions, quality, reread
from .decode import decode_image
from .locate import CARD_H, CARD_W, locate
from .ocr import read_card, recognise
from .parse import detect_side, items_from, parse_back, parse_front
from .types import BACK_FIELDS, FRONT_FIELDS, Side, SideReading, ordered_warnings

LOW_CONFIDENCE = 0.80  # a field read with less than this goes to the reviewer
PORTRAIT_BOX = (0.60, 0.08, 0.95, 0.82)  # x0, y0, x1, y1 of the portrait on the front
JPEG_QUALITY = 90


def read_side(data: bytes, expected: Side | None = None) -> SideReading:
    """Decode an uploaded photo and read it; ``ImageRefused`` for a refused file."""
    started = time.perf_counter()
    image = decode_image(data)
    decoded = time.perf_counter()
    reading = read_side_image(image, expected)
    reading.timings = {"decode": decoded - started, **reading.timings}
    return reading


def read_side_image(image: np.ndarray, expected: Side | None = None) -> SideReading:
    """Read an already decoded photo (BGR, upright as the customer took it)."""
    t0 = time.perf_counter()
    located = locate(image)
    t1 = time.perf_counter()
    warnings = list(located.warnings)
    fallback_side: Side = expected or "front"
    if located.card is None:
        return SideReading(
            side=fallback_side,
            fields={},
            confidence={},
            warnings=ordered_warnings(warnings),
            timings={"locate": t1 - t0},
        )
    text = read_card(located.card)
    t2 = time.perf_counter()
    card = text.card
    raw = [(line.text, line.box, line.score) for line in text.lines]
    items = items_from(raw, CARD_W, CARD_H)
    side = detect_side(items)
    boxes = [(line.x0, line.y0, line.x1, line.y1) for line in text.lines]
    measures = quality.measure(card, side, boxes, located.card_width_px)
    warnings += quality.warnings_for(measures)
    fields: dict[str, str] = {}
    confidence: dict[str, float] = {}
    portrait = None
    as_read: dict[str, str] = {}
    if side is None:
        # A card-shaped thing without an ID card's text. When the photo is bad the text may
        # simply be unreadable: say what to fix rather than "not a card".
        image_problems = {
            "IDCARD_BLURRED",
            "IDCARD_TOO_DARK",
            "IDCARD_GLARE",
            "IDCARD_EDGE_CUT",
            "IDCARD_TOO_SMALL",
        }
        if image_problems & set(warnings):
            warnings.append("IDCARD_FIELDS_UNREADABLE")
        else:
            warnings.append("IDCARD_NOT_A_CARD")
        side = fallback_side
    else:
        if expected is not None and side != expected:
            warnings.append("IDCARD_WRONG_SIDE")
        parsed = (parse_front if side == "front" else parse_back)(raw, CARD_W, CARD_H)
        fields, confidence = dict(parsed.fields), parsed.confidence
        value_lines = [
            [(i.x0 * CARD_W, i.y0 * CARD_H, i.x1 * CARD_W, i.y1 * CARD_H) for i in line]
            for line in parsed.value_lines
        ]
        # characters of the address or the issuer washed out by a highlight: read as a
        # shorter line with full confidence, so the image says it
        gap = quality.washed_out_gap(card, value_lines)
        if gap >= quality.THRESHOLDS["glare_gap_min"] and "IDCARD_GLARE" not in warnings:
            warnings.append("IDCARD_GLARE")
        if side == "front":
            reread.fill_sex(card, items, fields, confidence, recognise)
        as_read = divisions.snap(fields)
        if side == "front" and divisions.address_chain_broken(fields.get("address", "")):
            warnings.append("IDCARD_ADDRESS_CHAIN_BROKEN")
        required = FRONT_FIELDS if side == "front" else BACK_FIELDS
        if any(key not in fields for key in required):
            warnings.append("IDCARD_FIELDS_UNREADABLE")
        if any(value < LOW_CONFIDENCE for value in confidence.values()):
            warnings.append("IDCARD_LOW_CONFIDENCE")
        if side == "front":
            portrait = _portrait_jpeg(card)
    t3 = time.perf_counter()
    return SideReading(
        side=side,
        fields=fields,
        confidence=confidence,
        warnings=ordered_warnings(warnings),
        portrait_jpeg=portrait,
        card_jpeg=_jpeg(card),
        lines=[(line.text, round(line.score, 4)) for line in text.lines],
        timings={"locate": t1 - t0, "ocr": t2 - t1, "checks_parse": t3 - t2},
        as_read=as_read,
    )


def _portrait_jpeg(card: np.ndarray) -> bytes:
    h, w = card.shape[:2]
    x0, y0, x1, y1 = PORTRAIT_BOX
    crop = card[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]
    return _jpeg(crop)


def _jpeg(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes a BGR uint8 array
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes())
