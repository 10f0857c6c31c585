"""Expiry reminders: one SMS to each customer whose ID on file has expired or expires soon.

Who: accounts allowed to renew (``RENEWAL_ALLOWED``), not long-term, ``id_valid_to`` on or
before today + ``days`` (already expired included), without a reminder in the last
``IDRENEW_REMINDER_PERIOD_DAYS`` days and without an open renewal case.

Scale: customers are read in primary-key order in batches (keyset pagination: each batch is
one indexed query, whatever the table's size); the "reminded recently" and "open case" tests
are ``NOT EXISTS`` subqueries on indexed columns (``reminder_customer_sent``, the partial
unique index of open cases). Only the columns needed are loaded (the encrypted mobile number
only when sending). Reminder rows are written per batch with one ``bulk_create``.

Exactly once: the SMS goes through ``sms_deliver`` with an idempotency key per customer and
period, so a rerun in the same period never sends twice. If a run stops between the SMS and
its reminder row, the next run finds the SMS (its key, or any reminder SMS to the customer
in the period) and writes the missing row instead of sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from idrenew.cases.constants import ACTIVE_STATE_VALUES
from idrenew.cases.models import RenewalCase
from idrenew.customers.constants import RENEWAL_ALLOWED
from idrenew.customers.models import Customer
from idrenew.lib.masking import mask_name
from idrenew.reminders.models import ExpiryReminder
from idrenew.verification.models import OutboundSms
from idrenew.verification.services import sms_deliver

logger = logging.getLogger(__name__)

PURPOSE = "expiry_reminder"
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Due:
    """One customer to remind (what the dry run lists)."""

    customer_id: int
    fund_account: str
    name_masked: str
    valid_to: date
    days_left: int  # negative: expired that many days ago


@dataclass
class RemindResult:
    dry_run: bool
    due: int = 0
    sent: int = 0
    failed: int = 0
    recovered: int = 0  # sent by an earlier, interrupted run: reminder row written now
    listing: list[Due] = field(default_factory=list)


def reminder_text(valid_to: date, today: date) -> str:
    """The SMS (no ID number, no name): the date on file and the link to the H5 flow."""
    sign = f"【{settings.IDRENEW_SIGNING_BROKER_NAME}】"
    day = f"{valid_to.year}年{valid_to.month}月{valid_to.day}日"
    when = f"已于{day}到期" if valid_to < today else f"将于{day}到期"
    return (
        f"{sign}您在我司留存的身份证件{when}，为免影响交易，请尽快在线办理证件更新："
        f"{settings.IDRENEW_PUBLIC_H5_URL} 。如已办理请忽略本短信。"
    )


def reminder_params(valid_to: date, today: date) -> dict[str, str]:
    """The reminder template's variables (verification/sms_templates.py)."""
    return {
        "state": "已到期" if valid_to < today else "即将到期",
        "date": f"{valid_to.year}年{valid_to.month}月{valid_to.day}日",
    }


def period_key(customer_id: int, today: date) -> str:
    """The idempotency key of a customer's reminder in the current period."""
    period = max(int(settings.IDRENEW_REMINDER_PERIOD_DAYS), 1)
    return f"{PURPOSE}:{customer_id}:{today.toordinal() // period}"


def due_customers(*, days: int, now: datetime) -> QuerySet[Customer]:
    """The customers to remind, unordered; callers page through them by primary key."""
    today = timezone.localdate(now)
    since = now - timedelta(days=settings.IDRENEW_REMINDER_PERIOD_DAYS)
    recent = ExpiryReminder.objects.filter(customer=OuterRef("pk"), sent_at__gte=since)
    open_case = RenewalCase.objects.filter(customer=OuterRef("pk"), state__in=ACTIVE_STATE_VALUES)
    return Customer.objects.filter(
        status__in=[s.value for s in RENEWAL_ALLOWED],
        id_long_term=False,
        id_valid_to__lte=today + timedelta(days=days),
    ).filter(~Exists(recent), ~Exists(open_case))


def _batches(qs: QuerySet[Customer], fields: list[str], size: int) -> Iterator[list[Customer]]:
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last).order_by("pk").only(*fields)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def remind_expiring(
    *,
    days: int = 30,
    dry_run: bool = False,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    report: Callable[[Due], None] | None = None,
) -> RemindResult:
    """Send the reminders (or, with ``dry_run``, only list who would get one: passed to
    ``report`` one by one if given, else collected in ``result.listing``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = RemindResult(dry_run=dry_run)
    fields = ["id", "fund_account", "name", "id_valid_to"]
    if not dry_run:
        fields.append("mobile")
    since = now - timedelta(days=settings.IDRENEW_REMINDER_PERIOD_DAYS)
    for batch in _batches(due_customers(days=days, now=now), fields, batch_size):
        result.due += len(batch)
        if dry_run:
            for customer in batch:
                due = _due(customer, today)
                if report is not None:
                    report(due)
                else:
                    result.listing.append(due)
            continue
        _send_batch(batch, today=today, now=now, since=since, result=result)
    return result


def _due(customer: Customer, today: date) -> Due:
    assert customer.id_valid_to is not None
    return Due(
        customer_id=customer.pk,
        fund_account=customer.fund_account,
        name_masked=mask_name(customer.name),
        valid_to=customer.id_valid_to,
        days_left=(customer.id_valid_to - today).days,
    )


def _send_batch(
    batch: list[Customer], *, today: date, now: datetime, since: datetime, result: RemindResult
) -> None:
    # Reminder SMS already sent this period (an interrupted run) or failed (retried under a
    # new key): one query for the whole batch. A key's period started less than a period
    # ago, so every SMS under this period's keys is newer than ``since``.
    sent_at: dict[int, tuple[datetime, str]] = {}
    failures: dict[int, int] = {}
    for customer_id, status, created_at in OutboundSms.objects.filter(
        customer_id__in=[c.pk for c in batch], purpose=PURPOSE, created_at__gte=since
    ).values_list("customer_id", "status", "created_at"):
        if status == OutboundSms.Status.SENT:
            sent_at[int(customer_id)] = (created_at, str(status))
        else:
            failures[int(customer_id)] = failures.get(int(customer_id), 0) + 1
    rows = []
    for customer in batch:
        assert customer.id_valid_to is not None
        if customer.pk in sent_at:
            when, status = sent_at[customer.pk]
            result.recovered += 1
        else:
            key = period_key(customer.pk, today)
            if failures.get(customer.pk):
                key = f"{key}:{failures[customer.pk]}"
            text = reminder_text(customer.id_valid_to, today)
            record = sms_deliver(
                customer=customer,
                purpose=PURPOSE,
                text=text,
                redacted=text,
                idempotency_key=key,
                params=reminder_params(customer.id_valid_to, today),
            )
            if record.status != OutboundSms.Status.SENT:
                # No reminder row: the next run tries again (under a new key).
                result.failed += 1
                logger.warning("expiry reminder to customer %s failed", customer.pk)
                continue
            result.sent += 1
            when, status = now, str(record.status)
        rows.append(
            ExpiryReminder(
                customer_id=customer.pk,
                id_valid_to=customer.id_valid_to,
                sent_at=when,
                sms_status=status,
            )
        )
    ExpiryReminder.objects.bulk_create(rows)
