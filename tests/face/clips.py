"""Clips made at test time from the shared liveness clips (../shared/testdata/liveness, see
its README for the labelled frames): the labelled action stretches placed at a challenge's
prompt schedule with the person's own neutral frames between them, the same stretches all
in a row (a recording made in advance), a second face pasted in for a moment, shot cuts
between two people. Nothing here is copied into the repository; callers skip when the
folder is absent. Also used by bench/face.py."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.schedule import Prompt

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CLIPS = SHARED / "testdata" / "liveness"
FACES = SHARED / "testdata" / "faces"

Image = npt.NDArray[np.uint8]

# action → (first frame, last frame, the frame the action starts at) of a stretch that shows
# that action and, apart from natural blinks, nothing else the analysis counts (frames ±3).
STRETCHES: dict[str, dict[str, tuple[int, int, int]]] = {
    # d12 talks between his actions (mouth ratio 0.2–0.4): the stretches avoid that.
    "d12": {
        "turn_left": (30, 54, 37),  # (a blink at f48 rides along: natural, not counted)
        "turn_right": (74, 90, 78),
        "open_mouth": (110, 135, 116),
    },
    "d18": {
        "open_mouth": (48, 108, 64),  # blink f94 at its end
        "blink": (170, 205, 186),
    },
}
NEUTRAL = {"d12": (139, 146), "d18": (40, 60)}  # resting face, played back and forth
FPS = {"d12": 25.0, "d18": 30.0}
# How long after its prompt appears the action starts (a person reads, then moves).
REACTION_S = 0.9


def clip_path(name: str) -> Path:
    return CLIPS / f"liveportrait_{name}.mp4"


@cache
def frames_of(name: str) -> tuple[Image, ...]:
    cap = cv2.VideoCapture(str(clip_path(name)))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(np.asarray(frame, dtype=np.uint8))
    cap.release()
    return tuple(out)


class _Neutral:
    """The resting stretch played forwards and backwards, continuing where it left off."""

    def __init__(self, name: str) -> None:
        first, last = NEUTRAL[name]
        span = list(range(first, last + 1))
        self.cycle = span + span[-2:0:-1]
        self.pos = 0
        self.frames = frames_of(name)

    def take(self, n: int) -> list[Image]:
        out = []
        for _ in range(max(0, n)):
            out.append(self.frames[self.cycle[self.pos % len(self.cycle)]])
            self.pos += 1
        return out


def scheduled(
    name: str,
    prompts: Sequence[Prompt],
    *,
    shift_s: float = 0.0,
    reaction_s: float = REACTION_S,
    tail_s: float = 0.3,
) -> list[Image]:
    """``name``'s labelled stretches, each placed so that its action starts ``reaction_s``
    after its prompt (all moved by ``shift_s``), neutral frames between; the clip ends
    ``tail_s`` after the last prompt."""
    fps = FPS[name]
    frames = frames_of(name)
    neutral = _Neutral(name)
    out: list[Image] = []
    for p in prompts:
        first, last, start = STRETCHES[name][p.action]
        begin = round((p.start_ms / 1000 + reaction_s + shift_s) * fps) - (start - first)
        out += neutral.take(begin - len(out))
        out += list(frames[first : last + 1])
    end = round((prompts[-1].end_ms / 1000 + tail_s) * fps) if prompts else len(out)
    out += neutral.take(end - len(out))
    return out


def in_a_row(name: str, actions: Sequence[str], *, lead_s: float = 1.0) -> list[Image]:
    """A recording made in advance: neutral, then each stretch straight after the other."""
    neutral = _Neutral(name)
    frames = frames_of(name)
    out = neutral.take(round(lead_s * FPS[name]))
    for action in actions:
        first, last, _ = STRETCHES[name][action]
        out += list(frames[first : last + 1])
    out += neutral.take(round(0.5 * FPS[name]))
    return out


def write(path: Path, frames: Sequence[Image], fps: float, fourcc: str = "mp4v") -> str:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return str(path)


def face_patch(file: str, width: int) -> Image:
    """The face of a photo in faces/ cut out square and scaled to ``width`` pixels."""
    from idrenew.face.domain.detection import detect_photo

    bgr = np.asarray(cv2.imread(str(FACES / file)), dtype=np.uint8)
    rgb = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
    det = max(detect_photo(rgb), key=lambda d: d.width)
    x0, y0, x1, y1 = det.box
    side = 1.25 * max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    top, left = max(0, int(cy - side / 2)), max(0, int(cx - side / 2))
    crop = bgr[top : int(top + side), left : int(left + side)]
    return np.asarray(
        cv2.resize(crop, (width, width), interpolation=cv2.INTER_AREA), dtype=np.uint8
    )


def with_second_face(
    frames: Sequence[Image], patch: Image, start: int, end: int, at: tuple[int, int]
) -> list[Image]:
    """``patch`` pasted at ``at`` (x, y) on frames ``start``–``end``: someone behind the
    customer for a moment."""
    x, y = at
    h, w = patch.shape[:2]
    out = []
    for i, f in enumerate(frames):
        if start <= i <= end:
            f = f.copy()
            f[y : y + h, x : x + w] = patch
        out.append(f)
    return out


def for_schedule(name: str, rows: Sequence[dict[str, object]], path: Path, **kw: float) -> bytes:
    """An MP4 of ``name`` cut to a challenge's schedule (the API's ``schedule`` rows)."""
    from idrenew.face.domain.schedule import from_stored

    prompts = from_stored(rows)
    write(path, scheduled(name, prompts, **kw), FPS[name])
    return path.read_bytes()
