"""Text reading with RapidOCR (``rapidocr-onnxruntime`` 1.4.x; PP-OCRv4 models in its wheel).

One engine per process, created on first use (about 0.3 s), never downloading anything.
Threads: ``RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)`` — the package passes
both to every onnxruntime ``SessionOptions`` (det, cls, rec), so one reading uses one core
and a worker process serves one request per core. ``IDRENEW_OCR_THREADS`` raises it.

The card arrives rectified (``locate``) but maybe upside down. The stages are run one by one
(detection → direction classifier → recognition) instead of the engine's ``__call__`` so the
direction of every line is known: when most of the text is upside down the card is turned
180° and the lines are cropped again from the turned card, so recognition sees upright text
and every box is in the upright card's coordinates.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .locate import rotate180

MIN_LINE_SCORE = 0.3  # below this a line is noise (the engine's own cut is 0.5)
# Speed (issue #13 item 7):
# - recognition pads every crop of a batch to the widest one and to at least REC_MIN_WIDTH;
#   most lines on a card are short (labels, 男, 汉), so the engine's 320 px floor and batches
#   of 6 mostly computed padding: a 96 px floor and one crop per batch compute only the text
#   (CPU per side 0.62 → 0.46 s on 22 generated sides, same fields);
# - the rectified card (856 × 540) is detected at CARD_DET_SIZE, set here explicitly. The
#   engine's ``det_limit_side_len`` with its ``min`` limit type only ever *enlarges* an image
#   whose short side is below the limit, so the 480 set before never applied: the card was
#   detected at 864 × 544. Its smallest characters are ~20 px high (~18 px at 768 × 480).
DET_LIMIT_SIDE = 480  # the engine's own setting (its ``__call__``; not used on the card)
CARD_DET_SIZE = (768, 480)  # width, height: multiples of 32, as the detector needs
REC_MIN_WIDTH = 96
REC_BATCH = 1
# Detection on the whole (work-size) photo to find the card keeps the size it was tuned at.
LOCATE_DET_LIMIT_SIDE = 544

_lock = threading.Lock()
_engine: Any = None


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: tuple[tuple[float, float], ...]  # 4 corners, clockwise from the top-left
    score: float

    @property
    def x0(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def x1(self) -> float:
        return max(p[0] for p in self.box)

    @property
    def y0(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def y1(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def engine() -> Any:
    """The process-wide RapidOCR engine (created once, thread-safe to share for inference)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                threads = int(os.environ.get("IDRENEW_OCR_THREADS", "1"))
                eng = RapidOCR(
                    intra_op_num_threads=threads,
                    inter_op_num_threads=1,
                    det_limit_side_len=DET_LIMIT_SIDE,
                    rec_img_shape=[3, 48, REC_MIN_WIDTH],
                    rec_batch_num=REC_BATCH,
                    print_verbose=False,
                )
                for holder in (eng.text_det.infer, eng.text_cls.infer, eng.text_rec.session):
                    holder.session = _with_memory_arena(holder.session)
                _engine = eng
    return _engine


def _with_memory_arena(session: Any) -> Any:
    """The same model and options with onnxruntime's CPU memory arena on.

    RapidOCR turns the arena off, so every run allocates its buffers afresh; with the inputs'
    sizes changing from run to run (each text line its own width) the arena keeps and reuses
    them: ~10 % less CPU in detection, the same outputs (the models' arithmetic is unchanged)."""
    import onnxruntime as ort

    options = session.get_session_options()
    if options.enable_cpu_mem_arena:
        return session
    options.enable_cpu_mem_arena = True
    return ort.InferenceSession(
        session._model_path, sess_options=options, providers=session.get_providers()
    )


