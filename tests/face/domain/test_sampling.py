"""Issue #13: with a blink asked for, ``LocalFaceEngine()`` (``blink_sampling=True``, the
default) analyses about 15 frames a second and every frame around a blink
(``engine.DENSE_AFTER``) instead of every frame (``blink_sampling=False``). On the clips the
suite already uses (../shared/testdata, skipped where it is absent; tests/face/clips.py), the
outcome and the reason codes must be those of the every-frame analysis (three d12 cases
not here differ, around a blink at the threshold: see bench/face.py section 10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from idrenew.face.domain import schedule
from idrenew.face.domain.engine import LocalFaceEngine
from idrenew.face.domain.tracker import FaceTracker
from idrenew.face.domain.video import FrameReader, read_frames
from tests.face import clips

pytestmark = pytest.mark.skipif(
    not clips.CLIPS.exists(), reason="../shared/testdata/liveness absent"
)
SAMPLED = LocalFaceEngine()
EVERY = LocalFaceEngine(blink_sampling=False)


def _windows(actions: list[str], offset_ms: int | None = None) -> list[schedule.Window]:
    prompts = schedule.plan(actions, max_clip_seconds=15)
    return schedule.windows(prompts, offset_ms=offset_ms, tolerance_ms=500)


def _published(name: str) -> Callable[[Path], str]:
    return lambda _tmp: str(clips.clip_path(name))


def _cut(name: str, actions: list[str], reaction: float) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        prompts = schedule.plan(actions, max_clip_seconds=15)
        frames = clips.scheduled(name, prompts, reaction_s=reaction)
        return clips.write(tmp / "cut.mp4", frames, clips.FPS[name])

    return make


def _second_face(tmp: Path) -> str:
    frames = clips.scheduled(
        "d12", schedule.plan(["turn_right", "open_mouth"], max_clip_seconds=15)
    )
    crowd = clips.with_second_face(frames, clips.face_patch("obama.jpg", 100), 60, 79, (400, 20))
    return clips.write(tmp / "crowd.mp4", crowd, 25)


def _shot_cut(tmp: Path) -> str:
    frames = clips.scheduled(
        "d12", schedule.plan(["turn_right", "open_mouth"], max_clip_seconds=15)
    )
    other = [np.asarray(cv2.resize(f, (512, 512)), np.uint8) for f in clips.frames_of("d0")[:30]]
    return clips.write(tmp / "cuts.mp4", frames[:100] + other + frames[130:], 25)


def _switch(tmp: Path) -> str:
    other = [np.asarray(cv2.resize(f, (512, 512)), np.uint8) for f in clips.frames_of("d0")]
    return clips.write(tmp / "switch.mp4", [*clips.frames_of("d12")[:75], *other], 25)


CASES: list[tuple[str, Callable[[Path], str], list[str], bool]] = [
    *(
        (f"{name} blink+turn_left", _published(name), ["blink", "turn_left"], False)
        for name in ("d0", "d3", "d12", "d18", "d19")
    ),
    ("d18 blink+open_mouth timed", _published("d18"), ["blink", "open_mouth"], True),
    (
        "d18 cut blink,open_mouth",
        _cut("d18", ["blink", "open_mouth"], 1.5),
        ["blink", "open_mouth"],
        True,
    ),
    (
        "d18 cut open_mouth,blink",
        _cut("d18", ["open_mouth", "blink"], 0.6),
        ["open_mouth", "blink"],
        True,
    ),
    ("second face", _second_face, ["blink", "turn_right", "open_mouth"], False),
    ("shot cut", _shot_cut, ["blink", "turn_right"], False),
    ("identity switch", _switch, ["blink", "turn_left"], False),
]


@pytest.mark.parametrize(("label", "make", "actions", "timed"), CASES, ids=[c[0] for c in CASES])
def test_sampling_keeps_the_every_frame_decision(
    tmp_path: Path,
    label: str,
    make: Callable[[Path], str],
    actions: list[str],
    timed: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = make(tmp_path)
    wins = _windows(actions) if timed else None
    steps: list[int] = []
    original = FaceTracker.step

    def counted(self: FaceTracker, *args: Any, **kw: Any) -> Any:
        steps.append(1)
        return original(self, *args, **kw)

    monkeypatch.setattr(FaceTracker, "step", counted)
    every = EVERY.analyze_clip(path, actions, windows=wins)
    every_steps = len(steps)
    steps.clear()
    sampled = SAMPLED.analyze_clip(path, actions, windows=wins)
    assert (sampled.passed, sampled.failures) == (every.passed, every.failures), label
    assert [a.passed for a in sampled.actions] == [a.passed for a in every.actions]
    assert (sampled.frame_count, sampled.fps) == (every.frame_count, every.fps)
    assert len(steps) < 0.85 * every_steps  # the point of it


def test_skipped_frames_keep_their_index_and_time() -> None:
    path = str(clips.clip_path("d18"))
    every = [(f.index, f.time) for f in read_frames(path, max_seconds=30)]
    reader = FrameReader(path, max_seconds=30, keep=lambda index, _t: index % 3 == 0)
    kept = [(f.index, f.time) for f in reader]
    assert kept == [x for x in every if x[0] % 3 == 0]
    assert reader.decoded == len(every) and reader.last_time == every[-1][1]


def test_a_kept_frame_is_the_frame_read_frames_gives() -> None:
    path = str(clips.clip_path("d12"))
    wanted = {0, 57, 140}
    kept = {
        f.index: f.rgb for f in FrameReader(path, max_seconds=30, keep=lambda i, _t: i in wanted)
    }
    for f in read_frames(path, max_seconds=30):
        if f.index in wanted:
            assert np.array_equal(kept[f.index], f.rgb)


def test_best_frame_and_embedding_of_a_sampled_analysis_are_its_own_frame() -> None:
    report = SAMPLED.analyze_clip(str(clips.clip_path("d12")), ["blink", "turn_left"])
    assert report.best_frame is not None and report.best_frame_jpeg
    frame = next(
        f
        for f in read_frames(str(clips.clip_path("d12")), max_seconds=30)
        if f.index == report.best_frame
    )
    decoded = cv2.imdecode(np.frombuffer(report.best_frame_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape == frame.rgb.shape
    assert len(report.spoof_frames) == 5
