"""The outbox dispatcher: backoff, dead letters, retry from the admin, SMS gateway failures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.core.staff import staff_create
from idrenew.outbox.cfmmc import CustomerChange, DailyFileCfmmcAdapter
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import backoff, handles, outbox_add, outbox_dispatch
from idrenew.verification.models import OutboundSms
from idrenew.verification.sms import SmsBackend, SmsMessage, SmsSendError
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

FAILING: list[str] = []


@handles("test.flaky")
def _flaky(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    FAILING.append(payload["n"])
    if payload.get("fail"):
        raise ConnectionError("对端不可用")
    return None


def test_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.IDRENEW_OUTBOX_BACKOFF_SECONDS = 30
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == timedelta(hours=1)


def test_a_failing_event_becomes_a_dead_letter_then_is_sent_again(settings: Any) -> None:
    settings.IDRENEW_OUTBOX_MAX_ATTEMPTS = 3
    event = outbox_add(topic="test.flaky", dedupe_key="k1", payload={"n": 1, "fail": True})
    again = outbox_add(topic="test.flaky", dedupe_key="k1", payload={"n": 2})
    assert again.pk == event.pk  # the same fact twice is one event
    now = timezone.now()
    for minutes in (0, 1, 3):
        outbox_dispatch(now=now + timedelta(minutes=minutes))
    event.refresh_from_db()
    assert event.status == "dead" and event.attempts == 3 and "对端不可用" in event.last_error
    assert outbox_dispatch(now=now + timedelta(days=1)).delivered == 0  # dead stays dead

    OutboxEvent.objects.filter(pk=event.pk).update(payload='{"n": 1}')  # the peer is back
    operator = staff_create(username="ops", password="Ops-Pass-2026!", role="管理员")
    client = Client()
    staff_login(client, User.objects.get(username="ops"))
    resp = client.post(
        "/admin/outbox/outboxevent/",
        {"action": "retry_events", "_selected_action": [str(event.pk)]},
    )
    assert resp.status_code == 302
    event.refresh_from_db()
    assert event.status == "delivered" and event.attempts == 1
    assert AuditEvent.objects.filter(action="staff.outbox_retried", actor_id=operator.pk).exists()


def test_a_reviewer_cannot_resend_dead_letters(settings: Any) -> None:
    event = outbox_add(topic="test.flaky", dedupe_key="k2", payload={"n": 1, "fail": True})
    OutboxEvent.objects.filter(pk=event.pk).update(status="dead")
    staff_create(username="rev", password="Rev-Pass-2026!", role="审核员")
    client = Client()
    staff_login(client, User.objects.get(username="rev"))
    client.post(
        "/admin/outbox/outboxevent/",
        {"action": "retry_events", "_selected_action": [str(event.pk)]},
    )
    assert OutboxEvent.objects.get(pk=event.pk).status == "dead"


class FlakySms(SmsBackend):
    name = "flaky"
    calls: ClassVar[list[str]] = []

    def send(self, message: SmsMessage) -> None:
        self.calls.append(message.text)
        if len(self.calls) == 1:
            raise SmsSendError("网关超时")


def test_an_sms_gateway_failure_is_retried_and_sent_once(settings: Any, alice: Any) -> None:
    settings.IDRENEW_SMS_BACKEND = f"{__name__}.FlakySms"
    FlakySms.calls.clear()
    event = outbox_add(
        topic="sms.notify",
        dedupe_key="sms:test",
        payload={"customer_id": alice.pk, "purpose": "case_approved", "text": "已通过"},
    )
    now = timezone.now()
    outbox_dispatch(now=now)
    event.refresh_from_db()
    assert event.status == "pending" and "网关超时" in event.last_error
    outbox_dispatch(now=now + timedelta(minutes=1))
    outbox_dispatch(now=now + timedelta(minutes=10))
    event.refresh_from_db()
    assert event.status == "delivered" and len(FlakySms.calls) == 2
    sent = OutboundSms.objects.filter(purpose="case_approved")
    assert sorted(sent.values_list("status", flat=True)) == ["failed", "sent"]


def test_the_cfmmc_batch_keeps_one_line_per_change(tmp_path: Any) -> None:
    adapter = DailyFileCfmmcAdapter(tmp_path)
    change = CustomerChange(
        change_id="e1",
        report_date="2026-12-01",
        fund_account="80010002",
        name="李娜",
        id_type="身份证",
        id_number="310104199202162468",
        valid_from="20261121",
        valid_to="20461121",
        address="上海市浦东新区世纪大道100号",
        case_reference="ZJ20261201000001",
    )
    adapter.report(change)
    adapter.report(change)  # a retried delivery
    assert len(adapter.rows("2026-12-01")) == 1
    assert b"310104199202162468" not in adapter.path_for("2026-12-01").read_bytes()  # encrypted
    csv_text = adapter.export_csv("2026-12-01")
    assert next(csv.reader(io.StringIO(csv_text)))[:3] == [
        "change_id",
        "report_date",
        "fund_account",
    ]
    assert "310104199202162468" in csv_text
