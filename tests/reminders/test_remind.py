"""Expiry reminders: who gets one, once per period, dry run, reruns and crashes."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest
from django.core.management import call_command
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.customers.domain.idnumber import make_id_number
from idrenew.customers.models import Customer
from idrenew.reminders.models import ExpiryReminder
from idrenew.reminders.services import PURPOSE, period_key, remind_expiring
from idrenew.verification.models import OutboundSms
from idrenew.verification.services import sms_deliver
from idrenew.verification.sms import SmsBackend, SmsMessage, SmsSendError
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

# Demo customers (dates relative to today): 80010001 expired 20 days ago (restricted: may
# renew), 80010002 expires in 12 days, 80010004 in 5, 80010005 in 25, 80010003 in ~8 years,
# 80010006 is frozen (expired 3 days ago, may not renew).
DUE_30 = {"80010001", "80010002", "80010004", "80010005"}


class FailingSms(SmsBackend):
    name = "failing"
    calls: ClassVar[int] = 0

    def send(self, message: SmsMessage) -> None:
        FailingSms.calls += 1
        raise SmsSendError("gateway down")


def reminded() -> set[str]:
    return set(ExpiryReminder.objects.values_list("customer__fund_account", flat=True))


def sent_to(outbox: list[Any], demo: dict[str, Any]) -> set[str]:
    by_mobile = {c.mobile: account for account, c in demo.items()}
    return {by_mobile[m.mobile] for m in outbox}


def make_customer(n: int, valid_to: date | None, status: str = "active") -> Customer:
    customer = Customer(
        name="测试客户",
        fund_account=f"9{n:07d}",
        trading_account=f"8{n:07d}",
        id_valid_from=date(2010, 1, 1),
        id_valid_to=valid_to,
        id_long_term=valid_to is None,
        address="上海市",
        status=status,
        trading_password="x",
    )
    customer.set_id_number(make_id_number("310104", date(1980, 1, 1), n % 1000))
    customer.set_mobile(f"139{n:08d}")
    customer.save()
    return customer


def test_window_includes_expired_and_excludes_the_rest(
    demo_customers: dict[str, Any], outbox: list[Any], settings: Any
) -> None:
    result = remind_expiring(days=30)

    assert result.due == result.sent == 4 and result.failed == 0
    assert reminded() == DUE_30
    assert sent_to(outbox, demo_customers) == DUE_30
    row = ExpiryReminder.objects.get(customer=demo_customers["80010001"])
    assert row.id_valid_to == demo_customers["80010001"].id_valid_to and row.sms_status == "sent"
    for message in outbox:
        assert settings.IDRENEW_PUBLIC_H5_URL in message.text
        assert "证件" in message.text and "到期" in message.text
        assert not any(c.id_number in message.text for c in demo_customers.values())
        assert not any(c.name in message.text for c in demo_customers.values())
    expired_text = next(m.text for m in outbox if m.mobile == demo_customers["80010001"].mobile)
    assert "已于" in expired_text
    sms = OutboundSms.objects.filter(purpose=PURPOSE)
    assert sms.count() == 4 and all(s.idempotency_key for s in sms)


def test_narrower_window(demo_customers: dict[str, Any], outbox: list[Any]) -> None:
    assert remind_expiring(days=10).sent == 2
    assert reminded() == {"80010001", "80010004"}


def test_long_term_and_open_cases_are_skipped(
    demo_customers: dict[str, Any], outbox: list[Any]
) -> None:
    Customer.objects.filter(fund_account="80010004").update(id_long_term=True, id_valid_to=None)
    RenewalCase.objects.create(
        reference="ZJTOPEN",
        customer=demo_customers["80010002"],
        state="submitted",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    # A closed case does not count as open.
    RenewalCase.objects.create(
        reference="ZJTOLD",
        customer=demo_customers["80010005"],
        state="rejected",
        expires_at=timezone.now(),
        closed_at=timezone.now(),
    )
    remind_expiring(days=30)
    assert reminded() == {"80010001", "80010005"}


def test_once_per_period_and_reruns_send_nothing(
    demo_customers: dict[str, Any], outbox: list[Any], settings: Any
) -> None:
    settings.IDRENEW_REMINDER_PERIOD_DAYS = 30
    now = timezone.now()
    assert remind_expiring(days=30, now=now).sent == 4
    again = remind_expiring(days=30, now=now)
    assert again.due == again.sent == 0
    later = remind_expiring(days=30, now=now + timedelta(days=29))
    assert later.sent == 0
    assert len(outbox) == 4 and ExpiryReminder.objects.count() == 4

    # A period later they are reminded again (those still due).
    next_period = remind_expiring(days=30, now=now + timedelta(days=31))
    assert next_period.sent == 4
    assert len(outbox) == 8 and ExpiryReminder.objects.count() == 8
    assert OutboundSms.objects.filter(purpose=PURPOSE).count() == 8


def test_a_run_interrupted_after_sending_does_not_send_twice(
    demo_customers: dict[str, Any], outbox: list[Any]
) -> None:
    # An earlier run sent to 80010002 and stopped before writing the reminder row.
    alice = demo_customers["80010002"]
    sms_deliver(
        customer=alice,
        purpose=PURPOSE,
        text="earlier",
        redacted="earlier",
        idempotency_key=period_key(alice.pk, timezone.localdate()),
    )
    outbox.clear()

    result = remind_expiring(days=30)

    assert result.recovered == 1 and result.sent == 3
    assert alice.mobile not in {m.mobile for m in outbox}
    assert reminded() == DUE_30
    assert OutboundSms.objects.filter(customer=alice, purpose=PURPOSE).count() == 1


def test_a_failed_sms_is_retried_on_the_next_run(
    demo_customers: dict[str, Any], outbox: list[Any], settings: Any
) -> None:
    settings.IDRENEW_SMS_BACKEND = "tests.reminders.test_remind.FailingSms"
    failed = remind_expiring(days=30)
    assert failed.failed == 4 and failed.sent == 0
    assert not ExpiryReminder.objects.exists()

    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms.LocmemSmsBackend"
    retried = remind_expiring(days=30)
    assert retried.sent == 4 and reminded() == DUE_30
    assert len(outbox) == 4
    # The retry went out under a new key (the failed attempt keeps its own).
    assert OutboundSms.objects.filter(purpose=PURPOSE).count() == 8


def test_dry_run_lists_and_sends_nothing(demo_customers: dict[str, Any], outbox: list[Any]) -> None:
    result = remind_expiring(days=30, dry_run=True)

    assert result.dry_run and result.due == 4 and result.sent == 0
    listing = {d.fund_account: d for d in result.listing}
    assert set(listing) == DUE_30
    assert listing["80010001"].days_left == -20 and listing["80010001"].name_masked == "张*"
    assert listing["80010002"].days_left == 12
    assert outbox == [] and not ExpiryReminder.objects.exists()
    assert not OutboundSms.objects.exists()


def test_command(demo_customers: dict[str, Any], outbox: list[Any]) -> None:
    out = io.StringIO()
    call_command("remind_expiring", "--days", "30", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "80010001" in text and "张*" in text and "已过期 20 天" in text
    assert "张伟" not in text and "80010003" not in text
    assert "共 4 位客户" in text and outbox == []

    out = io.StringIO()
    call_command("remind_expiring", "--days", "30", stdout=out)
    assert "已发送 4 条" in out.getvalue() and len(outbox) == 4
    call_command("remind_expiring", "--days", "30", stdout=out)
    assert len(outbox) == 4


def test_batches_keep_queries_per_batch(
    db: Any, outbox: list[Any], django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    for n in range(40):
        make_customer(n, today + timedelta(days=n % 60 - 10))
    make_customer(99, None)  # long-term
    due = sum(1 for n in range(40) if n % 60 - 10 <= 30)

    with django_assert_max_num_queries(3):  # one batch query, one empty page
        dry = remind_expiring(days=30, dry_run=True)
    assert dry.due == due

    # Sending: per batch a page, the SMS lookup and one bulk insert; per customer only
    # sms_deliver's own key check and its record.
    batches = -(-due // 7)
    with django_assert_max_num_queries(3 * batches + 1 + 2 * due):
        result = remind_expiring(days=30, batch_size=7)
    assert result.sent == due == ExpiryReminder.objects.count() == len(outbox)
    assert remind_expiring(days=30, batch_size=7).sent == 0


def test_admin_lists_reminders_read_only(demo_customers: dict[str, Any], outbox: list[Any]) -> None:
    from django.test import Client

    from idrenew.core.staff import staff_create

    remind_expiring(days=30)
    operator = staff_create(username="ops1", password="Staff-Pass-2026!", role="管理员")
    client = Client()
    staff_login(client, operator)
    resp = client.get("/admin/reminders/expiryreminder/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "80010001" in html and "张伟" not in html  # the customer shown masked
    assert demo_customers["80010001"].mobile not in html
    row = ExpiryReminder.objects.first()
    assert row is not None
    assert client.get("/admin/reminders/expiryreminder/add/").status_code == 403
    resp = client.get(f"/admin/reminders/expiryreminder/{row.pk}/change/")
    assert resp.status_code == 200 and b'name="_save"' not in resp.content
