"""The confirmed card: one merge of what was read with what the customer edited."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from idrenew.idcard.models import CardReading
from idrenew.idcard.selectors import ConfirmedCard, card_confirmed_of


def _reading(ocr: dict[str, Any], edits: dict[str, Any] | None = None) -> CardReading:
    return CardReading(
        ocr_json=json.dumps(ocr, ensure_ascii=False),
        edits_json=json.dumps(edits, ensure_ascii=False) if edits is not None else "",
    )


READ = {
    "valid_from": "2026.11.21",
    "valid_to": "2046.11.21",
    "address": "上海市浦东新区世纪大道1号",
}


def test_unedited_card_is_what_was_read() -> None:
    card = card_confirmed_of(_reading(READ))
    assert card == ConfirmedCard(
        valid_from=date(2026, 11, 21),
        valid_to=date(2046, 11, 21),
        long_term=False,
        address="上海市浦东新区世纪大道1号",
        edited=(),
        values=READ,
    )


def test_edits_win_and_a_reformatted_date_is_no_edit() -> None:
    edits = {
        "valid_from": "2026-11-21",
        "valid_to": "2046-11-22",
        "long_term": False,
        "address": "上海市浦东新区世纪大道2号",
    }
    card = card_confirmed_of(_reading(READ, edits))
    assert card.valid_from == date(2026, 11, 21)
    assert card.valid_to == date(2046, 11, 22)
    assert card.address == "上海市浦东新区世纪大道2号"
    assert card.edited == ("valid_to", "address")


@pytest.mark.parametrize(
    ("ocr_to", "edits", "edited"),
    [
        ("长期", None, ()),
        ("长期", {"valid_to": None, "long_term": True}, ()),  # 长期 confirmed as read
        ("2046.11.21", {"valid_to": None, "long_term": True}, ("valid_to",)),
    ],
)
def test_long_term(ocr_to: str, edits: dict[str, Any] | None, edited: tuple[str, ...]) -> None:
    card = card_confirmed_of(_reading({**READ, "valid_to": ocr_to}, edits))
    assert card.long_term is True
    assert card.valid_to is None
    assert card.edited == edited


def test_unreadable_start_is_none_and_the_card_is_frozen() -> None:
    card = card_confirmed_of(_reading({"valid_from": "", "valid_to": "2046.11.21"}))
    assert card.valid_from is None
    assert card.address == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.address = "x"  # type: ignore[misc]
