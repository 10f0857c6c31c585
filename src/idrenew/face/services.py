"""Step 3: consent, liveness challenge, clip upload and its analysis."""

from __future__ import annotations

import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict

import cv2
import numpy as np
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
from idrenew.core.models import TaskRecord
from idrenew.core.observability import metrics
from idrenew.core.uploads import upload_read, upload_submit
from idrenew.customers.models import Customer
from idrenew.face.domain import schedule
from idrenew.face.domain.spoof import NOT_CHECKED
from idrenew.face.domain.types import DEFAULT_ACTIONS, FAILURE_MESSAGES, FaceError
from idrenew.face.engines import face_engine, spoof_detector
from idrenew.face.errors import (
    AttemptsExhausted,
    ClipRejected,
    ClipTimingInvalid,
    ClipTooLarge,
    ConsentRequired,
    NonceExpired,
    NonceReused,
    NonceUnknown,
    NoticeOutdated,
)
from idrenew.face.identity import Outcome
from idrenew.face.identity_services import (
    DEFINITE_REFUSALS,
    FAILURE_CODES,
    identity_check_portrait,
    identity_require_clear,
)
from idrenew.face.identity_services import FAILURE_MESSAGES as IDENTITY_MESSAGES
from idrenew.face.models import FaceAttempt, FaceConsent, LivenessChallenge
from idrenew.face.notice import current_notice
from idrenew.lib.files import delete_file, read_encrypted, save_encrypted
from idrenew.lib.net import client_ip, user_agent

CLIP_TYPES = {"webm": "video/webm", "mp4": "video/mp4"}


def face_consent_record(
    *, case: RenewalCase, notice_version: str, request: HttpRequest | None
) -> FaceConsent:
    case_require_state(case, [State.STARTED])
    notice = current_notice()
    if notice_version != notice.version:
        raise NoticeOutdated(detail={"current_version": notice.version})
    consent = FaceConsent.objects.create(
        case=case,
        notice_version=notice.version,
        notice_digest=notice.digest,
        ip=client_ip(request) if request else "",
        user_agent=user_agent(request) if request else "",
    )
    audit_customer(
        action="face.consented",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"notice_version": notice.version},
    )
    return consent


def face_decline_record(*, case: RenewalCase, request: HttpRequest | None) -> None:
    audit_customer(
        action="face.declined",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"notice_version": current_notice().version},
    )


def _start_of_day(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def face_attempts_left(*, customer: Customer, now: datetime | None = None) -> int:
    now = now or timezone.now()
    used = LivenessChallenge.objects.filter(
        customer_id=customer.pk, issued_at__gte=_start_of_day(now)
    ).count()
    return max(0, settings.IDRENEW_FACE_ATTEMPTS_PER_DAY - used)


def _draw_actions() -> list[str]:
    fixed = settings.IDRENEW_FACE_FIXED_ACTIONS
    if fixed:
        return [a.strip() for a in fixed.split(",") if a.strip()]
    rng = secrets.SystemRandom()
    return rng.sample(list(DEFAULT_ACTIONS), 2)


def face_challenge_issue(
    *, case: RenewalCase, request: HttpRequest | None, now: datetime | None = None
) -> LivenessChallenge:
    now = now or timezone.now()
    case_require_state(case, [State.STARTED])
    identity_require_clear(case)  # a definite public-security refusal: branch only
    version = current_notice().version
    if not FaceConsent.objects.filter(case=case, notice_version=version).exists():
        raise ConsentRequired()
    customer = case.customer
    with transaction.atomic():
        # Serialise a customer's challenge requests so the daily count cannot be raced.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if face_attempts_left(customer=customer, now=now) <= 0:
            raise AttemptsExhausted()
        actions = _draw_actions()
        prompts = schedule.plan(actions, max_clip_seconds=settings.IDRENEW_FACE_MAX_CLIP_SECONDS)
        challenge = LivenessChallenge.objects.create(
            case=case,
            customer_id=customer.pk,
            actions=actions,
            schedule=[p.as_dict() for p in prompts],
            expires_at=now + timedelta(seconds=settings.IDRENEW_FACE_CHALLENGE_TTL),
        )
    audit_customer(
        action="face.challenge_issued",
        customer_id=customer.pk,
        case_id=case.id,
        request=request,
        data={"actions": challenge.actions, "schedule": challenge.schedule},
    )
    return challenge


def sniff_clip(head: bytes) -> str | None:
    """The container of a recording from its first bytes: WebM (EBML) or MP4/MOV (ftyp)."""
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[4:8] == b"ftyp":
        return "mp4"
    return None


def face_clip_submit(
    *,
    case: RenewalCase,
    nonce: str,
    clip: UploadedFile[bytes],
    request: HttpRequest | None,
    prompt_offset_ms: int | None = None,
    now: datetime | None = None,
) -> TaskRecord:
    """``prompt_offset_ms``: how long after the page's recorder started the first prompt
    appeared (its own measurement); the only timing the server takes from the page, and
    only within ``schedule.offset_allowed``. None: as scheduled (an older page)."""
    now = now or timezone.now()
    case_require_state(case, [State.STARTED])
    try:
        key = uuid.UUID(nonce)
    except ValueError:
        raise NonceUnknown() from None
    challenge = LivenessChallenge.objects.filter(nonce=key, case=case).first()
    if challenge is None:
        raise NonceUnknown()
    if challenge.used_at is not None:
        raise NonceReused()
    if challenge.expires_at <= now:
        raise NonceExpired()
    data = upload_read(
        clip,
        max_bytes=settings.IDRENEW_FACE_CLIP_MAX_BYTES,
        too_large=ClipTooLarge,
        size_required=True,
    )
    prompts = schedule.from_stored(challenge.schedule)
    if prompt_offset_ms is not None and not schedule.offset_allowed(prompts, prompt_offset_ms):
        raise ClipTimingInvalid(
            detail={"prompt_offset_ms": prompt_offset_ms, "scheduled_ms": prompts[0].start_ms}
        )
    kind = sniff_clip(data[:16])
    if kind is None or len(data) < 1024:
        raise ClipRejected("无法识别的视频格式，请使用手机自带浏览器重新录制")
    used = LivenessChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
        used_at=now
    )
    if not used:
        raise NonceReused()
    return upload_submit(
        case=case,
        data=data,
        folder="face/clips",
        suffix=f".{kind}",
        record=lambda name: FaceAttempt.objects.create(
            case=case,
            challenge=challenge,
            clip_name=name,
            clip_content_type=CLIP_TYPES[kind],
            clip_size=len(data),
            prompt_offset_ms=prompt_offset_ms,
        ),
        action="face.clip_uploaded",
        audit_data=lambda attempt: {
            "attempt": str(attempt.id),
            "type": kind,
            "bytes": len(data),
            "prompt_offset_ms": prompt_offset_ms,
        },
        task="face.analyze",
        task_argument="attempt_id",
        request=request,
    )