def _detect(image: np.ndarray, shape: tuple[int, int], limit_side: int, limit_type: str) -> Any:
    """The engine's text detector on ``image`` prepared at ``limit_side`` / ``limit_type``,
    boxes (n × 4 × 2) mapped to ``shape`` (height, width), or None."""
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    det = engine().text_det
    prepared = DetPreProcess(limit_side, limit_type, det.mean, det.std)(image)
    if prepared is None:
        return None
    preds = det.infer(prepared)[0]
    boxes, _ = det.postprocess_op(preds, shape)
    return det.filter_tag_det_res(boxes, shape)


def detect(image: np.ndarray, limit_side: int = LOCATE_DET_LIMIT_SIDE) -> Any:
    """The engine's text detector at another size (its own ``__call__`` without touching the
    shared engine's state): boxes (n × 4 × 2) or None."""
    shape = image.shape[0], image.shape[1]
    return _detect(image, shape, limit_side, engine().text_det.limit_type)


def detect_card(card: np.ndarray, size: tuple[int, int] = CARD_DET_SIZE) -> Any:
    """The text detector on the rectified card scaled to ``size`` (width, height; multiples of
    32): boxes (n × 4 × 2) in the card's own pixels, or None."""
    import cv2

    w, h = size
    scaled = card if card.shape[1] == w and card.shape[0] == h else cv2.resize(card, (w, h))
    # ``min`` with the limit at the short side: scaled is neither enlarged nor resized again
    return _detect(scaled, (card.shape[0], card.shape[1]), min(w, h), "min")


@dataclass
class CardText:
    lines: list[OcrLine]
    card: np.ndarray  # the card, upright
    turned: bool  # the card was upside down


def read_card(card: np.ndarray) -> CardText:
    """Read a rectified card; turn it upright first when most lines are upside down."""
    eng = engine()
    boxes = detect_card(card)
    if boxes is None or len(boxes) == 0:
        return CardText(lines=[], card=card, turned=False)
    boxes = eng.sorted_boxes(boxes)
    crops = eng.get_crop_img_list(card, boxes)
    # The classifier turns the crops it finds upside down; we only want its votes.
    _, cls_res, _ = eng.text_cls([c.copy() for c in crops])
    up = down = 0.0
    for crop, (label, score) in zip(crops, cls_res, strict=True):
        weight = float(crop.shape[1]) * float(score)
        if label == "180":
            down += weight
        else:
            up += weight
    turned = down > up
    if turned:
        card = rotate180(card)
        h, w = card.shape[:2]
        boxes = [
            np.roll(np.array([[w - 1 - x, h - 1 - y] for x, y in box], np.float32), 2, axis=0)
            for box in boxes
        ]
        boxes = eng.sorted_boxes(np.array(boxes))
        crops = eng.get_crop_img_list(card, boxes)
    rec_res, _ = eng.text_rec(crops, False)
    lines = []
    for box, rec in zip(boxes, rec_res, strict=True):
        text, score = str(rec[0]), float(rec[1])
        if not text.strip() or score < MIN_LINE_SCORE:
            continue
        lines.append(
            OcrLine(
                text=text,
                box=tuple((float(x), float(y)) for x, y in np.asarray(box).tolist()),
                score=score,
            )
        )
    return CardText(lines=lines, card=card, turned=turned)


def recognise(card: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[tuple[str, float]]:
    """Recognition alone on regions of the upright card (x0, y0, x1, y1 in pixels): a second
    look at a value the detector missed or read short. Empty regions read as ``("", 0.0)``."""
    h, w = card.shape[:2]
    crops = []
    for x0, y0, x1, y1 in boxes:
        x0, x1 = max(0, x0), min(w, x1)
        y0, y1 = max(0, y0), min(h, y1)
        crops.append(card[y0:y1, x0:x1] if x1 - x0 > 4 and y1 - y0 > 4 else None)
    todo = [c for c in crops if c is not None]
    results = iter(engine().text_rec(todo, False)[0] if todo else [])
    out = []
    for crop in crops:
        if crop is None:
            out.append(("", 0.0))
        else:
            text, score = next(results)[:2]
            out.append((str(text), float(score)))
    return out
