"""Case endpoints: start, resume, cancel. Later steps add their own routers."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from idrenew.cases import services
from idrenew.cases.models import RenewalCase
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.schemas import ErrorOut, StrictIn

router = Router(tags=["证件更新申请"], auth=CustomerAuth())
Errors = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut}


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


@router.post("", response={201: CaseOut, **Errors}, summary="开始证件更新申请")
def case_start(request: HttpRequest, payload: EmptyIn) -> Status:
    case = services.case_start(customer=request_customer(request), request=request)
    return Status(201, case_out(case))


@router.get("/current", response={200: CaseOut, **Errors}, summary="当前申请（断点续办）")
def case_current(request: HttpRequest) -> CaseOut:
    return case_out(services.case_current(customer=request_customer(request)))


@router.post("/current/cancel", response={200: CaseOut, **Errors}, summary="放弃当前申请")
def case_cancel(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    customer = request_customer(request)
    case = services.case_current(customer=customer)
    return case_out(services.case_cancel(case=case, customer=customer, request=request))
