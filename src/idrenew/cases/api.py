"""Case endpoints: start, resume, cancel, the status after a decision, redo after a return.
Later steps add their own routers."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from idrenew.cases import services
from idrenew.cases.domain.states import IN_PROGRESS, State
from idrenew.cases.models import RenewalCase
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.errors import AppError
from idrenew.core.schemas import ErrorOut, StrictIn
from idrenew.customers.constants import RENEWAL_ALLOWED

router = Router(tags=["证件更新申请"], auth=CustomerAuth())
Errors = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut}

# Reject reasons after which the customer cannot simply apply again online.
BRANCH_REASONS = frozenset({"ACCOUNT_ABNORMAL"})


class NoCase(AppError):
    code = "NO_CASE"
    status = 404
    default_message = "您还没有证件更新申请，请从首页开始办理"
    retryable = False


class CaseNotReturned(AppError):
    code = "CASE_NOT_RETURNED"
    status = 409
    default_message = "该申请当前无需补充材料，已为您打开当前应办理的步骤"
    retryable = False


class CaseOut(Schema):
    id: str
    reference: str
    state: str
    state_label: str
    current_step: int
    step_key: str
    created_at: datetime
    expires_at: datetime
    submitted_at: datetime | None = None


class RedoStepOut(Schema):
    number: int
    title: str


class RedoTargetOut(Schema):
    number: int
    key: str


class OutcomeOut(Schema):
    """The back office's decision as the customer reads it (Chinese reason labels)."""

    reasons: list[str]
    note: str
    redo_steps: list[RedoStepOut]
    redo_step: RedoTargetOut | None
    decided_at: datetime | None = None
    # Rejected: true when the customer may start a new application online; false: 营业部办理.
    can_reapply: bool = False


class CaseStatusOut(CaseOut):
    closed_at: datetime | None = None
    outcome: OutcomeOut | None = None


class EmptyIn(StrictIn):
    pass


def case_out(case: RenewalCase) -> CaseOut:
    return CaseOut(
        id=str(case.id),
        reference=case.reference,
        state=case.state,
        state_label=case.state_label,
        current_step=case.current_step,
        step_key=case.step_key,
        created_at=case.created_at,
        expires_at=case.expires_at,
        submitted_at=case.submitted_at,
    )


def _can_reapply(case: RenewalCase) -> bool:
    from idrenew.review.models import Decision, DecisionKind

    if case.customer.status not in RENEWAL_ALLOWED:
        return False
    decision = (
        Decision.objects.filter(case=case, kind=DecisionKind.REJECT).order_by("-decided_at").first()
    )
    return decision is None or not (set(decision.reasons) & BRANCH_REASONS)


def case_status_out(case: RenewalCase) -> CaseStatusOut:
    from idrenew.review.services import case_outcome

    outcome = None
    if case.state_enum in {State.APPROVED, State.REJECTED, State.RETURNED}:
        body = case_outcome(case)
        outcome = OutcomeOut(
            reasons=body["reasons"],
            note=body["note"],
            redo_steps=[RedoStepOut(**s) for s in body["redo_steps"]],
            redo_step=RedoTargetOut(**body["redo_step"]) if body["redo_step"] else None,
            decided_at=body.get("decided_at"),
            can_reapply=case.state_enum == State.REJECTED and _can_reapply(case),
        )
    return CaseStatusOut(**case_out(case).model_dump(), closed_at=case.closed_at, outcome=outcome)


@router.post("", response={201: CaseOut, **Errors}, summary="开始证件更新申请")
def case_start(request: HttpRequest, payload: EmptyIn) -> Status:
    case = services.case_start(customer=request_customer(request), request=request)
    return Status(201, case_out(case))


@router.get("/current", response={200: CaseOut, **Errors}, summary="当前申请（断点续办）")
def case_current(request: HttpRequest) -> CaseOut:
    return case_out(services.case_current(customer=request_customer(request)))


@router.get("/latest", response={200: CaseStatusOut, **Errors}, summary="最近一笔申请及办理结果")
def case_latest(request: HttpRequest) -> CaseStatusOut:
    """The customer's most recent case in any state, with the decision (the status page)."""
    customer = request_customer(request)
    case = RenewalCase.objects.filter(customer=customer).order_by("-created_at").first()
    if case is None:
        raise NoCase()
    if case.state_enum in IN_PROGRESS and case.expires_at <= timezone.now():
        services.case_expire(case=case)  # as /current does: a stale case is closed on the way
        case.refresh_from_db()
    return case_status_out(case)


@router.post("/current/cancel", response={200: CaseOut, **Errors}, summary="放弃当前申请")
def case_cancel(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    customer = request_customer(request)
    case = services.case_current(customer=customer)
    return case_out(services.case_cancel(case=case, customer=customer, request=request))


@router.post("/current/redo", response={200: CaseOut, **Errors}, summary="去补充（退回后重新办理）")
def case_redo(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    """需补充: the case goes back to the first step staff named; the app opens that step."""
    from idrenew.review.services import case_redo as review_case_redo

    case = services.case_current(customer=request_customer(request))
    if case.state_enum != State.RETURNED:
        raise CaseNotReturned(detail={"case": services.case_summary(case)})
    return case_out(review_case_redo(case=case, request=request))
