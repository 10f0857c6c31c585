"""Writes to the customer record that are not the counter's ID update itself: the trading
restrictions (限制交易) and their reasons. The counter gateway calls these inside its own
transaction, so the status and the reasons always change together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from idrenew.customers.constants import AccountStatus, RestrictionReason
from idrenew.customers.models import AccountRestriction, Customer


@dataclass(frozen=True)
class LiftResult:
    lifted: tuple[str, ...]  # reasons this call lifted (empty when they were lifted before)
    remaining: tuple[str, ...]  # reasons still active afterwards
    status: str  # the account status afterwards


def _active(customer_id: int) -> list[str]:
    return list(
        AccountRestriction.objects.filter(customer_id=customer_id, lifted_at=None)
        .order_by("since", "pk")
        .values_list("reason", flat=True)
    )


def customer_restrict(
    *, customer: Customer, reason: RestrictionReason | str, now: datetime | None = None
) -> None:
    """Add an active restriction (once per reason); an active account becomes 限制交易
    (a frozen or closed one keeps its status)."""
    reason = RestrictionReason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if not AccountRestriction.objects.filter(
            customer=locked, reason=reason, lifted_at=None
        ).exists():
            row = AccountRestriction(customer=locked, reason=reason, since=now)
            row.full_clean()
            row.save()
        if locked.status == AccountStatus.ACTIVE:
            locked.status = AccountStatus.RESTRICTED
            locked.save(update_fields=["status", "updated_at"])
    customer.refresh_from_db(fields=["status"])


def customer_restrictions_lift(
    *,
    customer_id: int,
    reasons: Iterable[str],
    lifted_by: str,
    now: datetime | None = None,
) -> LiftResult:
    """Lift the named restrictions (those active); when none is left the account trades
    again (限制交易 → 正常). Idempotent: a repeat lifts nothing and reports the same state.
    Call inside the transaction that also writes the counter update."""
    wanted = {RestrictionReason(r) for r in reasons}
    now = now or timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer_id)
        rows = list(
            AccountRestriction.objects.select_for_update().filter(
                customer=locked, lifted_at=None, reason__in=wanted
            )
        )
        for row in rows:
            row.lifted_at = now
            row.lifted_by = lifted_by[:60]
            row.save(update_fields=["lifted_at", "lifted_by"])
        remaining = _active(locked.pk)
        if rows and not remaining and locked.status == AccountStatus.RESTRICTED:
            locked.status = AccountStatus.ACTIVE
            locked.save(update_fields=["status", "updated_at"])
    return LiftResult(
        lifted=tuple(sorted(r.reason for r in rows)),
        remaining=tuple(remaining),
        status=str(locked.status),
    )
