"""Synthetic resident ID cards: the project's main OCR test material (no real person's card is
ever used). Pure Python + Pillow + numpy + OpenCV; no Django.

``generate(out_dir, count, seed, negatives=0.2)`` writes, for each card ``<id>`` (``s<seed>-<n>``):

* a **good** card: ``<id>_front.jpg``, ``<id>_back.jpg`` (phone-like photos: procedural desk,
  cloth, paper or stone background; a few degrees of tilt; in-plane rotation, now and then
  upside down or ±90°; card 40–85 % of the frame width; uneven light; mild blur; sensor
  noise; JPEG 60–95; sometimes a small glare spot away from the text; 1200–1600 px long side)
  and ``<id>.json``;
* a **negative** case: one photo ``<id>_<side>.jpg`` and ``<id>.json``, of one kind taken in
  turn from ``photo.NEGATIVE_KINDS`` (edge cut, heavy blur, glare over the text, photocopy,
  screen recapture, too dark, too small, not a card, two cards).

The JSON, one per card::

    {"id": "s7-00003", "side": "both" | "front" | "back", "kind": "good" | "negative",
     "expected_warnings": [] | ["IDCARD_…"],            # codes of types.WARNING_MESSAGES
     "fields": {name, sex, ethnicity, birth_date, address, id_number,   # types.py formats;
                issuer, valid_from, valid_to},          # a negative: its side's keys only,
                                                        # {} for not-a-card / two cards
     "identity": {...},                                 # the person, area code, validity
     "distortions": {"front": {...}, "back": {...}},    # what was done to each photo,
                                                        # incl. card_quad (TL, TR, BR, BL)
     "files": {"front": "<id>_front.jpg", ...},
     "portrait_source": "deepface_img3.jpg" | null}

The same seed gives byte-identical files; card ``n`` does not depend on ``count``.
Clean single renderings for tests: ``render_front``, ``render_back`` (``card.py``),
identities from ``make_identity(rng)``.
"""

from idrenew.devkit.synth.card import card_mask, render_back, render_front
from idrenew.devkit.synth.generate import card_rng, generate
from idrenew.devkit.synth.identity import Identity, areas, make_identity
from idrenew.devkit.synth.photo import NEGATIVE_KINDS

__all__ = [
    "NEGATIVE_KINDS",
    "Identity",
    "areas",
    "card_mask",
    "card_rng",
    "generate",
    "make_identity",
    "render_back",
    "render_front",
]
