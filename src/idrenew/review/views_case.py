"""The case page's actions: claim, release, approve, reject, return, and the audited unmask.

Each is a POST from the case page (CSRF-protected, staff only) that calls ``review.services``
and comes back to the case page; a refusal (any ``AppError``) is shown there in the error
registry's staff wording (``core.errors.staff_message``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases.models import RenewalCase
from idrenew.core import access
from idrenew.core.errors import AppError, staff_message
from idrenew.idcard.models import CardReading
from idrenew.review import errors, services
from idrenew.review.models import DecisionKind

View = Callable[..., HttpResponse]


def _case_url(case_id: uuid.UUID) -> str:
    return reverse("admin:cases_renewalcase_change", args=[case_id])


def _back(case_id: uuid.UUID) -> HttpResponseRedirect:
    return HttpResponseRedirect(_case_url(case_id))


def _staff_post(view: View) -> View:
    return staff_member_required(require_POST(never_cache(view)))


def _note(request: HttpRequest) -> str:
    return str(request.POST.get("note", "")).strip()[:500]


def _steps(request: HttpRequest) -> list[int]:
    return [int(s) for s in request.POST.getlist("steps") if s.isdigit()]


def _run(request: HttpRequest, case_id: uuid.UUID, action: Callable[[], str]) -> HttpResponse:
    if not RenewalCase.objects.filter(pk=case_id).exists():
        raise Http404
    try:
        done = action()
    except AppError as err:  # every registered refusal, however raised: the staff's wording
        messages.error(request, staff_message(err))
    else:
        messages.success(request, done)
    return _back(case_id)


@_staff_post
def case_claim(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act() -> str:
        review = services.review_claim(case_id=case_id, user=request.user)
        assert review.claim_expires_at is not None
        until = timezone.localtime(review.claim_expires_at).strftime("%H:%M")
        return f"已领取，请在 {until} 前完成办理"

    return _run(request, case_id, act)


@_staff_post
def case_release(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act() -> str:
        if not request.user.has_perm("review.review_case"):
            raise errors.ReviewPermissionDenied("放弃领取")
        services.review_release(case_id=case_id, user=request.user)
        return "已放弃领取，其他人可领取该申请"

    return _run(request, case_id, act)


@_staff_post
def case_approve(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act() -> str:
        decision = services.review_approve(
            case_id=case_id, user=request.user, note=_note(request), request=request
        )
        if decision.kind == DecisionKind.RECOMMEND:
            return "已初审通过，等待另一位审批员复核"
        return "已审核通过：客户资料将更新，并短信通知客户"

    return _run(request, case_id, act)


@_staff_post
def case_reject(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act() -> str:
        services.review_reject(
            case_id=case_id,
            user=request.user,
            reasons=request.POST.getlist("reasons"),
            note=_note(request),
            request=request,
        )
        return "已驳回，并短信通知客户"

    return _run(request, case_id, act)


@_staff_post
def case_return(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act() -> str:
        services.review_return(
            case_id=case_id,
            user=request.user,
            steps=_steps(request),
            reasons=request.POST.getlist("reasons"),
            note=_note(request),
            request=request,
        )
        return "已退回补充，并短信通知客户"

    return _run(request, case_id, act)


@_staff_post
def case_unmask(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The full ID number, for a staff member holding the permission; each look is logged."""
    if not access.can_view_full_id(request.user):
        raise PermissionDenied
    case = RenewalCase.objects.select_related("customer").filter(pk=case_id).first()
    if case is None:
        raise Http404
    reading = CardReading.objects.filter(case=case).first()
    read_number = str(reading.ocr.get("id_number") or "") if reading else ""
    audit_record(
        action="staff.unmasked_id_number",
        actor_type=ActorType.STAFF,
        actor_id=str(request.user.pk),
        request=request,
        case_id=case.id,
        customer_id=case.customer_id,
        data={"fields": ["record", "card"] if read_number else ["record"]},
    )
    response = render(
        request,
        "admin/review/unmasked.html",
        {
            "title": "完整证件号码",
            "case": case,
            "record_number": case.customer.id_number,
            "read_number": read_number,
            "case_url": _case_url(case.id),
        },
    )
    response["Cache-Control"] = "no-store, private"
    return response
