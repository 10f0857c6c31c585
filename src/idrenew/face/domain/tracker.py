"""From images to measures: the detector finds faces, the mesh follows the one face from
frame to frame, and each frame becomes a :class:`~liveness.FrameMeasure`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from idrenew.face.domain import embedding
from idrenew.face.domain.detection import Detection, detect, detect_photo
from idrenew.face.domain.landmarks import (
    Mesh,
    Roi,
    eye_aspects,
    five_points,
    head_pose,
    lid_ratio,
    mesh_at,
    mouth_ratio,
    roi_from_detection,
    roi_from_points,
)
from idrenew.face.domain.liveness import BLINK_OPEN_RATIO, FrameMeasure
from idrenew.face.domain.types import FaceError

ImageRGB = npt.NDArray[np.uint8]

# The detector runs on analysed frames at most this often (15 a second): every analysed
# frame at the 15 Hz of a clip without blinks, every other frame of a 25–30 fps clip. A
# second face is counted per run (liveness.check_presence), so a second person in view for
# half a second is seen.
DETECT_SECONDS = 1.0 / 15.0 - 1e-3
EYES_EVERY = 3  # the iris model's eye ratio on every third frame (baseline, best frame)...
LID_GATE = 0.86  # ...and, when blinks matter, wherever the mesh's lids close below this
LID_HISTORY = 45  # frames of mesh lid ratios the open-eye reference is taken from
EYE_HISTORY = 15  # iris eye ratios the iris model's open-eye reference is taken from
OTHER_FACE_MIN_SCORE = 0.6
OTHER_FACE_MIN_SIZE = 0.35  # a second face counts from this share of the main face's width,
# and, once a second look confirms it (_confirmed), from this usable size: a face in the
# background (an audience behind a singer) large enough to be recognised.
OTHER_FACE_MIN_PX = 40.0
OTHER_FACE_MIN_SHARE = 0.15


def significant(faces: list[Detection]) -> list[Detection]:
    """The faces that count as people in front of the camera (largest first): a second
    face counts when the detector is sure of it and it is not a speck in the background."""
    if not faces:
        return []
    faces = sorted(faces, key=lambda d: d.width, reverse=True)
    main = faces[0]
    return [main] + [
        d
        for d in faces[1:]
        if d.score >= OTHER_FACE_MIN_SCORE and d.width >= OTHER_FACE_MIN_SIZE * main.width
    ]


def _overlaps(mesh: Mesh, det: Detection) -> bool:
    x, y = float(mesh.points[1, 0]), float(mesh.points[1, 1])  # nose tip
    x0, y0, x1, y1 = det.box
    return x0 <= x <= x1 and y0 <= y <= y1


def face_width(points: npt.NDArray[np.float32]) -> float:
    xs = points[:, 0]
    return float(xs.max() - xs.min())


@dataclass
class Tracked:
    measure: FrameMeasure
    aligned: ImageRGB | None  # the 112×112 aligned face, when a face was tracked


def people(image: ImageRGB, faces: list[Detection]) -> list[Detection]:
    """``significant`` faces, plus smaller ones of usable size that a second look confirms
    (largest first)."""
    if not faces:
        return []
    ranked = sorted(faces, key=lambda d: d.width, reverse=True)
    counted = significant(ranked)
    main = ranked[0]
    for d in ranked[1:]:
        if any(d is c for c in counted) or d.score < OTHER_FACE_MIN_SCORE:
            continue
        if d.width < max(OTHER_FACE_MIN_PX, OTHER_FACE_MIN_SHARE * main.width):
            continue
        if _confirmed(image, d) is not None:
            counted.append(d)
    return counted


@dataclass(frozen=True)
class TrackerState:
    mesh: Mesh | None
    lids: tuple[float, ...]
    eyes: tuple[float, ...]
    detected_at: float
    restarts: int


class FaceTracker:
    """Follows one face through a clip. Call :meth:`step` once per frame, in order."""

    def __init__(self) -> None:
        self._mesh: Mesh | None = None
        self._lids: deque[float] = deque(maxlen=LID_HISTORY)
        self._eyes: deque[float] = deque(maxlen=EYE_HISTORY)
        self._detected_at = -1e9
        self.restarts = 0  # times the mesh was (re)started from a detection
        # The last step's mesh saw the lids closing (below LID_GATE of their open reference)
        # and the iris model, run on that frame, did not see the eyes open.
        self.closing = False

    def snapshot(self) -> TrackerState:
        """The tracker now, for :meth:`restore` after the next step."""
        return TrackerState(
            self._mesh, tuple(self._lids), tuple(self._eyes), self._detected_at, self.restarts
        )

    def restore(self, state: TrackerState) -> None:
        """Back to ``state``: the steps made since its snapshot are forgotten."""
        self._mesh = state.mesh
        self._lids = deque(state.lids, maxlen=LID_HISTORY)
        self._eyes = deque(state.eyes, maxlen=EYE_HISTORY)
        self._detected_at = state.detected_at
        self.restarts = state.restarts
        self.closing = False

    def _look_at_eyes(self, index: int, points: npt.NDArray[np.float32], blinks: bool) -> bool:
        """The iris model costs more than the rest of a frame: run it on every third frame,
        and for blinks also where the mesh sees the lids closing (a blink is 3–5 frames)."""
        lids = lid_ratio(points)
        reference = _open_reference(self._lids)
        self._lids.append(lids)
        self.closing = reference is not None and lids < LID_GATE * reference
        if index % EYES_EVERY == 0:
            return True
        if not blinks:
            return False
        if reference is None:
            return True
        return self.closing

    def _eyes_open(self, eye: float) -> bool:
        """The iris model's ratio is that of open eyes: at least BLINK_OPEN_RATIO (a blink's
        neutral frames) of the upper quartile of the ratios it measured recently."""
        reference = _open_reference(self._eyes)
        return reference is not None and eye >= BLINK_OPEN_RATIO * reference

    def step(self, index: int, time: float, image: ImageRGB, *, eyes: bool) -> Tracked:
        """One frame. ``eyes``: blinks matter (the eyes are measured wherever they may
        close); otherwise only every third frame, for choosing the best frame."""
        self.closing = False
        faces: list[Detection] | None = None
        if self._mesh is None or time - self._detected_at >= DETECT_SECONDS:
            faces = people(image, detect(image))
            self._detected_at = time
        roi = None
        if self._mesh is not None and (not faces or any(_overlaps(self._mesh, d) for d in faces)):
            roi = roi_from_points(self._mesh.points)
        elif faces:
            roi = roi_from_detection(faces[0])
            self.restarts += 1
        count = len(faces) if faces is not None else None
        if roi is None:
            self._mesh = None
            return Tracked(FrameMeasure(index, time, False, count), None)
        mesh = mesh_at(image, roi)
        if not mesh.found:
            self._mesh = None
            return Tracked(FrameMeasure(index, time, False, count), None)
        self._mesh = mesh
        return self._measured(index, time, image, mesh, count, eyes)

    def _measured(
        self, index: int, time: float, image: ImageRGB, mesh: Mesh, count: int | None, eyes: bool
    ) -> Tracked:
        short_side = float(min(image.shape[:2]))
        points = mesh.points
        yaw, pitch = head_pose(points)
        eye = None
        if self._look_at_eyes(index, points, eyes):
            right, left = eye_aspects(image, points)
            eye = (right + left) / 2
            # Narrowed eyes or a look down lower the mesh's lids for seconds: where the iris
            # model sees the eyes open, the frame is no blink's (no closer look around it).
            if self.closing and self._eyes_open(eye):
                self.closing = False
            self._eyes.append(eye)
        aligned = embedding.align(image, five_points(points))
        measure = FrameMeasure(
            index=index,
            time=time,
            face=True,
            faces_detected=count,
            yaw=yaw,
            pitch=pitch,
            mouth=mouth_ratio(points),
            eye=eye,
            face_px=face_width(points),
            frame_short_side=short_side,
            brightness=embedding.brightness(aligned),
            sharpness=embedding.sharpness(aligned),
        )
        return Tracked(measure, aligned)


def _open_reference(recent: deque[float]) -> float | None:
    """The upper quartile of recent eye measures (the eyes as they are when open); None
    until there are five."""
    if len(recent) < 5:
        return None
    ordered = sorted(recent)
    return ordered[(len(ordered) * 3) // 4]


CONFIRM_SCORE = 0.75  # detector score on a crop around a candidate face
CONFIRM_PRESENCE = 0.9  # face-mesh presence on that face


def _confirmed(image: ImageRGB, det: Detection) -> Mesh | None:
    """The mesh of a detected face, if a second look confirms it is one: the detector run
    again on a crop around it, and the mesh's face-presence flag. Patterns in a photo's
    background (a seal, a hand) the detector half-liked fail one or the other."""
    cx, cy = det.centre
    side = max(8, round(2 * max(det.width, det.height)))
    roi = Roi(cx, cy, float(side), 0.0)
    again = detect(roi.crop(image, side))
    if not again or max(d.score for d in again) < CONFIRM_SCORE:
        return None
    mesh = mesh_at(image, roi_from_detection(det))
    if mesh.presence < CONFIRM_PRESENCE:
        return None
    refined = mesh_at(image, roi_from_points(mesh.points))  # its own crop aligns better
    return refined if refined.found else mesh


def single_face(image: ImageRGB) -> ImageRGB:
    """The aligned face of a photo that shows exactly one face; ``FaceError`` otherwise.

    Candidates are confirmed first, then sized against the largest confirmed face, so that a
    large false detection cannot hide two real faces."""
    confirmed = [(d, m) for d in detect_photo(image) if (m := _confirmed(image, d))]
    faces = significant([d for d, _ in confirmed])
    if not faces:
        raise FaceError("FACE_NOT_FOUND", "no face in the image")
    if len(faces) > 1:
        raise FaceError("FACE_MULTIPLE", f"{len(faces)} faces in the image")
    mesh = next(m for d, m in confirmed if d is faces[0])
    return embedding.align(image, five_points(mesh.points))
