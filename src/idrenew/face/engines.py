"""The face engine and spoof detector in use, chosen by setting (a broker may plug in a vendor's).

Django side only: the engines themselves live in ``face.domain.engine``; the settings
``IDRENEW_FACE_ENGINE`` and ``IDRENEW_FACE_SPOOF_DETECTOR`` name them by dotted path.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from idrenew.face.domain.spoof import SpoofDetector
from idrenew.face.domain.types import FaceEngine


@functools.cache
def _engine(path: str, threshold: float, max_seconds: float) -> FaceEngine:
    engine: FaceEngine = import_string(path)(threshold=threshold, max_seconds=max_seconds)
    return engine


def face_engine() -> FaceEngine:
    """Loaded once per process: model loading stays off the request path after the first."""
    return _engine(
        settings.IDRENEW_FACE_ENGINE,
        settings.IDRENEW_FACE_MATCH_THRESHOLD,
        float(settings.IDRENEW_FACE_MAX_CLIP_SECONDS),
    )


@functools.cache
def _spoof(path: str) -> SpoofDetector:
    detector: SpoofDetector = import_string(path)()
    return detector


def spoof_detector() -> SpoofDetector:
    """The passive anti-spoofing check (advisory); by default none is claimed."""
    return _spoof(settings.IDRENEW_FACE_SPOOF_DETECTOR)
