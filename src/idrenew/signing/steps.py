"""Steps 7–10 on the case: read each agreement, sign by hand, the signed PDFs, submission.

The rendering and PAdES signing live in ``signing.services`` / ``signing.domain``; this module
reads the case, enforces the order (read before sign, sign before submit), stores and audits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_customer
from idrenew.cases.domain.states import State
from idrenew.cases.hooks import decider
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_require_state, case_transition
from idrenew.core.errors import CodedError
from idrenew.core.models import TaskRecord
from idrenew.core.tasks import task_submit
from idrenew.face.identity_services import identity_require_clear
from idrenew.idcard.selectors import card_confirmed
from idrenew.lib.files import read_encrypted, save_encrypted
from idrenew.lib.net import client_ip, user_agent
from idrenew.signing import services
from idrenew.signing.domain import strokes as strokes_domain
from idrenew.signing.domain.agreements import (
    CaseData,
    FormTable,
    RenderedAgreement,
    SignatureBox,
)
from idrenew.signing.domain.pdf import AuditData, ReadingRecord
from idrenew.signing.models import AgreementReading, HandSignature, SignedDocument

MAX_PNG_BYTES = 2 * 1024 * 1024
MIN_POINTS = 12  # a signature is more than a tap or a dash
MIN_EXTENT = 0.18  # the drawing spans at least this share of the pad's diagonal
MIN_INK_PIXELS = 150  # dark pixels of the drawn image, at the pad's own scale
READ_TRANSIT_GRACE = 1.5  # seconds


def _error(code: str, message: str, status: int = 422, **detail: Any) -> CodedError:
    return CodedError(code, message, status=status, detail=detail or None)


# --- what the agreements are filled from ----------------------------------------------------


def case_data(case: RenewalCase, *, today: datetime | None = None) -> CaseData:
    """The agreements' values: the record on file, and the new card as confirmed at step 6."""
    customer = case.customer
    card = card_confirmed(case)
    if card is None:
        raise _error("CASE_STEP_OUT_OF_ORDER", "请先完成身份证信息确认", status=409)
    if card.valid_from is None:
        raise _error("CASE_STEP_OUT_OF_ORDER", "请先完成证件更新信息确认", status=409)
    return CaseData(
        customer_name=customer.name,
        fund_account=customer.fund_account,
        id_number=customer.id_number,
        old_valid_from=customer.id_valid_from,
        old_valid_to=None if customer.id_long_term else customer.id_valid_to,
        new_valid_from=card.valid_from,
        new_valid_to=card.valid_to,
        address=card.address or str(customer.address),
        sign_date=timezone.localdate(today) if today else timezone.localdate(),
        case_reference=case.reference,
        broker_name=settings.IDRENEW_SIGNING_BROKER_NAME,
    )


def _paragraphs(rendered: RenderedAgreement) -> list[str]:
    out: list[str] = []
    for block in rendered.blocks:
        if isinstance(block, FormTable):
            out.extend(f"{k}：{v}" for k, v in block.rows)
        elif isinstance(block, SignatureBox):
            out.append(f"{block.label}（在下一步手写签名）　日期：{block.date_text}")
        else:
            out.append(block.text)
    return out


# --- step 7 ---------------------------------------------------------------------------------

READABLE = [State.UPDATE_CONFIRMED, State.AGREEMENTS_READ, State.SIGNED]


@dataclass(frozen=True, slots=True)
class AgreementView:
    """One agreement as step 7 shows it: its text as paragraphs and whether it was read."""

    key: str
    title: str
    version: str
    content_hash: str
    paragraphs: tuple[str, ...]
    read: bool


@dataclass(frozen=True, slots=True)
class AgreementsView:
    agreements: tuple[AgreementView, ...]
    all_read: bool
    min_read_seconds: int


