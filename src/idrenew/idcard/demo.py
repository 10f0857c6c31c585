"""Photos of each demo customer's renewed card, so that a tester can take a demo customer
from step 4 to step 6 (``idrenew demo-idcards``; ``idrenew demo`` writes them too).

The card carries the record's name, number, birth date, sex and address, a validity that
starts a few days before today and ends as the law says, and is photographed the way the
synthetic set is (upright, mild distortions).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np

from idrenew.customers.domain.idnumber import parse_id_number
from idrenew.customers.domain.validity import expected_end
from idrenew.customers.models import Customer
from idrenew.idcard.domain.synth import card_mask, render_back, render_front
from idrenew.idcard.domain.synth import photo as synth_photo
from idrenew.idcard.domain.synth.card import default_faces_dir, portrait_for
from idrenew.idcard.domain.synth.generate import card_rng
from idrenew.idcard.domain.synth.identity import Area, Identity, areas

RENEWED_DAYS_AGO = 7


def _area(code: str, address: str) -> Area:
    for area in areas():
        if area.code == code:
            return area
    return Area(code=code, province="", city="", county=address[:6], issuer="公安局")


def renewed_identity(customer: Customer, today: date) -> Identity:
    parsed = parse_id_number(customer.id_number)
    start = today - timedelta(days=RENEWED_DAYS_AGO)
    return Identity(
        name=customer.name,
        sex="男" if parsed.male else "女",
        ethnicity="汉",
        birth=parsed.birth_date,
        area=_area(parsed.area_code, customer.address),
        address=customer.address,
        id_number=customer.id_number,
        valid_from=start,
        valid_to=expected_end(parsed.birth_date, start),
    )


def write_demo_card(customer: Customer, out_dir: Path, today: date) -> list[Path]:
    """``<fund account>_front.jpg`` and ``_back.jpg`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    identity = renewed_identity(customer, today)
    rng = card_rng(int(customer.fund_account), 0, 7)
    portrait, _ = portrait_for(int(customer.fund_account), default_faces_dir())
    written = []
    for side in ("front", "back"):
        card = render_front(identity, portrait) if side == "front" else render_back(identity)
        shot = synth_photo.upright_shot(rng)
        image, _info = synth_photo.photograph(
            np.asarray(card).copy(), np.asarray(card_mask()).copy(), side, rng, shot
        )
        path = out_dir / f"{customer.fund_account}_{side}.jpg"
        path.write_bytes(synth_photo.jpeg(image, max(shot.quality, 85)))
        written.append(path)
    return written
