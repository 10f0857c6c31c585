"""The staff API (``/api/staff/``, OpenAPI tag "staff"): the review queue and the case page's
actions as JSON, for a broker's own OA or CRM.

The same services as the back office's case page (``review.services``), the same Django
permissions and roles, and the same access policy (``core.access``): case data needs
``cases.view_renewalcase`` (a 管理员 gets 403), the full ID number only from the audited
unmask call and only with ``customers.unmask_id_number``; images and signed PDFs are not
served here (the back office serves them, each look audited).

Sign-in, one of:

* the admin's session cookie, only once it is verified by the second factor (django-otp
  ``is_verified()``), with the ``X-CSRFToken`` header on state-changing calls;
* ``Authorization: Bearer stf_…`` from ``POST /api/staff/token`` (user name, password and the
  authenticator's current code; django-axes counts failures there as on the sign-in page).

Every call is an audit event (ids only): reads of case data under the admin's own action names
(``staff.viewed_case_list``, ``staff.viewed_case``, ``staff.unmasked_id_number``), decisions
as ``staff.api_call`` beside the services' own events, refusals as ``staff.api_refused``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security.base import AuthBase

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases.domain.states import LABELS, State
from idrenew.cases.models import RenewalCase
from idrenew.core import access
from idrenew.core.auth import require_csrf
from idrenew.core.errors import AppError
from idrenew.core.openapi import STAFF_AUTH_ERRORS, errors
from idrenew.core.schemas import StrictIn
from idrenew.idcard.models import CardReading
from idrenew.lib.masking import mask_name, scrub
from idrenew.review import presenters, selectors, services
from idrenew.review.errors import (
    CaseAlreadyDecided,
    CaseClaimedByOther,
    CaseNotClaimed,
    FourEyesSamePerson,
    ReturnStepsRequired,
    ReviewPermissionDenied,
    ReviewReasonRequired,
)
from idrenew.review.models import CaseReview, Decision, DecisionKind, RejectReason
from idrenew.staffauth.errors import (
    StaffCredentialsInvalid,
    StaffLockedOut,
    StaffNotSignedIn,
    StaffOtpNotEnrolled,
    StaffOtpRequired,
    StaffTokenExpired,
)
from idrenew.staffauth.models import StaffApiToken
from idrenew.staffauth.tokens import staff_token_authenticate, staff_token_issue, staff_token_revoke

F = TypeVar("F", bound=Callable[..., Any])


# --- errors --------------------------------------------------------------------------------


class CaseNotFound(AppError):
    code = "CASE_NOT_FOUND"
    status = 404
    default_message = "未找到该申请，请刷新审核队列后重试"
    retryable = False


class CaseNotSubmitted(AppError):
    code = "CASE_NOT_SUBMITTED"
    status = 409
    default_message = "该申请尚未提交审核，暂不能领取或办理"
    retryable = False


class CaseDataDenied(AppError):
    code = "REVIEW_PERMISSION_DENIED"
    status = 403
    default_message = "您没有查看申请资料的权限，请联系管理员"
    retryable = False


class UnmaskDenied(AppError):
    code = "REVIEW_PERMISSION_DENIED"
    status = 403
    default_message = "您没有查看完整证件号码的权限（仅审批员、审计员），请联系管理员"
    retryable = False


# The review services' refusals are the classes in review/errors.py; two are worded here
# for this API's documentation (what the services raise names the colleague holding the
# claim). Same code, status and retryable: subclasses, documented only, never raised.


class ClaimedByOtherDocumented(CaseClaimedByOther):
    default_message = "该申请正由他人办理，请选择其他申请"


class SamePersonDocumented(FourEyesSamePerson):
    default_message = "双人复核：初审人不能复核自己初审的申请"


_CASE = (CaseNotFound, CaseDataDenied)
_DECISION = (
    *_CASE,
    CaseNotSubmitted,
    ReviewPermissionDenied,
    CaseAlreadyDecided,
    CaseNotClaimed,
)

STAFF_AUTH_ERRORS["staff"] = (StaffNotSignedIn, StaffTokenExpired, StaffOtpRequired)


# --- sign-in -------------------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


class StaffTokenAuth(AuthBase):
    """``Authorization: Bearer stf_…`` (POST /api/staff/token)."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = "POST /api/staff/token 申请的接口令牌：Authorization: Bearer stf_…"
    contract_kind = "staff"

    def __call__(self, request: HttpRequest) -> Any:
        token = _bearer(request)
        if token is None:
            return None  # the session is tried next
        row = staff_token_authenticate(request=request, token=token)
        request.staff_token = row  # type: ignore[attr-defined]
        return row.user


