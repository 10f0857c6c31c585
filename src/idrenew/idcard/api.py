"""Steps 4–6 endpoints: card photos, identity confirmation (5), validity and address (6)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import field_validator

from idrenew.cases.api import CaseOut, case_out
from idrenew.cases.services import case_current
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.schemas import ERROR_RESPONSES, EmptyIn, StrictIn, TaskAccepted
from idrenew.idcard import services

router = Router(tags=["身份证"], auth=CustomerAuth())
Errors = ERROR_RESPONSES


class WarningOut(Schema):
    code: str
    message: str
    blocking: bool


class IdCardSideOut(Schema):
    side: str
    status: str
    accepted: bool
    fields: dict[str, Any]
    warnings: list[WarningOut]
    uploaded_at: str


class IdCardStateOut(Schema):
    front: IdCardSideOut | None
    back: IdCardSideOut | None
    ready: bool


class FaceMatchOut(Schema):
    checked: bool
    passed: bool | None
    message: str | None


class IdentityOut(Schema):
    name: str
    sex: str
    ethnicity: str
    birth_date: str
    address: str
    id_number_masked: str
    issuer: str
    valid_from: str
    valid_to: str | None
    long_term: bool
    face_match: FaceMatchOut


class OcrValuesOut(Schema):
    valid_from: str | None
    valid_to: str | None
    long_term: bool
    address: str


class UpdateOut(Schema):
    id_type: str
    id_number_masked: str
    old_valid_from: str
    old_valid_to: str | None
    old_long_term: bool
    valid_from: str | None
    valid_to: str | None
    long_term: bool
    address: str
    ocr: OcrValuesOut


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UpdateIn(StrictIn):
    valid_from: str = Field(..., min_length=10, max_length=10)
    valid_to: str | None = Field(None, min_length=10, max_length=10)
    long_term: bool
    address: str = Field(..., min_length=1, max_length=120)

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not _DATE.match(value):
            raise ValueError("date")
        date.fromisoformat(value)
        return value


@router.get("/idcard", response={200: IdCardStateOut, **Errors}, summary="已上传的证件照片")
def state(request: HttpRequest) -> IdCardStateOut:
    case = case_current(customer=request_customer(request))
    return IdCardStateOut.model_validate(services.idcard_state(case))


@router.post(
    "/idcard/confirm", response={200: IdentityOut, **Errors}, summary="确定（进入信息确认）"
)
def confirm(request: HttpRequest, payload: EmptyIn) -> IdentityOut:
    case = case_current(customer=request_customer(request))
    services.idcard_confirm(case=case, request=request)
    case.refresh_from_db()
    return IdentityOut.model_validate(services.identity_view(case))


# After /idcard/confirm: a path parameter would otherwise take "confirm" for a side.
@router.post(
    "/idcard/{side}",
    response={202: TaskAccepted, **Errors},
    summary="上传身份证照片（front 人像面 / back 国徽面）",
)
def upload(
    request: HttpRequest, side: Literal["front", "back"], image: File[UploadedFile]
) -> Status[TaskAccepted]:
    case = case_current(customer=request_customer(request))
    task = services.idcard_upload(case=case, side=side, image=image, request=request)
    return Status(202, TaskAccepted(task_id=str(task.id), status=task.status))


@router.get("/identity", response={200: IdentityOut, **Errors}, summary="身份信息确认")
def identity(request: HttpRequest) -> IdentityOut:
    case = case_current(customer=request_customer(request))
    return IdentityOut.model_validate(services.identity_view(case))


@router.post("/identity/confirm", response={200: CaseOut, **Errors}, summary="确认身份信息无误")
def identity_confirm(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    case = case_current(customer=request_customer(request))
    return case_out(services.identity_confirm(case=case, request=request))


@router.post("/identity/retake", response={200: CaseOut, **Errors}, summary="信息有误，重新上传")
def identity_retake(request: HttpRequest, payload: EmptyIn) -> CaseOut:
    case = case_current(customer=request_customer(request))
    return case_out(services.identity_retake(case=case, request=request))


@router.get("/update", response={200: UpdateOut, **Errors}, summary="证件更新信息")
def update(request: HttpRequest) -> UpdateOut:
    case = case_current(customer=request_customer(request))
    return UpdateOut.model_validate(services.update_view(case))


@router.post("/update", response={200: CaseOut, **Errors}, summary="提交证件更新信息")
def update_submit(request: HttpRequest, payload: UpdateIn) -> CaseOut:
    case = case_current(customer=request_customer(request))
    updated = services.update_submit(
        case=case,
        valid_from=date.fromisoformat(payload.valid_from),
        valid_to=date.fromisoformat(payload.valid_to) if payload.valid_to else None,
        long_term=payload.long_term,
        address=payload.address,
        request=request,
    )
    return case_out(updated)
