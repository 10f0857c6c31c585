"""The reviewer's view of a card reading: read and edited values side by side, masked,
every look (page or image) logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from idrenew.audit.models import AuditEvent
from idrenew.core.staff import staff_create
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.lib.files import save_encrypted
from tests.conftest import ApiClient, staff_login
from tests.idcard.conftest import CASES, confirm, new_period, store_reading

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"card" * 50


@pytest.fixture
def reading(at_step_4: ApiClient, alice: Any) -> CardReading:
    store_reading(alice)
    CardUpload.objects.filter(side="front").update(
        card_name=save_encrypted("idcard/cards", JPEG, suffix=".jpg")
    )
    assert confirm(at_step_4).status_code == 200
    assert at_step_4.post_json(f"{CASES}/identity/confirm", {}, key="k1").status_code == 200
    start, end = new_period(alice)
    payload = {
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
        "long_term": end is None,
        "address": "上海市浦东新区世纪大道100号",
    }
    assert at_step_4.post_json(f"{CASES}/update", payload, key="k2").status_code == 200
    return CardReading.objects.get()


@pytest.fixture
def reviewer(client: Client) -> Client:
    staff_create(username="rev", password="Rev-Pass-2026!", role="审核员")
    staff_login(client, User.objects.get(username="rev"))
    return client


def test_reading_page_shows_both_values_masked_and_logs_the_view(
    reviewer: Client, reading: CardReading, alice: Any
) -> None:
    page = reviewer.get(f"/admin/idcard/cardreading/{reading.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert alice.id_number not in html and alice.id_number_masked in html
    assert "上海市浦东新区世纪大道100号" in html and alice.address in html
    assert "font-weight:bold" in html  # the edited address is highlighted
    assert "FACE_CARD_UNCHECKED" in html
    assert AuditEvent.objects.filter(
        action="staff.viewed_card_reading", case_id=reading.case_id
    ).exists()
    front = reading.front
    image = reviewer.get(f"/admin/idcard/cardupload/{front.pk}/card.jpg")
    assert image.status_code == 200 and image.content == JPEG
    assert AuditEvent.objects.filter(action="staff.viewed_card_image").count() == 1
    assert reviewer.get(f"/admin/idcard/cardupload/{front.pk}/secret.jpg").status_code == 403
