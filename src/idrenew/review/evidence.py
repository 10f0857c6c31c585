"""A case's full evidence bundle for auditors (ZIP): data, images, signed PDFs, audit trail.

This is the compliance export: it holds the full record (ID number included) and is only
for staff holding ``review.export_evidence`` (or an operator at the server's shell). Every
export is an audit event carrying the SHA-256 of the bundle's manifest.

Layout::

    case.json        the case, the record on file, OCR values and edits, checks, decisions,
                     face scores, agreement readings, signatures, documents (with hashes)
    identity.json    the public-security identity checks (人像比对, 身份信息核验): kind,
                     outcome, the vendor's code and request id, similarity, calls, when;
                     an empty list where no verifier was configured. Never a photo, never
                     the vendor's keys; case.json repeats each as one line (identity_checks)
    audit.json       every audit event of the case, oldest first
    images/...       card photos, rectified cards, portraits, liveness best frames (while
                     kept), signature PNGs
    documents/...    the signed PDFs
    manifest.json    SHA-256 and size of every file above
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from datetime import date, datetime
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType, AuditEvent
from idrenew.audit.services import audit_record
from idrenew.cases.models import RenewalCase
from idrenew.core import access
from idrenew.face.models import FaceAttempt, FaceConsent
from idrenew.face.selectors import identity_results
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.lib.files import read_encrypted
from idrenew.outbox.models import OutboxEvent
from idrenew.review.checks import edited_fields
from idrenew.review.models import CaseReview, Decision
from idrenew.signing.models import AgreementReading, HandSignature, SignedDocument

logger = logging.getLogger(__name__)

EXPORT_PERMISSION = "review.export_evidence"
# Fixed timestamp inside the ZIP: the same files give the same archive entries.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ManifestFile(TypedDict):
    path: str
    sha256: str
    bytes: int


class Manifest(TypedDict):
    """``manifest.json``: SHA-256 and size of every other file of the bundle."""

    case_reference: str
    case_id: str
    generated_at: str | None
    algorithm: str
    files: list[ManifestFile]


class MissingFile(TypedDict):
    what: str
    error: str


class RecordOnFile(TypedDict):
    as_of: str | None
    updated_at: str | None
    changed_since_decision: bool | None
    customer_id: int
    name: str
    id_type: str
    id_number: str
    id_valid_from: str | None
    id_valid_to: str | None
    id_long_term: bool
    address: str
    fund_account: str
    trading_account: str
    mobile_masked: str
    status: str


class FaceEvidence(TypedDict):
    consents: list[dict[str, Any]]
    attempts: list[dict[str, Any]]


class IdentityEvidence(TypedDict):
    """``identity.json``: one public-security check (face/selectors.IdentityResult)."""

    id: str
    kind: str
    kind_label: str
    vendor: str
    status: str
    pending: bool
    outcome: str
    outcome_label: str
    vendor_code: str
    request_id: str
    similarity: float | None
    note: str
    valid_from_asked: str | None
    valid_to_asked: str | None
    attempts: int
    face_attempt_id: str | None
    created_at: str | None
    checked_at: str | None
    summary: str


class ReadingEvidence(TypedDict):
    ocr: dict[str, Any]
    edits: dict[str, Any]
    edited_fields: list[str]
    face_similarity: float | None
    face_threshold: float | None
    face_checked: bool
    review_flags: list[str]
    read_at: str | None
    identity_confirmed_at: str | None
    update_confirmed_at: str | None


class DecisionEvidence(TypedDict):
    id: str
    kind: str
    label: str
    reasons: list[str]
    reason_labels: list[str]
    note: str
    steps: list[int]
    decided_by: str | None
    decided_by_id: int | None
    rule_set: dict[str, Any]
    record_before: dict[str, Any]
    decided_at: str


class ReviewEvidence(TypedDict):
    checks: dict[str, Any]
    checks_passed: bool
    submissions: int
    recommended_by: str | None
    recommended_at: str | None


class RecordUpdate(TypedDict):
    values: Any
    status: str
    delivered_at: str | None


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ext(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return "bin"


def _username(user: Any) -> str | None:
    return None if user is None else str(user.get_username())


class _Bundle:
    """Collects the files, reading each stored (encrypted) file once."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.missing: list[MissingFile] = []

    def add_stored(self, path_without_ext: str, storage_name: str, what: str) -> str | None:
        """Decrypt a stored file into the bundle; returns its path there (None if missing)."""
        if not storage_name:
            return None
        try:
            data = read_encrypted(storage_name)
        except Exception as exc:  # a missing or undecryptable file is reported, not fatal
            logger.warning("evidence: %s unreadable (%s)", what, type(exc).__name__)
            self.missing.append(MissingFile(what=what, error=type(exc).__name__))
            return None
        path = f"{path_without_ext}.{_ext(data)}"
        self.files[path] = data
        return path

    def add_json(self, path: str, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False, default=str)
        self.files[path] = text.encode("utf-8")


