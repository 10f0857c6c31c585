"""What each outbox topic does when delivered. Every handler is idempotent."""

from __future__ import annotations

from datetime import date
from typing import Any

from idrenew.customers.gateway import IdUpdate, counter_gateway
from idrenew.customers.models import Customer
from idrenew.outbox.cfmmc import CustomerChange, cfmmc_adapter
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import handles
from idrenew.verification.models import OutboundSms
from idrenew.verification.services import sms_deliver

COUNTER_UPDATE = "counter.id_update"
CFMMC_CHANGE = "cfmmc.customer_change"
SMS_NOTIFY = "sms.notify"


@handles(COUNTER_UPDATE)
def deliver_counter_update(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    """The new validity and address to the counter system (the record of truth)."""
    customer = Customer.objects.get(pk=payload["customer_id"])
    valid_to = payload["valid_to"]
    counter_gateway().apply_id_update(
        customer,
        IdUpdate(
            valid_from=date.fromisoformat(payload["valid_from"]),
            valid_to=date.fromisoformat(valid_to) if valid_to else None,
            address=payload["address"],
            evidence_ref=payload["evidence_ref"],
        ),
    )
    return None


@handles(CFMMC_CHANGE)
def deliver_cfmmc_change(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    cfmmc_adapter().report(CustomerChange(change_id=str(event.pk), **payload))
    return None


@handles(SMS_NOTIFY)
def deliver_sms(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    customer = Customer.objects.get(pk=payload["customer_id"])
    # One key per attempt: a gateway failure is retried under a new key; a sent one is final.
    record = sms_deliver(
        customer=customer,
        purpose=payload["purpose"],
        text=payload["text"],
        redacted=payload.get("redacted", payload["text"]),
        idempotency_key=f"outbox:{event.pk}:{event.attempts}",
    )
    if record.status != OutboundSms.Status.SENT:  # the failed attempt stays in the SMS log
        return f"SMS gateway: {record.error or 'not sent'}"
    return None
