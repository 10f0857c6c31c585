"""Image checks on the rectified card, modelled on what the cloud ID-OCR services report.

Each check is a measurement (``measure``) and a threshold (``THRESHOLDS``); the thresholds
were calibrated on the project's synthetic photos — good photos against the labelled
negatives of ``idrenew synth-idcards`` (see ``bench/ocr.py``) — not on any one file.

- blur: mean gradient energy of the text area, relative to its contrast (a sharp card has
  strong, narrow edges whatever the lighting);
- glare: the largest blob of clipped, colourless pixels with no ink left in it, counted only
  where the card's layout prints text (a specular highlight over the text washes it out; an
  evenly overexposed card clips its blank background but keeps its dark text, and a clipped
  blank area hides nothing);
- too dark: the card's median brightness;
- photocopy: no colour anywhere on the card (the spread of chroma around its mean, so a
  colour cast of the room light does not count as colour);
- screen recapture: a periodic pixel grid / moiré — isolated peaks in the high-frequency
  band of the spectrum — or the blue cast and low black level of an emitting screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

THRESHOLDS = {
    "blur_sharpness_min": 0.15,
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


# Where the layout prints text, as fractions (x0, y0, x1, y1) of the upright card: the values
# column and the number row of the front; the title and the two value rows of the back.
TEXT_ZONES: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    "front": ((0.05, 0.08, 0.58, 0.72), (0.05, 0.76, 0.95, 0.94)),
    "back": ((0.36, 0.10, 0.92, 0.46), (0.20, 0.66, 0.92, 0.94)),
}


def measure(card: np.ndarray, side: str | None = None) -> Measures:
    """The measurements of the upright card; ``side`` (front/back, None when unknown) says
    where the text should be."""
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    return Measures(
        sharpness=_sharpness(gray[int(0.08 * h) : int(0.95 * h), int(0.04 * w) : int(0.6 * w)]),
        glare=_glare(card, side),
        brightness=float(np.median(gray)),
        chroma=_chroma_spread(card),
        screen_peak=_screen_peak(gray),
    )


def warnings_for(m: Measures) -> list[str]:
    t = THRESHOLDS
    out = []
    if m.brightness <= t["dark_median_max"]:
        out.append("IDCARD_TOO_DARK")
    if m.glare >= t["glare_blob_min"]:
        out.append("IDCARD_GLARE")
    blurred = m.sharpness < t["blur_sharpness_min"]
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


def _text_zone_mask(h: int, w: int, side: str | None) -> np.ndarray:
    zones = TEXT_ZONES.get(side or "", TEXT_ZONES["front"] + TEXT_ZONES["back"])
    mask = np.zeros((h, w), np.uint8)
    for x0, y0, x1, y1 in zones:
        mask[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)] = 1
    return mask


def _glare(card: np.ndarray, side: str | None = None) -> float:
    """The largest highlight over the text zones, as a fraction of their area.

    A highlight is a blob of clipped, colourless pixels with no ink left in it (holes filled:
    the text an overexposed card keeps is a hole in its clipped background, the text a
    highlight washes out is not), compact (a light spot, not the background left between the
    lines), and with a sharp falloff: the paper right around it is brighter than a little
    further out. An evenly overexposed card is clipped all around its blank areas: no falloff.
    """
    low = card.min(axis=2)
    high = card.max(axis=2)
    colourless = high.astype(np.int16) - low.astype(np.int16) <= 16
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    zones = _text_zone_mask(card.shape[0], card.shape[1], side)
    # Two clipping levels: a highlight on a card that is bright anyway merges with the bright
    # background at the lower one; its white core stands alone at the higher one.
    return max(
        _highlight(((low >= level) & colourless).astype(np.uint8), gray, zones)
        for level in GLARE_LEVELS
    )


def _highlight(clipped: np.ndarray, gray: np.ndarray, zones: np.ndarray) -> float:
    t = THRESHOLDS
    # close over thin strokes so a washed-out text area is one blob
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    zone_area = max(1, int(zones.sum()))
    best = 0.0
    ch, cw = gray.shape
    near, far = GLARE_RING_PX
    for k in range(1, n):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < 0.005 * clipped.size:
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
        over_text = int(zones[y0:y1, x0:x1][inside].sum())
        best = max(best, over_text / zone_area)
    return best


def _chroma_spread(card: np.ndarray) -> float:
    lab = cv2.cvtColor(card, cv2.COLOR_BGR2LAB).astype(np.float32)
    a = lab[:, :, 1] - float(np.median(lab[:, :, 1]))
    b = lab[:, :, 2] - float(np.median(lab[:, :, 2]))
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
