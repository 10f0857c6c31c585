"""The back office's case page as typed values: labels, URLs and masking decided here.

``review.selectors`` reads the models; this module turns them into what the page shows
(``admin/review/case_page.html`` reads :class:`CasePage`'s attributes) and what the staff API
maps to its schemas (``review.api_staff``). Everything personal that reaches a page passes
through here, so the masking rules live in one place: ID numbers are shown as first 6 + last 4
(``mask_id_number``); free text written by staff or returned by a remote system is scrubbed of
anything shaped like an ID number (``scrub``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from idrenew.cases.domain.states import LABELS, STEPS, State
from idrenew.cases.models import RenewalCase
from idrenew.core import access
from idrenew.customers.selectors import (
    renewal_evidence_ref,
    renewal_lifted,
    renewal_restriction_plan,
    restriction_label,
)
from idrenew.face.domain.types import FAILURE_MESSAGES, PROMPTS
from idrenew.face.models import FaceAttempt
from idrenew.idcard.domain.types import card_date
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.idcard.services import message_of
from idrenew.lib.masking import mask_id_number, scrub
from idrenew.review import selectors
from idrenew.review.checks import edited_fields
from idrenew.review.models import CaseReview, Decision, DecisionKind, RejectReason
from idrenew.review.services import RETURNABLE_STEPS
from idrenew.signing.models import SignedDocument

ACTION_LABELS = {
    "case.started": "客户开始办理",
    "case.face_passed": "人脸识别通过",
    "case.idcard_read": "身份证识别完成",
    "case.identity_confirmed": "客户确认身份信息",
    "case.update_confirmed": "客户确认更新信息",
    "case.agreements_read": "客户阅读协议",
    "case.signed": "客户签署协议",
    "case.submitted": "客户提交申请",
    "case.returned": "退回补充",
    "case.approved": "审核通过",
    "case.rejected": "驳回（未通过）",
    "case.cancelled": "已取消",
    "case.expired": "已过期",
    "review.claimed": "领取审核",
    "review.released": "放弃领取",
    "review.recommended": "初审通过（待复核）",
    "review.checks_refreshed": "自动检查更新",
    "staff.viewed_case": "查看申请",
    "staff.unmasked_id_number": "查看完整证件号码",
    "staff.viewed_card_image": "查看证件照片",
    "staff.viewed_face_image": "查看人脸最佳帧",
    "staff.viewed_signature_image": "查看手写签名",
    "staff.viewed_signed_document": "查看已签署协议",
    "staff.viewed_card_reading": "查看证件识别结果",
    "staff.viewed_face_attempt": "查看人脸识别记录",
    "staff.viewed_decision": "查看审核决定",
    "face.consented": "客户同意人脸识别",
    "identity.checked": "公安身份核验",
    "face.declined": "客户拒绝人脸识别",
    "face.challenge_issued": "下发活体动作",
    "face.clip_uploaded": "上传活体视频",
    "face.analyzed": "活体分析完成",
    "idcard.uploaded": "上传身份证照片",
    "idcard.read": "身份证识别",
    "idcard.refused": "身份证未通过规则检查",
    "agreement.opened": "打开协议",
    "agreement.scrolled_to_end": "协议阅读至文末",
    "agreement.read": "确认已阅读协议",
    "staff.outbox_retried": "重新投递",
    "signature.drawn": "手写签名",
    "document.downloaded": "客户下载协议",
}


# Codes the card step leaves for the reviewer whose customer-facing text does not fit staff.
FLAG_LABELS = {
    "FACE_CARD_UNCHECKED": "未能比对证件人像与现场人脸（请人工核对人像）",
    "FACE_CARD_MISMATCH": "证件人像与现场人脸比对未通过（客户选择继续办理）",
    "IDCARD_ADDRESS_CHAIN_BROKEN": (
        "住址的省、市、县（区）未能与行政区划表衔接：可能有字被反光遮挡或漏识别，请对照证件照片核对住址"
    ),
}


def flag_message(code: str) -> str:
    if code in FLAG_LABELS:
        return FLAG_LABELS[code]
    generic = message_of("")
    text = message_of(code)
    return "需人工核对" if text == generic else text


# --- the queue's columns -----------------------------------------------------------------


def checks_summary(review: CaseReview | None) -> str:
    if review is None or not review.checks:
        return "—"
    if review.checks_passed:
        return "全部通过"
    return f"{selectors.failing_checks(review)} 项需关注"


def claim_text(review: CaseReview | None, now: datetime | None = None) -> str:
    holder = selectors.claim_holder(review, now)
    if holder is None or review is None or review.claim_expires_at is None:
        return "未领取"
    until = timezone.localtime(review.claim_expires_at).strftime("%H:%M")
    return f"{holder.get_username()}（至 {until}）"


def four_eyes_text(review: CaseReview | None) -> str:
    if review is None or review.recommended_by_id is None:
        return ""
    who = review.recommended_by.get_username() if review.recommended_by else "—"
    return f"待复核（初审：{who}）"


# --- the rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    label: str
    record: str
    read: str
    submitted: str
    edited: bool = False
    mismatch: bool = False  # record and card disagree where they must agree (name, number)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    label: str
    url: str
    original_url: str = ""


@dataclass(frozen=True, slots=True)
class SignatureRow:
    signer: str
    intact: bool | None
    trusted: bool | None
    revoked: bool | None
    timestamp: str


@dataclass(frozen=True, slots=True)
class DocumentStatus:
    title: str
    version: str
    signed_at: datetime
    sha256: str
    certificate_serial: str
    url: str  # the PDF, "" for staff not allowed it (it carries the full ID number)
    intact: bool
    valid: bool
    summary: str
    signatures: tuple[SignatureRow, ...] = ()


@dataclass(frozen=True, slots=True)
class WarningRow:
    source: str
    code: str
    message: str
    blocking: str


@dataclass(frozen=True, slots=True)
class AttemptRow:
    at: datetime
    status: str
    passed: bool
    actions: str
    failures: str
    reference: str
    reference_ok: bool | None
    spoof: str
    spoof_flagged: bool | None  # the operating point's flag; None: not checked
    frames: int
    deleted: bool


@dataclass(frozen=True, slots=True)
class FaceCard:
    """The card portrait against the live face."""

    checked: bool
    similarity: float | None
    threshold: float | None
    passed: bool | None


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One stored automatic check (``CaseReview.checks``)."""

    code: str
    label: str
    ok: bool
    value: str
    need: str


