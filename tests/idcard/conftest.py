"""Fixtures for steps 4–6: a case at step 4 and card readings as the pipeline returns them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.customers.domain.idnumber import make_id_number, parse_id_number
from idrenew.customers.domain.validity import expected_end
from idrenew.idcard.models import CardUpload
from tests.conftest import ApiClient

CASES = "/api/cases/current"


@pytest.fixture
def at_step_4(signed_in: ApiClient) -> ApiClient:
    assert signed_in.post_json("/api/cases", {}, key=signed_in.new_key()).status_code == 201
    RenewalCase.objects.update(state="face_passed")  # step 3 is tested in tests/face
    return signed_in


def new_period(customer: Any, *, started_days_ago: int = 10) -> tuple[date, date | None]:
    birth = parse_id_number(customer.id_number).birth_date
    start = timezone.localdate() - timedelta(days=started_days_ago)
    return start, expected_end(birth, start)


def store_reading(customer: Any, **overrides: str) -> None:
    """Both sides as the pipeline would have read a genuine renewed card."""
    case = RenewalCase.objects.get(customer=customer)
    parsed = parse_id_number(customer.id_number)
    start, end = new_period(customer)
    front = {
        "name": customer.name,
        "sex": "男" if parsed.male else "女",
        "ethnicity": "汉",
        "birth_date": parsed.birth_date.isoformat(),
        "address": customer.address,
        "id_number": customer.id_number,
    }
    back = {
        "issuer": "北京市公安局东城分局",
        "valid_from": start.strftime("%Y.%m.%d"),
        "valid_to": end.strftime("%Y.%m.%d") if end else "长期",
    }
    for side, fields in (("front", front), ("back", back)):
        upload = CardUpload(
            case=case, side=side, status="accepted", image_name="x", image_sha256="0" * 64
        )
        changed = {k: v for k, v in overrides.items() if k in fields}
        if changed.get("id_number", "").startswith("same birth"):
            changed["id_number"] = make_id_number(
                parsed.area_code, parsed.birth_date, (parsed.sequence + 2) % 1000
            )
        upload.fields = {**fields, **changed}
        upload.save()


def confirm(api: ApiClient) -> Any:
    return api.post_json(f"{CASES}/idcard/confirm", {}, key=api.new_key())
