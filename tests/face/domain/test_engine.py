"""The face engine on real material from ../shared/testdata (skipped where it is absent):
the labelled actions of the liveness clips, clips cut, reversed, shuffled or re-encoded,
photos with one, two or no faces, and the shipped model files."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from idrenew.face.domain import liveness
from idrenew.face.domain.engine import LocalFaceEngine
from idrenew.face.domain.liveness import FrameMeasure
from idrenew.face.domain.runtime import MODELS_DIR, Model
from idrenew.face.domain.tracker import FaceTracker
from idrenew.face.domain.types import FaceError
from idrenew.face.domain.video import read_frames
from tests.conftest import SHARED

TESTDATA = SHARED / "testdata"
CLIPS = TESTDATA / "liveness"
FACES = TESTDATA / "faces"
needs_testdata = pytest.mark.skipif(not TESTDATA.exists(), reason="../shared/testdata absent")

ENGINE = LocalFaceEngine()


def clip(name: str) -> Path:
    return CLIPS / f"liveportrait_{name}.mp4"


@cache
def measures(name: str) -> tuple[list[FrameMeasure], float]:
    tracker = FaceTracker()
    out = [
        tracker.step(f.index, f.time, f.rgb, eyes=True).measure
        for f in read_frames(str(clip(name)), max_seconds=30)
    ]
    return out, (len(out) - 1) / out[-1].time


def found(name: str, action: str) -> list[tuple[int, int]]:
    frames, fps = measures(name)
    base = liveness.baseline(frames)
    return [(e.start, e.end) for e in liveness.find_events(action, frames, base, fps)]


def overlaps(events: list[tuple[int, int]], start: int, end: int, slack: int = 3) -> bool:
    return any(s <= end + slack and e >= start - slack for s, e in events)


# Labels from ../shared/testdata/README.md (frame numbers ±3).
LABELLED = [
    ("d0", "blink", (64, 67)),
    ("d3", "turn_left", (249, 284)),  # the README's one head turn of d3
    ("d3", "open_mouth", (298, 353)),
    ("d12", "turn_left", (36, 50)),  # nose to image-right = the subject's own left
    ("d12", "turn_left", (164, 173)),
    ("d12", "turn_right", (78, 92)),
    ("d18", "open_mouth", (64, 96)),
    ("d18", "open_mouth", (117, 155)),
    ("d18", "blink", (94, 98)),
    ("d18", "blink", (186, 187)),
]
NEVER_SHOWN = [
    ("d0", "turn_left"),
    ("d0", "turn_right"),
    ("d0", "open_mouth"),
    ("d19", "turn_left"),
    ("d19", "turn_right"),
    ("d19", "open_mouth"),
    ("d18", "turn_left"),
    ("d18", "turn_right"),
]


@needs_testdata
@pytest.mark.parametrize(("name", "action", "frames"), LABELLED)
def test_labelled_action_is_found(name: str, action: str, frames: tuple[int, int]) -> None:
    assert overlaps(found(name, action), *frames), found(name, action)


@needs_testdata
@pytest.mark.parametrize(("name", "action"), NEVER_SHOWN)
def test_action_the_clip_never_shows_is_not_found(name: str, action: str) -> None:
    assert found(name, action) == []


@needs_testdata
def test_whole_clip_passes_the_asked_actions_and_keeps_a_best_frame() -> None:
    report = ENGINE.analyze_clip(str(clip("d12")), ["turn_right", "open_mouth"])
    assert report.passed, report.failures
    assert [a.frames for a in report.actions] == [(78, 92), (116, 132)]
    assert report.best_frame is not None and report.best_frame_jpeg
    assert report.best_frame_jpeg[:2] == b"\xff\xd8"
    assert report.best_frame_embedding is not None
    assert report.face_ratio >= 0.9


@needs_testdata
def test_clip_without_the_actions_fails() -> None:
    report = ENGINE.analyze_clip(str(clip("d19")), ["turn_left", "open_mouth"])
    assert not report.passed and report.failures == ["ACTION_MISSING"]


def write_clip(
    path: Path, frames: list[npt.NDArray[np.uint8]], fps: float, fourcc: str = "mp4v"
) -> str:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return str(path)


@cache
def bgr_frames(name: str) -> list[npt.NDArray[np.uint8]]:
    cap = cv2.VideoCapture(str(clip(name)))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.append(frame)
    return out


@needs_testdata
@pytest.mark.parametrize(
    ("transform", "failures"),
    [
        (lambda f: f[::-1], {"ACTION_ORDER"}),
        (lambda f: random.Random(4).sample(f, len(f)), {"ACTION_ORDER", "ACTION_MISSING"}),
    ],
    ids=["reversed", "shuffled"],
)
def test_reordered_frames_fail_the_order_check(
    tmp_path: Path,
    transform: Callable[[list[npt.NDArray[np.uint8]]], list[npt.NDArray[np.uint8]]],
    failures: set[str],
) -> None:
    frames = bgr_frames("d12")
    asked = ["turn_right", "open_mouth"]  # f78–92, then f116–132
    assert ENGINE.analyze_clip(write_clip(tmp_path / "fwd.mp4", frames, 25), asked).passed
    report = ENGINE.analyze_clip(write_clip(tmp_path / "x.mp4", transform(frames), 25), asked)
    assert not report.passed
    assert set(report.failures) & failures, report.failures


@needs_testdata
def test_webm_from_a_browser_recorder_decodes(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "clip.webm", bgr_frames("d12"), 25, fourcc="VP80")
    assert Path(path).read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a real WebM file
    report = ENGINE.analyze_clip(path, ["turn_left", "turn_right"])
    assert report.passed, report.failures


@needs_testdata
def test_too_short_and_too_long(tmp_path: Path) -> None:
    short = write_clip(tmp_path / "short.mp4", bgr_frames("d12")[:30], 25)
    assert ENGINE.analyze_clip(short, ["blink", "turn_left"]).failures == ["CLIP_TOO_SHORT"]
    strict = LocalFaceEngine(max_seconds=5)
    with pytest.raises(FaceError) as err:
        strict.analyze_clip(str(clip("d12")), ["blink", "turn_left"])
    assert err.value.code == "CLIP_TOO_LONG"


@needs_testdata
def test_identity_switch_mid_clip(tmp_path: Path) -> None:
    # d12's first 3 s (one East Asian man) followed by d0 (another): no action faked,
    # the clip is refused because the person changed.
    a, b = bgr_frames("d12")[:75], bgr_frames("d0")
    b = [cv2.resize(f, (a[0].shape[1], a[0].shape[0])) for f in b]
    report = ENGINE.analyze_clip(write_clip(tmp_path / "switch.mp4", a + b, 25), ["turn_left"])
    assert "IDENTITY_SWITCH" in report.failures


@needs_testdata
def test_no_face_in_the_clip(tmp_path: Path) -> None:
    blank = [np.full((480, 640, 3), 90, dtype=np.uint8) for _ in range(75)]
    report = ENGINE.analyze_clip(write_clip(tmp_path / "blank.mp4", blank, 25), ["blink"])
    assert report.failures == ["FACE_NOT_FOUND"] and report.best_frame is None


def test_undecodable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.webm"
    bad.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40)
    with pytest.raises(FaceError) as err:
        ENGINE.analyze_clip(str(bad), ["blink"])
    assert err.value.code == "CLIP_UNDECODABLE"


def image(name: str) -> npt.NDArray[np.uint8]:
    return np.asarray(cv2.imread(str(FACES / name)), dtype=np.uint8)


@needs_testdata
def test_development_pairs_sample() -> None:
    with open(FACES / "pairs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sample = rows[::5]  # 30 pairs, both kinds (bench/face.py runs them all)
    for row in sample:
        a, b = ENGINE.embed_image(image(row["file_a"])), ENGINE.embed_image(image(row["file_b"]))
        same = ENGINE.similarity(a, b) >= ENGINE.threshold
        assert same == (row["same_person"] == "1"), row


@needs_testdata
def test_photos_with_several_faces_or_none_are_refused() -> None:
    with open(FACES / "identities.csv", newline="") as fh:
        multi = [r["file"] for r in csv.DictReader(fh) if r["identity"] == "MULTI_FACE"]
    assert len(multi) == 4
    for name in multi:
        with pytest.raises(FaceError) as err:
            ENGINE.embed_image(image(name))
        assert err.value.code == "FACE_MULTIPLE", name
    with pytest.raises(FaceError) as err:
        ENGINE.embed_image(np.full((400, 400, 3), 200, dtype=np.uint8))
    assert err.value.code == "FACE_NOT_FOUND"


def test_shipped_models_match_their_checksums_and_run() -> None:
    sums = json.loads((MODELS_DIR / "checksums.json").read_text())
    assert len(sums) == 7
    assert {"minifasnet_v2.onnx", "minifasnet_v1se.onnx"} <= set(sums)
    assert (
        (MODELS_DIR / "LICENSE-minifasnet")
        .read_text()
        .startswith("                                 Apache License")
    )
    for name, digest in sums.items():
        path = MODELS_DIR / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
        model = Model(path.stem)
        shape = [d if isinstance(d, int) else 1 for d in model.session.get_inputs()[0].shape]
        outputs = model(np.zeros(shape, dtype=np.float32))
        assert outputs and all(np.isfinite(o).all() for o in outputs), name
    models_md = (MODELS_DIR / "MODELS.md").read_text()
    assert models_md.count("SHA-256") >= 7
    assert all(digest in models_md for digest in sums.values())


def _small(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    canvas = np.full((480, 640, 3), 120, dtype=np.uint8)
    canvas[176:304, 256:384] = cv2.resize(frame, (128, 128))
    return canvas


@needs_testdata
@pytest.mark.parametrize(
    ("degrade", "code"),
    [
        (lambda f: cv2.GaussianBlur(f, (0, 0), 5), "FACE_BLURRED"),
        (lambda f: (f * 0.22).astype(np.uint8), "FACE_TOO_DARK"),
        (_small, "FACE_TOO_SMALL"),
    ],
    ids=["blurred", "dark", "small"],
)
def test_poor_capture_is_refused_with_its_reason(
    tmp_path: Path, degrade: Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.uint8]], code: str
) -> None:
    # d12's first 4 s hold a clear turn_left (f37–50): only the picture quality is wrong.
    frames = [degrade(f) for f in bgr_frames("d12")[:100]]
    report = ENGINE.analyze_clip(write_clip(tmp_path / "q.mp4", frames, 25), ["turn_left"])
    assert not report.passed and code in report.failures, report.failures


@needs_testdata
def test_two_people_in_the_clip(tmp_path: Path) -> None:
    a, b = bgr_frames("d12")[:100], bgr_frames("d0")
    frames = [
        np.hstack([cv2.resize(x, (320, 320)), cv2.resize(b[i % len(b)], (320, 320))])
        for i, x in enumerate(a)
    ]
    report = ENGINE.analyze_clip(write_clip(tmp_path / "two.mp4", frames, 25), ["turn_left"])
    assert "FACE_MULTIPLE" in report.failures, report.failures
