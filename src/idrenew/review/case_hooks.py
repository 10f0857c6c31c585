"""Review's side of the case hooks (``cases/hooks.py``), registered in ``ReviewConfig.ready``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest

from idrenew.cases.domain.states import LABELS, State
from idrenew.cases.hooks import CaseOutcome, CustomerDecision, DecisionNotice
from idrenew.cases.models import RenewalCase
from idrenew.customers.constants import RENEWAL_ALLOWED
from idrenew.review import services
from idrenew.review.models import Decision, DecisionKind

# A refusal only the branch can resolve: the customer may not simply start again.
BRANCH_REASONS = frozenset({"ACCOUNT_ABNORMAL"})

# The decisions a customer reads (a reviewer's recommendation under four-eyes is internal),
# with the labels of the states they lead to.
CUSTOMER_DECISION_STATES = {
    "approve": State.APPROVED,
    "auto_approve": State.APPROVED,
    "reject": State.REJECTED,
    "return": State.RETURNED,
}


class ReviewDecider:
    def on_submitted(self, *, case: RenewalCase, request: HttpRequest | None) -> None:
        services.review_on_submit(case=case, request=request)

    def outcome(self, case: RenewalCase) -> CaseOutcome:
        return services.case_outcome(case)

    def redo(self, *, case: RenewalCase, request: HttpRequest | None) -> RenewalCase:
        return services.case_redo(case=case, request=request)

    def refresh_checks(self, case: RenewalCase) -> None:
        if case.state != State.SUBMITTED:
            return
        services.review_refresh_checks(case_id=case.id)

    def decision_notice(
        self, *, case_id: Any, kind: str, before: datetime
    ) -> DecisionNotice | None:
        decision = (
            Decision.objects.filter(case_id=case_id, kind=kind, decided_at__lte=before)
            .order_by("-decided_at")
            .first()
        )
        if decision is None:
            return None
        return DecisionNotice(list(decision.reason_labels), [int(n) for n in decision.steps])

    def can_reapply(self, case: RenewalCase) -> bool:
        if case.customer.status not in RENEWAL_ALLOWED:
            return False
        decision = (
            Decision.objects.filter(case=case, kind=DecisionKind.REJECT)
            .order_by("-decided_at")
            .first()
        )
        return decision is None or not (set(decision.reasons) & BRANCH_REASONS)

    def decisions_for_customer(self, case: RenewalCase) -> list[CustomerDecision]:
        rows = Decision.objects.filter(case=case, kind__in=list(CUSTOMER_DECISION_STATES)).order_by(
            "decided_at"
        )
        return [
            CustomerDecision(
                kind=d.kind,
                label=LABELS[CUSTOMER_DECISION_STATES[d.kind]],
                reasons=tuple(d.reason_labels),
                note=d.note,
                decided_at=d.decided_at,
            )
            for d in rows
        ]