class StaffSessionAuth(AuthBase):
    """The back office's session, verified by the second factor (CSRF on writes)."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = "sessionid"
    openapi_description = "后台会话 Cookie（须已完成两步验证；写操作需 X-CSRFToken）"
    contract_kind = "staff"

    def __call__(self, request: HttpRequest) -> Any:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not (user.is_active and user.is_staff):
            raise StaffNotSignedIn()
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            raise StaffOtpRequired()
        require_csrf(request)
        request.staff_token = None  # type: ignore[attr-defined]
        return user


router = Router(tags=["staff"], auth=[StaffTokenAuth(), StaffSessionAuth()])


def _staff(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _token_id(request: HttpRequest) -> int | None:
    row = getattr(request, "staff_token", None)
    return row.pk if row is not None else None


def _audit(
    request: HttpRequest,
    action: str,
    *,
    case: RenewalCase | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    audit_record(
        action=action,
        actor_type=ActorType.STAFF,
        actor_id=str(_staff(request).pk),
        request=request,
        case_id=case.pk if case is not None else None,
        customer_id=case.customer_id if case is not None else None,
        data={"via": "api", "token": _token_id(request), **(data or {})},
    )


def _refusals_audited(view: F) -> F:
    """A refused call (a coded error) is an audit event too: operation and code, no data."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except AppError as exc:
            case_id = kwargs.get("case_id")
            audit_record(
                action="staff.api_refused",
                actor_type=ActorType.STAFF,
                actor_id=str(_staff(request).pk),
                request=request,
                case_id=case_id if isinstance(case_id, uuid.UUID) else None,
                data={
                    "via": "api",
                    "token": _token_id(request),
                    "operation": view.__name__,
                    "code": exc.as_body()["code"],
                },
            )
            raise

    return wrapper  # type: ignore[return-value]


def _can_read_cases(user: Any) -> None:
    if not (
        access.can(user, access.Data.MASKED_ID_NUMBER) and access.can_view_personal_details(user)
    ):
        raise CaseDataDenied()


def _case(case_id: uuid.UUID) -> RenewalCase:
    case = RenewalCase.objects.select_related("customer").filter(pk=case_id).first()
    if case is None:
        raise CaseNotFound()
    return case


def _in_review(case: RenewalCase) -> None:
    if not CaseReview.objects.filter(pk=case.pk).exists():
        raise CaseNotSubmitted()


# --- token ---------------------------------------------------------------------------------


class TokenIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
    code: str = Field(..., min_length=6, max_length=8, pattern=r"^[0-9 ]+$")


class TokenOut(Schema):
    token: str
    token_type: Literal["Bearer"]
    expires_at: datetime
    idle_timeout: int


