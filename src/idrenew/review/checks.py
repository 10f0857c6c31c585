"""The automatic checks a submitted case is shown with, and the straight-through rule.

Each check says what was measured, what was needed and whether it passed, so the reviewer
(and, for an automatic approval, the auditor) reads the same evidence the rule used.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings

from idrenew.cases.models import RenewalCase
from idrenew.customers.constants import RENEWAL_ALLOWED
from idrenew.face.models import FaceAttempt
from idrenew.idcard.models import CardReading
from idrenew.idcard.selectors import card_confirmed_of
from idrenew.lib.files import read_encrypted
from idrenew.signing.models import SignedDocument

logger = logging.getLogger(__name__)
RULE_SET_VERSION = "stp-2026-11"


class CheckJson(TypedDict):
    code: str
    label: str
    ok: bool
    value: str
    need: str


class RuleSetJson(TypedDict):
    version: str
    face_margin: float
    ocr_confidence: float
    face_threshold: float


class CaseChecksJson(TypedDict):
    """``CaseReview.checks`` as stored (JSON)."""

    rule_set: RuleSetJson
    checks: list[CheckJson]
    passed: bool
    edited: list[str]


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    label: str
    ok: bool
    value: str
    need: str

    def as_json(self) -> CheckJson:
        return CheckJson(
            code=self.code, label=self.label, ok=self.ok, value=self.value, need=self.need
        )


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The straight-through rule's parameters, stored with an automatic approval."""

    version: str
    face_margin: float
    ocr_confidence: float
    face_threshold: float

    def as_json(self) -> RuleSetJson:
        return RuleSetJson(
            version=self.version,
            face_margin=self.face_margin,
            ocr_confidence=self.ocr_confidence,
            face_threshold=self.face_threshold,
        )


@dataclass(frozen=True, slots=True)
class CaseChecks:
    rule_set: RuleSet
    checks: tuple[Check, ...]
    passed: bool
    edited: tuple[str, ...]

    def as_json(self) -> CaseChecksJson:
        """As stored on the review record."""
        return CaseChecksJson(
            rule_set=self.rule_set.as_json(),
            checks=[c.as_json() for c in self.checks],
            passed=self.passed,
            edited=list(self.edited),
        )


def rule_set() -> RuleSet:
    return RuleSet(
        version=RULE_SET_VERSION,
        face_margin=settings.IDRENEW_STP_MIN_FACE_MARGIN,
        ocr_confidence=settings.IDRENEW_STP_MIN_OCR_CONFIDENCE,
        face_threshold=settings.IDRENEW_FACE_MATCH_THRESHOLD,
    )


def _liveness(case: RenewalCase) -> Check:
    attempt = (
        FaceAttempt.objects.filter(case=case, status=FaceAttempt.Status.PASSED)
        .order_by("-created_at")
        .first()
    )
    if attempt is None:
        return Check("LIVENESS", "活体检测", False, "无通过记录", "通过")
    value = "通过（动作：" + "、".join(str(a) for a in attempt.actions) + "）"
    return Check("LIVENESS", "活体检测", True, value, "通过")


def _spoof(case: RenewalCase) -> Check | None:
    """Passive anti-spoofing (advisory): never a refusal, but straight-through approval
    needs it to say live when a detector is configured (face/domain/spoof.py)."""
    from idrenew.face.domain.spoof import NoSpoofDetector
    from idrenew.face.engines import spoof_detector

    if isinstance(spoof_detector(), NoSpoofDetector):
        return None
    attempt = (
        FaceAttempt.objects.filter(case=case, status=FaceAttempt.Status.PASSED)
        .order_by("-created_at")
        .first()
    )
    label = "静默活体（翻拍/屏幕）"
    if attempt is None or attempt.spoof_attack is None or attempt.spoof_score is None:
        return Check("SPOOF", label, False, "未检测", "判定为真人")
    value = f"{attempt.spoof_score:.3f}" + ("（疑似翻拍/屏幕）" if attempt.spoof_attack else "")
    need = "判定为真人"
    if attempt.spoof_threshold is not None:
        need = f"判定为真人（阈值 {attempt.spoof_threshold:.2f}）"
    return Check("SPOOF", label, not attempt.spoof_attack, value, need)


def _face_card(reading: CardReading | None, margin: float) -> Check:
    label = "人脸与证件人像比对"
    if reading is None or reading.face_similarity is None or reading.face_threshold is None:
        return Check("FACE_CARD", label, False, "未比对", "≥ 阈值 + 余量")
    need = reading.face_threshold + margin
    return Check(
        "FACE_CARD",
        label,
        reading.face_similarity >= need,
        f"{reading.face_similarity:.3f}",
        f"≥ {need:.3f}",
    )


def _face_reference(case: RenewalCase, margin: float) -> Check | None:
    attempt = (
        FaceAttempt.objects.filter(case=case, status=FaceAttempt.Status.PASSED)
        .exclude(reference_similarity=None)
        .order_by("-created_at")
        .first()
    )
    if attempt is None or attempt.reference_threshold is None:
        return None  # no reference photo on file: nothing to compare
    need = attempt.reference_threshold + margin
    assert attempt.reference_similarity is not None
    return Check(
        "FACE_REFERENCE",
        "人脸与开户留档比对",
        attempt.reference_similarity >= need,
        f"{attempt.reference_similarity:.3f}",
        f"≥ {need:.3f}",
    )


