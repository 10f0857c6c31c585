"""Face mesh (468 points), iris/eyelid model, and the measures read off them.

The mesh runs on a square crop around the face, rotated so that the eyes are level:
from a detection (MediaPipe: 1.5 × the detector's box, angle of its eye keypoints) or,
when tracking, from the previous frame's mesh (1.5 × its extent, angle of points 33–263).
Point numbers are MediaPipe's canonical face-mesh indices; "right"/"left" are the
subject's, so in an unmirrored image the subject's right eye (33, 133) is on the left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.detection import Detection
from idrenew.face.domain.runtime import IRIS, MESH, model

FloatArray = npt.NDArray[np.float32]
ImageRGB = npt.NDArray[np.uint8]

MESH_INPUT = 192
IRIS_INPUT = 64
MIN_PRESENCE = 0.5

# Eye corners (outer, inner) of the subject's right and left eye.
RIGHT_EYE = (33, 133)
LEFT_EYE = (362, 263)  # inner, outer: both pairs run towards image-right
NOSE_TIP = 1
MOUTH_CORNERS = (61, 291)
INNER_LIPS = (13, 14)
# Rigid points for the head pose: eye corners, brows' inner ends, nose bridge, forehead,
# temples. No chin, jaw or mouth point: those move when the mouth opens (DESIGN.md §5a).
LATERAL_PAIRS = ((33, 263), (133, 362), (127, 356), (70, 300), (98, 327))
MIDLINE_TOP = (10, 151, 9)
MIDLINE_BOTTOM = (168, 6, 197, 195)

# In the 71-point eye contour of the iris model, 0 and 8 are the corners, 1–7 the lower
# lid and 9–15 the upper lid (MediaPipe's eye-landmark subset of the face mesh).
EYE_CORNERS = (0, 8)
EYE_LID_PAIRS = ((11, 3), (12, 4), (13, 5))


@dataclass(frozen=True)
class Roi:
    """A square crop: centre, side and the angle of its x-axis in the image (radians)."""

    cx: float
    cy: float
    size: float
    angle: float

    def affine(self, out: int) -> npt.NDArray[np.float64]:
        """2×3 matrix from crop pixels (out × out) to image pixels."""
        s = self.size / out
        c, n = math.cos(self.angle) * s, math.sin(self.angle) * s
        half = out / 2
        return np.array(
            [
                [c, -n, self.cx - c * half + n * half],
                [n, c, self.cy - n * half - c * half],
            ]
        )

    def crop(self, image: ImageRGB, out: int) -> ImageRGB:
        patch = cv2.warpAffine(
            image,
            self.affine(out),
            (out, out),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
        )
        return np.asarray(patch, dtype=np.uint8)


def roi_from_detection(det: Detection, scale: float = 1.5) -> Roi:
    (x0, y0), (x1, y1) = det.keypoints[0], det.keypoints[1]
    angle = math.atan2(float(y1 - y0), float(x1 - x0))
    cx, cy = det.centre
    return Roi(cx, cy, scale * max(det.width, det.height), angle)


def roi_from_points(points: FloatArray, scale: float = 1.5) -> Roi:
    """Crop for the next frame: extent of the mesh in its own eye-level frame."""
    a, b = points[RIGHT_EYE[0], :2], points[LEFT_EYE[1], :2]
    angle = math.atan2(float(b[1] - a[1]), float(b[0] - a[0]))
    c, s = math.cos(angle), math.sin(angle)
    xy = points[:, :2].astype(np.float64)
    u = xy[:, 0] * c + xy[:, 1] * s
    v = -xy[:, 0] * s + xy[:, 1] * c
    mu, mv = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    size = scale * max(u.max() - u.min(), v.max() - v.min())
    return Roi(mu * c - mv * s, mu * s + mv * c, float(size), angle)


@dataclass(frozen=True)
class Mesh:
    points: FloatArray  # 468 × 3 in image pixels (z on the same scale, smaller = nearer)
    presence: float
    roi: Roi

    @property
    def found(self) -> bool:
        return self.presence >= MIN_PRESENCE


def mesh_at(image: ImageRGB, roi: Roi) -> Mesh:
    patch = roi.crop(image, MESH_INPUT)
    raw, flag = model(MESH)(patch.astype(np.float32)[None] / 255.0)
    local = raw.reshape(468, 3).astype(np.float64)
    a = roi.affine(MESH_INPUT)
    points = np.empty((468, 3), dtype=np.float32)
    points[:, :2] = local[:, :2] @ a[:, :2].T + a[:, 2]
    points[:, 2] = local[:, 2] * (roi.size / MESH_INPUT)
    presence = 1.0 / (1.0 + math.exp(-max(-80.0, min(80.0, float(flag.reshape(-1)[0])))))
    return Mesh(points=points, presence=presence, roi=roi)


def five_points(points: FloatArray) -> FloatArray:
    """Eye centres, nose tip, mouth corners (image order: left to right) for alignment."""
    return np.array(
        [
            (points[RIGHT_EYE[0], :2] + points[RIGHT_EYE[1], :2]) / 2,
            (points[LEFT_EYE[0], :2] + points[LEFT_EYE[1], :2]) / 2,
            points[NOSE_TIP, :2],
            points[MOUTH_CORNERS[0], :2],
            points[MOUTH_CORNERS[1], :2],
        ],
        dtype=np.float32,
    )


def _unit(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else v


def head_pose(points: FloatArray) -> tuple[float, float]:
    """(yaw, pitch) in degrees from the rigid upper-face points.

    yaw > 0: the nose points towards image-right, i.e. the subject turned to THEIR left
    (unmirrored camera). pitch > 0: the face points down.
    """
    p = points.astype(np.float64)
    lateral = _unit(sum((_unit(p[b] - p[a]) for a, b in LATERAL_PAIRS), np.zeros(3)))
    up = p[list(MIDLINE_TOP)].mean(0) - p[list(MIDLINE_BOTTOM)].mean(0)
    up = _unit(up - lateral * float(up @ lateral))
    normal = np.cross(lateral, up)  # towards the camera (−z) for a frontal face
    yaw = math.degrees(math.atan2(normal[0], -normal[2]))
    pitch = math.degrees(math.atan2(normal[1], -normal[2]))
    return yaw, pitch


# Upper and lower lid midpoints of the mesh (subject's right eye, left eye).
LIDS = ((159, 145), (386, 374))


def lid_ratio(points: FloatArray) -> float:
    """Lid gap ÷ eye width from the mesh alone: cheap, but it falls only to about 0.75 of
    its open value on a clear blink (the iris model's ratio to 0.10–0.38), so it only says
    where to look closer."""
    gaps = sum(float(np.linalg.norm(points[u, :2] - points[lo, :2])) for u, lo in LIDS)
    widths = float(np.linalg.norm(points[RIGHT_EYE[0], :2] - points[RIGHT_EYE[1], :2])) + float(
        np.linalg.norm(points[LEFT_EYE[0], :2] - points[LEFT_EYE[1], :2])
    )
    return gaps / widths if widths > 1e-6 else 0.0


def mouth_ratio(points: FloatArray) -> float:
    """Inner-lip gap ÷ mouth width (3D distances)."""
    gap = float(np.linalg.norm(points[INNER_LIPS[0]] - points[INNER_LIPS[1]]))
    width = float(np.linalg.norm(points[MOUTH_CORNERS[0]] - points[MOUTH_CORNERS[1]]))
    return gap / width if width > 1e-6 else 0.0


def _eye_roi(points: FloatArray, corners: tuple[int, int]) -> Roi:
    a, b = points[corners[0], :2], points[corners[1], :2]
    angle = math.atan2(float(b[1] - a[1]), float(b[0] - a[0]))
    size = 2.3 * float(np.linalg.norm(b - a))
    return Roi(float(a[0] + b[0]) / 2, float(a[1] + b[1]) / 2, size, angle)


def _aspect(contour: npt.NDArray[np.float64]) -> float:
    width = float(np.linalg.norm(contour[EYE_CORNERS[0]] - contour[EYE_CORNERS[1]]))
    if width < 1e-6:
        return 0.0
    gaps = [float(np.linalg.norm(contour[u] - contour[lo])) for u, lo in EYE_LID_PAIRS]
    return sum(gaps) / len(gaps) / width


def eye_aspects(image: ImageRGB, points: FloatArray) -> tuple[float, float]:
    """Eye aspect ratio (lid gap ÷ eye width) of the subject's right and left eye, from
    the iris model run on a 2.3 × eye-width crop of each (the left eye mirrored)."""
    out = []
    for corners, flip in ((RIGHT_EYE, False), (LEFT_EYE, True)):
        patch = _eye_roi(points, corners).crop(image, IRIS_INPUT)
        if flip:
            patch = np.ascontiguousarray(patch[:, ::-1])
        contour, _iris = model(IRIS)(patch.astype(np.float32)[None] / 255.0)
        out.append(_aspect(contour.reshape(71, 3)[:, :2].astype(np.float64)))
    return out[0], out[1]
