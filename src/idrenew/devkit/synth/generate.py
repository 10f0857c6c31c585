"""Writing a generated set: photos and ground truth (layout in the package docstring)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from idrenew.devkit.synth import photo
from idrenew.devkit.synth.card import (
    CLASSIC,
    Layout,
    card_mask,
    default_faces_dir,
    portrait_for,
    random_layout,
    render_back,
    render_front,
)
from idrenew.devkit.synth.identity import Identity, issuer_variant, make_identity

Rgb = npt.NDArray[np.uint8]
SCALES = (1.0, 1.25, 1.5)  # card rendering resolution for photos: 10, 12.5, 15 px/mm
Variety = Literal["classic", "wide"]
VARIETIES = ("classic", "wide")
LAYOUT_STREAM = 2  # the wide variety's draws (layout, issuer form, light, JPEG quality)


def card_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Independent, reproducible randomness for card ``index`` of a set (and a sub-stream)."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, stream]))


def _render(
    identity: Identity, side: str, portrait: Image.Image, scale: float, layout: Layout = CLASSIC
) -> tuple[Rgb, npt.NDArray[np.uint8]]:
    img = (
        render_front(identity, portrait, scale, layout=layout)
        if side == "front"
        else render_back(identity, scale, layout=layout)
    )
    return np.asarray(img).copy(), np.asarray(card_mask(scale)).copy()


def _variety(
    identity: Identity, variety: Variety, seed: int, index: int
) -> tuple[Identity, Layout, np.random.Generator | None]:
    """The card's layout and issuer form; for ``wide`` also the stream for the photo's
    wider light and JPEG quality (None for ``classic``: the classic cards stay as they were)."""
    if variety == "classic":
        return identity, CLASSIC, None
    rng = card_rng(seed, index, LAYOUT_STREAM)
    layout = random_layout(rng)
    variant = issuer_variant(identity.area)
    if variant is not None and rng.random() < 0.4:
        identity = replace(identity, issuer_text=variant)
    return identity, layout, rng


def _line_of(identity: Identity, side: str, layout: Layout) -> tuple[float, float, float]:
    """A text line to wash out (x0, x1, y centre; scale-1 card pixels): the address's first
    line on the front, the issuer on the back."""
    if side == "front":
        x0 = layout.value_x()
        chars = min(11, len(identity.address))
        return x0, x0 + chars * layout.value_size, layout.row_y(3) - 6 + 0.6 * layout.value_size
    x0 = layout.back_value_x()
    return (
        x0,
        x0 + len(identity.issuer) * layout.value_size,
        394 + layout.back_top + 0.6 * layout.value_size,
    )


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
    variety: Variety = "classic",
) -> None:
    rng = card_rng(seed, index, 1)
    identity, layout, wide = _variety(make_identity(card_rng(seed, index, 0)), variety, seed, index)
    portrait, face_file = portrait_for(int(rng.integers(1 << 30)), faces_dir)
    side = "front" if rng.random() < 0.6 else "back"
    scale = _scale_for(rng)
    card, mask = _render(identity, side, portrait, scale, layout)
    fields: dict[str, str] = identity.front_fields() if side == "front" else identity.back_fields()
    # the wide variety's milder defects: half of the blurred and glare cases
    milder = wide is not None and wide.random() < 0.5
    if kind == "IDCARD_EDGE_CUT":
        img, info = photo.edge_cut(card, mask, side, rng)
    elif kind == "IDCARD_BLURRED" and milder:
        img, info = photo.mild_blur(card, mask, side, rng)
    elif kind == "IDCARD_BLURRED":
        img, info = photo.heavy_blur(card, mask, side, rng)
    elif kind == "IDCARD_GLARE" and milder:
        img, info = photo.glare_over_line(card, mask, side, rng, _line_of(identity, side, layout))
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
        other = _render(identity, other_side, portrait, scale, layout)
        img, info = photo.two_cards([(card, mask), other], side, rng)
        info["sides"] = [side, other_side]
        fields = {}
    else:  # pragma: no cover
        raise ValueError(kind)
    quality = int(rng.integers(70, 93))
    if wide is not None:
        quality = int(wide.integers(55, 93))
        info["layout"] = _layout_json(layout)
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


def _layout_json(layout: Layout) -> dict[str, Any]:
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in vars(layout).items()}


def _good(
    out_dir: Path,
    card_id: str,
    seed: int,
    index: int,
    faces_dir: Path | None,
    written: list[Path],
    variety: Variety = "classic",
) -> None:
    identity, layout, wide = _variety(make_identity(card_rng(seed, index, 0)), variety, seed, index)
    rng = card_rng(seed, index, 1)
    portrait, face_file = portrait_for(int(rng.integers(1 << 30)), faces_dir)
    files: dict[str, str] = {}
    distortions: dict[str, Any] = {}
    for side in ("front", "back"):
        scale = _scale_for(rng)
        card, mask = _render(identity, side, portrait, scale, layout)
        shot = photo.random_shot(rng)
        if wide is not None:
            photo.widen_shot(shot, wide)
            shot.extras["free_regions"] = layout.free_regions(side)
        img, info = photo.photograph(card, mask, side, rng, shot)
        if wide is not None:
            info["layout"] = _layout_json(layout)
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
    variety: Variety = "wide",
) -> list[Path]:
    """Write ``count`` cards into ``out_dir``; about ``negatives`` of them are negative cases
    (the kinds taken in turn so every kind appears). Returns the files written.

    ``variety``: ``wide`` (default) draws each card's layout (``card.random_layout``: label
    and value offsets, type sizes and weight, paler and warmer backgrounds), the issuer's
    form, stronger and warmer light and lower JPEG quality, and makes half of the blurred and
    glare negatives milder (``photo.mild_blur``, ``photo.glare_over_line``); ``classic`` is the
    single layout of the first generator (same bytes as before for a seed).

    ``faces_dir``: True = ``../shared/testdata/faces`` when present; None/False = drawn
    silhouettes; a path = that folder (needs its identities.csv).
    """
    if not 0 <= negatives <= 1:
        raise ValueError("negatives must be between 0 and 1")
    if variety not in VARIETIES:
        raise ValueError(f"variety must be one of {VARIETIES}")
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
            _negative(out_dir, card_id, kind, seed, index, faces, written, variety)
        else:
            _good(out_dir, card_id, seed, index, faces, written, variety)
    return written
