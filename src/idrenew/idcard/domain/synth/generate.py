"""Writing a generated set: photos and ground truth (layout in the package docstring)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from idrenew.idcard.domain.synth import photo
from idrenew.idcard.domain.synth.card import (
    card_mask,
    default_faces_dir,
    portrait_for,
    render_back,
    render_front,
)
from idrenew.idcard.domain.synth.identity import Identity, make_identity

Rgb = npt.NDArray[np.uint8]
SCALES = (1.0, 1.25, 1.5)  # card rendering resolution for photos: 10, 12.5, 15 px/mm


def card_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Independent, reproducible randomness for card ``index`` of a set (and a sub-stream)."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, stream]))


def _render(
    identity: Identity, side: str, portrait: Image.Image, scale: float
) -> tuple[Rgb, npt.NDArray[np.uint8]]:
    img = (
        render_front(identity, portrait, scale) if side == "front" else render_back(identity, scale)
    )
    return np.asarray(img).copy(), np.asarray(card_mask(scale)).copy()


def _scale_for(rng: np.random.Generator) -> float:
    return SCALES[int(rng.integers(len(SCALES)))]


def _write(path: Path, data: bytes, written: list[Path]) -> None:
    path.write_bytes(data)
    written.append(path)


def _write_json(path: Path, doc: dict[str, Any], written: list[Path]) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    _write(path, text.encode("utf-8"), written)


def _negative(
    out_dir: Path,
    card_id: str,
    kind: str,
    seed: int,
    index: int,
    faces_dir: Path | None,
    written: list[Path],
) -> None:
    rng = card_rng(seed, index, 1)
    identity = make_identity(card_rng(seed, index, 0))
    portrait, face_file = portrait_for(int(rng.integers(1 << 30)), faces_dir)
    side = "front" if rng.random() < 0.6 else "back"
    scale = _scale_for(rng)
    card, mask = _render(identity, side, portrait, scale)
    fields: dict[str, str] = identity.front_fields() if side == "front" else identity.back_fields()
    if kind == "IDCARD_EDGE_CUT":
        img, info = photo.edge_cut(card, mask, side, rng)
    elif kind == "IDCARD_BLURRED":
        img, info = photo.heavy_blur(card, mask, side, rng)
    elif kind == "IDCARD_GLARE":
        img, info = photo.glare_over_text(card, mask, side, rng)
    elif kind == "IDCARD_PHOTOCOPY":
        img, info = photo.photocopy(card, mask, side, rng)
    elif kind == "IDCARD_SCREEN":
        img, info = photo.screen(card, mask, side, rng)
    elif kind == "IDCARD_TOO_DARK":
        img, info = photo.too_dark(card, mask, side, rng)
    elif kind == "IDCARD_TOO_SMALL":
        img, info = photo.too_small(card, mask, side, rng)
    elif kind == "IDCARD_NOT_A_CARD":
        img, info = photo.not_a_card(card, mask, side, rng)
        fields = {}
    elif kind == "IDCARD_MULTIPLE_CARDS":
        other_side = "back" if side == "front" else "front"
        other = _render(identity, other_side, portrait, scale)
        img, info = photo.two_cards([(card, mask), other], side, rng)
        info["sides"] = [side, other_side]
        fields = {}
    else:  # pragma: no cover
        raise ValueError(kind)
    quality = int(rng.integers(70, 93))
    info["jpeg_quality"] = quality
    name = f"{card_id}_{side}.jpg"
    _write(out_dir / name, photo.jpeg(img, quality), written)
    doc: dict[str, Any] = {
        "id": card_id,
        "side": side,
        "kind": "negative",
        "expected_warnings": [kind],
        "fields": fields,
        "identity": identity.as_json(),
        "distortions": {side: info},
        "files": {side: name},
        "portrait_source": face_file,
    }
    _write_json(out_dir / f"{card_id}.json", doc, written)


def _good(
    out_dir: Path, card_id: str, seed: int, index: int, faces_dir: Path | None, written: list[Path]
) -> None:
    identity = make_identity(card_rng(seed, index, 0))
    rng = card_rng(seed, index, 1)
    portrait, face_file = portrait_for(int(rng.integers(1 << 30)), faces_dir)
    files: dict[str, str] = {}
    distortions: dict[str, Any] = {}
    for side in ("front", "back"):
        scale = _scale_for(rng)
        card, mask = _render(identity, side, portrait, scale)
        shot = photo.random_shot(rng)
        img, info = photo.photograph(card, mask, side, rng, shot)
        info["card_scale_px_per_mm"] = 10 * scale
        name = f"{card_id}_{side}.jpg"
        _write(out_dir / name, photo.jpeg(img, shot.quality), written)
        files[side] = name
        distortions[side] = info
    doc: dict[str, Any] = {
        "id": card_id,
        "side": "both",
        "kind": "good",
        "expected_warnings": [],
        "fields": identity.fields(),
        "identity": identity.as_json(),
        "distortions": distortions,
        "files": files,
        "portrait_source": face_file,
    }
    _write_json(out_dir / f"{card_id}.json", doc, written)


def generate(
    out_dir: Path,
    count: int,
    seed: int,
    negatives: float = 0.2,
    faces_dir: Path | bool | None = True,
) -> list[Path]:
    """Write ``count`` cards into ``out_dir``; about ``negatives`` of them are negative cases
    (the kinds taken in turn so every kind appears). Returns the files written.

    ``faces_dir``: True = ``../shared/testdata/faces`` when present; None/False = drawn
    silhouettes; a path = that folder (needs its identities.csv).
    """
    if not 0 <= negatives <= 1:
        raise ValueError("negatives must be between 0 and 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    faces: Path | None
    if faces_dir is True:
        faces = default_faces_dir()
    elif faces_dir is False or faces_dir is None:
        faces = None
    else:
        faces = Path(faces_dir)
    plan = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    order = plan.permutation(len(photo.NEGATIVE_KINDS))
    n_neg = round(count * negatives)
    neg_at = set(int(i) for i in plan.choice(count, size=n_neg, replace=False)) if n_neg else set()
    written: list[Path] = []
    k = 0
    for index in range(count):
        card_id = f"s{seed}-{index:05d}"
        if index in neg_at:
            kind = photo.NEGATIVE_KINDS[int(order[k % len(order)])]
            k += 1
            _negative(out_dir, card_id, kind, seed, index, faces, written)
        else:
            _good(out_dir, card_id, seed, index, faces, written)
    return written
