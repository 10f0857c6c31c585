"""Read-only access to cases for the back office: the queue's columns, and the models behind
the case page (whose labels, URLs and masking are ``review.presenters``' business).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.domain.states import State
from idrenew.cases.models import RenewalCase
from idrenew.face.models import FaceAttempt
from idrenew.idcard.models import CardReading
from idrenew.review.models import CaseReview, Decision
from idrenew.signing.models import SignedDocument

logger = logging.getLogger(__name__)

VERIFY_CACHE_SECONDS = 3600


# --- the queue ---------------------------------------------------------------------------


def sla_hours(case: RenewalCase, now: datetime | None = None) -> float | None:
    """Hours a submitted case has been waiting (None when it is not waiting)."""
    if case.state != State.SUBMITTED or case.submitted_at is None:
        return None
    return ((now or timezone.now()) - case.submitted_at).total_seconds() / 3600


def is_overdue(hours: float | None) -> bool:
    return hours is not None and hours > settings.IDRENEW_REVIEW_SLA_HOURS


def review_of(case: RenewalCase) -> CaseReview | None:
    try:
        return case.review
    except CaseReview.DoesNotExist:
        return None


def failing_checks(review: CaseReview | None) -> int:
    if review is None:
        return 0
    return sum(1 for c in review.checks.get("checks", []) if not c.get("ok"))


def claim_holder(review: CaseReview | None, now: datetime | None = None) -> Any:
    """The staff member holding an unexpired claim, or None."""
    if review is None or not review.claim_live(now or timezone.now()):
        return None
    return review.claimed_by


# --- the case page's data ------------------------------------------------------------------


def case_review(case: RenewalCase) -> CaseReview | None:
    """The case's review record with the staff it names."""
    return (
        CaseReview.objects.select_related("claimed_by", "recommended_by").filter(case=case).first()
    )


def card_reading(case: RenewalCase) -> CardReading | None:
    return CardReading.objects.select_related("front", "back").filter(case=case).first()


def face_attempts(case: RenewalCase) -> list[FaceAttempt]:
    """The case's face attempts, oldest first."""
    return list(FaceAttempt.objects.filter(case=case).order_by("created_at"))


def best_frame_attempt(attempts: list[FaceAttempt]) -> FaceAttempt | None:
    """The latest passed attempt whose best frame is still kept."""
    return next(
        (
            a
            for a in reversed(attempts)
            if a.status == FaceAttempt.Status.PASSED
            and a.best_frame_name
            and a.biometrics_deleted_at is None
        ),
        None,
    )


@dataclass(frozen=True, slots=True)
class SignatureState:
    """One signature of a signed PDF as its verification report gives it."""

    signer: str
    intact: bool | None
    trusted: bool | None
    revoked: bool | None
    timestamp: str | None


@dataclass(frozen=True, slots=True)
class Verification:
    """A signed PDF checked now: file intact (the digest at signing), and the signature
    report (``reported`` False when the file could not be read or verified)."""

    intact: bool
    reported: bool
    valid: bool
    signatures: tuple[SignatureState, ...] = ()


def _report(doc: SignedDocument, data: bytes) -> dict[str, Any] | None:
    """The signature report (JSON), cached per file and CRL."""
    from idrenew.signing.services import pdf_verify
    from idrenew.signing.store import current_crl

    try:
        crl = hashlib.sha256(current_crl()).hexdigest()[:16]
        key = f"review:pdf-verify:{doc.pdf_sha256}:{crl}"
        report: dict[str, Any] | None = cache.get(key)
        if report is None:
            report = pdf_verify(data).as_json()
            cache.set(key, report, VERIFY_CACHE_SECONDS)
    except Exception:
        logger.exception("verifying signed document %s failed", doc.pk)
        return None
    return report


def verification(doc: SignedDocument) -> Verification:
    from idrenew.lib.files import read_encrypted

    try:
        data = read_encrypted(doc.pdf_name)
    except Exception:
        logger.warning("signed document %s unreadable", doc.pk)
        return Verification(intact=False, reported=False, valid=False)
    intact = hashlib.sha256(data).hexdigest() == doc.pdf_sha256
    report = _report(doc, data)
    if report is None:
        return Verification(intact=intact, reported=False, valid=False)
    return Verification(
        intact=intact,
        reported=True,
        valid=bool(intact and report.get("valid")),
        signatures=tuple(
            SignatureState(
                signer=s.get("signer", ""),
                intact=s.get("intact"),
                trusted=s.get("trusted"),
                revoked=s.get("revoked"),
                timestamp=s.get("timestamp"),
            )
            for s in report.get("signatures", [])
        ),
    )


def signed_documents(case: RenewalCase) -> list[SignedDocument]:
    return list(SignedDocument.objects.filter(case=case).order_by("signed_at", "agreement"))


def case_decisions(case: RenewalCase) -> list[Decision]:
    """The case's decisions, oldest first, with who took them."""
    return list(
        Decision.objects.filter(case=case).select_related("decided_by").order_by("decided_at")
    )


@dataclass(frozen=True, slots=True)
class AuditHistory:
    """The case's latest audit events, oldest first, and the user names of the staff in them."""

    events: tuple[AuditEvent, ...]
    staff_names: dict[int, str]


def audit_history(case: RenewalCase, limit: int = 500) -> AuditHistory:
    events = list(AuditEvent.objects.filter(case_id=case.id).order_by("-at", "-id")[:limit])
    events.reverse()
    staff_ids = {e.actor_id for e in events if e.actor_type == "staff" and e.actor_id.isdigit()}
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[int(i) for i in staff_ids])
        .values_list("pk", "username")
    )
    return AuditHistory(tuple(events), names)
