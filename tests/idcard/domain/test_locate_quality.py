"""The card locator on hard backgrounds and the glare check against even overexposure
(``locate``, ``quality``); the division-name snap is in ``test_divisions``."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from idrenew.idcard.domain import quality
from idrenew.idcard.domain.locate import CARD_H, CARD_W, locate
from idrenew.idcard.domain.synth.card import card_mask, render_back, render_front
from idrenew.idcard.domain.synth.identity import make_identity
from idrenew.idcard.domain.synth.photo import glare


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