class ActionJson(TypedDict):
    """One asked-for action's result as the attempt stores it (``FaceAttempt.actions``)."""

    action: str
    passed: bool
    frames: list[int] | None
    at: float | None


class FailureJson(TypedDict):
    code: str
    message: str


class FaceAttemptJson(TypedDict):
    """The analysis task's stored result: the attempt as ``GET /attempts/latest`` shows it."""

    attempt_id: str
    passed: bool
    status: str
    actions: list[ActionJson]
    failures: list[FailureJson]
    case_state: str
    current_step: int


@dataclass(frozen=True, slots=True)
class FaceAttemptSummary:
    """A liveness attempt as the customer reads it: the actions' results, the failures with
    their messages, and where the case now stands."""

    attempt_id: str
    passed: bool
    status: str
    actions: tuple[ActionJson, ...]
    failures: tuple[FailureJson, ...]
    case_state: str
    current_step: int

    def to_json(self) -> FaceAttemptJson:
        return {
            "attempt_id": self.attempt_id,
            "passed": self.passed,
            "status": self.status,
            "actions": list(self.actions),
            "failures": list(self.failures),
            "case_state": self.case_state,
            "current_step": self.current_step,
        }


def _failure(code: str) -> FailureJson:
    message = FAILURE_MESSAGES.get(code) or IDENTITY_MESSAGES.get(code)
    return {"code": code, "message": message or "人脸识别未通过，请重试"}


