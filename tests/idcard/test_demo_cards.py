"""The demo customers' renewed cards: what they carry passes every renewal rule against the
record on file, and the command writes both sides of each."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from idrenew.devkit.idcards import renewed_identity
from idrenew.idcard.domain import rules
from idrenew.idcard.domain.rules import Period

pytestmark = pytest.mark.django_db


def test_renewed_cards_pass_the_rules(demo_customers: dict[str, Any]) -> None:
    today = timezone.localdate()
    for customer in demo_customers.values():
        card = renewed_identity(customer, today)
        fields = card.fields()
        assert (
            rules.check_front(
                id_number=fields["id_number"], birth_date=card.birth, sex=fields["sex"]
            )
            == []
        )
        assert (
            rules.check_same_person(
                id_number=card.id_number,
                name=card.name,
                record_id_number=customer.id_number,
                record_name=customer.name,
            )
            == []
        )
        period = Period(card.valid_from, card.valid_to)
        old = Period(customer.id_valid_from, customer.id_valid_to)
        assert rules.check_period(birth=card.birth, period=period) == []
        assert rules.check_renewal(new=period, old=old, today=today) == [], customer.fund_account


def test_command_writes_both_sides(demo_customers: dict[str, Any], tmp_path: Path) -> None:
    out = StringIO()
    call_command("demo_idcards", out=str(tmp_path), fund_account=["80010002"], stdout=out)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["80010002_back.jpg", "80010002_front.jpg"]
    assert all((tmp_path / f).read_bytes()[:2] == b"\xff\xd8" for f in files)
    assert "80010002" in out.getvalue()
