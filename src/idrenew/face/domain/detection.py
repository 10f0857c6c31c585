"""MediaPipe short-range face detector: SSD anchor decoding and weighted NMS.

The model takes a 128×128 RGB image scaled to [−1, 1] and returns, for each of its 896
anchors, 16 regression values (box centre, width, height and six keypoints, in input
pixels relative to the anchor centre) and one logit. Keypoints, in an unmirrored image:
0 the subject's right eye (image-left), 1 the left eye, 2 nose tip, 3 mouth centre,
4 right ear tragion, 5 left ear tragion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.runtime import DETECTOR, model

INPUT = 128
MIN_SCORE = 0.5
NMS_IOU = 0.3


def _anchors() -> npt.NDArray[np.float32]:
    """SsdAnchorsCalculator for this model: strides 8, 16, 16, 16; 2 anchors per cell per
    layer, layers of the same stride merged; fixed anchor size (w = h = 1)."""
    strides = [8, 16, 16, 16]
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        same = 0
        while layer + same < len(strides) and strides[layer + same] == strides[layer]:
            same += 1
        size = math.ceil(INPUT / strides[layer])
        for y in range(size):
            for x in range(size):
                centres.extend([((x + 0.5) / size, (y + 0.5) / size)] * (2 * same))
        layer += same
    return np.array(centres, dtype=np.float32)


ANCHORS = _anchors()


@dataclass(frozen=True)
class Detection:
    """A face in image pixels: box (x0, y0, x1, y1), score, six keypoints (6×2)."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: npt.NDArray[np.float32]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


def _iou(box: npt.NDArray[np.float32], others: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    result: npt.NDArray[np.float32] = inter / np.maximum(area + areas - inter, 1e-9)
    return result


def decode(
    regressors: npt.NDArray[np.float32],
    logits: npt.NDArray[np.float32],
    min_score: float = MIN_SCORE,
) -> list[tuple[npt.NDArray[np.float32], float]]:
    """Raw model output → [(16 values in [0, 1] of the input: x0, y0, x1, y1, 6 keypoints
    (x, y)), score)] after MediaPipe's weighted non-maximum suppression."""
    raw = regressors.reshape(-1, 16)
    logit = np.clip(logits.reshape(-1).astype(np.float64), -80.0, 80.0)
    scores = (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    keep = np.nonzero(scores >= min_score)[0]
    if keep.size == 0:
        return []
    r = raw[keep] / INPUT
    anchor = ANCHORS[keep]
    cx = r[:, 0] + anchor[:, 0]
    cy = r[:, 1] + anchor[:, 1]
    w, h = r[:, 2], r[:, 3]
    values = np.empty((keep.size, 16), dtype=np.float32)
    values[:, 0] = cx - w / 2
    values[:, 1] = cy - h / 2
    values[:, 2] = cx + w / 2
    values[:, 3] = cy + h / 2
    values[:, 4::2] = r[:, 4::2] + anchor[:, :1]
    values[:, 5::2] = r[:, 5::2] + anchor[:, 1:]
    order = np.argsort(-scores[keep])
    values, s = values[order], scores[keep][order]
    out: list[tuple[npt.NDArray[np.float32], float]] = []
    remaining = np.arange(len(s))
    while remaining.size:
        head = remaining[0]
        overlap = _iou(values[head, :4], values[remaining, :4])
        group = remaining[overlap > NMS_IOU]
        weights = s[group]
        merged = (values[group] * weights[:, None]).sum(0) / weights.sum()
        out.append((merged.astype(np.float32), float(s[head])))
        remaining = remaining[overlap <= NMS_IOU]
    return out


def detect(image_rgb: npt.NDArray[np.uint8], min_score: float = MIN_SCORE) -> list[Detection]:
    """Faces in an RGB image, best first. The image is letterboxed into 128×128."""
    h, w = image_rgb.shape[:2]
    scale = INPUT / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    dx, dy = (INPUT - nw) // 2, (INPUT - nh) // 2
    canvas = np.zeros((INPUT, INPUT, 3), dtype=np.uint8)
    canvas[dy : dy + nh, dx : dx + nw] = cv2.resize(
        image_rgb, (nw, nh), interpolation=cv2.INTER_AREA
    )
    x = canvas.astype(np.float32)[None] / 127.5 - 1.0
    regressors, logits = model(DETECTOR)(x)
    faces = []
    for values, score in decode(regressors, logits, min_score):
        px = (values * INPUT - np.tile([dx, dy], 8)) / scale
        box = (float(px[0]), float(px[1]), float(px[2]), float(px[3]))
        faces.append(Detection(box=box, score=score, keypoints=px[4:].reshape(6, 2)))
    return faces


def _square_tiles(w: int, h: int, side: int) -> list[tuple[int, int]]:
    """Top-left corners of side × side tiles covering the image with about half overlap."""
    xs = sorted({min(x, w - side) for x in range(0, max(1, w - side // 2), side // 2)})
    ys = sorted({min(y, h - side) for y in range(0, max(1, h - side // 2), side // 2)})
    return [(x, y) for y in ys for x in xs]


# A face this narrow in the detector's 128-px input is easily missed.
MIN_INPUT_FACE_PX = 20.0
# The smallest second face that counts, as a share of the main face's width (tracker.py).
SECOND_FACE_SHARE = 0.35


def detect_photo(image_rgb: npt.NDArray[np.uint8], min_score: float = MIN_SCORE) -> list[Detection]:
    """Faces in a photo, overlaps merged, best first. The short-range model sees the whole
    photo at 128 px, so where a face that would count (``SECOND_FACE_SHARE`` of the main
    face, or any face when none was found) would be too small there, the photo is searched
    again in overlapping square tiles small enough to show it."""
    h, w = image_rgb.shape[:2]
    found = list(detect(image_rgb, min_score))
    short, long_side = min(h, w), max(h, w)
    smallest = SECOND_FACE_SHARE * max(d.width for d in found) if found else short / 6
    if smallest * INPUT / long_side < MIN_INPUT_FACE_PX:
        side = int(min(short, max(INPUT, smallest * INPUT / MIN_INPUT_FACE_PX)))
        for x, y in _square_tiles(w, h, side):
            for d in detect(image_rgb[y : y + side, x : x + side], min_score):
                x0, y0, x1, y1 = d.box
                found.append(
                    Detection(
                        box=(x0 + x, y0 + y, x1 + x, y1 + y),
                        score=d.score,
                        keypoints=d.keypoints + np.array([x, y], dtype=np.float32),
                    )
                )
    found.sort(key=lambda d: d.score, reverse=True)
    kept: list[Detection] = []
    for d in found:
        box = np.array(d.box, dtype=np.float32)
        if kept and _iou(box, np.array([k.box for k in kept], dtype=np.float32)).max() > NMS_IOU:
            continue
        # a face cut by a tile edge is also found whole elsewhere: skip boxes inside a kept one
        if any(_inside(d.box, k.box) for k in kept):
            continue
        kept.append(d)
    return kept


def _inside(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    cx, cy = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    return b[0] <= cx <= b[2] and b[1] <= cy <= b[3]
