"""Image checks on the rectified card, modelled on what the cloud ID-OCR services report.

Each check is a measurement (``measure``) and a threshold (``THRESHOLDS``); the thresholds
were calibrated on the project's synthetic photos — good photos against the labelled
negatives of ``idrenew synth-idcards`` (see ``bench/ocr.py``) — not on any one file.

- blur: measured on the text strokes of the rectified card, so relative to the card's size
  (856 px wide whatever its size in the photo): the edge spread of the strokes (a step
  blurred by a Gaussian of sigma rises with slope contrast / (sigma·√(2π)), each edge
  against its own contrast), less the spread the card's pixel width in the photo implies
  (a small card is upsampled: soft, not out of focus), against the printed stroke width; a
  card is blurred when the camera spread its strokes over half their width, as a mildly
  out-of-focus card is while its text is still legible. The relative-gradient measure
  (``sharpness``) stays as the floor for heavy and motion blur and feeds the screen check;
- glare: a blob of clipped, colourless pixels with no ink left in it (a specular highlight
  over the text washes it out; an evenly overexposed card clips its blank background but
  keeps its dark text, and a clipped blank area hides nothing) — flagged when it covers a
  share of the layout's text area (``glare``) *or*, locally, when it sits on a line of text
  the OCR read, on or just past its ends, and is at least about a character in size
  (``glare_local``): a small highlight washing out a few characters of one line leaves the
  rest of the line reading cleanly, with high confidence;
- too dark: the card's median brightness;
- photocopy: no colour anywhere on the card (the spread of chroma around its mean, so a
  colour cast of the room light does not count as colour);
- screen recapture: a periodic pixel grid / moiré — isolated peaks in the high-frequency
  band of the spectrum — or the blue cast and low black level of an emitting screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

# Text strokes as printed: about 0.3 mm, 3 px of the rectified card (10 px/mm). The stroke
# width measured on a photo swells as blur merges neighbouring strokes, so the limit is set
# against the printed width; the measured one is reported beside it.
PRINTED_STROKE_PX = 3.0
# Rectifying a card that is W px wide in the photo to CARD_W px spreads an edge by about
# this × CARD_W / W (interpolation and the sensor's own pixel) — resolution, not focus.
RESAMPLING_SPREAD = 0.7

THRESHOLDS = {
    "blur_sharpness_min": 0.15,
    # the camera's edge spread (Gaussian sigma, card px) / the printed stroke width above
    # this: blurred (the strokes are spread over half their width)
    "blur_spread_ratio_max": 0.5,
    # a highlight on a line of text: its area in character cells (line height squared)
    "glare_local_min": 0.6,
    # a stretch of a long value's line with its characters washed out, in line heights
    "glare_gap_min": 1.2,
    "glare_blob_min": 0.03,  # fraction of the card's text area washed out, ink gone
    "glare_solidity_min": 0.8,  # blob area / its convex hull's: a spot, not a background
    "glare_falloff_min": 3.0,  # paper level just around the blob minus a bit further out
    "dark_median_max": 45.0,
    "photocopy_chroma_max": 3.0,
    "screen_peak_min": 150.0,  # spectral peak / median in the fine-detail band
    "screen_brightness_max": 150.0,  # …with the dim, soft look of a photographed screen
    "screen_sharpness_max": 0.25,
}


GLARE_LEVELS = (244, 252)  # clipped: every channel at least this (and colourless)
GLARE_RING_PX = (10, 30)  # the rings around a highlight: up to 10 px out, then 10–30 px out


@dataclass
class Measures:
    sharpness: float
    glare: float
    brightness: float
    chroma: float
    screen_peak: float
    blur_spread: float = 0.0  # the camera's edge spread of the text strokes (sigma, card px)
    stroke_width: float = 0.0  # the strokes' width as measured (card px; swells with blur)
    glare_local: float = 0.0  # the largest highlight on a read line, in character cells

    @property
    def spread_ratio(self) -> float:
        """The camera's edge spread against the printed stroke width."""
        return self.blur_spread / PRINTED_STROKE_PX


LineBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in the upright card's pixels


# Where the layout prints text, as fractions (x0, y0, x1, y1) of the upright card: the values
# column and the number row of the front; the title and the two value rows of the back.
TEXT_ZONES: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    "front": ((0.05, 0.08, 0.58, 0.72), (0.05, 0.76, 0.95, 0.94)),
    "back": ((0.36, 0.10, 0.92, 0.46), (0.20, 0.66, 0.92, 0.94)),
}


