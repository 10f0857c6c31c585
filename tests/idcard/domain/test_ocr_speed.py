"""The speed-ups of the OCR pipeline give the same values as the code they replaced
(issue #13 item 7): per-channel min/max, the histogram median, the engine's memory arena."""

from __future__ import annotations

import numpy as np
import pytest

from idrenew.devkit.synth.identity import make_identity
from idrenew.idcard.domain import ocr, quality


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 5, 3), (540, 856, 3)])
def test_channel_min_max_is_numpys(shape: tuple[int, int, int]) -> None:
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    low, high = quality.channel_min_max(image)
    assert low.dtype == high.dtype == np.uint8
    assert np.array_equal(low, image.min(axis=2))
    assert np.array_equal(high, image.max(axis=2))


def test_channel_min_max_of_a_view() -> None:
    """A cropped (non-contiguous) view gives the same as on a copy."""
    image = np.random.default_rng(2).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    view = image[5:50, 10:70]
    low, high = quality.channel_min_max(view)
    assert np.array_equal(low, view.min(axis=2))
    assert np.array_equal(high, view.max(axis=2))


@pytest.mark.parametrize("size", [1, 2, 3, 10, 11, 1000, 1001])
@pytest.mark.parametrize("top", [1, 2, 40, 256])
def test_median_u8_is_numpys(size: int, top: int) -> None:
    values = np.random.default_rng(size * top).integers(0, top, size, dtype=np.uint8)
    assert quality.median_u8(values) == float(np.median(values))
    assert quality.median_u8(values.reshape(1, -1)) == float(np.median(values))


def test_median_u8_of_even_count_averages_the_middle_pair() -> None:
    assert quality.median_u8(np.array([0, 255], np.uint8)) == 127.5
    assert quality.median_u8(np.array([3, 3, 4, 200], np.uint8)) == 3.5


def test_median_u8_refuses_an_empty_array() -> None:
    with pytest.raises(ValueError):
        quality.median_u8(np.zeros(0, np.uint8))


def test_chroma_spread_unchanged_on_a_card() -> None:
    """The histogram median inside ``_chroma_spread`` gives numpy's figure on a real card."""
    import cv2

    from idrenew.devkit.synth.card import render_front

    rgb = np.asarray(render_front(make_identity(np.random.default_rng(5))))
    card = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    lab = cv2.cvtColor(card, cv2.COLOR_BGR2LAB).astype(np.float32)
    a = lab[:, :, 1] - float(np.median(lab[:, :, 1]))
    b = lab[:, :, 2] - float(np.median(lab[:, :, 2]))
    expected = float(np.percentile(np.sqrt(a * a + b * b), 97))
    assert quality._chroma_spread(card) == expected


def test_engine_sessions_use_the_memory_arena_on_one_thread() -> None:
    eng = ocr.engine()
    for holder in (eng.text_det.infer, eng.text_cls.infer, eng.text_rec.session):
        options = holder.session.get_session_options()
        assert options.enable_cpu_mem_arena
        assert options.intra_op_num_threads == 1
        assert options.inter_op_num_threads == 1
        assert holder.session.get_providers() == ["CPUExecutionProvider"]
    # idempotent: an arena session is kept as it is
    session = eng.text_rec.session.session
    assert ocr._with_memory_arena(session) is session


def _front_card() -> np.ndarray:
    import cv2

    from idrenew.devkit.synth.card import render_front

    rgb = np.asarray(render_front(make_identity(np.random.default_rng(7))))
    card = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    return cv2.resize(card, (856, 540), interpolation=cv2.INTER_AREA)


def test_detect_card_at_the_engines_size_is_the_engines_detection() -> None:
    """At 864 × 544 (what the engine's ``min`` limit gives a 856 × 540 card) the explicit size
    reproduces the engine's own detection box for box."""
    card = _front_card()
    ours = ocr.detect_card(card, (864, 544))
    theirs, _ = ocr.engine().text_det(card)
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def test_detect_card_boxes_are_in_the_cards_pixels() -> None:
    card = _front_card()
    boxes = np.asarray(ocr.detect_card(card))
    assert ocr.CARD_DET_SIZE[0] % 32 == 0 and ocr.CARD_DET_SIZE[1] % 32 == 0
    assert len(boxes) >= 8  # the front's labels, values and number
    assert boxes[..., 0].max() <= card.shape[1] and boxes[..., 1].max() <= card.shape[0]
    # the number row reaches past the middle of the card (not squeezed to the scaled size)
    assert boxes[..., 0].max() > 0.8 * card.shape[1]
