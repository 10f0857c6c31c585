from __future__ import annotations

from idrenew.cases.constants import ACTIVE_STATE_VALUES
from idrenew.cases.hooks import CustomerDecision, decider
from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer


def case_active_for(customer: Customer) -> RenewalCase | None:
    """The customer's open case (at most one, by constraint), stale ones included."""
    return (
        RenewalCase.objects.filter(customer=customer, state__in=ACTIVE_STATE_VALUES)
        .order_by("-created_at")
        .first()
    )


def case_list_for(customer: Customer) -> list[RenewalCase]:
    """Every case of the customer, newest first (我的办理记录)."""
    return list(
        RenewalCase.objects.filter(customer=customer)
        .select_related("customer")
        .order_by("-created_at")
    )


def case_of_customer(*, customer: Customer, reference: str) -> RenewalCase | None:
    """The customer's case with this reference; None for an unknown one or another
    customer's (the API answers both alike, never confirming that a case exists)."""
    return (
        RenewalCase.objects.filter(customer=customer, reference=reference)
        .select_related("customer")
        .first()
    )


def case_decisions_for_customer(case: RenewalCase) -> list[CustomerDecision]:
    """The back office's decisions on the case, oldest first, as the customer reads them:
    the outcome's label, the reason labels, the staff member's note, the time."""
    return decider().decisions_for_customer(case)