def _identity(case: RenewalCase) -> list[Check]:
    """The public-security checks (face/identity.py): required, and positive, whenever a
    verifier is configured; the reviewer reads the outcome, score, vendor code, request id
    and, after an outage, that the retries ran out."""
    from idrenew.face.identity import verifier_configured
    from idrenew.face.identity_services import identity_latest, identity_summary
    from idrenew.face.models import IdentityVerification

    if not verifier_configured():
        return []
    checks = []
    for kind, code in (
        (IdentityVerification.Kind.PORTRAIT, "IDENTITY_PORTRAIT"),
        (IdentityVerification.Kind.RECORD, "IDENTITY_RECORD"),
    ):
        row = identity_latest(case, kind)
        ok = row is not None and row.outcome == "match"
        checks.append(Check(code, str(kind.label), ok, identity_summary(row), "一致"))
    return checks


def _card_quality(reading: CardReading | None) -> Check:
    if reading is None:
        return Check("CARD_WARNINGS", "证件照片质量", False, "无识别结果", "无提示")
    codes: list[str] = []
    for upload in (reading.front, reading.back):
        codes += [str(w.get("code")) for w in upload.warnings]
    codes += [str(c) for c in reading.review_flags]
    value = "、".join(sorted(set(codes))) or "无"
    return Check("CARD_WARNINGS", "证件照片质量与规则提示", not codes, value, "无")


def _ocr_confidence(reading: CardReading | None, need: float) -> Check:
    if reading is None:
        return Check("OCR_CONFIDENCE", "识别置信度", False, "无", f"≥ {need:.2f}")
    values: list[float] = []
    for upload in (reading.front, reading.back):
        values += [float(v) for v in upload.confidence.values()]
    low = min(values) if values else 0.0
    return Check(
        "OCR_CONFIDENCE", "识别置信度（最低字段）", low >= need, f"{low:.3f}", f"≥ {need:.2f}"
    )


def edited_fields(reading: CardReading | None) -> list[str]:
    """The fields the customer changed from what was read (long-term counts as valid_to)."""
    return [] if reading is None else list(card_confirmed_of(reading).edited)


def _address_on_file(case: RenewalCase, reading: CardReading | None) -> Check:
    """The new address equals the one on file: an OCR misread the customer did not notice
    would otherwise reach the record unseen, so an address change always goes to a person."""
    label = "证件地址与留档一致"
    if reading is None:
        return Check("ADDRESS_ON_FILE", label, False, "无识别结果", "一致")
    new = card_confirmed_of(reading).address
    same = "".join(new.split()) == "".join(str(case.customer.address).split())
    return Check("ADDRESS_ON_FILE", label, same, "一致" if same else "已变更", "一致")


def _no_edits(reading: CardReading | None) -> Check:
    labels = {"valid_from": "有效期起", "valid_to": "有效期止", "address": "地址"}
    changed = edited_fields(reading)
    value = "、".join(labels[k] for k in changed) or "无"
    return Check("NO_EDITS", "客户修改识别结果", not changed, value, "无")


def _documents(case: RenewalCase) -> Check:
    latest = SignedDocument.objects.filter(case=case).order_by("-signed_at").first()
    # After a redo of step 8 only the newest signature's documents count.
    docs = (
        list(SignedDocument.objects.filter(case=case, signature_id=latest.signature_id))
        if latest
        else []
    )
    intact = 0
    for doc in docs:
        try:
            data = read_encrypted(doc.pdf_name)
        except Exception:  # a missing or undecryptable file fails the check
            logger.warning("signed document %s of case %s unreadable", doc.pk, case.pk)
            continue
        intact += hashlib.sha256(data).hexdigest() == doc.pdf_sha256
    ok = len(docs) >= 2 and intact == len(docs)
    return Check(
        "SIGNED_DOCUMENTS", "已签署协议文件", ok, f"{intact}/{len(docs)} 份完整", "2 份完整"
    )


def _account(case: RenewalCase) -> Check:
    status = case.customer.status
    return Check(
        "ACCOUNT_STATUS",
        "账户状态",
        status in RENEWAL_ALLOWED,
        case.customer.get_status_display(),
        "正常或受限",
    )


def case_checks(case: RenewalCase) -> CaseChecks:
    """All checks (stored on the review record as ``as_json()``)."""
    rules = rule_set()
    reading = CardReading.objects.filter(case=case).select_related("front", "back").first()
    checks = [
        _liveness(case),
        _spoof(case),
        _face_card(reading, rules.face_margin),
        _face_reference(case, rules.face_margin),
        *_identity(case),
        _card_quality(reading),
        _ocr_confidence(reading, rules.ocr_confidence),
        _no_edits(reading),
        _address_on_file(case, reading),
        _documents(case),
        _account(case),
    ]
    items = tuple(c for c in checks if c is not None)
    return CaseChecks(
        rule_set=rules,
        checks=items,
        passed=all(c.ok for c in items),
        edited=tuple(edited_fields(reading)),
    )