def _record_on_file(case: RenewalCase, decided_at: datetime | None) -> RecordOnFile:
    customer = case.customer
    return {
        "as_of": _iso(timezone.now()),
        "updated_at": _iso(customer.updated_at),
        # The record as it is now; each decision keeps the record as it was when it was
        # taken ("decisions"[].record_before) and the update applied is under "record_update".
        "changed_since_decision": (
            None if decided_at is None else bool(customer.updated_at > decided_at)
        ),
        "customer_id": customer.pk,
        "name": customer.name,
        "id_type": customer.id_type,
        "id_number": customer.id_number,
        "id_valid_from": _iso(customer.id_valid_from),
        "id_valid_to": _iso(customer.id_valid_to),
        "id_long_term": customer.id_long_term,
        "address": customer.address,
        "fund_account": customer.fund_account,
        "trading_account": customer.trading_account,
        "mobile_masked": customer.mobile_masked,
        "status": customer.status,
    }


def _uploads(case: RenewalCase, reading: CardReading | None, bundle: _Bundle) -> list[Any]:
    used = {reading.front_id, reading.back_id} if reading else set()
    out = []
    for n, upload in enumerate(CardUpload.objects.filter(case=case).order_by("created_at"), 1):
        base = f"images/card/{n:02d}-{upload.side}"
        out.append(
            {
                "id": str(upload.id),
                "side": upload.side,
                "status": upload.status,
                "used_in_reading": upload.id in used,
                "created_at": _iso(upload.created_at),
                "analyzed_at": _iso(upload.analyzed_at),
                "detected_side": upload.detected_side,
                "ocr_fields": upload.fields,
                "confidence": upload.confidence,
                "warnings": upload.warnings,
                "image_sha256_recorded": upload.image_sha256,
                "photo": bundle.add_stored(f"{base}-photo", upload.image_name, f"card photo {n}"),
                "rectified": bundle.add_stored(
                    f"{base}-rectified", upload.card_name, f"rectified card {n}"
                ),
                "portrait": bundle.add_stored(
                    f"{base}-portrait", upload.portrait_name, f"card portrait {n}"
                ),
                "portrait_deleted": not upload.portrait_name and upload.side == "front",
            }
        )
    return out


def _face(case: RenewalCase, bundle: _Bundle) -> FaceEvidence:
    consents = [
        {
            "notice_version": c.notice_version,
            "notice_digest": c.notice_digest,
            "consented_at": _iso(c.consented_at),
            "ip": c.ip,
            "user_agent": c.user_agent,
        }
        for c in FaceConsent.objects.filter(case=case).order_by("consented_at")
    ]
    attempts = []
    for n, a in enumerate(FaceAttempt.objects.filter(case=case).order_by("created_at"), 1):
        attempts.append(
            {
                "id": str(a.id),
                "status": a.status,
                "actions": a.actions,
                "failures": a.failures,
                "frame_count": a.frame_count,
                "face_ratio": a.face_ratio,
                "reference_similarity": a.reference_similarity,
                "reference_threshold": a.reference_threshold,
                "spoof_score": a.spoof_score,
                "spoof_note": a.spoof_note,
                "analysis_seconds": a.analysis_seconds,
                "created_at": _iso(a.created_at),
                "analyzed_at": _iso(a.analyzed_at),
                "biometrics_deleted_at": _iso(a.biometrics_deleted_at),
                "best_frame": bundle.add_stored(
                    f"images/face/{n:02d}-best-frame", a.best_frame_name, f"best frame {n}"
                ),
            }
        )
    return {"consents": consents, "attempts": attempts}


def _identity(case: RenewalCase) -> list[IdentityEvidence]:
    record = "record"
    return [
        {
            "id": str(r.id),
            "kind": r.kind,
            "kind_label": r.kind_label,
            "vendor": r.vendor,
            "status": r.status,
            "pending": r.pending,
            "outcome": r.outcome,
            "outcome_label": r.outcome_label,
            "vendor_code": r.vendor_code,
            "request_id": r.vendor_reference,
            "similarity": r.score,
            "note": r.note,
            # The validity put to the police record (record checks; "" for 长期).
            "valid_from_asked": r.valid_from if r.kind == record else None,
            "valid_to_asked": r.valid_to if r.kind == record else None,
            "attempts": r.attempts,
            "face_attempt_id": str(r.face_attempt_id) if r.face_attempt_id else None,
            "created_at": _iso(r.created_at),
            "checked_at": _iso(r.checked_at),
            "summary": f"{r.kind_label}：{r.summary}",
        }
        for r in identity_results(case)
    ]


