"""Issue #13: the clip is decoded once. The frames the analysis picks at its end (the best
frame, the anti-spoofing frames) come from the few ``CandidateFrames`` kept per stretch of
the clip, or are decoded again when the final ranking chose one the store let go: the
report is the same either way, and the store holds a bounded number of frames."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from idrenew.face.domain import engine as engine_module
from idrenew.face.domain import liveness
from idrenew.face.domain.candidates import CandidateFrames
from idrenew.face.domain.engine import LocalFaceEngine
from idrenew.face.domain.liveness import FrameMeasure
from idrenew.face.domain.video import read_frames
from tests.face import clips

FPS = 30.0


def _measure(index: int, rng: random.Random, *, yaw: float = 0.0) -> FrameMeasure:
    return FrameMeasure(
        index=index,
        time=index / FPS,
        face=True,
        yaw=yaw + rng.uniform(-2, 2),
        pitch=rng.uniform(-2, 2),
        mouth=rng.uniform(0.0, 0.1),
        eye=rng.uniform(0.25, 0.35) if index % 3 == 0 else None,
        sharpness=rng.uniform(20, 200),
    )


def _image(index: int) -> np.ndarray:
    return np.full((4, 4, 3), index % 256, dtype=np.uint8)


def test_the_clips_best_frames_stay_and_memory_is_bounded() -> None:
    rng = random.Random(7)
    store = CandidateFrames()
    measures: list[FrameMeasure] = []
    peak = 0
    for i in range(int(15 * FPS)):  # the longest clip accepted, at 30 fps
        m = _measure(i, rng)
        measures.append(m)
        store.offer(m, _image(i), measures)
        peak = max(peak, len(store))
    # All of the first SETTLE_SECONDS are held; afterwards at most MAX_KEPT plus the frames of
    # the stretch being filled (stretches have doubled to a second or two by then).
    assert peak <= max(store.settle_seconds * FPS, store.max_kept + store.span_seconds * FPS)
    assert len(store) < 0.25 * len(measures)
    base = liveness.baseline(measures)
    best = liveness.best_frame([m for m in measures if m.eye is not None], base)
    overall = liveness.best_frame(measures, base)
    assert best is not None and overall is not None
    for m in (best, overall):
        kept = store.get(m.index)
        assert kept is not None and np.array_equal(kept, _image(m.index))


def test_a_frame_measured_again_is_ranked_on_its_new_measure() -> None:
    rng = random.Random(1)
    store = CandidateFrames(per_span=1, settle_seconds=0.0)
    measures = [_measure(i, rng) for i in range(7)]
    measures.append(FrameMeasure(**{**_measure(7, rng).__dict__, "sharpness": 1e6}))
    for m in measures:  # frames 0–7: the first quarter-second stretch; 7 the sharpest
        store.offer(m, _image(m.index), measures[: m.index + 1])
    # frame 7 measured again (the look-back stepped over it): now turned far away
    measures[7] = FrameMeasure(**{**measures[7].__dict__, "yaw": 60.0, "sharpness": 0.0})
    store.offer(measures[7], _image(7), measures)
    nxt = _measure(8, rng)  # the next stretch begins: the first is ranked
    store.offer(nxt, _image(8), [*measures, nxt])
    base = liveness.baseline([*measures, nxt])
    best = liveness.best_frame(measures, base)
    assert best is not None and best.index != 7
    assert store.get(7) is None and store.get(best.index) is not None


needs_clips = pytest.mark.skipif(
    not clips.CLIPS.exists(), reason="../shared/testdata/liveness absent"
)


@needs_clips
@pytest.mark.parametrize(
    ("name", "actions"), [("d18", ["blink", "turn_left"]), ("d3", ["open_mouth", "turn_right"])]
)
def test_kept_or_decoded_again_the_report_is_the_same(
    name: str, actions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(clips.clip_path(name))
    kept = LocalFaceEngine().analyze_clip(path, actions)
    # a store that keeps nothing: every pick is decoded again
    monkeypatch.setattr(
        engine_module, "CandidateFrames", lambda: CandidateFrames(per_span=0, settle_seconds=0)
    )
    again = LocalFaceEngine().analyze_clip(path, actions)
    assert (again.passed, again.failures, again.best_frame) == (
        kept.passed,
        kept.failures,
        kept.best_frame,
    )
    assert again.best_frame_jpeg == kept.best_frame_jpeg
    assert len(kept.spoof_frames) == 5
    assert all(
        np.array_equal(a, b) for a, b in zip(again.spoof_frames, kept.spoof_frames, strict=True)
    )
    frames = {f.index: f.rgb for f in read_frames(path, max_seconds=30)}
    assert kept.best_frame is not None and kept.best_frame_jpeg
    bgr = cv2.cvtColor(frames[kept.best_frame], cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, engine_module.JPEG_QUALITY])
    assert ok and bytes(buf.tobytes()) == kept.best_frame_jpeg
    assert any(np.array_equal(kept.spoof_frames[0], f) for f in frames.values())


def test_a_step_back_across_a_stretch_keeps_one_entry_per_frame() -> None:
    """The engine analyses the frame skipped before a closing one, then that one again."""
    rng = random.Random(2)
    store = CandidateFrames(per_span=1, settle_seconds=0.0)
    measures = [_measure(i, rng) for i in range(0, 7, 2)]  # every other frame, stretch 0
    for k, m in enumerate(measures):
        store.offer(m, _image(m.index), measures[: k + 1])
    first = _measure(8, rng)  # stretch 1 begins: stretch 0 is ranked
    store.offer(first, _image(8), [*measures, first])
    held, again = _measure(7, rng), _measure(8, rng)  # step back: 7, then 8 again
    for m in (held, again):
        measures.append(m)
        store.offer(m, _image(m.index), measures)
    assert store.get(7) is not None and store.get(8) is not None
    later = [_measure(i, rng) for i in range(9, 40)]
    for m in later:
        measures.append(m)
        store.offer(m, _image(m.index), measures)
    ranked = [m.index for m in store._ranked]
    assert len(ranked) == len(set(ranked))