@router.post(
    "/token", response={201: TokenOut}, auth=None, summary="申请接口令牌（用户名+密码+动态验证码）"
)
@errors(StaffCredentialsInvalid, StaffOtpNotEnrolled, StaffLockedOut)
def token_issue(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    """The token is shown once (only its hash is kept). It expires after
    ``IDRENEW_STAFF_TOKEN_HOURS`` (8) hours, or ``idle_timeout`` seconds without a call."""
    issued = staff_token_issue(
        request=request, username=payload.username, password=payload.password, code=payload.code
    )
    return Status(
        201,
        TokenOut(
            token=issued.token,
            token_type="Bearer",  # noqa: S106 (the scheme's name, not a secret)
            expires_at=issued.row.expires_at,
            idle_timeout=settings.IDRENEW_STAFF_IDLE_TIMEOUT,
        ),
    )


@router.delete("/token", response={204: None}, summary="吊销当前接口令牌")
@errors()  # the sign-in's own refusals only
def token_revoke(request: HttpRequest) -> HttpResponse:
    """Revokes the bearer token the call is made with (a session call has none: 204)."""
    row: StaffApiToken | None = getattr(request, "staff_token", None)
    if row is not None:
        staff_token_revoke(row=row, staff=_staff(request), request=request)
    return HttpResponse(status=204)


# --- who am I ------------------------------------------------------------------------------


class MeOut(Schema):
    username: str
    roles: list[str]
    auth: Literal["token", "session"]
    can_read_cases: bool
    can_review: bool
    can_approve: bool
    can_unmask_id_number: bool


@router.get("/me", response={200: MeOut}, summary="当前员工与权限")
@errors()
def me(request: HttpRequest) -> MeOut:
    user = _staff(request)
    return MeOut(
        username=user.get_username(),
        roles=sorted(user.groups.values_list("name", flat=True)),
        auth="token" if _token_id(request) is not None else "session",
        can_read_cases=access.can_view_personal_details(user),
        can_review=user.has_perm("review.review_case"),
        can_approve=user.has_perm("review.approve_case"),
        can_unmask_id_number=access.can_view_full_id(user),
    )


# --- the queue -----------------------------------------------------------------------------


class QueueFilter(Schema):
    state: Literal["submitted", "approved", "rejected", "returned", "any"] = "submitted"
    claim: Literal["any", "mine", "unclaimed", "recommended"] = "any"
    checks: Literal["any", "passed", "attention"] = "any"
    overdue: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class CustomerBriefOut(Schema):
    fund_account: str
    name_masked: str


class QueueItemOut(Schema):
    id: uuid.UUID
    reference: str
    state: str
    state_label: str
    customer: CustomerBriefOut
    submitted_at: datetime | None
    waiting_hours: float | None
    overdue: bool
    checks_summary: str
    checks_passed: bool
    failing_checks: int
    claimed_by: str | None
    claim_expires_at: datetime | None
    claimed_by_me: bool
    recommended_by: str | None


class QueueOut(Schema):
    count: int
    items: list[QueueItemOut]


def queue_cases(user: Any, f: QueueFilter, now: datetime) -> QuerySet[RenewalCase]:
    from idrenew.review.admin_cases import QUEUE_ORDERING

    qs = RenewalCase.objects.select_related(
        "customer", "review", "review__claimed_by", "review__recommended_by"
    ).defer("customer__address", "customer__mobile", "customer__id_number")
    if f.state != "any":
        qs = qs.filter(state=f.state)
    held = Q(review__claimed_by__isnull=False, review__claim_expires_at__gt=now)
    if f.claim == "mine":
        qs = qs.filter(held, review__claimed_by=user)
    elif f.claim == "unclaimed":
        qs = qs.filter(state=State.SUBMITTED).exclude(held)
    elif f.claim == "recommended":
        qs = qs.filter(state=State.SUBMITTED, review__recommended_by__isnull=False)
    if f.checks == "passed":
        qs = qs.filter(review__checks_passed=True)
    elif f.checks == "attention":
        qs = qs.filter(review__checks_passed=False)
    if f.overdue is not None:
        limit = now - timedelta(hours=settings.IDRENEW_REVIEW_SLA_HOURS)
        late = Q(state=State.SUBMITTED, submitted_at__lt=limit)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    return qs.order_by(*QUEUE_ORDERING)


def _queue_item(case: RenewalCase, user: Any, now: datetime) -> QueueItemOut:
    review = selectors.review_of(case)
    holder = selectors.claim_holder(review, now) if case.state == State.SUBMITTED else None
    hours = selectors.sla_hours(case, now)
    recommended = review.recommended_by if review is not None else None
    return QueueItemOut(
        id=case.id,
        reference=case.reference,
        state=case.state,
        state_label=LABELS[State(case.state)],
        customer=CustomerBriefOut(
            fund_account=case.customer.fund_account, name_masked=mask_name(case.customer.name)
        ),
        submitted_at=case.submitted_at,
        waiting_hours=round(hours, 2) if hours is not None else None,
        overdue=selectors.is_overdue(hours),
        checks_summary=presenters.checks_summary(review),
        checks_passed=bool(review and review.checks_passed),
        failing_checks=selectors.failing_checks(review),
        claimed_by=holder.get_username() if holder is not None else None,
        claim_expires_at=review.claim_expires_at if holder is not None and review else None,
        claimed_by_me=holder is not None and holder.pk == user.pk,
        recommended_by=recommended.get_username() if recommended is not None else None,
    )


@router.get("/queue", response={200: QueueOut}, summary="审核队列")
@errors(CaseDataDenied)
@_refusals_audited
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> QueueOut:
    """Submitted cases first, the longest waiting on top (as the back office's queue)."""
    user = _staff(request)
    _can_read_cases(user)
    now = timezone.now()
    qs = queue_cases(user, filters, now)
    count = qs.count()
    rows = list(qs[filters.offset : filters.offset + filters.limit])
    _audit(
        request,
        "staff.viewed_case_list",
        data={"model": "cases.renewalcase", "query": request.GET.urlencode()[:200]},
    )
    return QueueOut(count=count, items=[_queue_item(c, user, now) for c in rows])


# --- the case ------------------------------------------------------------------------------


class ComparisonRowOut(Schema):
    label: str
    record: str
    read: str
    submitted: str
    edited: bool
    mismatch: bool
    note: str


class CheckOut(Schema):
    code: str
    label: str
    ok: bool
    value: str
    need: str


class StaffWarningOut(Schema):
    source: str
    code: str
    message: str
    blocking: str


class FaceCardOut(Schema):
    checked: bool
    similarity: float | None
    threshold: float | None
    passed: bool | None


class StaffAttemptOut(Schema):
    at: datetime
    status: str
    passed: bool
    actions: str
    failures: str
    reference: str
    reference_ok: bool | None
    spoof: str
    frames: int
    deleted: bool


class SignatureCheckOut(Schema):
    signer: str
    intact: bool | None
    trusted: bool | None
    revoked: bool | None
    timestamp: str


class StaffDocumentOut(Schema):
    title: str
    version: str
    signed_at: datetime
    sha256: str
    certificate_serial: str
    intact: bool
    valid: bool
    summary: str
    signatures: list[SignatureCheckOut]


class DecisionRowOut(Schema):
    kind: str
    kind_label: str
    reasons: list[str]
    steps: list[str]
    note: str
    by: str
    at: datetime


class ChoiceOut(Schema):
    code: str
    label: str


class StepChoiceOut(Schema):
    number: int
    title: str


class ReviewOut(Schema):
    waiting: bool
    waiting_hours: float | None
    sla_hours: int
    overdue: bool
    claimed_by: str | None
    claimed_by_me: bool
    claim_expires_at: datetime | None
    claim_minutes: int
    four_eyes: bool
    four_eyes_text: str
    checks_passed: bool
    rule_version: str


class ActionsOut(Schema):
    can_review: bool
    can_unmask_id_number: bool
    approve_label: str
    approve_note: str
    reject_reasons: list[ChoiceOut]
    return_steps: list[StepChoiceOut]


class CaseCustomerOut(Schema):
    fund_account: str
    name: str
    id_number_masked: str
    id_valid_from: str
    id_valid_to: str | None
    id_long_term: bool


class CaseSummaryOut(Schema):
    id: uuid.UUID
    reference: str
    state: str
    state_label: str
    channel: str
    created_at: datetime
    submitted_at: datetime | None
    closed_at: datetime | None
    customer: CaseCustomerOut
    review: ReviewOut
    comparison: list[ComparisonRowOut]
    edited_fields: list[str]
    checks: list[CheckOut]
    warnings: list[StaffWarningOut]
    face_card: FaceCardOut | None
    face_attempts: list[StaffAttemptOut]
    documents: list[StaffDocumentOut]
    decisions: list[DecisionRowOut]
    actions: ActionsOut


def case_summary(case: RenewalCase, user: Any, now: datetime | None = None) -> CaseSummaryOut:
    """The case page's content as JSON, ID numbers masked, no image or PDF."""
    page = presenters.case_page(case, user, now)
    customer = case.customer
    holder = page.claim_holder
    return CaseSummaryOut(
        id=case.id,
        reference=case.reference,
        state=case.state,
        state_label=page.state_label,
        channel=case.channel,
        created_at=case.created_at,
        submitted_at=case.submitted_at,
        closed_at=case.closed_at,
        customer=CaseCustomerOut(
            fund_account=customer.fund_account,
            name=customer.name,
            id_number_masked=customer.id_number_masked,
            id_valid_from=customer.id_valid_from.isoformat(),
            id_valid_to=customer.id_valid_to.isoformat() if customer.id_valid_to else None,
            id_long_term=customer.id_long_term,
        ),
        review=ReviewOut(
            waiting=page.waiting,
            waiting_hours=round(page.sla_hours, 2) if page.sla_hours is not None else None,
            sla_hours=page.sla_limit,
            overdue=page.overdue,
            claimed_by=holder.get_username() if holder is not None else None,
            claimed_by_me=page.claimed_by_me,
            claim_expires_at=page.claim_until,
            claim_minutes=page.claim_minutes,
            four_eyes=bool(page.four_eyes),
            four_eyes_text=page.four_eyes_text,
            checks_passed=page.checks_passed,
            rule_version=page.rule_version,
        ),
        comparison=[
            ComparisonRowOut(
                label=r.label,
                record=scrub(r.record),
                read=scrub(r.read),
                submitted=scrub(r.submitted),
                edited=r.edited,
                mismatch=r.mismatch,
                note=r.note,
            )
            for r in page.comparison
        ],
        edited_fields=list(page.edited),
        checks=[
            CheckOut(code=c.code, label=c.label, ok=c.ok, value=scrub(c.value), need=scrub(c.need))
            for c in page.checks
        ],
        # The presenter's rows carry these schemas' fields under the same names.
        warnings=[StaffWarningOut.model_validate(w) for w in page.warnings],
        face_card=FaceCardOut.model_validate(page.face_card) if page.face_card else None,
        face_attempts=[StaffAttemptOut.model_validate(a) for a in page.attempts],
        documents=[StaffDocumentOut.model_validate(d) for d in page.documents],
        decisions=[
            DecisionRowOut(
                kind=d.kind_code,
                kind_label=d.kind,
                reasons=list(d.reasons),
                steps=list(d.steps),
                note=d.note,
                by=d.by,
                at=d.at,
            )
            for d in page.decisions
        ],
        actions=ActionsOut(
            can_review=page.can_review,
            can_unmask_id_number=page.can_unmask,
            approve_label=page.approve_label,
            approve_note=page.approve_note,
            reject_reasons=[ChoiceOut(code=c, label=label) for c, label in page.reject_reasons],
            return_steps=[StepChoiceOut(number=n, title=t) for n, t in page.return_steps],
        ),
    )


@router.get("/cases/{case_id}", response={200: CaseSummaryOut}, summary="申请详情（证件号脱敏）")
@errors(*_CASE)
@_refusals_audited
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> CaseSummaryOut:
    user = _staff(request)
    _can_read_cases(user)
    case = _case(case_id)
    _audit(
        request,
        "staff.viewed_case",
        case=case,
        data={"model": "cases.renewalcase", "object_id": str(case.pk)},
    )
    return case_summary(case, user)


class IdNumberOut(Schema):
    record: str
    card: str | None


@router.post(
    "/cases/{case_id}/id-number",
    response={200: IdNumberOut},
    summary="查看完整证件号码（需相应权限，每次记审计）",
)
@errors(*_CASE, UnmaskDenied)
@_refusals_audited
def case_unmask(request: HttpRequest, case_id: uuid.UUID) -> IdNumberOut:
    user = _staff(request)
    if not access.can_view_full_id(user):
        raise UnmaskDenied()
    case = _case(case_id)
    reading = CardReading.objects.filter(case=case).first()
    read_number = str(reading.ocr.get("id_number") or "") if reading else ""
    _audit(
        request,
        "staff.unmasked_id_number",
        case=case,
        data={"fields": ["record", "card"] if read_number else ["record"]},
    )
    return IdNumberOut(record=case.customer.id_number, card=read_number or None)


# --- actions -------------------------------------------------------------------------------


class ClaimOut(Schema):
    case_id: uuid.UUID
    claimed_by: str | None
    claim_expires_at: datetime | None


class NoteIn(StrictIn):
    note: str = Field("", max_length=500)


# Reason codes (RejectReason) and returnable steps, listed in the schema as enums.
ReasonCode = Annotated[
    str,
    Field(
        pattern="^(" + "|".join(RejectReason.values) + ")$",
        json_schema_extra={"enum": list(RejectReason.values)},
    ),
]
ReturnStep = Annotated[int, Field(json_schema_extra={"enum": list(services.RETURNABLE_STEPS)})]


class RejectIn(StrictIn):
    reasons: list[ReasonCode] = Field(..., min_length=1, max_length=len(RejectReason))
    note: str = Field("", max_length=500)


class ReturnIn(StrictIn):
    steps: list[ReturnStep] = Field(..., min_length=1, max_length=len(services.RETURNABLE_STEPS))
    reasons: list[ReasonCode] = Field(..., min_length=1, max_length=len(RejectReason))
    note: str = Field("", max_length=500)


class StaffDecisionOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    reasons: list[str]
    reason_labels: list[str]
    steps: list[int]
    decided_at: datetime
    case_state: str
    case_state_label: str
    message: str


def _decision_out(decision: Decision, message: str) -> StaffDecisionOut:
    case = RenewalCase.objects.get(pk=decision.case_id)
    return StaffDecisionOut(
        id=decision.id,
        kind=decision.kind,
        kind_label=decision.get_kind_display(),
        reasons=list(decision.reasons),
        reason_labels=decision.reason_labels,
        steps=list(decision.steps),
        decided_at=decision.decided_at,
        case_state=case.state,
        case_state_label=case.state_label,
        message=message,
    )


def _acted(request: HttpRequest, case: RenewalCase, operation: str, **data: Any) -> None:
    _audit(request, "staff.api_call", case=case, data={"operation": operation, **data})


@router.post("/cases/{case_id}/claim", response={200: ClaimOut}, summary="领取")
@errors(
    *_CASE, CaseNotSubmitted, ReviewPermissionDenied, CaseAlreadyDecided, ClaimedByOtherDocumented
)
@_refusals_audited
def case_claim(request: HttpRequest, case_id: uuid.UUID) -> ClaimOut:
    """Take the case for ``IDRENEW_REVIEW_CLAIM_MINUTES``; claiming one's own extends it."""
    user = _staff(request)
    _can_read_cases(user)
    case = _case(case_id)
    _in_review(case)
    review = services.review_claim(case_id=case.id, user=user)
    _acted(request, case, "claim")
    return ClaimOut(
        case_id=case.id, claimed_by=user.get_username(), claim_expires_at=review.claim_expires_at
    )


@router.post("/cases/{case_id}/release", response={200: ClaimOut}, summary="放弃领取")
@errors(*_CASE, CaseNotSubmitted, ReviewPermissionDenied)
@_refusals_audited
def case_release(request: HttpRequest, case_id: uuid.UUID) -> ClaimOut:
    user = _staff(request)
    _can_read_cases(user)
    if not user.has_perm("review.review_case"):
        raise ReviewPermissionDenied("放弃领取")
    case = _case(case_id)
    _in_review(case)
    services.review_release(case_id=case.id, user=user)
    _acted(request, case, "release")
    return ClaimOut(case_id=case.id, claimed_by=None, claim_expires_at=None)


@router.post(
    "/cases/{case_id}/approve", response={200: StaffDecisionOut}, summary="通过（或初审通过）"
)
@errors(*_DECISION, SamePersonDocumented)
@_refusals_audited
def case_approve(request: HttpRequest, case_id: uuid.UUID, payload: NoteIn) -> StaffDecisionOut:
    """With four-eyes on (``IDRENEW_REVIEW_FOUR_EYES``) the first approval is a
    recommendation (``kind: recommend``); a different 审批员 gives the final one."""
    user = _staff(request)
    _can_read_cases(user)
    case = _case(case_id)
    _in_review(case)
    decision = services.review_approve(
        case_id=case.id, user=user, note=payload.note.strip(), request=request
    )
    _acted(request, case, "approve", decision=str(decision.id))
    if decision.kind == DecisionKind.RECOMMEND:
        return _decision_out(decision, "已初审通过，等待另一位审批员复核")
    return _decision_out(decision, "已审核通过：客户资料将更新，并短信通知客户")


@router.post("/cases/{case_id}/reject", response={200: StaffDecisionOut}, summary="驳回（未通过）")
@errors(*_DECISION, ReviewReasonRequired)
@_refusals_audited
def case_reject(request: HttpRequest, case_id: uuid.UUID, payload: RejectIn) -> StaffDecisionOut:
    user = _staff(request)
    _can_read_cases(user)
    case = _case(case_id)
    _in_review(case)
    decision = services.review_reject(
        case_id=case.id,
        user=user,
        reasons=list(payload.reasons),
        note=payload.note.strip(),
        request=request,
    )
    _acted(request, case, "reject", decision=str(decision.id))
    return _decision_out(decision, "已驳回，并短信通知客户")


@router.post("/cases/{case_id}/return", response={200: StaffDecisionOut}, summary="退回补充")
@errors(*_DECISION, ReviewReasonRequired, ReturnStepsRequired)
@_refusals_audited
def case_return(request: HttpRequest, case_id: uuid.UUID, payload: ReturnIn) -> StaffDecisionOut:
    """``steps``: the steps the customer redoes (and every step after each), from
    ``actions.return_steps`` of the case (3 人脸识别, 4 上传身份证, 6 证件更新, 8 签署)."""
    user = _staff(request)
    _can_read_cases(user)
    case = _case(case_id)
    _in_review(case)
    decision = services.review_return(
        case_id=case.id,
        user=user,
        steps=list(payload.steps),
        reasons=list(payload.reasons),
        note=payload.note.strip(),
        request=request,
    )
    _acted(request, case, "return", decision=str(decision.id))
    return _decision_out(decision, "已退回补充，并短信通知客户")