def agreements_view(case: RenewalCase) -> AgreementsView:
    case_require_state(case, READABLE)
    data = case_data(case)
    readings = {
        (r.agreement, r.version): r
        for r in AgreementReading.objects.filter(case=case, read_at__isnull=False)
    }
    items = []
    for key in services.AGREEMENTS:
        shown = services.agreement_preview(agreement=key, case=data)
        items.append(
            AgreementView(
                key=key,
                title=f"《{shown.title}》",
                version=shown.version,
                content_hash=shown.content_hash,
                paragraphs=tuple(_paragraphs(shown)),
                read=_still_valid(readings.get((key, shown.version)), case, shown),
            )
        )
    return AgreementsView(
        agreements=tuple(items),
        all_read=all(i.read for i in items),
        min_read_seconds=settings.IDRENEW_SIGNING_MIN_READ_SECONDS,
    )


def _still_valid(
    reading: AgreementReading | None, case: RenewalCase, shown: RenderedAgreement
) -> bool:
    """A reading counts while the agreement says what it said when it was read.

    The application carries its date, so what was read before midnight is compared with a
    rendering dated that day: only a change of content (a new address, a new version) makes
    the customer read again, never the clock passing midnight.
    """
    if reading is None:
        return False
    if reading.content_hash == shown.content_hash:
        return True
    assert reading.read_at is not None
    then = services.agreement_preview(
        agreement=reading.agreement, case=case_data(case, today=reading.read_at)
    )
    return then.version == shown.version and then.content_hash == reading.content_hash


def _current(case: RenewalCase, key: str, version: str) -> RenderedAgreement:
    if key not in services.AGREEMENTS:
        raise _error("AGREEMENT_UNKNOWN", "未找到该协议，请返回重试", status=404)
    shown = services.agreement_preview(agreement=key, case=case_data(case))
    if version != shown.version:
        raise _error(
            "AGREEMENT_VERSION_OUTDATED",
            "协议已更新，请重新阅读最新版本",
            status=409,
            current_version=shown.version,
        )
    return shown


def agreement_event(
    *,
    case: RenewalCase,
    key: str,
    version: str,
    event: str,
    elapsed_ms: int,
    request: HttpRequest | None,
    now: datetime | None = None,
) -> None:
    """Opening, reaching the end and closing, as audit events per agreement and version."""
    now = now or timezone.now()
    case_require_state(case, READABLE)
    shown = _current(case, key, version)
    reading, _ = AgreementReading.objects.get_or_create(
        case=case, agreement=key, version=version, defaults={"content_hash": shown.content_hash}
    )
    changed = []
    if reading.content_hash != shown.content_hash and (
        reading.read_at is None or not _still_valid(reading, case, shown)
    ):
        # The text changed since this reading began (e.g. an address corrected after staff
        # returned the case): it is a new reading, timed and scrolled from the start again.
        # The earlier one stays in the audit trail and in the PDFs signed after it.
        reading.opened_at = reading.scrolled_to_end_at = reading.read_at = None
        reading.seconds = 0
        reading.content_hash = shown.content_hash
        changed += ["opened_at", "scrolled_to_end_at", "read_at", "seconds", "content_hash"]
    if event == "opened" and reading.opened_at is None:
        reading.opened_at = now
        changed.append("opened_at")
    if event == "scrolled_to_end" and reading.scrolled_to_end_at is None and reading.opened_at:
        reading.scrolled_to_end_at = now
        changed.append("scrolled_to_end_at")
    if changed:
        reading.save(update_fields=list(dict.fromkeys(changed)))
    audit_customer(
        action=f"agreement.{event}",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={
            "agreement": key,
            "version": version,
            "content_hash": shown.content_hash,
            "elapsed_ms": elapsed_ms,
        },
    )


@dataclass(frozen=True, slots=True)
class ReadView:
    """An agreement confirmed as read, and whether every agreement now is."""

    key: str
    read: bool
    all_read: bool


