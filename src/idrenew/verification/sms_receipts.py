"""Delivery receipts (状态报告): ask the SMS vendor what became of the messages it took,
and record each answer on its ``OutboundSms`` row (``idrenew sms-receipts``, from cron)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from idrenew.verification.models import OutboundSms
from idrenew.verification.sms import PendingReceipt, sms_backend

logger = logging.getLogger(__name__)

# Vendors keep receipts for days (Alibaba: 30, Tencent: until pulled); older ones are not asked.
MAX_AGE = timedelta(days=3)
BATCH = 500


@dataclass
class ReceiptRun:
    pending: int = 0
    delivered: int = 0
    undelivered: int = 0


def sms_receipts_pull(*, now: datetime | None = None) -> ReceiptRun:
    """Record the receipts the configured vendor has for our sent, unconfirmed messages."""
    now = now or timezone.now()
    backend = sms_backend()
    rows = list(
        OutboundSms.objects.filter(
            status=OutboundSms.Status.SENT,
            backend=backend.name,
            receipt_status="",
            created_at__gte=now - MAX_AGE,
        )
        .exclude(vendor_message_id="")
        .select_related("customer")
        .order_by("created_at")[:BATCH]
    )
    by_id = {row.vendor_message_id: row for row in rows}
    pending = [
        PendingReceipt(row.vendor_message_id, row.customer.mobile, row.created_at)
        for row in rows
        if row.customer is not None and row.customer.mobile
    ]
    run = ReceiptRun(pending=len(pending))
    if not pending:
        return run
    for receipt in backend.receipts(pending):
        row = by_id.get(receipt.vendor_message_id)
        if row is None:
            continue
        row.receipt_status = (
            OutboundSms.ReceiptStatus.DELIVERED
            if receipt.delivered
            else OutboundSms.ReceiptStatus.UNDELIVERED
        )
        row.receipt_code = receipt.code[:80]
        row.receipt_at = receipt.at or now
        row.save(update_fields=["receipt_status", "receipt_code", "receipt_at"])
        if receipt.delivered:
            run.delivered += 1
        else:
            run.undelivered += 1
            logger.warning("SMS %s (%s) not delivered: %s", row.pk, row.purpose, row.receipt_code)
    return run
