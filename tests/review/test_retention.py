"""The retention job deletes exactly the biometric data of cases closed long enough ago."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.face.models import FaceAttempt, LivenessChallenge
from idrenew.idcard.models import CardUpload
from idrenew.lib.files import read_encrypted, save_encrypted
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.models import Decision
from idrenew.review.retention import purge_biometrics
from idrenew.signing.models import HandSignature, SignedDocument

pytestmark = pytest.mark.django_db

ACTION = "retention.biometrics_deleted"


def approve(case: RenewalCase, approver: User) -> None:
    services.review_claim(case_id=case.id, user=approver)
    services.review_approve(case_id=case.id, user=approver)
    outbox_dispatch()


def close_days_ago(case: RenewalCase, days: float) -> None:
    RenewalCase.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days))


def add_face_attempt(case: RenewalCase, *, clip: bool = True) -> FaceAttempt:
    """A passed liveness attempt with its stored best frame, embedding and (left-over) clip
    (the API fixtures skip step 3)."""
    challenge = LivenessChallenge.objects.create(
        case=case, customer_id=case.customer_id, actions=["blink"], expires_at=timezone.now()
    )
    return FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status=FaceAttempt.Status.PASSED,
        actions=["blink"],
        clip_name=save_encrypted("face/clips", b"clip", suffix=".webm") if clip else "",
        best_frame_name=save_encrypted("face/frames", b"\xff\xd8frame", suffix=".jpg"),
        embedding_name=save_encrypted("face/emb", b"\x00" * 16, suffix=".f32"),
    )


def store_card_files(case: RenewalCase) -> None:
    """Stored files for the card uploads (the API fixtures record the reading without
    files): the photo, the rectified card and, on the front, the portrait crop."""
    for upload in CardUpload.objects.filter(case=case):
        upload.image_name = save_encrypted("idcard/photos", b"\xff\xd8photo", suffix=".jpg")
        upload.card_name = save_encrypted("idcard/cards", b"\xff\xd8card", suffix=".jpg")
        if upload.side == "front":
            upload.portrait_name = save_encrypted(
                "idcard/portraits", b"\xff\xd8face", suffix=".jpg"
            )
        upload.save(update_fields=["image_name", "card_name", "portrait_name"])


def biometric_case(customer: Any, *, state: str, closed_days_ago: float | None) -> RenewalCase:
    """A case made directly in the database, holding one of each kind of biometric file."""
    now = timezone.now()
    case = RenewalCase.objects.create(
        reference=f"ZJT{uuid.uuid4().hex[:12]}",
        customer=customer,
        state=state,
        expires_at=now + timedelta(hours=1),
        closed_at=None if closed_days_ago is None else now - timedelta(days=closed_days_ago),
    )
    add_face_attempt(case)
    CardUpload.objects.create(
        case=case,
        side="front",
        image_name=save_encrypted("idcard/photos", b"\xff\xd8photo", suffix=".jpg"),
        image_sha256="0" * 64,
        card_name=save_encrypted("idcard/cards", b"\xff\xd8card", suffix=".jpg"),
        portrait_name=save_encrypted("idcard/portraits", b"\xff\xd8face", suffix=".jpg"),
    )
    return case


def stored_names(case: RenewalCase) -> dict[str, list[str]]:
    attempts = FaceAttempt.objects.filter(case=case)
    uploads = CardUpload.objects.filter(case=case)
    return {
        "biometric": [
            n for a in attempts for n in (a.best_frame_name, a.embedding_name, a.clip_name) if n
        ]
        + [u.portrait_name for u in uploads if u.portrait_name],
        "kept": [u.image_name for u in uploads] + [u.card_name for u in uploads if u.card_name],
    }


def test_deletes_biometrics_of_an_old_decision_and_keeps_the_evidence(
    submitted: RenewalCase, approver: User, settings: Any
) -> None:
    settings.IDRENEW_BIOMETRIC_RETENTION_DAYS = 30
    approve(submitted, approver)
    # Step 3's stored data, with a clip left over (normally deleted once analysed).
    attempt = add_face_attempt(submitted)
    store_card_files(submitted)
    portraits = CardUpload.objects.filter(case=submitted).exclude(portrait_name="").count()
    assert portraits >= 1
    names = stored_names(submitted)
    assert [n for n in names["biometric"] + names["kept"] if not default_storage.exists(n)] == []
    docs = list(SignedDocument.objects.filter(case=submitted))
    signatures = list(HandSignature.objects.filter(case=submitted))
    assert len(docs) == 2 and signatures
    audit_before = AuditEvent.objects.filter(case_id=submitted.id).count()

    close_days_ago(submitted, 31)
    counts = purge_biometrics()

    assert counts.cases == 1
    assert counts.best_frames >= 1 and counts.embeddings >= 1 and counts.clips == 1
    assert counts.portraits == portraits
    assert counts.files == len(names["biometric"])
    # Files gone from storage, names cleared, deletion time recorded.
    assert not any(default_storage.exists(n) for n in names["biometric"])
    for a in FaceAttempt.objects.filter(case=submitted):
        assert a.best_frame_name == a.embedding_name == a.clip_name == ""
    attempt.refresh_from_db()
    assert attempt.biometrics_deleted_at is not None
    assert not CardUpload.objects.filter(case=submitted).exclude(portrait_name="").exists()
    # Kept: card photos and rectified cards, signed PDFs, signatures, decision, audit trail.
    for name in names["kept"]:
        assert read_encrypted(name)
    for doc in docs:
        data = read_encrypted(doc.pdf_name)
        assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == doc.pdf_sha256
    for sig in signatures:
        assert hashlib.sha256(read_encrypted(sig.image_name)).hexdigest() == sig.image_sha256
    assert Decision.objects.filter(case=submitted, kind="approve").exists()
    submitted.refresh_from_db()
    assert submitted.state == "approved"
    events = AuditEvent.objects.filter(case_id=submitted.id, action=ACTION)
    assert events.count() == 1
    event = events.get()
    assert event.actor_type == "system" and event.data["clips"] == 1
    assert AuditEvent.objects.filter(case_id=submitted.id).count() == audit_before + 1

    # Idempotent: a second run finds nothing and writes nothing.
    again = purge_biometrics()
    assert again.cases == 0 and again.files == 0
    assert AuditEvent.objects.filter(case_id=submitted.id, action=ACTION).count() == 1


def test_only_cases_closed_before_the_window_are_purged(
    demo_customers: dict[str, Any], settings: Any
) -> None:
    settings.IDRENEW_BIOMETRIC_RETENTION_DAYS = 30
    customers = list(demo_customers.values())
    old_rejected = biometric_case(customers[0], state="rejected", closed_days_ago=45)
    old_cancelled = biometric_case(customers[1], state="cancelled", closed_days_ago=31)
    old_expired = biometric_case(customers[2], state="expired", closed_days_ago=300)
    recent = biometric_case(customers[3], state="approved", closed_days_ago=29)
    open_case = biometric_case(customers[4], state="submitted", closed_days_ago=None)
    kept = {c.pk: stored_names(c) for c in (recent, open_case)}
    purged = {c.pk: stored_names(c) for c in (old_rejected, old_cancelled, old_expired)}

    counts = purge_biometrics()

    assert counts.as_dict() == {
        "cases": 3,
        "best_frames": 3,
        "embeddings": 3,
        "clips": 3,
        "portraits": 3,
        "files": 12,
    }
    for names in purged.values():
        assert not any(default_storage.exists(n) for n in names["biometric"])
        assert all(default_storage.exists(n) for n in names["kept"])
    for pk, names in kept.items():
        assert stored_names(RenewalCase.objects.get(pk=pk)) == names
        assert all(default_storage.exists(n) for n in names["biometric"] + names["kept"])
        assert not AuditEvent.objects.filter(case_id=pk, action=ACTION).exists()
    assert AuditEvent.objects.filter(action=ACTION).count() == 3
    assert FaceAttempt.objects.filter(biometrics_deleted_at__isnull=False).count() == 3


def test_dry_run_counts_and_deletes_nothing(demo_customers: dict[str, Any]) -> None:
    case = biometric_case(demo_customers["80010001"], state="rejected", closed_days_ago=400)
    names = stored_names(case)

    counts = purge_biometrics(dry_run=True)

    assert counts.cases == 1 and counts.files == 4
    assert stored_names(case) == names
    assert all(default_storage.exists(n) for n in names["biometric"])
    assert not AuditEvent.objects.filter(action=ACTION).exists()


def test_commands_report_the_counts(demo_customers: dict[str, Any]) -> None:
    case = biometric_case(demo_customers["80010001"], state="expired", closed_days_ago=400)
    out = io.StringIO()
    call_command("purge_biometrics", "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and "申请 1 笔" in out.getvalue()
    assert stored_names(case)["biometric"]

    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    assert "biometrics (cases) 1" in out.getvalue()
    assert stored_names(case)["biometric"] == []