def agreement_mark_read(
    *,
    case: RenewalCase,
    key: str,
    version: str,
    request: HttpRequest | None,
    now: datetime | None = None,
) -> ReadView:
    now = now or timezone.now()
    case_require_state(case, [State.UPDATE_CONFIRMED])
    shown = _current(case, key, version)
    reading = AgreementReading.objects.filter(case=case, agreement=key, version=version).first()
    if reading is None or reading.opened_at is None or reading.scrolled_to_end_at is None:
        raise _error("AGREEMENT_NOT_SCROLLED", "请完整阅读协议（滑动至文末）后再确认")
    seconds = (now - reading.opened_at).total_seconds()
    minimum = settings.IDRENEW_SIGNING_MIN_READ_SECONDS
    # The page counts from the moment it opened the agreement; the server from when the
    # "opened" event arrived, a moment later: allow that moment. ``seconds_left`` is when a
    # retry passes this same test (waiting it always suffices), at least 1.
    if seconds + READ_TRANSIT_GRACE < minimum:
        left = max(1, math.ceil(minimum - READ_TRANSIT_GRACE - seconds))
        raise _error(
            "AGREEMENT_TOO_FAST", f"请仔细阅读协议，{left}秒后可确认已阅读", seconds_left=left
        )
    reading.read_at = now
    reading.seconds = round(seconds, 1)
    reading.content_hash = shown.content_hash
    reading.save(update_fields=["read_at", "seconds", "content_hash"])
    audit_customer(
        action="agreement.read",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"agreement": key, "version": version, "seconds": reading.seconds},
    )
    return ReadView(key=key, read=True, all_read=agreements_view(case).all_read)


def agreements_done(*, case: RenewalCase, request: HttpRequest | None) -> RenewalCase:
    case_require_state(case, [State.UPDATE_CONFIRMED])
    if not agreements_view(case).all_read:
        raise _error("AGREEMENTS_NOT_READ", "请先阅读全部协议", status=409)
    return case_transition(
        case_id=case.id,
        target=State.AGREEMENTS_READ,
        actor_type=ActorType.CUSTOMER,
        actor_id=str(case.customer_id),
        request=request,
    )


# --- step 8 ---------------------------------------------------------------------------------


def _client_png_check(data_url: str) -> None:
    """Older app versions send the pad as a PNG too: its header must describe a pad-sized PNG
    (checked without decoding a pixel); the image itself is not used."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix) or len(data_url) > MAX_PNG_BYTES * 4 // 3 + 64:
        raise _error("SIGNATURE_INVALID", "签名图片格式不正确，请重新签字")
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise _error("SIGNATURE_INVALID", "签名图片格式不正确，请重新签字") from None
    if not strokes_domain.client_png_acceptable(raw):
        raise _error("SIGNATURE_INVALID", "签名图片格式不正确，请重新签字")


Strokes = list[list[dict[str, float]]]

_REFUSALS = {
    "SIGNATURE_TOO_COMPLEX": "签名笔画过多，请清除后用正常笔迹重新签名",
    "SIGNATURE_INVALID": "签名数据不正确，请清除后重新签名",
}


class SignatureStatsJson(TypedDict):
    points: int
    strokes: int
    extent: float


@dataclass(frozen=True, slots=True)
class SignatureStats:
    """How much was drawn: points, strokes, and the drawing's extent as a share of the pad's
    diagonal (rounded to 4 places)."""

    points: int
    strokes: int
    extent: float

    def to_json(self) -> SignatureStatsJson:
        """The audit event's fields."""
        return {"points": self.points, "strokes": self.strokes, "extent": self.extent}


def signature_stats(strokes: Strokes, width: int, height: int) -> SignatureStats:
    points = [(p["x"], p["y"]) for s in strokes for p in s]
    if not points:
        return SignatureStats(points=0, strokes=0, extent=0.0)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    diagonal = math.hypot(width, height) or 1.0
    extent = math.hypot(max(xs) - min(xs), max(ys) - min(ys)) / diagonal
    return SignatureStats(points=len(points), strokes=len(strokes), extent=round(extent, 4))