def measure(
    card: np.ndarray,
    side: str | None = None,
    lines: Sequence[LineBox] = (),
    card_width_px: float = 0.0,
) -> Measures:
    """The measurements of the upright card; ``side`` (front/back, None when unknown) says
    where the text should be; ``lines``: the boxes of the text lines the OCR read;
    ``card_width_px``: the card's width in the photo (0: unknown, taken as the card's own)."""
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    edge, stroke = _stroke_blur(gray, _text_zone_mask(h, w, side))
    # what the card's resolution in the photo spreads anyway is not the camera's blur
    resampling = RESAMPLING_SPREAD * w / (card_width_px or w)
    spread = float(np.sqrt(max(0.0, edge * edge - resampling * resampling)))
    glare, local = _glare(card, side, lines)
    return Measures(
        sharpness=_sharpness(gray[int(0.08 * h) : int(0.95 * h), int(0.04 * w) : int(0.6 * w)]),
        glare=glare,
        brightness=float(np.median(gray)),
        chroma=_chroma_spread(card),
        screen_peak=_screen_peak(gray),
        blur_spread=spread,
        stroke_width=stroke,
        glare_local=local,
    )


def warnings_for(m: Measures) -> list[str]:
    t = THRESHOLDS
    out = []
    if m.brightness <= t["dark_median_max"]:
        out.append("IDCARD_TOO_DARK")
    if m.glare >= t["glare_blob_min"] or m.glare_local >= t["glare_local_min"]:
        out.append("IDCARD_GLARE")
    blurred = m.sharpness < t["blur_sharpness_min"] or m.spread_ratio > t["blur_spread_ratio_max"]
    if blurred and "IDCARD_TOO_DARK" not in out:
        out.append("IDCARD_BLURRED")
    screen = (
        not blurred
        and m.screen_peak >= t["screen_peak_min"]
        and (m.brightness <= t["screen_brightness_max"] or m.sharpness < t["screen_sharpness_max"])
    )
    if screen:
        out.append("IDCARD_SCREEN")
    elif m.chroma <= t["photocopy_chroma_max"] and "IDCARD_TOO_DARK" not in out:
        out.append("IDCARD_PHOTOCOPY")
    return out


def _sharpness(gray: np.ndarray) -> float:
    """Edge steepness of the text relative to its contrast, in the *least* sharp direction
    (motion blur smears one direction only)."""
    g = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA).astype(np.float32)
    lo, hi = np.percentile(g, (2, 98))
    contrast = max(float(hi - lo), 20.0)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    steepest = []
    for angle in np.linspace(0, np.pi, 8, endpoint=False):
        d = np.abs(gx * np.cos(angle) + gy * np.sin(angle))
        steepest.append(float(np.percentile(d, 99.5)))
    return min(steepest) / contrast / 8.0


def _stroke_blur(gray: np.ndarray, zones: np.ndarray) -> tuple[float, float]:
    """Edge spread (Gaussian sigma) and width of the text strokes, in the card's pixels.

    Ink: pixels well below the paper around them (the paper level from a wide closing).
    Width: from the distance transform of the ink (a stroke of width w has interior distances
    averaging w/4). Spread: at the ink's boundary, local contrast / (steepest slope · √(2π)),
    the median over the boundary — each edge judged against its own contrast, so light,
    uneven or low-contrast photos measure like well-lit ones.
    """
    g = cv2.GaussianBlur(gray, (3, 3), 0.6).astype(np.float32)
    paper = cv2.morphologyEx(g, cv2.MORPH_CLOSE, np.ones((25, 25), np.uint8))
    depth = paper - g
    strong = depth[zones > 0]
    if strong.size == 0:
        return 0.0, 0.0
    level = max(25.0, 0.5 * float(np.percentile(strong, 99.5)))
    ink = ((depth >= level) & (zones > 0)).astype(np.uint8)
    if int(ink.sum()) < 200:
        return 0.0, 0.0
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    stroke = max(1.0, 4.0 * float(dist[ink > 0].mean()) - 2.0)  # -2: the pixel grid's bias
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    slope = cv2.dilate(np.sqrt(gx * gx + gy * gy), np.ones((3, 3), np.uint8))
    window = np.ones((7, 7), np.uint8)
    contrast = cv2.dilate(g, window) - cv2.erode(g, window)
    edge = (ink > 0) & (cv2.erode(ink, np.ones((3, 3), np.uint8)) == 0)
    edge &= contrast >= level
    if int(edge.sum()) < 100:
        return 0.0, stroke
    sigma = contrast[edge] / (np.maximum(slope[edge], 1e-3) * float(np.sqrt(2 * np.pi)))
    return float(np.median(sigma)), stroke


