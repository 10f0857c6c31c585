"""Frames kept while a clip is analysed, for the picks made only at its end.

The best frame (kept as a JPEG) and the frames passive anti-spoofing scores are chosen once
the whole clip is measured: the choice depends on the person's neutral face (the baseline),
known only then. Keeping every frame would hold about 0.8 MB per frame (a 15 s clip: some
350 MB); decoding the clip a second time cost about a tenth of the analysis (issue #13).
So each stretch of the clip (a quarter of a second, longer as the clip grows) keeps only its
few best-ranked frames, ranked with the baseline of the frames measured so far once the
stretch is over. A pick the store no longer holds
(the final baseline ranked it otherwise) is decoded again by the caller: what is chosen
and what is kept for it are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from idrenew.face.domain import liveness
from idrenew.face.domain.liveness import FrameMeasure

ImageRGB = npt.NDArray[np.uint8]

SPAN_SECONDS = 0.25  # each stretch of the clip keeps its best frames...
PER_SPAN = 2  # ...this many of them, and as many of those with the eyes measured
MAX_KEPT = 48  # past this many kept frames the stretches double in length
SETTLE_SECONDS = 2.0  # nothing is ranked before the baseline has seen this much of the clip


class CandidateFrames:
    """Call :meth:`offer` for each tracked frame in order; :meth:`get` after the clip.

    The picks are the best frame of the clip and the best of each fifth (anti-spoofing), so
    a long clip needs no finer stretches than a short one: past ``max_kept`` frames the
    stretches double in length and keep the best of their merged frames. At most about
    ``max_kept`` + one stretch of frames are held (≈60 MB at 512×512, 30 fps), and all of
    the first ``settle_seconds``: until then the baseline is too young to rank by."""

    def __init__(
        self,
        per_span: int = PER_SPAN,
        span_seconds: float = SPAN_SECONDS,
        max_kept: int = MAX_KEPT,
        settle_seconds: float = SETTLE_SECONDS,
    ) -> None:
        self.per_span = per_span
        self.span_seconds = span_seconds
        self.max_kept = max_kept
        self.settle_seconds = settle_seconds
        self._frames: dict[int, ImageRGB] = {}
        self._ranked: list[FrameMeasure] = []  # the frames kept from past stretches
        self._open: dict[int, FrameMeasure] = {}  # frames not yet ranked, by index
        self._span: int | None = None

    def offer(self, measure: FrameMeasure, rgb: ImageRGB, measures: Sequence[FrameMeasure]) -> None:
        """A tracked frame and its measure; ``measures``: every measure so far (their
        baseline ranks the stretch just over). A frame offered again (measured again after a
        step back) replaces its earlier measure."""
        span = int(measure.time // self.span_seconds)
        # A new stretch ranks the open frames; a frame offered after a later one (the
        # engine's step back) joins them.
        if self._span is None or span > self._span:
            if self._span is not None and measure.time >= self.settle_seconds:
                self._rank(measures)
                span = int(measure.time // self.span_seconds)  # the stretches may have grown
            self._span = span
        self._open[measure.index] = measure
        self._frames[measure.index] = rgb

    def get(self, index: int) -> ImageRGB | None:
        return self._frames.get(index)

    def __len__(self) -> int:
        return len(self._frames)

    def _rank(self, measures: Sequence[FrameMeasure]) -> None:
        base = liveness.baseline(measures)
        self._ranked += self._best_of_spans(list(self._open.values()), base)
        self._open = {}
        while len(self._ranked) > self.max_kept:
            self.span_seconds *= 2
            self._ranked = self._best_of_spans(self._ranked, base)
        keep = {m.index for m in self._ranked}
        for index in [i for i in self._frames if i not in keep]:
            del self._frames[index]

    def _best_of_spans(
        self, frames: list[FrameMeasure], base: liveness.Baseline
    ) -> list[FrameMeasure]:
        spans: dict[int, list[FrameMeasure]] = {}
        for m in frames:
            spans.setdefault(int(m.time // self.span_seconds), []).append(m)
        kept: list[FrameMeasure] = []
        for group in spans.values():
            ranked = sorted(group, key=lambda m: liveness.frame_score(m, base), reverse=True)
            with_eyes = [m for m in ranked if m.eye is not None]
            chosen = {m.index: m for m in ranked[: self.per_span] + with_eyes[: self.per_span]}
            kept += sorted(chosen.values(), key=lambda m: m.index)
        return kept