def signature_submit(
    *,
    case: RenewalCase,
    strokes: Strokes,
    width: int,
    height: int,
    request: HttpRequest | None,
    png_data_url: str | None = None,
) -> TaskRecord:
    """Step 8: the signature's image is drawn here from the strokes (capped: strokes, points,
    coordinates); a PNG the client sends is checked from its header only and not used."""
    case_require_state(case, [State.AGREEMENTS_READ])
    if not agreements_view(case).all_read:  # a new version was published after reading
        case_transition(
            case_id=case.id,
            target=State.UPDATE_CONFIRMED,
            actor_type=ActorType.SYSTEM,
            actor_id="signing",
            request=request,
            data={"reason": "agreement_version_changed"},
        )
        raise _error(
            "AGREEMENT_VERSION_OUTDATED", "协议已更新，请重新阅读最新版本后再签署", status=409
        )
    try:
        lines = strokes_domain.strokes_check(strokes, width=width, height=height)
    except strokes_domain.StrokesRefused as refused:
        raise _error(refused.code, _REFUSALS[refused.code], **(refused.detail or {})) from None
    stats = signature_stats(strokes, width, height)
    if stats.points == 0:
        raise _error("SIGNATURE_EMPTY", "请先在空白处签名")
    if png_data_url is not None:
        _client_png_check(png_data_url)
    if stats.points < MIN_POINTS or stats.extent < MIN_EXTENT:
        raise _error("SIGNATURE_TOO_SMALL", "签名过小或过于简单，请在空白处写下完整的姓名")
    drawn = strokes_domain.strokes_draw(lines, width=width, height=height)
    if drawn.ink_pixels < MIN_INK_PIXELS:
        raise _error("SIGNATURE_TOO_SMALL", "签名过小或过于简单，请在空白处写下完整的姓名")
    png = drawn.png
    signature = HandSignature.objects.create(
        case=case,
        image_name=save_encrypted("signing/signatures", png, suffix=".png"),
        image_sha256=hashlib.sha256(png).hexdigest(),
        strokes_json=json.dumps(strokes, separators=(",", ":")),
        pad_width=width,
        pad_height=height,
        point_count=stats.points,
        stroke_count=stats.strokes,
        ink_extent=stats.extent,
    )
    audit_customer(
        action="signature.drawn",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"signature": str(signature.id), **stats.to_json()},
    )
    return task_submit(
        name="signing.sign",
        arguments={
            "signature_id": str(signature.id),
            "ip": client_ip(request) if request else "",
            "user_agent": user_agent(request) if request else "",
        },
        owner_customer_id=case.customer_id,
    )


def _readings(case: RenewalCase) -> tuple[ReadingRecord, ...]:
    return tuple(
        ReadingRecord(
            agreement=r.agreement,
            version=r.version,
            content_hash=r.content_hash,
            opened_at=r.opened_at,
            scrolled_to_end_at=r.scrolled_to_end_at,
            seconds=r.seconds,
        )
        for r in AgreementReading.objects.filter(case=case, read_at__isnull=False).order_by(
            "opened_at"
        )
        if r.opened_at is not None
    )


def signing_run(*, signature_id: str, ip: str, user_agent: str) -> SignedJson:
    """Render and sign both agreements with the signature; the case moves to step 9. The
    task's result: the signed documents as ``GET /api/documents`` lists them (JSON)."""
    signature = HandSignature.objects.select_related("case", "case__customer").get(pk=signature_id)
    case = signature.case
    if SignedDocument.objects.filter(signature=signature).exists():
        return documents_view(case).to_json()
    case_require_state(case, [State.AGREEMENTS_READ])
    data = case_data(case)
    png = read_encrypted(signature.image_name)
    now = timezone.now()
    previews = {
        key: services.agreement_preview(agreement=key, case=data) for key in services.AGREEMENTS
    }
    audit = AuditData(
        signer_name=data.customer_name,
        fund_account=data.fund_account,
        case_reference=case.reference,
        signed_at=now,
        ip=ip,
        user_agent=user_agent,
        documents=tuple((p.title, p.version, p.content_hash) for p in previews.values()),
        readings=_readings(case),
    )
    signed = [
        services.agreement_sign(agreement=key, case=data, signature_png=png, audit=audit, now=now)
        for key in services.AGREEMENTS
    ]
    with transaction.atomic():
        for doc in signed:
            SignedDocument.objects.create(
                case=case,
                signature=signature,
                agreement=doc.agreement,
                version=doc.version,
                title=doc.title,
                content_hash=doc.content_hash,
                pdf_name=save_encrypted("signing/pdf", doc.pdf, suffix=".pdf"),
                pdf_sha256=hashlib.sha256(doc.pdf).hexdigest(),
                certificate_serial=doc.certificate.serial,
                certificate_fingerprint=doc.certificate.fingerprint_sha256,
                certificate_not_after=doc.certificate.not_after,
                key_generated_at=doc.certificate.key_generated_at,
            )
        case_transition(
            case_id=case.id,
            target=State.SIGNED,
            actor_type=ActorType.SYSTEM,
            actor_id="signing",
            data={
                "documents": [
                    {
                        "agreement": d.agreement,
                        "version": d.version,
                        "sha256": hashlib.sha256(d.pdf).hexdigest(),
                    }
                    for d in signed
                ],
                # the customer's key was generated for this signing and discarded after it
                "certificates": [d.certificate.serial for d in signed],
            },
        )
    return documents_view(case).to_json()


