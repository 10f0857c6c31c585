"""The card locator on hard backgrounds and the glare check against even overexposure
(``locate``, ``quality``); the division-name snap is in ``test_divisions``."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from idrenew.devkit.synth.card import card_mask, render_back, render_front
from idrenew.devkit.synth.identity import make_identity
from idrenew.devkit.synth.photo import glare
from idrenew.idcard.domain import quality
from idrenew.idcard.domain.locate import CARD_H, CARD_W, locate


def _card(side: str, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A rendered card (BGR) and its rounded-corner mask."""
    identity = make_identity(np.random.default_rng(seed))
    img = render_front(identity) if side == "front" else render_back(identity)
    rgb = np.asarray(img)
    mask = np.asarray(card_mask()).copy()
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), mask


def _on_background(
    card: np.ndarray, mask: np.ndarray, background: np.ndarray, quad: np.ndarray
) -> np.ndarray:
    h, w = card.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    hom = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    fh, fw = background.shape[:2]
    warped = cv2.warpPerspective(card, hom, (fw, fh))
    alpha = cv2.warpPerspective(mask, hom, (fw, fh)).astype(np.float32)[..., None] / 255
    out = background.astype(np.float32) * (1 - alpha) + warped.astype(np.float32) * alpha
    return np.clip(out, 0, 255).astype(np.uint8)


def _corner_error(found: np.ndarray, truth: np.ndarray) -> float:
    return min(float(np.abs(np.roll(found, k, axis=0) - truth).max()) for k in range(4))


@pytest.mark.parametrize("side", ["front", "back"])
def test_white_card_on_white_paper_is_located(side: str) -> None:
    """Almost no contrast between card and paper: the text places the card."""
    rng = np.random.default_rng(1)
    paper = np.full((900, 1200, 3), (236, 240, 243), np.float32)
    paper += rng.normal(0, 2.0, paper.shape)
    card, mask = _card(side)
    quad = np.array([[250, 200], [960, 230], [945, 675], [238, 650]], np.float32)
    photo = _on_background(card, mask, np.clip(paper, 0, 255).astype(np.uint8), quad)
    located = locate(photo)
    assert located.card is not None and located.quad is not None
    assert located.card.shape[:2] == (CARD_H, CARD_W)
    assert "IDCARD_EDGE_CUT" not in located.warnings
    assert "IDCARD_NOT_A_CARD" not in located.warnings
    assert _corner_error(located.quad, quad) < 0.06 * 710


def test_card_on_wood_inside_a_larger_blob_is_chosen() -> None:
    """A textured table top makes a frame-sized blob that runs into the border; the whole
    card inside it, holding the text, is the card."""
    h, w = 900, 1200
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grain = 0.5 + 0.5 * np.sin(yy / 9.0 + 3 * np.sin(xx / 80.0))
    wood = np.stack([60 + 40 * grain, 100 + 50 * grain, 150 + 60 * grain], axis=2)
    card, mask = _card("front", seed=8)
    quad = np.array([[420, 330], [800, 350], [790, 590], [410, 575]], np.float32)
    photo = _on_background(card, mask, wood.astype(np.uint8), quad)
    located = locate(photo)
    assert located.quad is not None
    assert "IDCARD_EDGE_CUT" not in located.warnings
    assert _corner_error(located.quad, quad) < 0.06 * 380


@pytest.mark.parametrize("side", ["front", "back"])
def test_evenly_overexposed_card_is_not_glare(side: str) -> None:
    card, _ = _card(side)
    card = cv2.resize(card, (CARD_W, CARD_H), interpolation=cv2.INTER_AREA)
    bright = np.clip(card.astype(np.float32) * 1.3 + 10, 0, 255).astype(np.uint8)
    m = quality.measure(bright, side)
    assert m.glare < quality.THRESHOLDS["glare_blob_min"]
    assert "IDCARD_GLARE" not in quality.warnings_for(m)


@pytest.mark.parametrize("side", ["front", "back"])
def test_highlight_over_text_is_glare(side: str) -> None:
    card, _ = _card(side)
    card = cv2.resize(card, (CARD_W, CARD_H), interpolation=cv2.INTER_AREA)
    centre = (0.3 * CARD_W, 0.35 * CARD_H) if side == "front" else (0.55 * CARD_W, 0.8 * CARD_H)
    rgb = cv2.cvtColor(card, cv2.COLOR_BGR2RGB)
    spot = cv2.cvtColor(glare(rgb, centre, 0.2 * CARD_W, 2.0), cv2.COLOR_RGB2BGR)
    m = quality.measure(spot, side)
    assert "IDCARD_GLARE" in quality.warnings_for(m)


# --- #12: blur relative to the card's size and stroke width; glare on a line of text


def _photo_of(card_rgb: np.ndarray, mask: np.ndarray, width: int, sigma_card: float) -> np.ndarray:
    """The card on a grey table, ``width`` px wide in a 1400 × 1050 photo, blurred by
    ``sigma_card`` of the card's own pixels (856 to its width)."""
    from idrenew.devkit.synth import photo

    h = round(width / 1.585)
    x0, y0 = (1400 - width) // 2, (1050 - h) // 2
    quad = np.array([[x0, y0], [x0 + width, y0 + 6], [x0 + width - 4, y0 + h], [x0, y0 + h - 3]])
    table = np.full((1050, 1400, 3), 120, np.uint8)
    shot = _on_background(card_rgb, mask, table, quad.astype(np.float32))
    shot = photo.blur(shot, sigma_card * width / CARD_W)
    return photo.noise(shot, np.random.default_rng(5), 2.0)