@dataclass(frozen=True, slots=True)
class DecisionRow:
    kind: str  # the label
    kind_code: str
    reasons: tuple[str, ...]
    steps: tuple[str, ...]
    note: str
    by: str
    at: datetime
    rule_set: str  # the straight-through rule's version, "" for a person's decision


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    action: str
    label: str
    actor: str
    ip: str


@dataclass(frozen=True, slots=True)
class Restrictions:
    """The account's trading restrictions as the approval affects them."""

    approved: bool
    lifted: tuple[str, ...]
    pending: bool  # approved, the counter not updated yet
    staying: tuple[str, ...]
    restores_trading: bool


@dataclass(frozen=True, slots=True)
class CasePage:
    """Everything the case page shows."""

    case: RenewalCase
    state_label: str
    waiting: bool
    sla_hours: float | None
    sla_limit: int
    overdue: bool
    review: CaseReview | None
    claim_holder: Any  # the staff user holding an unexpired claim
    claimed_by_me: bool
    claim_until: datetime | None
    claim_minutes: int
    four_eyes: bool
    four_eyes_text: str
    restrictions: Restrictions | None
    comparison: tuple[ComparisonRow, ...]
    edited: tuple[str, ...]
    images: tuple[Image, ...]
    face_card: FaceCard | None
    attempts: tuple[AttemptRow, ...]
    warnings: tuple[WarningRow, ...]
    checks: tuple[CheckRow, ...]
    checks_passed: bool
    rule_version: str
    documents: tuple[DocumentStatus, ...]
    decisions: tuple[DecisionRow, ...]
    audit_trail: tuple[AuditRow, ...]
    can_review: bool
    can_unmask: bool
    approve_label: str
    approve_note: str
    reject_reasons: tuple[tuple[str, str], ...]
    return_steps: tuple[tuple[int, str], ...]
    decision_kinds: type[DecisionKind]


# --- the comparison ----------------------------------------------------------------------


