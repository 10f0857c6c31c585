"""Reads of the card data: the one place that merges what was read with what the customer
edited at step 6. Signing fills the agreements from it, review checks and shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from idrenew.cases.models import RenewalCase
from idrenew.idcard.domain.types import card_date
from idrenew.idcard.models import CardReading

# The fields the customer may correct at step 6.
EDITABLE = ("valid_from", "valid_to", "address")


@dataclass(frozen=True)
class ConfirmedCard:
    """The new card as the customer confirmed it: the OCR values with their edits on top."""

    valid_from: date | None  # None: not readable (the case cannot go on to sign)
    valid_to: date | None  # None for a long-term card
    long_term: bool
    address: str  # "" when neither read nor edited
    edited: tuple[str, ...]  # the EDITABLE fields the customer changed from what was read
    values: dict[str, Any]  # the merged raw values ({**ocr, **edits}), for display


def _same(key: str, edited: Any, read: Any) -> bool:
    """Equal once dates are in one format (the card prints 2026.11.21, the form sends ISO)."""
    a, b = str(edited or ""), str(read or "")
    if key in ("valid_from", "valid_to"):
        a, b = a.replace(".", "-"), b.replace(".", "-")
    return a == b


def edited_of(ocr: dict[str, Any], edits: dict[str, Any]) -> tuple[str, ...]:
    """The fields the customer changed from what was read (long-term counts as valid_to)."""
    changed = []
    for key in EDITABLE:
        if key not in edits or _same(key, edits.get(key), ocr.get(key)):
            continue
        if key == "valid_to" and edits.get(key) in (None, "") and ocr.get(key) == "长期":
            continue
        changed.append(key)
    return tuple(changed)


def card_confirmed_of(reading: CardReading) -> ConfirmedCard:
    ocr, edits = reading.ocr, reading.edits
    values = {**ocr, **edits}
    long_term = values.get("long_term") is True or values.get("valid_to") in (None, "长期")
    return ConfirmedCard(
        valid_from=card_date(values.get("valid_from")),
        valid_to=None if long_term else card_date(values.get("valid_to")),
        long_term=long_term,
        address=str(edits.get("address") or ocr.get("address") or ""),
        edited=edited_of(ocr, edits),
        values=values,
    )


def card_confirmed(case: RenewalCase) -> ConfirmedCard | None:
    """The case's confirmed card; None before a card was read."""
    reading = CardReading.objects.filter(case=case).first()
    return None if reading is None else card_confirmed_of(reading)
