"""Reads of face's records for the apps above it (review's evidence bundle)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from idrenew.cases.models import RenewalCase
from idrenew.face.identity import OUTCOME_LABELS, Outcome
from idrenew.face.identity_services import identity_summary
from idrenew.face.models import IdentityVerification


@dataclass(frozen=True, slots=True)
class IdentityResult:
    """One public-security check of a case as stored: what was asked (kind, and for a record
    check the validity asked about), the answer (outcome, the vendor's code and request id,
    the similarity), the calls made and when. Never a photo, a name or an ID number."""

    id: uuid.UUID
    kind: str
    kind_label: str
    vendor: str
    status: str
    pending: bool
    outcome: str
    outcome_label: str
    vendor_code: str
    vendor_reference: str
    score: float | None
    note: str
    valid_from: str
    valid_to: str
    attempts: int
    face_attempt_id: uuid.UUID | None
    created_at: datetime
    checked_at: datetime | None
    summary: str


def _label(outcome: str) -> str:
    try:
        return OUTCOME_LABELS[Outcome(outcome)]
    except ValueError:
        return outcome


def identity_results(case: RenewalCase) -> list[IdentityResult]:
    """Every identity check of ``case``, oldest first (empty without a verifier)."""
    rows = IdentityVerification.objects.filter(case=case).order_by("created_at", "id")
    return [
        IdentityResult(
            id=row.id,
            kind=row.kind,
            kind_label=row.get_kind_display(),
            vendor=row.vendor,
            status=row.status,
            pending=row.status == IdentityVerification.Status.PENDING,
            outcome=row.outcome,
            outcome_label=_label(row.outcome),
            vendor_code=row.vendor_code,
            vendor_reference=row.vendor_reference,
            score=row.score,
            note=row.note,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            attempts=row.attempts,
            face_attempt_id=row.attempt_id,
            created_at=row.created_at,
            checked_at=row.checked_at,
            summary=identity_summary(row),
        )
        for row in rows
    ]
