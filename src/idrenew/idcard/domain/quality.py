"""Image checks on the rectified card, modelled on what the cloud ID-OCR services report.

Each check is a measurement (``measure``) and a threshold (``THRESHOLDS``); the thresholds
were calibrated on the project's synthetic photos — good photos against the labelled
negatives of ``idrenew synth-idcards`` (see ``bench/ocr.py``) — not on any one file.

- blur: mean gradient energy of the text area, relative to its contrast (a sharp card has
  strong, narrow edges whatever the lighting);
- glare: the largest blob of clipped, colourless pixels over the card;
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
    "glare_blob_min": 0.2,  # fraction of the card area washed out, ink gone
    "dark_median_max": 45.0,
    "photocopy_chroma_max": 3.0,
    "screen_peak_min": 150.0,  # spectral peak / median in the fine-detail band
    "screen_brightness_max": 150.0,  # …with the dim, soft look of a photographed screen
    "screen_sharpness_max": 0.25,
}


@dataclass
class Measures:
    sharpness: float
    glare: float
    brightness: float
    chroma: float
    screen_peak: float


def measure(card: np.ndarray) -> Measures:
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    return Measures(
        sharpness=_sharpness(gray[int(0.08 * h) : int(0.95 * h), int(0.04 * w) : int(0.6 * w)]),
        glare=_glare(card),
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


def _glare(card: np.ndarray) -> float:
    """The largest washed-out blob — clipped, colourless, with no ink left inside it — as a
    fraction of the card. An evenly overexposed card keeps its dark text: not glare."""
    low = card.min(axis=2)
    high = card.max(axis=2)
    clipped = ((low >= 244) & (high.astype(np.int16) - low.astype(np.int16) <= 16)).astype(np.uint8)
    # close over thin strokes so a washed-out text area is one blob
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    clipped = cv2.morphologyEx(clipped, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    best = 0.0
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    for k in range(1, n):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < 0.005 * clipped.size:
            continue
        x, y, w, h = (int(v) for v in stats[k, :4])
        region = gray[y : y + h, x : x + w][labels[y : y + h, x : x + w] == k]
        ink = float((region < 140).mean())
        if ink < 0.004:
            best = max(best, area / clipped.size)
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