def face_attempt_analyze(*, attempt_id: str) -> FaceAttemptJson:
    """Analyse an uploaded clip; the clip is deleted whatever the outcome. The result is the
    task's (JSON): the attempt's summary."""
    attempt = FaceAttempt.objects.select_related("case", "challenge", "case__customer").get(
        pk=attempt_id
    )
    if attempt.status != FaceAttempt.Status.PENDING:
        return face_attempt_summary(attempt).to_json()
    started = time.monotonic()
    engine = face_engine()
    suffix = ".webm" if attempt.clip_content_type == "video/webm" else ".mp4"
    failures: list[str] = []
    report = None
    windows = None
    if attempt.challenge.schedule:
        windows = schedule.windows(
            schedule.from_stored(attempt.challenge.schedule),
            offset_ms=attempt.prompt_offset_ms,
            tolerance_ms=settings.IDRENEW_FACE_PROMPT_TOLERANCE_MS,
        )
    try:
        with tempfile.TemporaryDirectory(prefix="idrenew-face-") as tmp:
            path = Path(tmp) / f"clip{suffix}"
            path.write_bytes(read_encrypted(attempt.clip_name))
            try:
                report = engine.analyze_clip(
                    str(path), list(attempt.challenge.actions), windows=windows
                )
            except FaceError as exc:
                failures = [exc.code]
    finally:
        delete_file(attempt.clip_name)
        attempt.clip_name = ""
    if report is not None:
        failures = list(report.failures)
        actions: list[ActionJson] = [
            {
                "action": a.action,
                "passed": a.passed,
                "frames": list(a.frames) if a.frames else None,
                "at": a.at,
            }
            for a in report.actions
        ]
        attempt.actions = actions
        attempt.frame_count = report.frame_count
        attempt.face_ratio = report.face_ratio
        attempt.best_frame_index = report.best_frame
        if report.best_frame_jpeg:
            attempt.best_frame_name = save_encrypted(
                "face/best", report.best_frame_jpeg, suffix=".jpg"
            )
        spoof = spoof_detector().check_frames(report.spoof_frames)
        attempt.spoof_score = spoof.score if spoof else None
        attempt.spoof_threshold = spoof.threshold if spoof else None
        attempt.spoof_attack = spoof.attack if spoof else None
        attempt.spoof_note = spoof.note[:100] if spoof else NOT_CHECKED
        if report.best_frame_embedding is not None:
            vector = np.asarray(report.best_frame_embedding, dtype=np.float32)
            attempt.embedding_name = save_encrypted("face/emb", vector.tobytes(), suffix=".f32")
            similarity = _compare_with_reference(attempt.case.customer, vector)
            metrics.count_face_match(
                kind="reference",
                checked=similarity is not None,
                similarity=similarity,
                threshold=engine.threshold,
            )
            if similarity is not None:
                attempt.reference_similarity = similarity
                attempt.reference_threshold = engine.threshold
                if similarity < engine.threshold:
                    failures.append("FACE_MISMATCH")
        if not report.passed and not failures:
            failures = ["ACTION_MISSING"]
    passed = report is not None and report.passed and not failures
    if passed:  # the public-security check, where one is configured (face/identity.py)
        identity = identity_check_portrait(attempt)
        if identity is not None and identity.outcome in DEFINITE_REFUSALS:
            failures.append(FAILURE_CODES[Outcome(identity.outcome)].code)
            passed = False
    attempt.failures = failures
    attempt.status = FaceAttempt.Status.PASSED if passed else FaceAttempt.Status.FAILED
    attempt.analyzed_at = timezone.now()
    attempt.analysis_seconds = round(time.monotonic() - started, 3)
    attempt.save()
    metrics.count_liveness(passed=passed, failures=failures)
    audit_record(
        action="face.analyzed",
        actor_type=ActorType.SYSTEM,
        customer_id=attempt.case.customer_id,
        case_id=attempt.case_id,
        data={
            "attempt": str(attempt.id),
            "passed": passed,
            "failures": failures,
            # Turns and mouth openings outside their prompt, or never asked for.
            "stray": [{"action": r.action, "at": r.at} for r in report.stray] if report else [],
            "spoof_attack": attempt.spoof_attack,
        },
    )
    if passed:
        case_transition(
            case_id=attempt.case_id,
            target=State.FACE_PASSED,
            actor_type=ActorType.SYSTEM,
            actor_id="face",
            data={"attempt": str(attempt.id)},
        )
    return face_attempt_summary(attempt).to_json()


def _compare_with_reference(customer: Customer, vector: np.ndarray) -> float | None:
    """Similarity to the reference photo from account opening, when the record has one."""
    if not customer.reference_face:
        return None
    raw = read_encrypted(str(customer.reference_face.name))  # stored with save_encrypted
    decoded = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        return None
    image = np.asarray(decoded, dtype=np.uint8)
    engine = face_engine()
    try:
        reference = engine.embed_image(image)
    except FaceError:
        return None
    return float(engine.similarity(vector, reference))


def face_attempt_summary(attempt: FaceAttempt) -> FaceAttemptSummary:
    attempt.case.refresh_from_db()
    return FaceAttemptSummary(
        attempt_id=str(attempt.id),
        passed=attempt.status == FaceAttempt.Status.PASSED,
        status=attempt.status,
        actions=tuple(attempt.actions),
        failures=tuple(_failure(code) for code in attempt.failures),
        case_state=attempt.case.state,
        current_step=attempt.case.current_step,
    )


# --- the card portrait against the liveness result (asked by idcard at step 5) ----------------


@dataclass(frozen=True)
class FaceCompare:
    """``checked``: a comparison was made; ``similarity`` against ``threshold`` decides."""

    checked: bool
    similarity: float | None
    threshold: float | None


def face_compare(*, case: RenewalCase, portrait_jpeg: bytes | None) -> FaceCompare:
    """A photo (the card portrait) against the best frame of the case's passed liveness
    attempt. Not checked (``checked=False``) when there is no passed attempt, no photo, a photo
    that does not decode, or no face in it (then with the engine's threshold)."""
    attempt = (
        FaceAttempt.objects.filter(case=case, status=FaceAttempt.Status.PASSED)
        .exclude(embedding_name="")
        .order_by("-created_at")
        .first()
    )
    if attempt is None or not portrait_jpeg:
        return FaceCompare(False, None, None)
    engine = face_engine()
    decoded = cv2.imdecode(np.frombuffer(portrait_jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        return FaceCompare(False, None, None)
    try:
        portrait = engine.embed_image(np.asarray(decoded, dtype=np.uint8))
    except FaceError:
        return FaceCompare(False, None, engine.threshold)
    live = np.frombuffer(read_encrypted(attempt.embedding_name), dtype=np.float32)
    return FaceCompare(True, round(engine.similarity(live, portrait), 4), engine.threshold)
