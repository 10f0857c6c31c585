"""The local face engine: liveness analysis of a clip and 1:1 face matching, on the models
shipped in ``idrenew/face/models/`` (run by onnxruntime, loaded once per process)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain import embedding, liveness, runtime
from idrenew.face.domain.candidates import CandidateFrames
from idrenew.face.domain.liveness import FrameMeasure
from idrenew.face.domain.runtime import DETECTOR, EMBEDDER, IRIS, MESH
from idrenew.face.domain.schedule import Window
from idrenew.face.domain.tracker import FaceTracker, single_face
from idrenew.face.domain.types import ActionResult, LivenessReport
from idrenew.face.domain.video import Frame, FrameReader

# Cosine similarity of two MobileFaceNet embeddings at and above which two faces are taken
# for the same person. Chosen on the development data (bench/face.py; MODELS.md has the
# data set and the FAR/FRR it gives). Settings override it (IDRENEW_FACE_MATCH_THRESHOLD).
MATCH_THRESHOLD = 0.52

SAMPLE_HZ = 15.0  # frames analysed per second outside a blink
# With a blink asked for, every frame is analysed from the frame before the one where the
# mesh sees the lids closing (and the iris model does not see the eyes open: tracker.py)
# until they have been open again for DENSE_AFTER frames: the frames the iris model
# measures around a blink are those of an every-frame analysis.
DENSE_AFTER = 3
# Same person throughout: the best face of each stretch of about a second (and of each
# stretch between shot cuts, with at least this many tracked frames) must match the best
# face of the clip at the match threshold.
IDENTITY_SEGMENT_SECONDS = 1.0
IDENTITY_MIN_FRAMES = 3
IDENTITY_MAX_YAW = 8.0  # degrees from the person's neutral pose...
IDENTITY_MAX_PITCH = 10.0  # ...for a frame to be compared (see _comparable)
IDENTITY_MAX_STEP = 4.0  # degrees of yaw to either neighbour: a steady head (_steady)
SPOOF_FRAMES = 5  # frames spread over the clip that passive anti-spoofing scores
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
        blink_sampling: bool = True,
    ) -> None:
        self.threshold = threshold
        self.min_seconds = min_seconds
        self.max_seconds = max_seconds
        # With a blink asked for: True, the default, analyses ~SAMPLE_HZ frames a second and
        # every frame around a blink (issue #13: ~30% less CPU); False every frame. On the
        # 96 cases of bench/face.py section 10 the two agree but on three of d12, whose
        # second blink (f136) measures at BLINK_RATIO and flips with the tracking path:
        # "turn_right then blink" passes sampled, fails every frame; two failing timed
        # cases gain a second code.
        self.blink_sampling = blink_sampling

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
        vector: npt.NDArray[np.float32] = embedding.embed([single_face(rgb)])[0]
        return vector

    def similarity(self, a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
        return embedding.cosine(a, b)

    # --- liveness -------------------------------------------------------------------------

    def analyze_clip(
        self, path: str, actions: list[str], *, windows: list[Window] | None = None
    ) -> LivenessReport:
        tracker = FaceTracker()
        blinks = "blink" in actions
        # Turns and mouth openings last 0.3 s or more: about 15 frames a second are plenty.
        # A blink lasts 3–5 frames: around one, every frame counts (DENSE_AFTER).
        every = blinks and not self.blink_sampling
        interval = 0.0 if every else 1.0 / SAMPLE_HZ - 1e-3
        look_back = blinks and not every
        measures: list[FrameMeasure] = []
        aligned: dict[int, npt.NDArray[np.uint8]] = {}
        kept = CandidateFrames()  # for the best frame and the spoof frames, chosen at the end
        cuts: set[int] = set()  # frames where the mesh restarted from a detection
        last = -1.0
        dense = 0  # frames still to analyse one by one after the lids were seen closing
        held: Frame | None = None  # the frame skipped just before, for looking back

        def due(index: int, time: float) -> bool:
            return not measures or dense > 0 or time - last >= interval

        def step(frame: Frame) -> None:
            restarts = tracker.restarts
            tracked = tracker.step(frame.index, frame.time, frame.rgb, eyes=blinks)
            if tracker.restarts != restarts:
                cuts.add(frame.index)
            measures.append(tracked.measure)
            if tracked.aligned is not None:
                aligned[frame.index] = tracked.aligned
                kept.offer(tracked.measure, frame.rgb, measures)

        # Skipped frames are only decoded, unless a blink may need the one before.
        reader = FrameReader(path, max_seconds=self.max_seconds, keep=None if look_back else due)
        for frame in reader:
            if not due(frame.index, frame.time):
                held = frame
                continue
            last = frame.time
            before = tracker.snapshot() if look_back and held is not None else None
            step(frame)
            if before is not None and held is not None and tracker.closing:
                # The lids close here: step back, analyse the frame skipped before it (the
                # blink may begin there), then this one again, as every frame would be.
                measures.pop()
                aligned.pop(frame.index, None)
                cuts.discard(frame.index)
                tracker.restore(before)
                step(held)
                step(frame)
            held = None
            if look_back:
                dense = DENSE_AFTER if tracker.closing else max(0, dense - 1)
        decoded = reader.decoded
        duration = measures[-1].time if measures else 0.0
        fps = (len(measures) - 1) / duration if duration > 0 else 30.0
        if look_back:  # the clip's own length: its last frame may have been skipped
            duration = reader.last_time
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
        if windows is None:
            decision = liveness.decide_actions(actions, measures, fps)
        else:
            decision, report.stray = liveness.decide_timed(windows, measures, fps)
        report.actions = decision.actions
        base = liveness.baseline(measures)
        best = liveness.best_frame([m for m in measures if m.eye is not None], base)
        best = best or liveness.best_frame(measures, base)
        spoof_at: list[int] = []
        if best is not None:
            report.best_frame = best.index
            if best.sharpness < liveness.MIN_SHARPNESS:
                failures.append("FACE_BLURRED")
            picks = segment_faces(measures, aligned, cuts, base)
            report.best_frame_embedding, sims = self._stretch_similarities(
                aligned, best.index, picks
            )
            if any(max(sims[i] for i in group if i in sims) < self.threshold for group in picks):
                failures.append("IDENTITY_SWITCH")
            spoof_at = spread_faces(measures, aligned, base, SPOOF_FRAMES)
            frames = self._frames(path, kept, [best.index, *spoof_at])
            report.best_frame_jpeg = _jpeg(frames[best.index]) if best.index in frames else None
            report.spoof_frames = [frames[i] for i in spoof_at if i in frames]
        failures += decision.failures
        report.failures = _ordered(failures)
        report.passed = not report.failures
        return report

    def _stretch_similarities(
        self,
        aligned: dict[int, npt.NDArray[np.uint8]],
        best: int,
        picks: list[list[int]],
    ) -> tuple[npt.NDArray[np.float32], dict[int, float]]:
        """The best face's embedding and the similarity to it of each stretch's first face,
        and of its second only where the first does not match (a stretch fails when neither
        does): the same decision with about half the embeddings."""
        firsts = [group[0] for group in picks]
        vectors = embedding.embed([aligned[best], *(aligned[i] for i in firsts)])
        best_vector = vectors[0]
        sims = {
            i: self.similarity(best_vector, v) for i, v in zip(firsts, vectors[1:], strict=True)
        }
        seconds = [g[1] for g in picks if len(g) > 1 and sims[g[0]] < self.threshold]
        if seconds:
            more = embedding.embed([aligned[i] for i in seconds])
            sims.update(
                {i: self.similarity(best_vector, v) for i, v in zip(seconds, more, strict=True)}
            )
        return best_vector, sims

    def _frames(
        self, path: str, kept: CandidateFrames, indices: list[int]
    ) -> dict[int, npt.NDArray[np.uint8]]:
        """The frames at ``indices``: from those kept during the analysis, and any other
        decoded again (frames are not all kept in memory; see ``candidates``)."""
        found = {i: f for i in indices if (f := kept.get(i)) is not None}
        missing = set(indices) - set(found)
        if not missing:
            return found
        stop = max(missing)
        reader = FrameReader(
            path, max_seconds=self.max_seconds + 1, keep=lambda index, _time: index in missing
        )
        for frame in reader:
            found[frame.index] = frame.rgb
            if frame.index >= stop:
                break
        return found


def _jpeg(rgb: npt.NDArray[np.uint8]) -> bytes | None:
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return bytes(buf.tobytes()) if ok else None


def segment_faces(
    measures: list[FrameMeasure],
    aligned: dict[int, npt.NDArray[np.uint8]],
    cuts: set[int],
    base: liveness.Baseline,
) -> list[list[int]]:
    """The two best steady, near-frontal tracked faces of each stretch of the clip:
    stretches of about ``IDENTITY_SEGMENT_SECONDS``, split again wherever the tracker
    restarted from a new detection (a shot cut). Each stretch is compared with the clip's
    best face (a different person when neither of its faces matches), so a person who
    appears for a moment between two shots of another is seen."""
    steady = _steady(measures)
    segments: list[list[FrameMeasure]] = []
    current: list[FrameMeasure] = []
    began = 0.0
    for m in measures:
        if current and (m.index in cuts or m.time - began >= IDENTITY_SEGMENT_SECONDS):
            segments.append(current)
            current = []
        if not current:
            began = m.time
        current.append(m)
    if current:
        segments.append(current)
    picks: list[list[int]] = []
    for part in segments:
        seen = [
            m for m in part if m.index in aligned and m.index in steady and _comparable(m, base)
        ]
        if len(seen) < IDENTITY_MIN_FRAMES:
            continue
        first = liveness.best_frame(seen, base)
        if first is None:
            continue
        second = liveness.best_frame([m for m in seen if m.index != first.index], base)
        picks.append([first.index] + ([second.index] if second else []))
    return picks


def _steady(measures: list[FrameMeasure]) -> set[int]:
    """Frames whose neighbours show about the same pose: in a fast movement the mesh lags
    and the aligned face is off (d12's f164 matched its own face at 0.35)."""
    out = set()
    for prev, m, nxt in zip(measures, measures[1:], measures[2:], strict=False):
        if (
            prev.face
            and m.face
            and nxt.face
            and max(abs(prev.yaw - m.yaw), abs(nxt.yaw - m.yaw)) <= IDENTITY_MAX_STEP
        ):
            out.add(m.index)
    return out


def _comparable(m: FrameMeasure, base: liveness.Baseline) -> bool:
    """Near the person's neutral face: a turned head with an open mouth matches its own
    frontal face at 0.35 (d12's last second), so such frames are not compared."""
    return (
        abs(m.yaw - base.yaw) <= IDENTITY_MAX_YAW
        and abs(m.pitch - base.pitch) <= IDENTITY_MAX_PITCH
        and m.mouth - base.mouth <= 0.5 * liveness.MOUTH_OPEN_RISE
    )


def spread_faces(
    measures: list[FrameMeasure],
    aligned: dict[int, npt.NDArray[np.uint8]],
    base: liveness.Baseline,
    count: int,
) -> list[int]:
    """``count`` frames with a tracked face, the best of each of ``count`` equal parts."""
    seen = [m for m in measures if m.index in aligned]
    if not seen:
        return []
    parts = [seen[i * len(seen) // count : (i + 1) * len(seen) // count] for i in range(count)]
    picks = [liveness.best_frame(p, base) for p in parts if p]
    return sorted({p.index for p in picks if p is not None})


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
    "ACTION_UNREQUESTED",
    "ACTION_OUT_OF_WINDOW",
    "ACTION_MISSING",
    "ACTION_ORDER",
]


def _ordered(codes: list[str]) -> list[str]:
    unique = list(dict.fromkeys(codes))
    return sorted(unique, key=lambda c: _PRIORITY.index(c) if c in _PRIORITY else len(_PRIORITY))
