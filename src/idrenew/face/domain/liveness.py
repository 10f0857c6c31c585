"""Liveness decisions from per-frame measures: pure Python, no model and no image.

The tracker (``tracker.py``) turns a clip into one :class:`FrameMeasure` per frame; this
module finds the requested actions in those series and says why a clip is refused.

Every action is measured against the person's own neutral baseline (DESIGN.md §5a: the
closed-mouth ratio alone ranges 0.04–0.19 between people; open-eye ratios differ too):

* ``turn_left`` / ``turn_right``: yaw leaves the baseline by ``TURN_DEGREES`` or more and
  peaks at ``TURN_PEAK_DEGREES`` or more. On the shared clips the labelled turns peak at
  17.5–22.5° from the person's baseline; unlabelled head movements (d3 while winking or
  opening the mouth) at 12–14.7° (bench/face.py, section 5).
  ``turn_left`` is the subject's own left, so the nose moves to the right of an unmirrored
  frame (yaw > 0 in ``landmarks.head_pose``).
* ``open_mouth``: the inner-lip gap ÷ mouth width rises ``MOUTH_OPEN_RISE`` above the
  closed-mouth baseline.
* ``blink``: the eye aspect ratio falls below ``BLINK_RATIO`` × the open-eye baseline and
  opens again.
* ``nod``: the face pitches down by ``NOD_DEGREES`` (not in the default challenge set: no
  shared clip contains a nod, so it is unmeasured).

An action counts only as an *event*: a run of active frames that starts from neutral
frames (the clip may not begin mid-action) and, for blink and nod, returns to neutral.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from idrenew.face.domain.schedule import Window
from idrenew.face.domain.types import ActionResult

TURN_DEGREES = 12.0  # a turn spans the frames this far from the baseline...
TURN_PEAK_DEGREES = 16.0  # ...and must reach this at its peak
TURN_MIN_SECONDS = 0.10
MOUTH_OPEN_RISE = 0.25
MOUTH_MIN_SECONDS = 0.10
BLINK_RATIO = 0.55
BLINK_OPEN_RATIO = 0.80
BLINK_MAX_SECONDS = 1.0
NOD_DEGREES = 12.0
NOD_MIN_SECONDS = 0.10
# Neutral frames an event must start from (the clip may not open mid-action).
NEUTRAL_BEFORE = 2

MIN_FACE_RATIO = 0.90  # share of frames with exactly one tracked face
MULTI_FACE_SHARE = 0.10  # share of detector-checked frames with a second face...
# ...or, in any stretch of MULTI_FACE_RUN consecutive checks (about 1 s), this many: a
# second person in view for a moment counts even when the clip's share stays under 10%.
MULTI_FACE_RUN = 15
MULTI_FACE_IN_RUN = 5
# Actions that are never natural: with a timed challenge, one that was not asked for (or
# happens outside its prompt) fails. Blinks happen on their own and are not counted.
DELIBERATE = ("turn_left", "turn_right", "open_mouth")
MIN_FACE_PX = 80.0  # face width (mesh extent) below this: too small
MIN_FACE_SHARE = 0.15  # ... or below this share of the frame's short side
MIN_BRIGHTNESS = 45.0  # mean grey level of the face crop (0–255)
MIN_SHARPNESS = 25.0  # variance of the Laplacian of the aligned 112×112 face
MIN_SECONDS = 2.0


@dataclass(frozen=True)
class FrameMeasure:
    """What the tracker read off one frame. ``face`` False: no (single) face tracked."""

    index: int
    time: float  # seconds from the clip's start
    face: bool
    faces_detected: int | None = None  # None: the detector did not run on this frame
    yaw: float = 0.0
    pitch: float = 0.0
    mouth: float = 0.0
    eye: float | None = None  # eye aspect ratio (None: not measured on this frame)
    face_px: float = 0.0  # face width in pixels
    frame_short_side: float = 0.0
    brightness: float = 0.0
    sharpness: float = 0.0


@dataclass(frozen=True)
class Baseline:
    yaw: float
    pitch: float
    mouth: float
    eye: float | None


@dataclass(frozen=True)
class Event:
    action: str
    start: int  # frame indices, inclusive
    end: int
    peak: float


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def baseline(frames: Sequence[FrameMeasure]) -> Baseline:
    """The person's neutral face: median pose, closed mouth (lower quartile) and open eyes
    (upper quartile of the eye ratio)."""
    seen = [f for f in frames if f.face]
    eyes = [f.eye for f in seen if f.eye is not None]
    return Baseline(
        yaw=statistics.median(f.yaw for f in seen) if seen else 0.0,
        pitch=statistics.median(f.pitch for f in seen) if seen else 0.0,
        mouth=_percentile([f.mouth for f in seen], 0.25),
        eye=_percentile(eyes, 0.75) if eyes else None,
    )


def _activity(action: str, f: FrameMeasure, base: Baseline) -> float | None:
    """How far a frame is into ``action``: ≥ 1 active, ≤ 0.5 neutral; None unknown."""
    if not f.face:
        return None
    if action == "turn_left":
        return (f.yaw - base.yaw) / TURN_DEGREES
    if action == "turn_right":
        return (base.yaw - f.yaw) / TURN_DEGREES
    if action == "nod":
        return (f.pitch - base.pitch) / NOD_DEGREES
    if action == "open_mouth":
        return (f.mouth - base.mouth) / MOUTH_OPEN_RISE
    if action == "blink":
        if f.eye is None or not base.eye:
            return None
        closed = 1.0 - f.eye / base.eye  # 0 open … 1 shut
        # 1.0 at BLINK_RATIO, 0.5 at BLINK_OPEN_RATIO
        return 0.5 + 0.5 * (closed - (1 - BLINK_OPEN_RATIO)) / (BLINK_OPEN_RATIO - BLINK_RATIO)
    raise ValueError(f"unknown action {action!r}")


_MIN_SECONDS = {
    "turn_left": TURN_MIN_SECONDS,
    "turn_right": TURN_MIN_SECONDS,
    "open_mouth": MOUTH_MIN_SECONDS,
    "nod": NOD_MIN_SECONDS,
    "blink": 0.0,
}
_MUST_RETURN = {"blink", "nod"}
_MIN_PEAK = {
    "turn_left": TURN_PEAK_DEGREES / TURN_DEGREES,
    "turn_right": TURN_PEAK_DEGREES / TURN_DEGREES,
}


def find_events(
    action: str, frames: Sequence[FrameMeasure], base: Baseline, fps: float
) -> list[Event]:
    """Every occurrence of ``action``: active runs preceded by neutral frames."""
    min_frames = max(1, math.ceil(_MIN_SECONDS[action] * fps - 1e-9))
    if action == "blink":  # the eyes are not measured on every frame: skip the others
        frames = [f for f in frames if f.face and f.eye is not None]
    levels = [_activity(action, f, base) for f in frames]
    events: list[Event] = []
    neutral = 0  # neutral frames since the last run of activity
    i = 0
    while i < len(frames):
        level = levels[i]
        if level is None or level < 1.0:
            if level is not None and level <= 0.5:
                neutral += 1
            i += 1
            continue
        start = i
        peak = level
        while i < len(frames) and (levels[i] or 0.0) > 0.5:
            peak = max(peak, levels[i] or 0.0)
            i += 1
        end = i - 1
        active = sum(1 for k in range(start, end + 1) if (levels[k] or 0.0) >= 1.0)
        returned = i < len(frames) and levels[i] is not None
        ok = (
            neutral >= NEUTRAL_BEFORE
            and active >= min_frames
            and peak >= _MIN_PEAK.get(action, 1.0)
        )
        if action in _MUST_RETURN and not returned:
            ok = False
        if action == "blink" and frames[end].time - frames[start].time > BLINK_MAX_SECONDS:
            ok = False
        if ok:
            events.append(Event(action, frames[start].index, frames[end].index, round(peak, 3)))
        neutral = 0
    return events


@dataclass
class Decision:
    actions: list[ActionResult]
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def decide_actions(
    requested: Sequence[str], frames: Sequence[FrameMeasure], fps: float
) -> Decision:
    """Each requested action must occur, in the requested order (each event starting after
    the previous one started)."""
    base = baseline(frames)
    found = {a: find_events(a, frames, base, fps) for a in dict.fromkeys(requested)}
    results: list[ActionResult] = []
    after = -1
    for action in requested:
        nxt = next((e for e in found[action] if e.start > after), None)
        if nxt is None:
            first = found[action][0] if found[action] else None
            results.append(ActionResult(action, False, (first.start, first.end) if first else None))
            continue
        after = nxt.start
        results.append(ActionResult(action, True, (nxt.start, nxt.end)))
    failures: list[str] = []
    if any(not found[r.action] for r in results):
        failures.append("ACTION_MISSING")
    elif any(not r.passed for r in results):
        failures.append("ACTION_ORDER")
    return Decision(results, failures)


def decide_timed(
    windows: Sequence[Window], frames: Sequence[FrameMeasure], fps: float
) -> tuple[Decision, list[ActionResult]]:
    """Each requested action must start inside its own prompt window; a turn or mouth
    opening outside every window of its kind (before the first prompt included), or of a
    kind never asked for, fails. Answers the decision and those stray events."""
    base = baseline(frames)
    times = {f.index: f.time for f in frames}
    kinds = dict.fromkeys([*(w.action for w in windows), *DELIBERATE])
    found = {a: find_events(a, frames, base, fps) for a in kinds}
    results: list[ActionResult] = []
    used: set[tuple[str, int]] = set()
    for w in windows:
        hit = next(
            (
                e
                for e in found[w.action]
                if (w.action, e.start) not in used and w.holds(times[e.start])
            ),
            None,
        )
        if hit is None:
            first = found[w.action][0] if found[w.action] else None
            results.append(
                ActionResult(
                    w.action,
                    False,
                    (first.start, first.end) if first else None,
                    round(times[first.start], 3) if first else None,
                )
            )
            continue
        used.add((w.action, hit.start))
        results.append(
            ActionResult(w.action, True, (hit.start, hit.end), round(times[hit.start], 3))
        )
    asked = {w.action for w in windows}
    stray: list[ActionResult] = []
    for action in DELIBERATE:
        for e in found[action]:
            t = times[e.start]
            if any(w.action == action and w.holds(t) for w in windows):
                continue
            stray.append(ActionResult(action, False, (e.start, e.end), round(t, 3)))
    failures: list[str] = []
    if any(not found[r.action] for r in results):
        failures.append("ACTION_MISSING")
    if any(not r.passed and found[r.action] for r in results) or any(
        s.action in asked for s in stray
    ):
        failures.append("ACTION_OUT_OF_WINDOW")
    if any(s.action not in asked for s in stray):
        failures.append("ACTION_UNREQUESTED")
    stray.sort(key=lambda r: r.at or 0.0)
    return Decision(results, failures), stray


def multi_face_runs(frames: Sequence[FrameMeasure]) -> bool:
    """A second face in ≥ MULTI_FACE_IN_RUN of any MULTI_FACE_RUN consecutive checks."""
    flags = [(f.faces_detected or 0) >= 2 for f in frames if f.faces_detected is not None]
    run = 0
    for i, flag in enumerate(flags):
        run += flag
        if i >= MULTI_FACE_RUN:
            run -= flags[i - MULTI_FACE_RUN]
        if run >= MULTI_FACE_IN_RUN:
            return True
    return False


def check_presence(frames: Sequence[FrameMeasure]) -> list[str]:
    """Exactly one face, present in ≥ 90% of frames; no second face for a stretch."""
    failures: list[str] = []
    checked = [f for f in frames if f.faces_detected is not None]
    multi = sum(1 for f in checked if (f.faces_detected or 0) >= 2)
    if checked and (multi / len(checked) > MULTI_FACE_SHARE or multi_face_runs(checked)):
        failures.append("FACE_MULTIPLE")
    present = sum(1 for f in frames if f.face)
    if not frames or present / len(frames) < MIN_FACE_RATIO:
        failures.append("FACE_NOT_FOUND")
    return failures


def check_quality(frames: Sequence[FrameMeasure]) -> list[str]:
    """Face size and light over the tracked frames (median, so a moment does not count)."""
    seen = [f for f in frames if f.face]
    if not seen:
        return []
    failures: list[str] = []
    px = statistics.median(f.face_px for f in seen)
    short = statistics.median(f.frame_short_side for f in seen) or 1.0
    if px < MIN_FACE_PX or px / short < MIN_FACE_SHARE:
        failures.append("FACE_TOO_SMALL")
    if statistics.median(f.brightness for f in seen) < MIN_BRIGHTNESS:
        failures.append("FACE_TOO_DARK")
    return failures


def frame_score(f: FrameMeasure, base: Baseline) -> float:
    """How well a tracked frame shows the person: sharp, frontal, mouth closed, eyes open
    (higher is better; ``best_frame`` takes the highest)."""
    pose = abs(f.yaw - base.yaw) / TURN_DEGREES + abs(f.pitch - base.pitch) / NOD_DEGREES
    mouth = max(0.0, f.mouth - base.mouth) / MOUTH_OPEN_RISE
    eyes = 0.0
    if f.eye is not None and base.eye:
        eyes = max(0.0, 1.0 - f.eye / base.eye) * 2
    sharp = math.log1p(max(f.sharpness, 0.0))
    return sharp - 1.5 * pose - mouth - eyes


def best_frame(frames: Sequence[FrameMeasure], base: Baseline) -> FrameMeasure | None:
    """The frontal, sharp, eyes-open, mouth-closed frame kept for matching and review."""
    best: tuple[float, FrameMeasure] | None = None
    for f in frames:
        if not f.face:
            continue
        score = frame_score(f, base)
        if best is None or score > best[0]:
            best = (score, f)
    return best[1] if best else None