def _reading(reading: CardReading | None) -> ReadingEvidence | None:
    if reading is None:
        return None
    return {
        "ocr": reading.ocr,
        "edits": reading.edits,
        "edited_fields": edited_fields(reading),
        "face_similarity": reading.face_similarity,
        "face_threshold": reading.face_threshold,
        "face_checked": reading.face_checked,
        "review_flags": reading.review_flags,
        "read_at": _iso(reading.read_at),
        "identity_confirmed_at": _iso(reading.identity_confirmed_at),
        "update_confirmed_at": _iso(reading.update_confirmed_at),
    }


def _signatures(case: RenewalCase, bundle: _Bundle) -> list[Any]:
    out = []
    for n, s in enumerate(HandSignature.objects.filter(case=case).order_by("created_at"), 1):
        path = bundle.add_stored(f"images/signature/{n:02d}-signature", s.image_name, "signature")
        out.append(
            {
                "id": str(s.id),
                "created_at": _iso(s.created_at),
                "image": path,
                "image_sha256_recorded": s.image_sha256,
                "image_sha256_matches": (
                    path is not None
                    and hashlib.sha256(bundle.files[path]).hexdigest() == s.image_sha256
                ),
                "pad": [s.pad_width, s.pad_height],
                "point_count": s.point_count,
                "stroke_count": s.stroke_count,
                "ink_extent": s.ink_extent,
                "strokes": json.loads(s.strokes_json) if s.strokes_json else [],
            }
        )
    return out


def _documents(case: RenewalCase, bundle: _Bundle) -> list[Any]:
    from idrenew.signing.services import pdf_verify

    out = []
    for n, d in enumerate(SignedDocument.objects.filter(case=case).order_by("signed_at"), 1):
        path = bundle.add_stored(
            f"documents/{n:02d}-{d.agreement}-{d.version}", d.pdf_name, f"document {n}"
        )
        data = bundle.files.get(path) if path else None
        verification: Any = None
        if data is not None:
            try:
                verification = pdf_verify(data).as_json()
            except Exception as exc:  # reported in the bundle; the export still completes
                verification = {"valid": False, "error": type(exc).__name__}
        out.append(
            {
                "agreement": d.agreement,
                "version": d.version,
                "title": d.title,
                "content_hash": d.content_hash,
                "file": path,
                "pdf_sha256_recorded": d.pdf_sha256,
                "pdf_sha256_matches": (
                    data is not None and hashlib.sha256(data).hexdigest() == d.pdf_sha256
                ),
                "signature_id": str(d.signature_id),
                "certificate_serial": d.certificate_serial,
                "certificate_fingerprint": d.certificate_fingerprint,
                "certificate_not_after": _iso(d.certificate_not_after),
                "key_generated_at": _iso(d.key_generated_at),
                "signed_at": _iso(d.signed_at),
                "verification": verification,
            }
        )
    return out


def _decisions(case: RenewalCase) -> list[DecisionEvidence]:
    return [
        {
            "id": str(d.id),
            "kind": d.kind,
            "label": d.get_kind_display(),
            "reasons": d.reasons,
            "reason_labels": d.reason_labels,
            "note": d.note,
            "steps": d.steps,
            "decided_by": _username(d.decided_by),
            "decided_by_id": d.decided_by_id,
            "rule_set": d.rule_set,
            "record_before": d.record_snapshot,
            "decided_at": d.decided_at.isoformat(),
        }
        for d in Decision.objects.filter(case=case)
        .select_related("decided_by")
        .order_by("decided_at")
    ]


def _review(case: RenewalCase) -> ReviewEvidence | None:
    review = CaseReview.objects.filter(case=case).select_related("recommended_by").first()
    if review is None:
        return None
    return {
        "checks": review.checks,
        "checks_passed": review.checks_passed,
        "submissions": review.submissions,
        "recommended_by": _username(review.recommended_by),
        "recommended_at": _iso(review.recommended_at),
    }