def _date_text(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if value == "长期":
        return "长期"
    parsed = card_date(value)
    return parsed.isoformat() if parsed else str(value)


def _valid_to_text(values: dict[str, Any]) -> str:
    if values.get("long_term") is True or values.get("valid_to") == "长期":
        return "长期"
    return _date_text(values.get("valid_to"))


def comparison(case: RenewalCase, reading: CardReading | None) -> tuple[ComparisonRow, ...]:
    """The record on file beside the card as read and as the customer submitted it."""
    customer = case.customer
    ocr = reading.ocr if reading else {}
    edits = reading.edits if reading else {}
    edited = set(edited_fields(reading))
    record_to = "长期" if customer.id_long_term else _date_text(customer.id_valid_to)
    read_number = str(ocr.get("id_number") or "")
    return (
        ComparisonRow(
            "姓名",
            customer.name,
            str(ocr.get("name") or "—"),
            "",
            mismatch=bool(ocr.get("name")) and ocr.get("name") != customer.name,
        ),
        ComparisonRow(
            "公民身份号码",
            customer.id_number_masked,
            mask_id_number(read_number) or "—",
            "",
            mismatch=bool(read_number) and read_number.upper() != customer.id_number.upper(),
            note=(
                "与留档一致"
                if read_number and read_number.upper() == customer.id_number.upper()
                else ""
            ),
        ),
        ComparisonRow("性别", "", str(ocr.get("sex") or "—"), ""),
        ComparisonRow("民族", "", str(ocr.get("ethnicity") or "—"), ""),
        ComparisonRow("出生", "", _date_text(ocr.get("birth_date")), ""),
        ComparisonRow("签发机关", "", str(ocr.get("issuer") or "—"), ""),
        ComparisonRow(
            "有效期起",
            _date_text(customer.id_valid_from),
            _date_text(ocr.get("valid_from")),
            _date_text(edits.get("valid_from")) if "valid_from" in edits else "—",
            edited="valid_from" in edited,
        ),
        ComparisonRow(
            "有效期止",
            record_to,
            _valid_to_text(ocr),
            _valid_to_text(edits) if edits else "—",
            edited="valid_to" in edited,
        ),
        ComparisonRow(
            "住址",
            customer.address or "—",
            str(ocr.get("address") or "—"),
            str(edits.get("address") or "—") if edits else "—",
            edited="address" in edited,
        ),
    )


# --- evidence ------------------------------------------------------------------------------


def _upload_images(upload: CardUpload | None, side: str) -> list[Image]:
    if upload is None:
        return []
    original = reverse("admin:idcard_cardupload_image", args=[upload.pk, "photo"])
    images = []
    if upload.card_name:
        url = reverse("admin:idcard_cardupload_image", args=[upload.pk, "card"])
        images.append(Image(f"{side}（矫正后）", url, original))
    elif upload.image_name:
        images.append(Image(f"{side}（原图）", original))
    if upload.portrait_name:
        url = reverse("admin:idcard_cardupload_image", args=[upload.pk, "portrait"])
        images.append(Image("证件人像", url))
    return images


def images(reading: CardReading | None, best: FaceAttempt | None) -> tuple[Image, ...]:
    """The card photos (through the audited admin endpoints) and the live face's best frame."""
    out = _upload_images(reading.front if reading else None, "人像面")
    out += _upload_images(reading.back if reading else None, "国徽面")
    if best is not None:
        out.append(
            Image("活体检测最佳帧", reverse("admin:face_faceattempt_best_frame", args=[best.pk]))
        )
    return tuple(out)


def warnings(reading: CardReading | None) -> tuple[WarningRow, ...]:
    if reading is None:
        return ()
    out = []
    for upload in (reading.front, reading.back):
        for w in upload.warnings:
            code = str(w.get("code"))
            out.append(
                WarningRow(
                    source=f"{upload.get_side_display()}照片",
                    code=code,
                    message=flag_message(code),
                    blocking="需重拍" if w.get("blocking") else "提示审核",
                )
            )
    for code in reading.review_flags:
        out.append(
            WarningRow(
                source="识别规则",
                code=str(code),
                message=flag_message(str(code)),
                blocking="提示审核",
            )
        )
    return tuple(out)


def attempt_row(attempt: FaceAttempt) -> AttemptRow:
    actions = []
    for a in attempt.actions:
        if isinstance(a, dict):
            name = str(a.get("action", ""))
            verdict = "通过" if a.get("passed") else "未通过"
            actions.append(f"{PROMPTS.get(name, name)}：{verdict}")
        else:
            actions.append(PROMPTS.get(str(a), str(a)))
    reference = "无开户留档照，未比对"
    reference_ok = None
    if attempt.reference_similarity is not None and attempt.reference_threshold is not None:
        reference_ok = attempt.reference_similarity >= attempt.reference_threshold
        reference = f"{attempt.reference_similarity:.3f}（阈值 {attempt.reference_threshold:.2f}）"
    spoof = attempt.spoof_note
    if attempt.spoof_score is not None:
        spoof = f"{attempt.spoof_score:.3f}（{attempt.spoof_note}）"
    return AttemptRow(
        at=attempt.created_at,
        status=attempt.get_status_display(),
        passed=attempt.status == FaceAttempt.Status.PASSED,
        actions="；".join(actions) or "—",
        failures="；".join(f"{c} {FAILURE_MESSAGES.get(c, '')}" for c in attempt.failures),
        reference=reference,
        reference_ok=reference_ok,
        spoof=spoof,
        spoof_flagged=attempt.spoof_attack,
        frames=attempt.frame_count,
        deleted=attempt.biometrics_deleted_at is not None,
    )


def face_card(reading: CardReading | None) -> FaceCard | None:
    if reading is None:
        return None
    return FaceCard(
        checked=reading.face_checked and reading.face_similarity is not None,
        similarity=reading.face_similarity,
        threshold=reading.face_threshold,
        passed=reading.face_passed,
    )


def check_rows(review: CaseReview | None) -> tuple[CheckRow, ...]:
    checks = review.checks if review else {}
    return tuple(
        CheckRow(
            code=str(c.get("code", "")),
            label=str(c.get("label", "")),
            ok=bool(c.get("ok")),
            value=str(c.get("value", "")),
            need=str(c.get("need", "")),
        )
        for c in checks.get("checks", [])
    )


def _summary(verified: selectors.Verification) -> str:
    if not verified.reported:
        return "文件缺失或无法验签"
    if not verified.intact:
        return "文件摘要与签署时不一致"
    return "签名有效" if verified.valid else "签名无效"


def document_status(doc: SignedDocument, *, can_download: bool) -> DocumentStatus:
    verified = selectors.verification(doc)
    return DocumentStatus(
        title=doc.title,
        version=doc.version,
        signed_at=doc.signed_at,
        sha256=doc.pdf_sha256,
        certificate_serial=doc.certificate_serial,
        url=reverse("admin:signing_signeddocument_pdf", args=[doc.pk]) if can_download else "",
        intact=verified.intact,
        valid=verified.valid,
        summary=_summary(verified),
        signatures=tuple(
            SignatureRow(
                signer=s.signer,
                intact=s.intact,
                trusted=s.trusted,
                revoked=s.revoked,
                timestamp=s.timestamp or "—",
            )
            for s in verified.signatures
        ),
    )


def documents(case: RenewalCase, *, can_download: bool = False) -> tuple[DocumentStatus, ...]:
    """The case's signed documents with their verification summary; the download link only
    for staff allowed the PDF itself (it carries the full ID number: ``core.access``)."""
    return tuple(
        document_status(doc, can_download=can_download) for doc in selectors.signed_documents(case)
    )


def decision_row(d: Decision) -> DecisionRow:
    return DecisionRow(
        kind=d.get_kind_display(),
        kind_code=d.kind,
        reasons=tuple(d.reason_labels),
        steps=tuple(STEPS[n - 1].title for n in d.steps if 1 <= n <= len(STEPS)),
        note=scrub(d.note),
        by=d.decided_by.get_username() if d.decided_by else "系统",
        at=d.decided_at,
        rule_set=d.rule_set.get("version", "") if d.rule_set else "",
    )


def decisions(case: RenewalCase) -> tuple[DecisionRow, ...]:
    return tuple(decision_row(d) for d in selectors.case_decisions(case))


def audit_trail(case: RenewalCase, limit: int = 500) -> tuple[AuditRow, ...]:
    history = selectors.audit_history(case, limit)
    rows = []
    for e in history.events:
        actor = e.get_actor_type_display()
        if e.actor_type == "staff" and e.actor_id.isdigit():
            actor = f"{actor} {history.staff_names.get(int(e.actor_id), e.actor_id)}"
        rows.append(
            AuditRow(
                at=e.at,
                action=e.action,
                label=ACTION_LABELS.get(e.action, ""),
                actor=actor,
                ip=e.ip,
            )
        )
    return tuple(rows)


def restrictions(case: RenewalCase) -> Restrictions | None:
    """The account's trading restrictions as the approval affects them: before the decision,
    which the approval will lift (证件过期限制) and which stay; after it, what it lifted."""
    customer = case.customer
    plan = renewal_restriction_plan(customer)
    lifted: list[str] = plan.lifted_labels
    approved = case.state == State.APPROVED
    if approved:
        done = renewal_lifted(customer, evidence_ref=renewal_evidence_ref(case.reference))
        lifted = [restriction_label(c) for c in done] + plan.lifted_labels
    if not lifted and not plan.staying:
        return None
    return Restrictions(
        approved=approved,
        lifted=tuple(lifted),
        pending=approved and bool(plan.lifted),
        staying=tuple(plan.staying_labels),
        restores_trading=bool(lifted) and not plan.staying,
    )


# --- the page ------------------------------------------------------------------------------


def _approve_action(review: CaseReview, user: Any) -> tuple[str, str]:
    """(button label, or "" if this user cannot approve; the reason shown instead)."""
    if settings.IDRENEW_REVIEW_FOUR_EYES:
        if review.recommended_by_id is None:
            return "初审通过（提交复核）", ""
        if review.recommended_by_id == user.pk:
            return "", "双人复核：需由另一位审批员复核通过"
        if not user.has_perm("review.approve_case"):
            return "", "初审已通过，等待审批员复核"
        return "复核通过", ""
    if not user.has_perm("review.approve_case"):
        return "", "最终通过需由审批员办理"
    return "通过", ""


def case_page(case: RenewalCase, user: Any, now: datetime | None = None) -> CasePage:
    """Everything the case page shows (``case`` with its customer loaded)."""
    now = now or timezone.now()
    review = selectors.case_review(case)
    reading = selectors.card_reading(case)
    attempts = selectors.face_attempts(case)
    hours = selectors.sla_hours(case, now)
    holder = selectors.claim_holder(review, now)
    waiting = case.state == State.SUBMITTED and review is not None
    can_review = bool(user.has_perm("review.review_case")) and waiting
    approve_label, approve_note = ("", "")
    if can_review and review is not None:
        approve_label, approve_note = _approve_action(review, user)
    rule_set = (review.checks if review else {}).get("rule_set") or {}
    return CasePage(
        case=case,
        state_label=LABELS[State(case.state)],
        waiting=waiting,
        sla_hours=hours,
        sla_limit=settings.IDRENEW_REVIEW_SLA_HOURS,
        overdue=selectors.is_overdue(hours),
        review=review,
        claim_holder=holder,
        claimed_by_me=holder is not None and holder.pk == user.pk,
        claim_until=review.claim_expires_at if holder is not None and review else None,
        claim_minutes=settings.IDRENEW_REVIEW_CLAIM_MINUTES,
        four_eyes=settings.IDRENEW_REVIEW_FOUR_EYES,
        four_eyes_text=four_eyes_text(review),
        restrictions=restrictions(case),
        comparison=comparison(case, reading),
        edited=tuple(edited_fields(reading)),
        images=images(reading, selectors.best_frame_attempt(attempts)),
        face_card=face_card(reading),
        attempts=tuple(attempt_row(a) for a in attempts),
        warnings=warnings(reading),
        checks=check_rows(review),
        checks_passed=bool(review and review.checks_passed),
        rule_version=rule_set.get("version", ""),
        documents=documents(case, can_download=access.can_download_signed_pdf(user)),
        decisions=decisions(case),
        audit_trail=audit_trail(case),
        can_review=can_review,
        can_unmask=access.can_view_full_id(user),
        approve_label=approve_label,
        approve_note=approve_note,
        reject_reasons=tuple((str(c), str(label)) for c, label in RejectReason.choices),
        return_steps=tuple((n, STEPS[n - 1].title) for n in RETURNABLE_STEPS),
        decision_kinds=DecisionKind,
    )
