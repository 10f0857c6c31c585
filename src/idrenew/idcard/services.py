"""Steps 4–6: card photos in, fields read and checked, the customer's confirmation and edits.

The OCR pipeline (``idcard.domain.pipeline``) reads a side; the rules
(``idcard.domain.rules``) decide; this module stores, audits and moves the case.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import date
from typing import TypedDict

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_customer, audit_record
from idrenew.cases.domain.states import State
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_require_state, case_transition
from idrenew.core.errors import CodedError
from idrenew.core.models import TaskRecord
from idrenew.core.observability import metrics
from idrenew.core.uploads import upload_read, upload_submit
from idrenew.customers.domain.idnumber import parse_id_number
from idrenew.customers.models import Customer
from idrenew.face.identity_services import identity_check_record, identity_require_clear
from idrenew.face.services import face_compare
from idrenew.idcard.domain import rules
from idrenew.idcard.domain.address import clean_address
from idrenew.idcard.domain.decode import decode_image, probe
from idrenew.idcard.domain.rules import Period, Violation
from idrenew.idcard.domain.types import (
    DEFAULT_IMAGE_LIMITS,
    FILE_ERRORS,
    WARNING_MESSAGES,
    ImageLimits,
    ImageRefused,
    Side,
    SideReading,
    card_date,
)
from idrenew.idcard.models import CardReading, CardSide, CardUpload
from idrenew.lib.files import read_encrypted, save_encrypted
from idrenew.lib.masking import mask_id_number
from idrenew.lib.text import TextRefused

REQUIRED = {
    "front": ("name", "sex", "ethnicity", "birth_date", "address", "id_number"),
    "back": ("issuer", "valid_from", "valid_to"),
}


def message_of(code: str) -> str:
    return (
        WARNING_MESSAGES.get(code)
        or rules.MESSAGES.get(code)
        or FILE_ERRORS.get(code)
        or "证件照片未通过检查，请重新拍摄"
    )


def is_blocking(code: str) -> bool:
    return code in settings.IDRENEW_IDCARD_BLOCKING_WARNINGS or code in rules.MESSAGES


# --- step 4: one side -----------------------------------------------------------------------


def image_limits() -> ImageLimits:
    """The card photo limits in force (settings, which start from the domain's defaults)."""
    return ImageLimits(
        max_bytes=settings.IDRENEW_IDCARD_MAX_BYTES,
        max_pixels=settings.IDRENEW_IDCARD_MAX_PIXELS,
        formats=DEFAULT_IMAGE_LIMITS.formats,
    )


def _probe(data: bytes) -> None:
    """Refuse a file by its header alone: type from the content, pixel count before any
    pixel is decoded (a decompression bomb never reaches the decoder)."""
    try:
        probe(data, image_limits())
    except ImageRefused as exc:
        raise _file_error(exc.code, 413 if exc.code == "IMAGE_TOO_LARGE" else 400) from None


def _file_error(code: str, status: int = 400) -> CodedError:
    return CodedError(code, FILE_ERRORS[code], status=status)


def idcard_upload(
    *, case: RenewalCase, side: Side, image: UploadedFile[bytes], request: HttpRequest | None
) -> TaskRecord:
    case_require_state(case, [State.FACE_PASSED])
    data = upload_read(
        image,
        max_bytes=settings.IDRENEW_IDCARD_MAX_BYTES,
        too_large=lambda: _file_error("IMAGE_TOO_LARGE", 413),
    )
    _probe(data)
    return upload_submit(
        case=case,
        data=data,
        folder="idcard/photos",
        suffix=".img",
        record=lambda name: CardUpload.objects.create(
            case=case, side=side, image_name=name, image_sha256=hashlib.sha256(data).hexdigest()
        ),
        action="idcard.uploaded",
        audit_data=lambda upload: {"upload": str(upload.id), "side": side, "bytes": len(data)},
        task="idcard.read",
        task_argument="upload_id",
        request=request,
    )


def _read(data: bytes, side: Side) -> SideReading:
    from idrenew.idcard.domain.pipeline import read_side_image

    started = time.perf_counter()
    image = decode_image(data, limits=image_limits())
    decoded = time.perf_counter()
    reading = read_side_image(image, side)
    reading.timings = {"decode": decoded - started, **reading.timings}
    return reading


def idcard_upload_analyze(*, upload_id: str) -> SideSummary:
    upload = CardUpload.objects.select_related("case").get(pk=upload_id)
    if upload.status != CardUpload.Status.PENDING:
        return idcard_side_summary(upload)
    started = time.monotonic()
    side: Side = "front" if upload.side == CardSide.FRONT else "back"
    try:
        reading = _read(read_encrypted(upload.image_name), side)
    except ImageRefused as exc:
        upload.status = CardUpload.Status.FAILED
        upload.warnings = [{"code": exc.code, "blocking": True}]
    else:
        codes = list(reading.warnings)
        if reading.side != side and "IDCARD_WRONG_SIDE" not in codes:
            codes.insert(0, "IDCARD_WRONG_SIDE")
        fields = dict(reading.fields)
        missing = [k for k in REQUIRED[side] if not fields.get(k)]
        if missing and "IDCARD_FIELDS_UNREADABLE" not in codes and reading.side == side:
            codes.append("IDCARD_FIELDS_UNREADABLE")
        if side == "front" and fields.get("id_number"):
            codes += [v.code for v in _front_violations(fields)]
        upload.fields = fields
        upload.confidence = {k: round(float(v), 4) for k, v in reading.confidence.items()}
        upload.detected_side = reading.side
        upload.warnings = [{"code": c, "blocking": is_blocking(c)} for c in dict.fromkeys(codes)]
        if reading.card_jpeg:
            upload.card_name = save_encrypted("idcard/cards", reading.card_jpeg, suffix=".jpg")
        if reading.portrait_jpeg:
            upload.portrait_name = save_encrypted(
                "idcard/portraits", reading.portrait_jpeg, suffix=".jpg"
            )
        blocked = any(w["blocking"] for w in upload.warnings)
        upload.status = CardUpload.Status.REJECTED if blocked else CardUpload.Status.ACCEPTED
    upload.analyzed_at = timezone.now()
    upload.analysis_seconds = round(time.monotonic() - started, 3)
    upload.save()
    metrics.count_ocr(
        side=side, status=upload.status, warnings=[w["code"] for w in upload.warnings]
    )
    audit_record(
        action="idcard.read",
        actor_type=ActorType.SYSTEM,
        customer_id=upload.case.customer_id,
        case_id=upload.case_id,
        data={
            "upload": str(upload.id),
            "side": upload.side,
            "status": upload.status,
            "warnings": [w["code"] for w in upload.warnings],
        },
    )
    return idcard_side_summary(upload)


def _front_violations(fields: dict[str, str]) -> list[Violation]:
    return rules.check_front(
        id_number=fields["id_number"],
        birth_date=card_date(fields.get("birth_date")),
        sex=fields.get("sex"),
    )


# A card field as the customer's screen shows it: text, an ISO date or None, 长期 as a flag.
PublicValue = str | bool | None


def _public_fields(side: str, fields: dict[str, str]) -> dict[str, PublicValue]:
    """What the customer's screen may show: the ID number masked."""
    out: dict[str, PublicValue] = {k: v for k, v in fields.items() if k != "id_number"}
    if side == "front":
        out["id_number_masked"] = mask_id_number(fields.get("id_number", ""))
    else:
        out["valid_from"] = _iso(fields.get("valid_from"))
        long_term = fields.get("valid_to") == "长期"
        out["long_term"] = long_term
        out["valid_to"] = None if long_term else _iso(fields.get("valid_to"))
    return out


def _iso(value: str | None) -> str | None:
    parsed = card_date(value)
    return parsed.isoformat() if parsed else None


class WarningJson(TypedDict):
    code: str
    message: str
    blocking: bool


class SideSummaryJson(TypedDict):
    """A card side as the upload task's answer shows it (JSON)."""

    side: str
    status: str
    accepted: bool
    fields: dict[str, PublicValue]
    warnings: list[WarningJson]
    uploaded_at: str


@dataclass(frozen=True, slots=True)
class SideSummary:
    """A card side as the customer's screen shows it: the fields read (the ID number
    masked), the warnings with their messages, whether it was accepted."""

    side: str
    status: str
    accepted: bool
    fields: dict[str, PublicValue]
    warnings: tuple[WarningJson, ...]
    uploaded_at: str

    def to_json(self) -> SideSummaryJson:
        return {
            "side": self.side,
            "status": self.status,
            "accepted": self.accepted,
            "fields": dict(self.fields),
            "warnings": list(self.warnings),
            "uploaded_at": self.uploaded_at,
        }


def idcard_side_summary(upload: CardUpload) -> SideSummary:
    return SideSummary(
        side=upload.side,
        status=upload.status,
        accepted=upload.status == CardUpload.Status.ACCEPTED,
        fields=_public_fields(upload.side, upload.fields),
        warnings=tuple(
            {"code": w["code"], "message": message_of(w["code"]), "blocking": w["blocking"]}
            for w in upload.warnings
        ),
        uploaded_at=upload.created_at.isoformat(),
    )


def idcard_latest(case: RenewalCase, side: str) -> CardUpload | None:
    return (
        CardUpload.objects.filter(case=case, side=side)
        .exclude(status__in=[CardUpload.Status.PENDING, CardUpload.Status.SUPERSEDED])
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True, slots=True)
class IdcardState:
    """Step 4: the latest read of each side; ``ready`` when both were accepted."""

    front: SideSummary | None
    back: SideSummary | None
    ready: bool


def idcard_state(case: RenewalCase) -> IdcardState:
    front, back = idcard_latest(case, "front"), idcard_latest(case, "back")
    return IdcardState(
        front=idcard_side_summary(front) if front else None,
        back=idcard_side_summary(back) if back else None,
        ready=bool(
            front
            and back
            and front.status == CardUpload.Status.ACCEPTED
            and back.status == CardUpload.Status.ACCEPTED
        ),
    )


# --- step 4 → 5: both sides confirmed -------------------------------------------------------


class NotReady(CodedError):
    def __init__(self) -> None:
        super().__init__("IDCARD_NOT_READY", "请先上传并通过身份证正反面照片", status=409)


# The step-6 field each rule is about, so the H5 app can show the message under that row.
RULE_FIELDS = {
    "UPDATE_PERIOD_RULE": "valid_to",
    "UPDATE_END_DAY": "valid_to",
    "UPDATE_EXPIRED": "valid_to",
    "UPDATE_NOT_NEWER": "valid_to",
    "UPDATE_START_IN_FUTURE": "valid_from",
}


def _refuse(violations: list[Violation]) -> None:
    first = violations[0]
    branch = first.code in rules.RENEWAL_REFUSALS
    fields = {RULE_FIELDS[v.code]: v.message for v in violations if v.code in RULE_FIELDS}
    raise CodedError(
        first.code,
        first.message,
        status=422,
        retryable=not branch,
        detail={"codes": [v.code for v in violations], "branch": branch},
        fields=fields or None,
    )


def _record_period(customer: Customer) -> Period:
    return Period(customer.id_valid_from, None if customer.id_long_term else customer.id_valid_to)


def _card_period(back: dict[str, str]) -> Period | None:
    start = card_date(back.get("valid_from"))
    if start is None:
        return None
    return Period(
        start, None if back.get("valid_to") == "长期" else card_date(back.get("valid_to"))
    )


def idcard_confirm(
    *, case: RenewalCase, request: HttpRequest | None, today: date | None = None
) -> CardReading:
    today = today or timezone.localdate()
    case_require_state(case, [State.FACE_PASSED])
    front, back = idcard_latest(case, "front"), idcard_latest(case, "back")
    accepted = CardUpload.Status.ACCEPTED
    if front is None or back is None or front.status != accepted or back.status != accepted:
        raise NotReady()
    customer = case.customer
    f, b = front.fields, back.fields
    violations = _front_violations(f) + rules.check_same_person(
        id_number=f["id_number"],
        name=f.get("name", ""),
        record_id_number=customer.id_number,
        record_name=customer.name,
    )
    period = _card_period(b)
    if period is None:
        raise NotReady()
    violations += rules.as_card_refusal(
        rules.check_renewal(new=period, old=_record_period(customer), today=today)
    )
    if violations:
        audit_customer(
            action="idcard.refused",
            customer_id=customer.pk,
            case_id=case.id,
            request=request,
            data={"codes": [v.code for v in violations]},
        )
        _refuse(violations)
    flags = [
        v.code
        for v in rules.check_period(birth=parse_id_number(f["id_number"]).birth_date, period=period)
    ]
    flags += [w["code"] for u in (front, back) for w in u.warnings if not w["blocking"]]
    face = face_compare(
        case=case,
        portrait_jpeg=read_encrypted(front.portrait_name) if front.portrait_name else None,
    )
    metrics.count_face_match(
        kind="card", checked=face.checked, similarity=face.similarity, threshold=face.threshold
    )
    if not face.checked:
        flags.append("FACE_CARD_UNCHECKED")
    elif (
        face.similarity is not None
        and face.threshold is not None
        and face.similarity < face.threshold
    ):
        flags.append("FACE_CARD_MISMATCH")
    ocr = {**f, **b}
    with transaction.atomic():
        reading, _ = CardReading.objects.update_or_create(
            case=case,
            defaults={
                "front": front,
                "back": back,
                "ocr_json": json.dumps(ocr, ensure_ascii=False),
                "edits_json": "",
                "face_similarity": face.similarity,
                "face_threshold": face.threshold,
                "face_checked": face.checked,
                "review_flags": list(dict.fromkeys(flags)),
                "identity_confirmed_at": None,
                "update_confirmed_at": None,
            },
        )
        case_transition(
            case_id=case.id,
            target=State.IDCARD_READ,
            actor_type=ActorType.CUSTOMER,
            actor_id=str(customer.pk),
            request=request,
            data={"front": str(front.id), "back": str(back.id), "flags": reading.review_flags},
        )
    return reading


# --- step 5 ---------------------------------------------------------------------------------


def _reading(case: RenewalCase) -> CardReading:
    reading = CardReading.objects.filter(case=case).first()
    if reading is None:
        raise NotReady()
    return reading


FACE_MISMATCH_MESSAGE = (
    "身份证人像与您本人的人脸比对未通过。您可以重新拍摄人像面；"
    "如确认证件无误也可继续办理，工作人员将人工审核。"
)


@dataclass(frozen=True, slots=True)
class FaceMatch:
    """The card portrait against the liveness result; ``message`` when it did not pass."""

    checked: bool
    passed: bool | None
    message: str | None


@dataclass(frozen=True, slots=True)
class IdentityView:
    """Step 5: the card as read (the ID number masked, dates ISO 8601) and the face match."""

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
    face_match: FaceMatch


def identity_view(case: RenewalCase) -> IdentityView:
    case_require_state(case, [State.IDCARD_READ, State.IDENTITY_CONFIRMED])
    reading = _reading(case)
    ocr = reading.ocr
    period = _card_period(ocr)
    passed = reading.face_passed
    return IdentityView(
        name=ocr.get("name", ""),
        sex=ocr.get("sex", ""),
        ethnicity=ocr.get("ethnicity", ""),
        birth_date=_iso(ocr.get("birth_date")) or "",
        address=ocr.get("address", ""),
        id_number_masked=mask_id_number(ocr.get("id_number", "")),
        issuer=ocr.get("issuer", ""),
        valid_from=period.start.isoformat() if period else "",
        valid_to=period.end.isoformat() if period and period.end else None,
        long_term=bool(period and period.long_term),
        face_match=FaceMatch(
            checked=reading.face_checked,
            passed=passed,
            message=FACE_MISMATCH_MESSAGE if passed is False else None,
        ),
    )


def identity_confirm(*, case: RenewalCase, request: HttpRequest | None) -> RenewalCase:
    case_require_state(case, [State.IDCARD_READ])
    reading = _reading(case)
    reading.identity_confirmed_at = timezone.now()
    reading.save(update_fields=["identity_confirmed_at"])
    return case_transition(
        case_id=case.id,
        target=State.IDENTITY_CONFIRMED,
        actor_type=ActorType.CUSTOMER,
        actor_id=str(case.customer_id),
        request=request,
    )


def identity_retake(*, case: RenewalCase, request: HttpRequest | None) -> RenewalCase:
    """信息有误: back to step 4; the photos stay until new ones replace them."""
    case_require_state(case, [State.IDCARD_READ, State.IDENTITY_CONFIRMED])
    return case_transition(
        case_id=case.id,
        target=State.FACE_PASSED,
        actor_type=ActorType.CUSTOMER,
        actor_id=str(case.customer_id),
        request=request,
        data={"reason": "customer_retake"},
    )


# --- step 6 ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OcrValues:
    """The validity and address as read from the card (dates ISO 8601)."""

    valid_from: str | None
    valid_to: str | None
    long_term: bool
    address: str


@dataclass(frozen=True, slots=True)
class UpdateView:
    """Step 6: the record on file, the values shown (the card as read, with the customer's
    edits over it), and the card as read."""

    id_type: str
    id_number_masked: str
    old_valid_from: str
    old_valid_to: str | None
    old_long_term: bool
    valid_from: str | None
    valid_to: str | None
    long_term: bool
    address: str
    ocr: OcrValues


def update_view(case: RenewalCase) -> UpdateView:
    case_require_state(case, [State.IDENTITY_CONFIRMED, State.UPDATE_CONFIRMED])
    reading = _reading(case)
    customer = case.customer
    ocr_period = _card_period(reading.ocr)
    ocr = OcrValues(
        valid_from=ocr_period.start.isoformat() if ocr_period else None,
        valid_to=ocr_period.end.isoformat() if ocr_period and ocr_period.end else None,
        long_term=bool(ocr_period and ocr_period.long_term),
        address=reading.ocr.get("address", ""),
    )
    edits = reading.edits
    return UpdateView(
        id_type="居民身份证",
        id_number_masked=customer.id_number_masked,
        old_valid_from=customer.id_valid_from.isoformat(),
        old_valid_to=customer.id_valid_to.isoformat() if customer.id_valid_to else None,
        old_long_term=customer.id_long_term,
        valid_from=edits.get("valid_from", ocr.valid_from),
        valid_to=edits.get("valid_to", ocr.valid_to),
        long_term=edits.get("long_term", ocr.long_term),
        address=edits.get("address", ocr.address),
        ocr=ocr,
    )


# The H5 form checks these itself, so they keep the contract's generic code.
_FORM_CODES = {"ADDRESS_TOO_SHORT": "VALIDATION_ERROR", "TEXT_EMPTY": "VALIDATION_ERROR"}


def _clean_address(value: str) -> str:
    """The address to keep, or a 422 whose ``fields`` puts the message under the row."""
    try:
        return clean_address(value)
    except TextRefused as exc:
        raise CodedError(
            _FORM_CODES.get(exc.code, exc.code),
            exc.message,
            status=422,
            detail={"codes": [exc.code]},
            fields={exc.field: exc.message},
        ) from None


def update_submit(
    *,
    case: RenewalCase,
    valid_from: date,
    valid_to: date | None,
    long_term: bool,
    address: str,
    request: HttpRequest | None,
    today: date | None = None,
) -> RenewalCase:
    today = today or timezone.localdate()
    case_require_state(case, [State.IDENTITY_CONFIRMED])
    if long_term != (valid_to is None):
        raise CodedError(
            "VALIDATION_ERROR",
            "请选择截止日期，或打开“长期有效”",
            fields={"valid_to": "请选择截止日期"},
        )
    address = _clean_address(address)
    customer = case.customer
    period = Period(valid_from, valid_to)
    birth = parse_id_number(customer.id_number).birth_date
    violations = rules.check_renewal(new=period, old=_record_period(customer), today=today)
    violations += rules.check_period(birth=birth, period=period)
    if violations:
        _refuse(violations)
    # The public-security check (公民身份信息核验) of number, name and this validity, where
    # a verifier is configured: a definite mismatch is refused here with a coded message.
    identity_require_clear(case)
    identity_check_record(case=case, valid_from=valid_from, valid_to=valid_to)
    reading = _reading(case)
    edits = {
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        "long_term": long_term,
        "address": address,
    }
    read = asdict(update_view(case).ocr)
    changed = sorted(k for k, v in edits.items() if read.get(k) != v)
    reading.edits_json = json.dumps(edits, ensure_ascii=False)
    reading.update_confirmed_at = timezone.now()
    reading.save(update_fields=["edits_json", "update_confirmed_at"])
    return case_transition(
        case_id=case.id,
        target=State.UPDATE_CONFIRMED,
        actor_type=ActorType.CUSTOMER,
        actor_id=str(customer.pk),
        request=request,
        data={"edited": changed},  # which fields differ from what was read, never values
    )
