"""Second looks at the front (``reread``): the 男/女 the detector skipped, read from its place;
and full-width digits in the number (NFKC in ``parse.items_from``)."""

from __future__ import annotations

import cv2
import numpy as np

from idrenew.devkit.synth.card import render_front
from idrenew.devkit.synth.identity import make_identity
from idrenew.idcard.domain import reread
from idrenew.idcard.domain.locate import CARD_H, CARD_W
from idrenew.idcard.domain.ocr import read_card, recognise
from idrenew.idcard.domain.parse import Item, items_from, parse_front

BLANK = np.full((CARD_H, CARD_W, 3), 255, np.uint8)


def _item(text: str, x0: float, x1: float, y0: float = 0.25, y1: float = 0.30) -> Item:
    return Item(text=text, x0=x0, x1=x1, y0=y0, y1=y1, score=0.99)


ROW = [_item("性别", 0.06, 0.12), _item("民族汉", 0.30, 0.45)]


def _fill(items: list[Item], answer: tuple[str, float]) -> tuple[dict[str, str], list[object]]:
    asked: list[object] = []

    def fake(card: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[tuple[str, float]]:
        asked.append(boxes)
        return [answer]

    fields: dict[str, str] = {"name": "王某"}
    reread.fill_sex(BLANK, items, fields, {}, fake)
    return fields, asked


def test_sex_region_lies_between_the_two_labels() -> None:
    region = reread.sex_region(ROW)
    assert region is not None
    x0, y0, x1, y1 = region
    assert 0.12 < x0 < x1 < 0.30 and y0 < 0.25 and y1 > 0.30


def test_only_male_or_female_is_taken() -> None:
    assert _fill(ROW, ("男", 0.9))[0]["sex"] == "男"
    assert _fill(ROW, ("女", 0.9))[0]["sex"] == "女"
    assert "sex" not in _fill(ROW, ("另", 0.9))[0]  # anything else: still missing
    assert "sex" not in _fill(ROW, ("男", 0.2))[0]  # too unsure
    assert "sex" not in _fill(ROW, ("男女", 0.9))[0]


def test_no_label_no_second_look() -> None:
    fields, asked = _fill([_item("民族汉", 0.30, 0.45)], ("男", 0.9))
    assert "sex" not in fields and asked == []
    fields, asked = _fill([_item("性别男", 0.06, 0.20)], ("男", 0.9))  # value was read with it
    assert asked == []


def test_sex_read_again_on_a_rendered_card() -> None:
    identity = make_identity(np.random.default_rng(11))
    card = cv2.cvtColor(np.asarray(render_front(identity)), cv2.COLOR_RGB2BGR)
    card = cv2.resize(card, (CARD_W, CARD_H), interpolation=cv2.INTER_AREA)
    text = read_card(card)
    items = items_from([(ln.text, ln.box, ln.score) for ln in text.lines], CARD_W, CARD_H)
    # as if the detector had missed the value: keep only the label part of the sex row
    label = next(i for i in items if i.text.startswith("性别"))
    ethnic = next(i for i in items if "族" in i.text and abs(i.cy - label.cy) < 0.05)
    per_char = (label.x1 - label.x0) / len(label.text)
    cut = Item("性别", label.x0, label.x0 + 2 * per_char, label.y0, label.y1, label.score)
    fields: dict[str, str] = {}
    reread.fill_sex(text.card, [cut, ethnic], fields, {}, recognise)
    assert fields.get("sex") == identity.sex


def test_full_width_digits_in_the_number() -> None:
    number = "350122199１04074616"  # one full-width 1, as RapidOCR returned it
    box = [[305, 454], [758, 443], [759, 478], [306, 489]]
    parsed = parse_front(
        [
            ("公民身份号码", [[60, 459], [257, 455], [258, 488], [61, 492]], 0.99),
            (number, box, 0.88),
        ],
        CARD_W,
        CARD_H,
    )
    assert parsed.fields["id_number"] == "350122199104074616"