def _outbox(case: RenewalCase) -> tuple[list[dict[str, Any]], RecordUpdate | None]:
    events: list[dict[str, Any]] = []
    update: RecordUpdate | None = None
    for e in OutboxEvent.objects.filter(case_id=case.id).order_by("created_at"):
        events.append(
            {
                "topic": e.topic,
                "status": e.status,
                "attempts": e.attempts,
                "created_at": _iso(e.created_at),
                "delivered_at": _iso(e.delivered_at),
                "last_error": e.last_error,
            }
        )
        if e.topic == "counter.id_update":
            update = {
                "values": json.loads(e.payload),
                "status": e.status,
                "delivered_at": _iso(e.delivered_at),
            }
    return events, update


def _audit(case: RenewalCase) -> list[Any]:
    return [
        {
            "id": e.pk,
            "at": _iso(e.at),
            "action": e.action,
            "actor_type": e.actor_type,
            "actor_id": e.actor_id,
            "customer_id": e.customer_id,
            "case_id": str(e.case_id) if e.case_id else None,
            "ip": e.ip,
            "user_agent": e.user_agent,
            "data": e.data,
        }
        for e in AuditEvent.objects.filter(case_id=case.id).order_by("at", "id")
    ]


def case_evidence(case: RenewalCase, exported_by: str | None) -> tuple[dict[str, bytes], Any]:
    """The bundle's files (path → bytes) without the manifest, and the case.json content."""
    bundle = _Bundle()
    reading = CardReading.objects.filter(case=case).first()
    decisions = _decisions(case)
    final = [d for d in decisions if d["kind"] in {"approve", "auto_approve", "reject"}]
    decided_at = datetime.fromisoformat(final[-1]["decided_at"]) if final else None
    outbox_events, record_update = _outbox(case)
    identity = _identity(case)
    body = {
        "export": {
            "format": "idrenew-evidence/1",
            "exported_at": _iso(timezone.now()),
            "exported_by": exported_by,
        },
        "case": {
            "id": str(case.id),
            "reference": case.reference,
            "state": case.state,
            "state_label": case.state_label,
            "channel": case.channel,
            "created_at": _iso(case.created_at),
            "submitted_at": _iso(case.submitted_at),
            "closed_at": _iso(case.closed_at),
            "expires_at": _iso(case.expires_at),
        },
        "record_on_file": _record_on_file(case, decided_at),
        "record_update": record_update,
        "card_reading": _reading(reading),
        "card_uploads": _uploads(case, reading, bundle),
        "face": _face(case, bundle),
        # One line per public-security check; the full records are in identity.json.
        "identity_checks": [r["summary"] for r in identity],
        "agreement_readings": [
            {
                "agreement": r.agreement,
                "version": r.version,
                "content_hash": r.content_hash,
                "opened_at": _iso(r.opened_at),
                "scrolled_to_end_at": _iso(r.scrolled_to_end_at),
                "read_at": _iso(r.read_at),
                "seconds": r.seconds,
            }
            for r in AgreementReading.objects.filter(case=case).order_by("opened_at", "pk")
        ],
        "signatures": _signatures(case, bundle),
        "documents": _documents(case, bundle),
        "review": _review(case),
        "decisions": decisions,
        "outbox": outbox_events,
    }
    body["missing_files"] = bundle.missing
    bundle.add_json("case.json", body)
    bundle.add_json("identity.json", identity)
    bundle.add_json("audit.json", _audit(case))
    return bundle.files, body


def _zip(files: dict[str, bytes], manifest: Manifest) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = {**files, "manifest.json": _manifest_bytes(manifest)}
        for path in sorted(entries):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[path])
    return out.getvalue()


def _manifest_bytes(manifest: Manifest) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")


def evidence_bundle(case: RenewalCase, user: Any, *, request: HttpRequest | None = None) -> bytes:
    """The ZIP for ``case``. ``user`` must hold ``review.export_evidence``; ``None`` means the
    server's shell (``idrenew evidence-export``), recorded as a system export."""
    if user is not None and not access.can_export_evidence(user):
        raise PermissionDenied("no permission to export evidence")
    files, _ = case_evidence(case, _username(user))
    manifest: Manifest = {
        "case_reference": case.reference,
        "case_id": str(case.id),
        "generated_at": _iso(timezone.now()),
        "algorithm": "sha256",
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    archive = _zip(files, manifest)
    audit_record(
        action="evidence.exported",
        actor_type=ActorType.SYSTEM if user is None else ActorType.STAFF,
        actor_id="cli" if user is None else str(user.pk),
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={
            "files": len(files),
            "manifest_sha256": hashlib.sha256(_manifest_bytes(manifest)).hexdigest(),
            "bundle_sha256": hashlib.sha256(archive).hexdigest(),
        },
    )
    return archive
