"""What each outbox topic does when delivered. Every handler is idempotent."""

from __future__ import annotations

from datetime import date
from typing import Any

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases import notices
from idrenew.cases.domain.states import STEPS
from idrenew.cases.hooks import decider
from idrenew.customers.constants import AccountStatus
from idrenew.customers.gateway import IdUpdate, IdUpdateResult, counter_gateway
from idrenew.customers.models import Customer
from idrenew.outbox.cfmmc import CustomerChange, cfmmc_adapter
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import Refusal, handles, outbox_add
from idrenew.verification.models import OutboundSms
from idrenew.verification.services import sms_deliver
from idrenew.verification.sms import CASE_REJECTED, CASE_RETURNED
from idrenew.verification.sms_templates import join_within

COUNTER_UPDATE = "counter.id_update"
CFMMC_CHANGE = "cfmmc.customer_change"
SMS_NOTIFY = "sms.notify"


@handles(COUNTER_UPDATE)
def deliver_counter_update(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    """The new validity and address to the counter system (the record of truth), with the
    restrictions the renewal cures lifted in the same update. Then, and only then, the
    已通过 SMS: it says the record was updated, and whether trading is restored."""
    customer = Customer.objects.get(pk=payload["customer_id"])
    valid_to = payload["valid_to"]
    requested = tuple(payload.get("lift_restrictions") or ())
    # An adapter written before restrictions were lifted here returns None: no claim is made.
    result = (
        counter_gateway().apply_id_update(
            customer,
            IdUpdate(
                valid_from=date.fromisoformat(payload["valid_from"]),
                valid_to=date.fromisoformat(valid_to) if valid_to else None,
                address=payload["address"],
                evidence_ref=payload["evidence_ref"],
                lift_restrictions=requested,
            ),
        )
        or IdUpdateResult()
    )
    if result.lifted:
        audit_record(
            action="customer.restrictions_lifted",
            actor_type=ActorType.SYSTEM,
            customer_id=customer.pk,
            case_id=event.case_id,
            data={
                "lifted": list(result.lifted),
                "remaining": list(result.remaining),
                "status": result.status,
                "evidence": payload["evidence_ref"],
                "outbox_event": str(event.pk),
            },
        )
    notify = payload.get("notify")
    trading = _trading(requested, result)
    if notify:
        outbox_add(
            topic=SMS_NOTIFY,
            dedupe_key=notify["dedupe_key"],
            payload={
                "customer_id": customer.pk,
                "purpose": notify["purpose"],
                "text": notices.approved(notify["reference"], trading=trading),
                "params": {
                    "reference": notify["reference"],
                    "trading": TRADING_PARAMS[trading or ""],
                },
            },
            case_id=event.case_id,
            case_reference=event.case_reference,
        )
    return None


def _trading(requested: tuple[str, ...], result: IdUpdateResult) -> str | None:
    """What the 已通过 SMS says about trading (None: the account was not restricted)."""
    if requested and not result.remaining and result.status == AccountStatus.ACTIVE:
        return "restored"
    if result.remaining:
        return "partly" if requested else "restricted"
    return None


@handles(CFMMC_CHANGE)
def deliver_cfmmc_change(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    cfmmc_adapter().report(CustomerChange(change_id=str(event.pk), **payload))
    return None


# The 已通过 template's short ``trading`` variable (sms_templates), by ``_trading``'s answer.
TRADING_PARAMS = {
    "restored": "交易权限已恢复",
    "partly": "账户另有交易限制，详询客服",
    "restricted": "账户另有交易限制，详询客服",
    "": "无需其他操作",
}


def sms_params(event: OutboxEvent, payload: dict[str, Any]) -> dict[str, str]:
    """The template parameters of a case SMS (``sms_templates.PURPOSE_PARAMS``): from the
    payload when its writer put them there, else from the case's record."""
    if payload.get("params"):
        return {str(k): str(v) for k, v in payload["params"].items()}
    purpose = payload["purpose"]
    params = {"reference": event.case_reference}
    if purpose in (CASE_REJECTED, CASE_RETURNED):
        kind = "reject" if purpose == CASE_REJECTED else "return"
        notice = decider().decision_notice(
            case_id=event.case_id, kind=kind, before=event.created_at
        )
        if purpose == CASE_REJECTED:
            labels = notice.reason_labels if notice is not None else []
            params["reason"] = join_within(labels) or "详见办理进度"
        else:
            steps = sorted(notice.steps if notice is not None else [])
            params["steps"] = join_within([STEPS[n - 1].title for n in steps], "、") or "相关步骤"
    return params


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
        params=sms_params(event, payload),
    )
    if record.status != OutboundSms.Status.SENT:  # the failed attempt stays in the SMS log
        message = f"SMS gateway: {record.vendor_code or ''} {record.error or 'not sent'}".strip()
        # A refusal a retry cannot cure (template, key, the number) is a dead letter at once.
        return message if record.retryable is not False else Refusal(message)
    return None
