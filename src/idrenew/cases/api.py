"""Case endpoints: start, resume, cancel, the status after a decision, redo after a return,
and the customer's records (我的办理记录): every case with its decision and signed documents.
Later steps add their own routers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import register_converter
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from idrenew.cases import selectors, services
from idrenew.cases.domain.states import IN_PROGRESS, State
from idrenew.cases.hooks import CaseOutcome, CustomerDecision, decider, documents
from idrenew.cases.models import RenewalCase
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.errors import AppError
from idrenew.core.schemas import EmptyIn, ErrorOut
from idrenew.customers.models import Customer

router = Router(tags=["证件更新申请"], auth=CustomerAuth())
Errors = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut}

# Reject reasons after which the customer cannot simply apply again online.


class NoCase(AppError):
    code = "NO_CASE"
    status = 404
    default_message = "您还没有证件更新申请，请从首页开始办理"
    retryable = False


class CaseNotFound(AppError):
    code = "CASE_NOT_FOUND"
    status = 404
    default_message = "未找到该办理记录，请返回我的办理记录重新选择"
    retryable = False


class CaseReferenceConverter:
    """``/api/cases/{caseref:reference}``: only a case reference (ZJ + date + six digits), so
    ``/api/cases/current/…`` and ``/api/cases/latest`` keep their own routes."""

    regex = "ZJ[0-9]{14}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseReferenceConverter, "caseref")


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


class CaseDocumentOut(Schema):
    """A signed agreement of the case. ``download_url`` needs the signed-in session (cookie,
    or the bearer token in the Authorization header); ``link_url`` works without one until
    ``link_expires_at`` (5 minutes: ask again for a fresh one) — for app clients that open
    the PDF in a viewer that cannot send the token."""

    key: str
    title: str
    sha256: str
    signed_at: datetime
    download_url: str
    link_url: str
    link_expires_at: datetime


class CaseStatusOut(CaseOut):
    closed_at: datetime | None = None
    outcome: OutcomeOut | None = None
    documents: list[CaseDocumentOut] = Field(default_factory=list)
    # Approved: the renewal lifted the last restriction (证件过期限制) and the account trades.
    trading_restored: bool = False
    # Approved, for a restricted account: the line on trading (Chinese), else null.
    trading_message: str | None = None


class CaseRecordOut(CaseStatusOut):
    """One case in 我的办理记录 (the status page's answer for that case)."""


class CaseRecordsOut(Schema):
    cases: list[CaseRecordOut]


class DecisionOut(Schema):
    """One decision of the back office as the customer reads it."""

    kind: str
    label: str
    reasons: list[str]
    note: str
    decided_at: datetime


class CaseRecordDetailOut(CaseStatusOut):
    """One case of 我的办理记录 with every decision on it, oldest first (a returned case
    that was approved after the correction shows both)."""

    decisions: list[DecisionOut]


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


def case_documents_out(
    case: RenewalCase, *, customer: Customer, docs: list[Any] | None = None
) -> list[CaseDocumentOut]:
    """The case's signed documents with both links; ``customer`` is the signed-in owner."""
    return [
        CaseDocumentOut(
            key=v.key,
            title=v.title,
            sha256=v.sha256,
            signed_at=v.signed_at,
            download_url=v.download_url,
            link_url=v.link_url,
            link_expires_at=v.link_expires_at,
        )
        for v in documents().views(case=case, customer=customer, docs=docs)
    ]


def outcome_out(outcome: CaseOutcome, *, can_reapply: bool) -> OutcomeOut:
    return OutcomeOut(
        reasons=list(outcome.reasons),
        note=outcome.note,
        redo_steps=[RedoStepOut(number=s.number, title=s.title) for s in outcome.redo_steps],
        redo_step=(
            RedoTargetOut(number=outcome.redo_step.number, key=outcome.redo_step.key)
            if outcome.redo_step
            else None
        ),
        decided_at=outcome.decided_at,
        can_reapply=can_reapply,
    )


def decision_out(decision: CustomerDecision) -> DecisionOut:
    return DecisionOut(
        kind=decision.kind,
        label=decision.label,
        reasons=list(decision.reasons),
        note=decision.note,
        decided_at=decision.decided_at,
    )


def case_status_out(case: RenewalCase, *, docs: list[Any] | None = None) -> CaseStatusOut:
    outcome = None
    if case.state_enum in {State.APPROVED, State.REJECTED, State.RETURNED}:
        outcome = outcome_out(
            decider().outcome(case),
            can_reapply=case.state_enum == State.REJECTED and decider().can_reapply(case),
        )
    trading = None
    if case.state_enum == State.APPROVED:
        from idrenew.customers.selectors import renewal_evidence_ref, trading_after_renewal

        ref = renewal_evidence_ref(case.reference)
        trading = trading_after_renewal(case.customer, evidence_ref=ref)
    return CaseStatusOut(
        **case_out(case).model_dump(),
        closed_at=case.closed_at,
        outcome=outcome,
        documents=case_documents_out(case, customer=case.customer, docs=docs),
        trading_restored=bool(trading and trading.restored),
        trading_message=trading.message if trading else None,
    )


def _expire_if_stale(case: RenewalCase) -> RenewalCase:
    if case.state_enum in IN_PROGRESS and case.expires_at <= timezone.now():
        services.case_expire(case=case)  # as /current does: a stale case is closed on the way
        case.refresh_from_db()
    return case


def _owned_case(request: HttpRequest, reference: str) -> RenewalCase:
    case = selectors.case_of_customer(customer=request_customer(request), reference=reference)
    if case is None:
        raise CaseNotFound()  # also for another customer's case: 404, never 403
    return _expire_if_stale(case)


@router.post("", response={201: CaseOut, **Errors}, summary="开始证件更新申请")
def case_start(request: HttpRequest, payload: EmptyIn) -> Status[CaseOut]:
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
    return case_status_out(_expire_if_stale(case))


@router.post("/current/cancel", response={200: CaseOut, **Errors}, summary="放弃当前申请")
def case_cancel(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    customer = request_customer(request)
    case = services.case_current(customer=customer)
    return case_out(services.case_cancel(case=case, customer=customer, request=request))


@router.post("/current/redo", response={200: CaseOut, **Errors}, summary="去补充（退回后重新办理）")
def case_redo(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    """需补充: the case goes back to the first step staff named; the app opens that step."""
    case = services.case_current(customer=request_customer(request))
    if case.state_enum != State.RETURNED:
        raise CaseNotReturned(detail={"case": services.case_summary(case)})
    return case_out(decider().redo(case=case, request=request))


# --- 我的办理记录: every case, its decision and signed documents --------------------------
# Registered after /current, /latest and their sub-paths; the ``caseref`` converter matches
# references only, so the order is not what keeps them apart.


@router.get("", response={200: CaseRecordsOut, **Errors}, summary="我的办理记录")
def case_records(request: HttpRequest) -> CaseRecordsOut:
    """Every case of the signed-in customer, newest first, with the decision (reasons as on
    the status page) and the signed documents (both links)."""
    cases = [_expire_if_stale(c) for c in selectors.case_list_for(request_customer(request))]
    docs = documents().latest_by_case(cases)
    return CaseRecordsOut(
        cases=[
            CaseRecordOut(**case_status_out(c, docs=docs.get(c.id, [])).model_dump()) for c in cases
        ]
    )


@router.get(
    "/{caseref:reference}", response={200: CaseRecordDetailOut, **Errors}, summary="办理记录详情"
)
def case_record(request: HttpRequest, reference: str) -> CaseRecordDetailOut:
    case = _owned_case(request, reference)
    return CaseRecordDetailOut(
        **case_status_out(case).model_dump(),
        decisions=[decision_out(d) for d in selectors.case_decisions_for_customer(case)],
    )


@router.get(
    "/{caseref:reference}/documents/{key}.pdf",
    response={200: None, **Errors},
    summary="下载已签署的协议（办理记录）",
)
def case_record_document(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    """The customer's own signed PDF of any of their cases, open or closed."""
    case = _owned_case(request, reference)
    return documents().response(case=case, key=key, request=request)
