"""The local face engine: liveness analysis of a clip and 1:1 face matching, on the models
shipped in ``idrenew/face/models/`` (run by onnxruntime, loaded once per process)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain import embedding, liveness, runtime
from idrenew.face.domain.liveness import FrameMeasure
from idrenew.face.domain.runtime import DETECTOR, EMBEDDER, IRIS, MESH
from idrenew.face.domain.tracker import FaceTracker, single_face
from idrenew.face.domain.types import ActionResult, LivenessReport
from idrenew.face.domain.video import read_frames

# Cosine similarity of two MobileFaceNet embeddings at and above which two faces are taken
# for the same person. Chosen on the development data (bench/face.py; MODELS.md has the
# data set and the FAR/FRR it gives). Settings override it (IDRENEW_FACE_MATCH_THRESHOLD).
MATCH_THRESHOLD = 0.52

SAMPLE_HZ = 15.0  # frames analysed per second when no blink is asked for
BEST_FRAME_MAX_SIDE = 640
JPEG_QUALITY = 90


class LocalFaceEngine:
    """Implements ``types.FaceEngine`` with the shipped models."""

    def __init__(
        self,
        *,
        threshold: float = MATCH_THRESHOLD,
        min_seconds: float = liveness.MIN_SECONDS,
        max_seconds: float = 15.0,
    ) -> None:
        self.threshold = threshold
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds

    def check_config(self) -> list[str]:
        return runtime.model_problems([DETECTOR, MESH, IRIS, EMBEDDER])

    # --- 1:1 matching ---------------------------------------------------------------------

    def embed_image(self, image_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        rgb = np.asarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
        h, w = rgb.shape[:2]
        if max(h, w) > 1600:  # large photos: the detector sees 128 px anyway
            scale = 1600 / max(h, w)
            rgb = np.asarray(
                cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA),
                dtype=np.uint8,
            )
        return embedding.embed([single_face(rgb)])[0]

    def similarity(self, a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
        return embedding.cosine(a, b)

    # --- liveness -------------------------------------------------------------------------

    def analyze_clip(self, path: str, actions: list[str]) -> LivenessReport:
        tracker = FaceTracker()
        blinks = "blink" in actions
        # A blink lasts 3–5 frames: every frame counts. Turns and mouth openings last
        # 0.3 s or more: about 15 frames a second are plenty, at half the cost.
        interval = 0.0 if blinks else 1.0 / SAMPLE_HZ - 1e-3
        measures: list[FrameMeasure] = []
        aligned: dict[int, npt.NDArray[np.uint8]] = {}
        decoded = 0
        last = -1.0
        for frame in read_frames(path, max_seconds=self.max_seconds):
            decoded += 1
            if measures and frame.time - last < interval:
                continue
            last = frame.time
            tracked = tracker.step(frame.index, frame.time, frame.rgb, eyes=blinks)
            measures.append(tracked.measure)
            if tracked.aligned is not None:
                aligned[frame.index] = tracked.aligned
        duration = measures[-1].time if measures else 0.0
        fps = (len(measures) - 1) / duration if duration > 0 else 30.0
        report = LivenessReport(
            passed=False,
            actions=[ActionResult(a, False, None) for a in actions],
            failures=[],
            best_frame=None,
            frame_count=decoded,
            fps=round((decoded - 1) / duration, 2) if duration > 0 else 30.0,
            face_ratio=round(sum(m.face for m in measures) / max(1, len(measures)), 3),
        )
        if duration + 1.0 / report.fps < self.min_seconds:
            report.failures = ["CLIP_TOO_SHORT"]
            return report
        failures = liveness.check_presence(measures)
        if "FACE_NOT_FOUND" in failures and not aligned:
            report.failures = failures
            return report
        failures += liveness.check_quality(measures)
        decision = liveness.decide_actions(actions, measures, fps)
        report.actions = decision.actions
        base = liveness.baseline(measures)
        best = liveness.best_frame([m for m in measures if m.eye is not None], base)
        best = best or liveness.best_frame(measures, base)
        if best is not None:
            report.best_frame = best.index
            if best.sharpness < liveness.MIN_SHARPNESS:
                failures.append("FACE_BLURRED")
            vectors = embedding.embed([aligned[best.index], *self._ends(measures, aligned, base)])
            report.best_frame_embedding = vectors[0]
            if min(self.similarity(vectors[1], v) for v in vectors[2:]) < self.threshold:
                failures.append("IDENTITY_SWITCH")
            report.best_frame_jpeg = self._best_jpeg(path, best.index)
        failures += decision.failures
        report.failures = _ordered(failures)
        report.passed = not report.failures
        return report

    @staticmethod
    def _ends(
        measures: list[FrameMeasure],
        aligned: dict[int, npt.NDArray[np.uint8]],
        base: liveness.Baseline,
    ) -> list[npt.NDArray[np.uint8]]:
        """The best face of the clip's first and of its last third (same person?)."""
        third = max(1, len(measures) // 3)
        out = []
        for part in (measures[:third], measures[-third:]):
            pick = liveness.best_frame([m for m in part if m.index in aligned], base)
            if pick is not None:
                out.append(aligned[pick.index])
        if len(out) < 2:  # too few tracked frames: compare what there is with itself
            out = out * 2 if out else []
        return out

    def _best_jpeg(self, path: str, index: int) -> bytes | None:
        """The best frame, decoded again (frames are not kept in memory), as a JPEG."""
        for frame in read_frames(path, max_seconds=self.max_seconds + 1):
            if frame.index == index:
                bgr = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
                ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                return bytes(buf.tobytes()) if ok else None
        return None


# Most important first: the customer sees the first message.
_PRIORITY = [
    "CLIP_UNDECODABLE",
    "CLIP_TOO_LONG",
    "CLIP_TOO_SHORT",
    "FACE_NOT_FOUND",
    "FACE_MULTIPLE",
    "IDENTITY_SWITCH",
    "FACE_TOO_SMALL",
    "FACE_TOO_DARK",
    "FACE_BLURRED",
    "ACTION_MISSING",
    "ACTION_ORDER",
]


def _ordered(codes: list[str]) -> list[str]:
    unique = list(dict.fromkeys(codes))
    return sorted(unique, key=lambda c: _PRIORITY.index(c) if c in _PRIORITY else len(_PRIORITY))