# --- step 9 and the hand-off to step 10 -----------------------------------------------------


def _latest_documents(case: RenewalCase) -> list[SignedDocument]:
    latest = SignedDocument.objects.filter(case=case).order_by("-signed_at").values("signature")[:1]
    return list(SignedDocument.objects.filter(case=case, signature__in=latest))


class SignedDocumentJson(TypedDict):
    key: str
    title: str
    sha256: str
    signed_at: str
    download_url: str


class SignedJson(TypedDict):
    documents: list[SignedDocumentJson]
    case_state: str


@dataclass(frozen=True, slots=True)
class SignedDocumentView:
    """A signed agreement of the open case (``signed_at`` in local time, ISO 8601)."""

    key: str
    title: str
    sha256: str
    signed_at: str
    download_url: str

    def to_json(self) -> SignedDocumentJson:
        return {
            "key": self.key,
            "title": self.title,
            "sha256": self.sha256,
            "signed_at": self.signed_at,
            "download_url": self.download_url,
        }


@dataclass(frozen=True, slots=True)
class DocumentsView:
    """Step 9: the newest signed documents and the case's state."""

    documents: tuple[SignedDocumentView, ...]
    case_state: str

    def to_json(self) -> SignedJson:
        """As the signing task stores its result."""
        return {"documents": [d.to_json() for d in self.documents], "case_state": self.case_state}


def documents_view(case: RenewalCase) -> DocumentsView:
    case.refresh_from_db()
    docs = _latest_documents(case)
    return DocumentsView(
        documents=tuple(
            SignedDocumentView(
                key=d.agreement,
                title=f"《{d.title}》",
                sha256=d.pdf_sha256,
                signed_at=timezone.localtime(d.signed_at).isoformat(),
                download_url=f"/api/cases/current/documents/{d.agreement}.pdf",
            )
            for d in docs
        ),
        case_state=case.state,
    )


def document_pdf(*, case: RenewalCase, key: str, request: HttpRequest | None) -> bytes:
    doc = next((d for d in _latest_documents(case) if d.agreement == key), None)
    if doc is None:
        raise _error("DOCUMENT_NOT_FOUND", "未找到该文件，请返回重试", status=404)
    audit_customer(
        action="document.downloaded",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"agreement": key, "sha256": doc.pdf_sha256},
    )
    return read_encrypted(doc.pdf_name)


def case_submit(*, case: RenewalCase, request: HttpRequest | None) -> RenewalCase:
    """提交 (step 9 → 10): the case is frozen and waits for review."""
    case_require_state(case, [State.SIGNED])
    identity_require_clear(case)  # a definite public-security refusal: branch only
    with transaction.atomic():
        submitted = case_transition(
            case_id=case.id,
            target=State.SUBMITTED,
            actor_type=ActorType.CUSTOMER,
            actor_id=str(case.customer_id),
            request=request,
        )
        # The queue entry, the automatic checks and the 已受理 SMS (via the outbox), or,
        # with straight-through processing on and every check passed, the approval.
        decider().on_submitted(case=submitted, request=request)
    submitted.refresh_from_db()
    return submitted
