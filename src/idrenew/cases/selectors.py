from __future__ import annotations

from idrenew.cases.constants import ACTIVE_STATE_VALUES
from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer


def case_active_for(customer: Customer) -> RenewalCase | None:
    """The customer's open case (at most one, by constraint), stale ones included."""
    return (
        RenewalCase.objects.filter(customer=customer, state__in=ACTIVE_STATE_VALUES)
        .order_by("-created_at")
        .first()
    )
