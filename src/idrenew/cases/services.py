"""Write operations on the renewal case. Every transition is checked and audited."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases.domain.states import (
    IN_PROGRESS,
    State,
    TransitionRefused,
    check_transition,
)
from idrenew.cases.errors import (
    CaseAlreadyActive,
    CaseExpired,
    NoActiveCase,
    RenewalNotAllowed,
    StepOutOfOrder,
)
from idrenew.cases.models import RenewalCase
from idrenew.cases.selectors import case_active_for
from idrenew.customers.constants import RENEWAL_ALLOWED
from idrenew.customers.models import Customer


def _new_reference(now: datetime) -> str:
    local = timezone.localtime(now)
    return f"ZJ{local:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _is_stale(case: RenewalCase, now: datetime) -> bool:
    return case.state_enum in IN_PROGRESS and case.expires_at <= now


class CaseSummary(TypedDict):
    """Ids and codes only: what audit events and error details may carry (JSON)."""

    id: str
    reference: str
    state: str
    current_step: int


def case_summary(case: RenewalCase) -> CaseSummary:
    """Ids and codes only: what audit events and error details may carry."""
    return {
        "id": str(case.id),
        "reference": case.reference,
        "state": case.state,
        "current_step": case.current_step,
    }


def case_transition(
    *,
    case_id: uuid.UUID,
    target: State,
    actor_type: str,
    actor_id: str,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> RenewalCase:
    now = now or timezone.now()
    with transaction.atomic():
        case = RenewalCase.objects.select_for_update().get(pk=case_id)
        expired = target != State.EXPIRED and _is_stale(case, now)
        if expired:
            # Recorded, then refused once the transaction has committed.
            _apply(case, State.EXPIRED, ActorType.SYSTEM, "", None, {"reason": "ttl"}, now)
        else:
            try:
                check_transition(case.state_enum, target)
            except TransitionRefused:
                raise StepOutOfOrder(
                    detail={"case": case_summary(case), "requested": target.value}
                ) from None
            _apply(case, target, actor_type, actor_id, request, data, now)
    if expired:
        raise CaseExpired()
    return case


def _apply(
    case: RenewalCase,
    target: State,
    actor_type: str,
    actor_id: str,
    request: HttpRequest | None,
    data: dict[str, Any] | None,
    now: datetime,
) -> None:
    previous = case.state
    case.state = target.value
    fields = ["state", "updated_at"]
    if target == State.SUBMITTED:
        case.submitted_at = now
        fields.append("submitted_at")
    if target in {State.APPROVED, State.REJECTED, State.CANCELLED, State.EXPIRED}:
        case.closed_at = now
        fields.append("closed_at")
    case.save(update_fields=fields)
    audit_record(
        action=f"case.{target.value}",
        actor_type=actor_type,
        actor_id=actor_id,
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"from": previous, "to": target.value, **(data or {})},
    )


def case_start(
    *, customer: Customer, request: HttpRequest | None = None, now: datetime | None = None
) -> RenewalCase:
    now = now or timezone.now()
    if customer.status not in RENEWAL_ALLOWED:
        raise RenewalNotAllowed()
    existing = case_active_for(customer)
    if existing is not None and _is_stale(existing, now):
        case_expire(case=existing, now=now)
        existing = None
    if existing is not None:
        raise CaseAlreadyActive(detail={"case": case_summary(existing)})
    ttl = timedelta(hours=settings.IDRENEW_CASE_TTL_HOURS)
    for _ in range(5):
        try:
            with transaction.atomic():
                case = RenewalCase.objects.create(
                    reference=_new_reference(now),
                    customer=customer,
                    state=State.STARTED.value,
                    expires_at=now + ttl,
                )
                audit_record(
                    action="case.started",
                    actor_type=ActorType.CUSTOMER,
                    actor_id=str(customer.pk),
                    customer_id=customer.pk,
                    case_id=case.id,
                    request=request,
                )
                return case
        except IntegrityError:
            existing = case_active_for(customer)
            if existing is not None:  # a concurrent request created it
                raise CaseAlreadyActive(detail={"case": case_summary(existing)}) from None
            # otherwise a reference collision: draw another
    raise RuntimeError("could not allocate a case reference")


def case_current(*, customer: Customer, now: datetime | None = None) -> RenewalCase:
    """The customer's open case; a stale one is expired on the way and not returned."""
    now = now or timezone.now()
    case = case_active_for(customer)
    if case is None:
        raise NoActiveCase()
    if _is_stale(case, now):
        case_expire(case=case, now=now)
        raise CaseExpired()
    return case


def case_require_state(case: RenewalCase, states: Iterable[State]) -> None:
    """Refuse a step request that does not match where the case is."""
    if case.state_enum not in set(states):
        raise StepOutOfOrder(detail={"case": case_summary(case)})


def case_cancel(
    *, case: RenewalCase, customer: Customer, request: HttpRequest | None = None
) -> RenewalCase:
    return case_transition(
        case_id=case.id,
        target=State.CANCELLED,
        actor_type=ActorType.CUSTOMER,
        actor_id=str(customer.pk),
        request=request,
    )


def case_expire(*, case: RenewalCase, now: datetime | None = None) -> RenewalCase:
    return case_transition(
        case_id=case.id,
        target=State.EXPIRED,
        actor_type=ActorType.SYSTEM,
        actor_id="",
        data={"reason": "ttl"},
        now=now,
    )


def case_expire_stale(*, now: datetime | None = None) -> int:
    """Expire every unfinished case past its time limit; returns how many."""
    now = now or timezone.now()
    stale = RenewalCase.objects.filter(
        state__in=[s.value for s in IN_PROGRESS], expires_at__lte=now
    ).values_list("id", flat=True)
    count = 0
    for case_id in list(stale):
        case_transition(
            case_id=case_id,
            target=State.EXPIRED,
            actor_type=ActorType.SYSTEM,
            actor_id="",
            data={"reason": "ttl"},
            now=now,
        )
        count += 1
    return count
