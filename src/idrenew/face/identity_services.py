"""When the public-security identity check runs, what its answer does, and its retries.

* After a passed liveness analysis (``face_attempt_analyze``): the best frame against the
  police photo of the record's name and ID number (:func:`identity_check_portrait`). A
  definite "not the same person" (or "number and name do not match the record") fails the
  attempt with ``IDENTITY_NOT_SAME_PERSON`` / ``IDENTITY_RECORD_MISMATCH`` and the customer
  is sent to a branch: no further challenge is issued for the case.
* When the customer confirms the renewed card's validity (step 6, ``update_submit``), before
  the record can change: number, name and validity against the police record
  (:func:`identity_check_record`). ``IDENTITY_RECORD_MISMATCH`` sends the customer to a
  branch; ``IDENTITY_VALIDITY_MISMATCH`` asks them to check the dates they confirmed.
* A vendor outage (timeout, throttling, 5xx) or a configuration error never blocks the
  customer: the result is stored ``pending`` and the outbox retries it (topic
  ``identity.retry``, the outbox's backoff) up to ``IDRENEW_IDENTITY_MAX_ATTEMPTS`` calls in
  all; then it stays unavailable, and the straight-through rule, which needs a positive
  answer (``review/checks.py``), leaves the case to a person with the reason shown. An
  answer that settles after the customer submitted refreshes the case's checks (the case
  hook ``refresh_checks``): a positive one lets the straight-through rule decide a case
  nobody has taken yet, a negative one stays with the reviewer, shown in the checks.

Nothing here logs or stores the name, the ID number or any image; the vendor's photo is never
asked for.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.cases.hooks import decider
from idrenew.cases.models import RenewalCase
from idrenew.face.identity import (
    OUTCOME_LABELS,
    RETRYABLE,
    IdentityCheck,
    IdentityVerifier,
    Outcome,
    Validity,
    identity_verifier,
)
from idrenew.face.identity_errors import (
    IdentityNotSamePerson,
    IdentityRecordMismatch,
    IdentityValidityMismatch,
)
from idrenew.face.models import FaceAttempt, IdentityVerification
from idrenew.lib.files import read_encrypted
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import backoff, handles, outbox_add

logger = logging.getLogger(__name__)

RETRY_TOPIC = "identity.retry"
# Failure codes put on a face attempt (face/domain/types.py FAILURE_MESSAGES has none).
FAILURE_CODES = {
    Outcome.NOT_SAME_PERSON: IdentityNotSamePerson,
    Outcome.RECORD_MISMATCH: IdentityRecordMismatch,
}
DEFINITE_REFUSALS = frozenset(FAILURE_CODES)
FAILURE_MESSAGES = {cls.code: cls.default_message for cls in FAILURE_CODES.values()}


def _ask_portrait(verifier: IdentityVerifier, attempt: FaceAttempt) -> IdentityCheck:
    if not attempt.best_frame_name:
        return IdentityCheck(Outcome.INCONCLUSIVE, "NO_FRAME", note="无可比对的人脸帧")
    customer = attempt.case.customer
    try:
        frame = read_encrypted(attempt.best_frame_name)
    except Exception:  # purged or unreadable: nothing left to compare
        return IdentityCheck(Outcome.INCONCLUSIVE, "NO_FRAME", note="人脸帧已删除或不可读")
    return verifier.verify(name=customer.name, id_number=customer.id_number, face_jpeg=frame)


def _ask_record(verifier: IdentityVerifier, row: IdentityVerification) -> IdentityCheck:
    customer = row.case.customer
    validity = None
    if row.valid_from:
        validity = Validity(
            date.fromisoformat(row.valid_from),
            date.fromisoformat(row.valid_to) if row.valid_to else None,
        )
    return verifier.verify_record(
        name=customer.name, id_number=customer.id_number, validity=validity
    )


def _safe(ask: Any, *args: Any) -> IdentityCheck:
    """An adapter that raises despite its contract counts as unavailable."""
    try:
        result: IdentityCheck = ask(*args)
    except Exception as exc:
        logger.exception("identity verifier raised %s", type(exc).__name__)
        return IdentityCheck(Outcome.UNAVAILABLE, type(exc).__name__, note="核验服务调用异常")
    return result


def _store(row: IdentityVerification, check: IdentityCheck) -> None:
    row.outcome = check.outcome.value
    row.vendor_code = check.vendor_code[:80]
    row.vendor_reference = check.vendor_reference[:100]
    row.score = check.score
    row.note = check.note[:200]
    row.checked_at = timezone.now()
    retry = check.outcome in RETRYABLE and row.attempts < settings.IDRENEW_IDENTITY_MAX_ATTEMPTS
    row.status = IdentityVerification.Status.PENDING if retry else IdentityVerification.Status.DONE
    if check.outcome in RETRYABLE and not retry:
        row.note = f"{check.note}；已调用 {row.attempts} 次仍未成功，转人工审核"[:200]


def _audit(row: IdentityVerification) -> None:
    audit_record(
        action="identity.checked",
        actor_type=ActorType.SYSTEM,
        actor_id=row.vendor,
        customer_id=row.case.customer_id,
        case_id=row.case_id,
        data={
            "verification": str(row.id),
            "kind": row.kind,
            "outcome": row.outcome,
            "vendor_code": row.vendor_code,
            "vendor_reference": row.vendor_reference,
            "score": row.score,
            "attempts": row.attempts,
            "pending": row.status == IdentityVerification.Status.PENDING,
        },
    )


def _schedule_retry(row: IdentityVerification) -> None:
    outbox_add(
        topic=RETRY_TOPIC,
        dedupe_key=f"identity:{row.id}",
        payload={"verification_id": str(row.id)},
        case_id=row.case_id,
        case_reference=row.case.reference,
        now=timezone.now() + backoff(row.attempts),
    )


def _run(row: IdentityVerification, check: IdentityCheck) -> IdentityVerification:
    _store(row, check)
    with transaction.atomic():
        row.save()
        _audit(row)
        if row.status == IdentityVerification.Status.PENDING:
            _schedule_retry(row)
    return row


def identity_check_portrait(attempt: FaceAttempt) -> IdentityVerification | None:
    """The best frame of a passed attempt against the police photo; None: no verifier."""
    verifier = identity_verifier()
    if verifier is None:
        return None
    row = IdentityVerification(
        case=attempt.case,
        attempt=attempt,
        kind=IdentityVerification.Kind.PORTRAIT,
        vendor=verifier.vendor,
    )
    return _run(row, _safe(_ask_portrait, verifier, attempt))


def identity_check_record(
    *, case: RenewalCase, valid_from: date, valid_to: date | None
) -> IdentityVerification | None:
    """Number, name and the confirmed validity against the police record; raises the coded
    refusal on a definite mismatch (after storing the answer). None: no verifier."""
    verifier = identity_verifier()
    if verifier is None:
        return None
    asked = (valid_from.isoformat(), valid_to.isoformat() if valid_to else "")
    latest = identity_latest(case, IdentityVerification.Kind.RECORD)
    if (
        latest is not None
        and (latest.valid_from, latest.valid_to) == asked
        and (latest.outcome == Outcome.MATCH or latest.status == latest.Status.PENDING)
    ):
        return latest  # the same question answered (or being retried): not asked twice
    row = IdentityVerification(
        case=case,
        kind=IdentityVerification.Kind.RECORD,
        vendor=verifier.vendor,
        valid_from=asked[0],
        valid_to=asked[1],
    )
    _run(row, _safe(_ask_record, verifier, row))
    outcome = Outcome(row.outcome)
    if outcome == Outcome.RECORD_MISMATCH:
        raise IdentityRecordMismatch(detail={"branch": True, "vendor_code": row.vendor_code})
    if outcome == Outcome.VALIDITY_MISMATCH:
        message = IdentityValidityMismatch.default_message
        raise IdentityValidityMismatch(
            detail={"branch": False, "vendor_code": row.vendor_code},
            fields={"valid_from": message, "valid_to": message},
        )
    return row


def identity_latest(case: RenewalCase, kind: str) -> IdentityVerification | None:
    return IdentityVerification.objects.filter(case=case, kind=kind).order_by("-created_at").first()


def identity_require_clear(case: RenewalCase) -> None:
    """Refuse to go on with a case the identity service definitely refused (a branch case)."""
    for kind in (IdentityVerification.Kind.PORTRAIT, IdentityVerification.Kind.RECORD):
        row = identity_latest(case, kind)
        if row is None or row.outcome not in DEFINITE_REFUSALS:
            continue
        error = FAILURE_CODES[Outcome(row.outcome)]
        raise error(detail={"branch": True, "vendor_code": row.vendor_code})


def identity_summary(row: IdentityVerification | None) -> str:
    """One line for the reviewer: the outcome, score, vendor code and request id."""
    if row is None:
        return "未核验"
    parts = [OUTCOME_LABELS.get(Outcome(row.outcome), row.outcome)]
    if row.status == IdentityVerification.Status.PENDING:
        parts.append(f"等待重试（已调用 {row.attempts} 次）")
    if row.score is not None:
        parts.append(f"相似度 {row.score:.2f}")
    if row.note and row.outcome != Outcome.MATCH:
        parts.append(row.note)
    parts.append(f"{row.vendor} 结果码 {row.vendor_code or '-'}")
    if row.vendor_reference:
        parts.append(f"请求号 {row.vendor_reference}")
    return "；".join(parts)


@handles(RETRY_TOPIC)
def deliver_identity_retry(event: OutboxEvent, payload: dict[str, Any]) -> str | None:
    """Ask again after an outage. Returns a message (the outbox retries with its backoff)
    while the service stays unavailable and calls are left; None once settled."""
    row = (
        IdentityVerification.objects.select_related("case", "case__customer", "attempt")
        .filter(pk=payload["verification_id"])
        .first()
    )
    if row is None or row.status != IdentityVerification.Status.PENDING:
        return None
    verifier = identity_verifier()
    if verifier is None:  # the check was switched off meanwhile
        row.status = IdentityVerification.Status.DONE
        row.save(update_fields=["status"])
        return None
    row.attempts += 1
    if row.kind == IdentityVerification.Kind.PORTRAIT:
        if row.attempt is None:
            check = IdentityCheck(Outcome.INCONCLUSIVE, "NO_FRAME", note="无可比对的人脸帧")
        else:
            row.attempt.case = row.case
            check = _safe(_ask_portrait, verifier, row.attempt)
    else:
        check = _safe(_ask_record, verifier, row)
    _store(row, check)
    row.save()
    _audit(row)
    _refresh_review(row.case)
    if row.status == IdentityVerification.Status.PENDING:
        return f"identity service still unavailable ({row.vendor_code})"
    return None


def _refresh_review(case: RenewalCase) -> None:
    """A submitted case still waiting shows the settled answer in its checks, and the
    straight-through rule runs again (review's decider; it locks the case, so a repeated
    delivery never decides twice)."""
    decider().refresh_checks(case)
