"""Retention of biometric data: deleted a set number of days after a case is closed.

For every case closed (approved, rejected, cancelled or expired) more than
``IDRENEW_BIOMETRIC_RETENTION_DAYS`` days ago, the liveness best frame, the face embedding,
any clip still stored and the portrait cropped from the card photo are deleted from storage
and their names cleared. Everything else stays: the decision, the card photos and rectified
cards, the signatures, the signed PDFs and the audit trail. One audit event per case.

Idempotent: a case with nothing left to delete is not touched again. Files are deleted before
the names are cleared, so a crash in between leaves names whose files are gone, which the
next run clears (``delete_file`` ignores a missing file).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases.domain.states import FINAL
from idrenew.cases.models import RenewalCase
from idrenew.face.models import FaceAttempt
from idrenew.idcard.models import CardUpload
from idrenew.lib.files import delete_file

logger = logging.getLogger(__name__)

_FACE_LEFT = ~Q(best_frame_name="") | ~Q(embedding_name="") | ~Q(clip_name="")
_PORTRAIT_LEFT = ~Q(portrait_name="")


@dataclass
class PurgeCounts:
    cases: int = 0
    best_frames: int = 0
    embeddings: int = 0
    clips: int = 0
    portraits: int = 0

    @property
    def files(self) -> int:
        return self.best_frames + self.embeddings + self.clips + self.portraits

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "files": self.files}


def purge_candidates(*, now: datetime | None = None) -> list[RenewalCase]:
    """Closed cases past the retention period that still hold biometric data."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.IDRENEW_BIOMETRIC_RETENTION_DAYS)
    face_left = FaceAttempt.objects.filter(_FACE_LEFT, case=OuterRef("pk"))
    portrait_left = CardUpload.objects.filter(_PORTRAIT_LEFT, case=OuterRef("pk"))
    return list(
        RenewalCase.objects.filter(state__in=[s.value for s in FINAL], closed_at__lte=cutoff)
        .filter(Exists(face_left) | Exists(portrait_left))
        .only("id", "reference", "customer_id", "closed_at", "state")
        .order_by("closed_at")
    )


def purge_biometrics(*, now: datetime | None = None, dry_run: bool = False) -> PurgeCounts:
    """Delete the biometric data of closed cases past the retention period."""
    now = now or timezone.now()
    total = PurgeCounts()
    for case in purge_candidates(now=now):
        counts = _purge_case(case, now=now, dry_run=dry_run)
        if counts.files:
            total.cases += 1
            total.best_frames += counts.best_frames
            total.embeddings += counts.embeddings
            total.clips += counts.clips
            total.portraits += counts.portraits
    return total


def _purge_case(case: RenewalCase, *, now: datetime, dry_run: bool) -> PurgeCounts:
    counts = PurgeCounts(cases=1)
    with transaction.atomic():
        attempts = list(FaceAttempt.objects.select_for_update().filter(_FACE_LEFT, case_id=case.pk))
        uploads = list(
            CardUpload.objects.select_for_update().filter(_PORTRAIT_LEFT, case_id=case.pk)
        )
        for attempt in attempts:
            counts.best_frames += bool(attempt.best_frame_name)
            counts.embeddings += bool(attempt.embedding_name)
            counts.clips += bool(attempt.clip_name)
        counts.portraits = len(uploads)
        if dry_run or not counts.files:
            return counts
        for attempt in attempts:
            for name in (attempt.best_frame_name, attempt.embedding_name, attempt.clip_name):
                delete_file(name)
            attempt.best_frame_name = attempt.embedding_name = attempt.clip_name = ""
            attempt.biometrics_deleted_at = now
            attempt.save(
                update_fields=[
                    "best_frame_name",
                    "embedding_name",
                    "clip_name",
                    "biometrics_deleted_at",
                ]
            )
        for upload in uploads:
            delete_file(upload.portrait_name)
            upload.portrait_name = ""
            upload.save(update_fields=["portrait_name"])
        audit_record(
            action="retention.biometrics_deleted",
            actor_type=ActorType.SYSTEM,
            customer_id=case.customer_id,
            case_id=case.pk,
            data={
                "retention_days": settings.IDRENEW_BIOMETRIC_RETENTION_DAYS,
                "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "best_frames": counts.best_frames,
                "embeddings": counts.embeddings,
                "clips": counts.clips,
                "portraits": counts.portraits,
            },
        )
    logger.info("biometric data of case %s deleted (%s files)", case.reference, counts.files)
    return counts