def _text_zone_mask(h: int, w: int, side: str | None) -> np.ndarray:
    zones = TEXT_ZONES.get(side or "", TEXT_ZONES["front"] + TEXT_ZONES["back"])
    mask = np.zeros((h, w), np.uint8)
    for x0, y0, x1, y1 in zones:
        mask[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)] = 1
    return mask


def channel_min_max(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The darkest and the brightest channel of each pixel of a BGR image: the same arrays as
    ``image.min(axis=2)`` / ``image.max(axis=2)``, from OpenCV's per-channel operations (numpy
    reduces over the interleaved channel axis about 40 times slower: ~20 ms per card)."""
    b, g, r = cv2.split(image)
    return cv2.min(cv2.min(b, g), r), cv2.max(cv2.max(b, g), r)


def _glare(
    card: np.ndarray, side: str | None = None, lines: Sequence[LineBox] = ()
) -> tuple[float, float]:
    """The largest highlight over the text zones, as a fraction of their area, and the
    largest one on a read line of text, in character cells (see ``_highlight``).

    A highlight is a blob of clipped, colourless pixels with no ink left in it (holes filled:
    the text an overexposed card keeps is a hole in its clipped background, the text a
    highlight washes out is not), compact (a light spot, not the background left between the
    lines), and with a sharp falloff: the paper right around it is brighter than a little
    further out. An evenly overexposed card is clipped all around its blank areas: no falloff.
    """
    low, high = channel_min_max(card)
    colourless = high.astype(np.int16) - low.astype(np.int16) <= 16
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    zones = _text_zone_mask(card.shape[0], card.shape[1], side)
    # Two clipping levels: a highlight on a card that is bright anyway merges with the bright
    # background at the lower one; its white core stands alone at the higher one.
    found = [
        _highlight(((low >= level) & colourless).astype(np.uint8), gray, zones, lines)
        for level in GLARE_LEVELS
    ]
    return max(f[0] for f in found), max(f[1] for f in found)


def washed_out_gap(card: np.ndarray, lines: Sequence[Sequence[LineBox]]) -> float:
    """The widest stretch of a long value's line (each address line, the issuer: the boxes
    its text was read from) whose characters are missing under a highlight, in line heights.

    A stretch is a gap between two boxes of the line or — for an address line followed by
    another, as every line but the last is printed full — from the line's end to where the
    next one ends. It counts when the middle of the line's height there is saturated (near
    white, brighter than the paper around the line's text) and holds no ink: characters
    washed out, which the OCR cannot report with a low confidence because it never saw them.
    """
    if not lines:
        return 0.0
    low, _ = channel_min_max(card)
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    ch, cw = gray.shape
    ends = [max(b[2] for b in line) if line else 0.0 for line in lines]
    best = 0.0
    for k, line in enumerate(lines):
        if not line:
            continue
        boxes = sorted(line)
        h = float(np.median([b[3] - b[1] for b in boxes]))
        cy = float(np.median([(b[1] + b[3]) / 2 for b in boxes]))
        if h < 6:
            continue
        y0, y1 = max(0, int(cy - 0.3 * h)), min(ch, int(cy + 0.3 * h))
        text_px = np.concatenate(
            [gray[y0:y1, max(0, int(b[0])) : min(cw, int(b[2]))].ravel() for b in boxes]
        )
        paper = float(np.percentile(text_px, 75)) if text_px.size else 255.0
        spans = [(a[2], b[0]) for a, b in pairwise(boxes)]
        if k + 1 < len(lines):
            spans.append((boxes[-1][2], ends[k + 1]))
        for x0, x1 in spans:
            if x1 - x0 < THRESHOLDS["glare_gap_min"] * h:
                continue
            a, b = max(0, int(x0) + 2), min(cw, int(x1) - 2)
            if b <= a or y1 <= y0:
                continue
            level = min(250.0, max(240.0, paper + 6))
            saturated = float((low[y0:y1, a:b] >= level).mean())
            ink = float((gray[y0:y1, a:b] < paper - 60).mean())
            if saturated >= 0.8 and ink <= 0.01:
                best = max(best, (x1 - x0) / h)
    return best


def _on_line(box: tuple[int, int, int, int], inside: np.ndarray, lines: Sequence[LineBox]) -> float:
    """The blob's size in character cells of the largest line it lies on (0 when on none).

    On a line: it overlaps the middle of the line's height, within the line or up to one and
    a half line heights past either end (the characters it washed out are not in the box).
    """
    x0, y0, x1, y1 = box
    area = float(inside.sum())
    best = 0.0
    for lx0, ly0, lx1, ly1 in lines:
        lh = ly1 - ly0
        if lh < 6:
            continue
        band_y0, band_y1 = ly0 + 0.25 * lh, ly1 - 0.25 * lh
        band_x0, band_x1 = lx0 - 1.5 * lh, lx1 + 1.5 * lh
        if y1 <= band_y0 or y0 >= band_y1 or x1 <= band_x0 or x0 >= band_x1:
            continue
        # the blob's pixels inside the band
        ys = slice(max(0, int(band_y0) - y0), max(0, int(band_y1) - y0))
        xs = slice(max(0, int(band_x0) - x0), max(0, int(band_x1) - x0))
        if not inside[ys, xs].any():
            continue
        best = max(best, area / (lh * lh))
    return best


def _highlight(
    clipped: np.ndarray, gray: np.ndarray, zones: np.ndarray, lines: Sequence[LineBox] = ()
) -> tuple[float, float]:
    t = THRESHOLDS
    # close over thin strokes so a washed-out text area is one blob
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    zone_area = max(1, int(zones.sum()))
    best = local = 0.0
    ch, cw = gray.shape
    near, far = GLARE_RING_PX
    for k in range(1, n):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < 0.0008 * clipped.size:
            continue
        x, y, w, h = (int(v) for v in stats[k, :4])
        # a window around the blob wide enough for the outer ring
        x0, y0 = max(0, x - far), max(0, y - far)
        x1, y1 = min(cw, x + w + far), min(ch, y + h + far)
        blob = (labels[y0:y1, x0:x1] == k).astype(np.uint8)
        contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(blob, contours, -1, 1, thickness=cv2.FILLED)
        inside = blob > 0
        window = gray[y0:y1, x0:x1]
        if float((window[inside] < 140).mean()) >= 0.004:
            continue  # ink left inside: not washed out
        hull_area = float(cv2.contourArea(cv2.convexHull(np.vstack(contours))))
        if float(inside.sum()) / max(1.0, hull_area) < t["glare_solidity_min"]:
            continue
        ring1 = cv2.dilate(blob, np.ones((2 * near + 1, 2 * near + 1), np.uint8)) > 0
        ring2 = cv2.dilate(blob, np.ones((2 * far + 1, 2 * far + 1), np.uint8)) > 0
        inner, outer = window[ring1 & ~inside], window[ring2 & ~ring1]
        if inner.size == 0 or outer.size == 0:
            continue
        falloff = float(np.percentile(inner, 75)) - float(np.percentile(outer, 75))
        if falloff < t["glare_falloff_min"]:
            continue
        if area >= 0.005 * clipped.size:
            over_text = int(zones[y0:y1, x0:x1][inside].sum())
            best = max(best, over_text / zone_area)
        local = max(local, _on_line((x0, y0, x1, y1), inside, lines))
    return best, local


def median_u8(values: np.ndarray) -> float:
    """``np.median`` of a ``uint8`` array (the mean of the two middle values when their count
    is even), from its 256-bin histogram instead of a partial sort."""
    n = int(values.size)
    if n == 0:
        raise ValueError("median of an empty array")
    cumulative = np.cumsum(np.bincount(values.ravel(), minlength=256))
    lo = int(np.searchsorted(cumulative, (n - 1) // 2, side="right"))
    hi = int(np.searchsorted(cumulative, n // 2, side="right"))
    return (lo + hi) / 2.0


def _chroma_spread(card: np.ndarray) -> float:
    lab = cv2.cvtColor(card, cv2.COLOR_BGR2LAB)
    _, a8, b8 = cv2.split(lab)
    a = a8.astype(np.float32) - median_u8(a8)
    b = b8.astype(np.float32) - median_u8(b8)
    dist = np.sqrt(a * a + b * b)
    return float(np.percentile(dist, 97))


def _screen_peak(gray: np.ndarray) -> float:
    h, w = gray.shape
    size = 256
    y, x = (h - size) // 2, int(w * 0.05)
    patch = gray[y : y + size, x : x + size].astype(np.float32)
    patch = patch - cv2.GaussianBlur(patch, (0, 0), 3)  # keep only fine detail
    window = np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(patch * window)))
    yy, xx = np.mgrid[-size // 2 : size // 2, -size // 2 : size // 2]
    radius = np.sqrt(xx * xx + yy * yy)
    band = (radius > size * 0.04) & (radius < size * 0.45)
    values = spectrum[band]
    median = float(np.median(values)) + 1e-6
    return float(values.max() / median)
