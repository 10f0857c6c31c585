"""The blink gate (issue #13): where the mesh sees the lids lower, the iris model measures
the eyes; the tracker reports ``closing`` (the engine then analyses every frame around it)
only when the iris model does not see the eyes open. Lowered lids over seconds (narrowed
eyes, a look down) no longer make every frame of a sampled analysis a blink candidate."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from idrenew.face.domain import embedding
from idrenew.face.domain import tracker as tracker_module
from idrenew.face.domain.landmarks import Mesh, Roi
from idrenew.face.domain.tracker import FaceTracker

OPEN_EYE = 0.30


def _run(monkeypatch: pytest.MonkeyPatch, lids: list[float], lowered_eye: float) -> list[bool]:
    """Steps the tracker's measuring through frames with these mesh lid ratios; the iris
    model sees the eyes open where the lids are, and ``lowered_eye`` where they are lower.
    Returns ``closing`` after each frame."""
    lid_values: Iterator[float] = iter(lids)
    current = [1.0]

    def lid_ratio(_points: object) -> float:
        current[0] = next(lid_values)
        return current[0]

    def eye_aspects(_image: object, _points: object) -> tuple[float, float]:
        eye = OPEN_EYE if current[0] >= 0.95 else lowered_eye
        return eye, eye

    monkeypatch.setattr(tracker_module, "lid_ratio", lid_ratio)
    monkeypatch.setattr(tracker_module, "eye_aspects", eye_aspects)
    monkeypatch.setattr(embedding, "align", lambda *_a: np.zeros((112, 112, 3), np.uint8))
    rng = np.random.default_rng(3)
    mesh = Mesh(
        points=rng.uniform(10, 90, (468, 3)).astype(np.float32),
        presence=1.0,
        roi=Roi(50.0, 50.0, 80.0, 0.0),
    )
    image = np.zeros((100, 100, 3), np.uint8)
    tracker = FaceTracker()
    out = []
    for index in range(len(lids)):
        tracker._measured(index, index / 30, image, mesh, None, True)
        out.append(tracker.closing)
    return out


def test_lowered_lids_with_open_eyes_are_not_a_closing(monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 open frames, then the mesh's lids at 0.8 of their open value for six frames while
    # the iris model sees the eyes open (95% of their ratio)
    assert _run(monkeypatch, [1.0] * 12 + [0.8] * 6, 0.95 * OPEN_EYE) == [False] * 18


def test_a_blink_the_iris_model_sees_is_a_closing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(monkeypatch, [1.0] * 12 + [0.8] * 3, 0.1) == [False] * 12 + [True] * 3


def test_half_open_eyes_are_still_looked_at(monkeypatch: pytest.MonkeyPatch) -> None:
    # below BLINK_OPEN_RATIO of the open ratio the frame may be a blink's: closing
    assert _run(monkeypatch, [1.0] * 12 + [0.8] * 3, 0.7 * OPEN_EYE)[-3:] == [True] * 3
