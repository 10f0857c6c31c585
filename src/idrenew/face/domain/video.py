"""Decoding a recorded clip (WebM from Chromium/Android, MP4 from iOS) into RGB frames.

OpenCV's FFmpeg backend decodes VP8, VP9 and H.264. MediaRecorder's WebM carries neither
a frame count nor a constant rate, so times come from each frame's timestamp.

A clip whose container states its length (MP4 from iOS, files from a camera app) is refused
as too long before a frame is decoded; one that does not (MediaRecorder's WebM) is refused
as soon as decoding passes the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from idrenew.face.domain.types import FaceError

MAX_SIDE = 640  # frames are analysed at ≤ 640 px on the long side
MAX_SOURCE_PIXELS = 4096 * 4096
DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class Frame:
    index: int
    time: float  # seconds from the first frame
    rgb: npt.NDArray[np.uint8]


def _scaled(bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    h, w = bgr.shape[:2]
    if h * w > MAX_SOURCE_PIXELS:
        raise FaceError("CLIP_UNDECODABLE", f"frame too large: {w}x{h}")
    scale = MAX_SIDE / max(h, w)
    if scale < 1.0:
        bgr = np.asarray(
            cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA),
            dtype=np.uint8,
        )
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)


def container_seconds(cap: cv2.VideoCapture) -> float | None:
    """The duration the container states (frame count ÷ nominal rate), or None when it
    states none: MediaRecorder's WebM has no count (OpenCV reports 0 or a negative)."""
    count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not (count > 0 and 1.0 <= fps <= 240.0) or count > 1e7:
        return None
    return float(count / fps)


class FrameReader:
    """Frames in order, scaled to ≤ 640 px; raises ``FaceError`` for an unreadable file and
    ``CLIP_TOO_LONG`` as soon as the clip runs past ``max_seconds``.

    ``keep(index, time)`` answering False skips a frame: it is decoded (a video's later
    frames depend on it) but neither converted to RGB nor scaled nor yielded. ``decoded``
    counts every frame decoded so far, skipped or not."""

    def __init__(
        self,
        path: str,
        *,
        max_seconds: float,
        max_frames: int = 2000,
        keep: Callable[[int, float], bool] | None = None,
    ) -> None:
        self.path = path
        self.max_seconds = max_seconds
        self.max_frames = max_frames
        self.keep = keep
        self.decoded = 0
        self.last_time = 0.0  # time of the last frame decoded

    def __iter__(self) -> Iterator[Frame]:
        # One decoding thread: a worker process is meant to use one core.
        cap = cv2.VideoCapture(self.path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        if not cap.isOpened():
            raise FaceError("CLIP_UNDECODABLE", "container not recognised")
        max_seconds = self.max_seconds
        try:
            stated = container_seconds(cap)
            # A frame's worth of slack: a 15.0 s recording may state 15.03 s.
            if stated is not None and stated > max_seconds + 0.5:
                raise FaceError(
                    "CLIP_TOO_LONG", f"{stated:.1f} s stated, more than {max_seconds:g} s"
                )
            nominal = cap.get(cv2.CAP_PROP_FPS)
            fps = nominal if 1.0 <= nominal <= 120.0 else DEFAULT_FPS
            first_ms: float | None = None
            last = -1.0
            index = 0
            while cap.grab():
                ms = cap.get(cv2.CAP_PROP_POS_MSEC)
                if first_ms is None:
                    first_ms = ms
                t = (ms - first_ms) / 1000.0
                if not (t > last) or t - last > 2.0:  # missing or broken timestamps
                    t = last + 1.0 / fps if index else 0.0
                last = self.last_time = t
                if t > max_seconds or index >= self.max_frames:
                    raise FaceError("CLIP_TOO_LONG", f"more than {max_seconds:g} s")
                if self.keep is None or self.keep(index, t):
                    ok, bgr = cap.retrieve()
                    if not ok or bgr is None:
                        break
                    self.decoded = index + 1
                    yield Frame(index, t, _scaled(np.asarray(bgr, dtype=np.uint8)))
                index += 1
                self.decoded = index
            if index == 0:
                raise FaceError("CLIP_UNDECODABLE", "no frame could be decoded")
        finally:
            cap.release()


def read_frames(path: str, *, max_seconds: float, max_frames: int = 2000) -> Iterator[Frame]:
    """Every frame in order, scaled to ≤ 640 px (``FrameReader`` keeping all)."""
    return iter(FrameReader(path, max_seconds=max_seconds, max_frames=max_frames))


def frame_rate(times: list[float]) -> float:
    """Frames per second from the frames' timestamps."""
    if len(times) < 2 or times[-1] <= times[0]:
        return DEFAULT_FPS
    return (len(times) - 1) / (times[-1] - times[0])