def _measure_photo(rgb: np.ndarray, side: str) -> quality.Measures:
    located = locate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert located.card is not None
    return quality.measure(located.card, side, (), located.card_width_px)


@pytest.mark.parametrize("side", ["front", "back"])
@pytest.mark.parametrize("width", [620, 1000])
def test_mild_blur_is_flagged_relative_to_the_cards_size(side: str, width: int) -> None:
    """A Gaussian of 2.8 of the card's own pixels (about the printed stroke's width) is
    flagged whether the card is small or large in the photo; the same card in focus is
    not — nor when it is small (upsampled: soft by resolution, not by focus)."""
    card, mask = _card(side, seed=12)
    rgb = cv2.cvtColor(card, cv2.COLOR_BGR2RGB)
    sharp = _measure_photo(_photo_of(rgb, mask, width, 0.4), side)
    mild = _measure_photo(_photo_of(rgb, mask, width, 2.8), side)
    assert "IDCARD_BLURRED" not in quality.warnings_for(sharp)
    assert "IDCARD_BLURRED" in quality.warnings_for(mild)
    assert mild.spread_ratio > quality.THRESHOLDS["blur_spread_ratio_max"] > sharp.spread_ratio
    assert mild.stroke_width > 0


def test_mild_blur_escapes_the_gradient_measure_alone() -> None:
    """Why the stroke measure: the relative-gradient measure lets this mild blur through."""
    card, mask = _card("front", seed=12)
    mild = _measure_photo(
        _photo_of(cv2.cvtColor(card, cv2.COLOR_BGR2RGB), mask, 1000, 2.8), "front"
    )
    assert mild.sharpness >= quality.THRESHOLDS["blur_sharpness_min"]


def _address_glare(card: np.ndarray) -> tuple[np.ndarray, list[quality.LineBox]]:
    """A small highlight over the first address line of a rendered front (classic layout),
    and the line boxes the OCR would give for the lines it can still read."""
    rgb = cv2.cvtColor(card, cv2.COLOR_BGR2RGB)
    spot = cv2.cvtColor(glare(rgb, (330.0, 246.0), 0.055 * CARD_W, 2.0), cv2.COLOR_RGB2BGR)
    lines: list[quality.LineBox] = [
        (160, 48, 300, 88),  # name
        (160, 112, 200, 148),
        (60, 176, 440, 208),  # birth
        (160, 230, 280, 264),  # the address line up to the highlight
        (160, 274, 460, 308),
        (300, 438, 780, 480),  # number
    ]
    return spot, lines


def test_small_highlight_on_a_read_line_is_glare() -> None:
    card, _ = _card("front", seed=4)
    spot, lines = _address_glare(card)
    m = quality.measure(spot, "front", lines)
    assert m.glare < quality.THRESHOLDS["glare_blob_min"]  # too small for the overall check
    assert m.glare_local >= quality.THRESHOLDS["glare_local_min"]
    assert "IDCARD_GLARE" in quality.warnings_for(m)
    # the same highlight where no text line is: no glare
    assert "IDCARD_GLARE" not in quality.warnings_for(quality.measure(spot, "front", lines[4:]))


def test_small_highlight_away_from_the_text_is_not_glare() -> None:
    card, _ = _card("front", seed=4)
    rgb = cv2.cvtColor(card, cv2.COLOR_BGR2RGB)
    # in the gap under the address, between the label column and the portrait
    spot = cv2.cvtColor(glare(rgb, (150.0, 400.0), 0.035 * CARD_W, 0.85), cv2.COLOR_RGB2BGR)
    _, lines = _address_glare(card)
    m = quality.measure(spot, "front", lines)
    assert "IDCARD_GLARE" not in quality.warnings_for(m)


def test_washed_out_stretch_of_an_address_line_is_glare() -> None:
    """The line read in two pieces around a highlight, or ending early before the next line
    ends: the stretch in between is saturated and ink-free. On the clean card the same
    boxes leave ink in the stretch, so nothing is reported."""
    card, _ = _card("front", seed=4)
    rgb = cv2.cvtColor(card, cv2.COLOR_BGR2RGB)
    spot = cv2.cvtColor(glare(rgb, (300.0, 248.0), 0.05 * CARD_W, 2.2), cv2.COLOR_RGB2BGR)
    split = [[(160, 230, 263, 266), (337, 230, 490, 266)], [(160, 274, 470, 310)]]
    assert quality.washed_out_gap(spot, split) >= quality.THRESHOLDS["glare_gap_min"]
    assert quality.washed_out_gap(card, split) == 0.0
    # the end of the first line washed out: it reads short of where the next line ends
    end = cv2.cvtColor(glare(rgb, (462.0, 248.0), 0.05 * CARD_W, 2.2), cv2.COLOR_RGB2BGR)
    short = [[(160, 230, 425, 266)], [(160, 274, 490, 310)]]
    assert quality.washed_out_gap(end, short) >= quality.THRESHOLDS["glare_gap_min"]
    assert quality.washed_out_gap(card, short) == 0.0
    assert quality.washed_out_gap(spot, []) == 0.0
