"""Step 3 endpoints: notice and consent, liveness challenge, clip upload, latest result."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from idrenew.cases.services import case_current
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.schemas import ERROR_RESPONSES, EmptyIn, StrictIn, TaskAccepted
from idrenew.face import services
from idrenew.face.domain import schedule as prompt_schedule
from idrenew.face.domain.types import PROMPTS
from idrenew.face.errors import BRANCH_ROUTE, NoAttempt
from idrenew.face.models import FaceAttempt
from idrenew.face.notice import current_notice

router = Router(tags=["人脸识别"], auth=CustomerAuth())
Errors = ERROR_RESPONSES


class NoticeOut(Schema):
    version: str
    title: str
    paragraphs: list[str]
    branch_route: str


class ConsentIn(StrictIn):
    notice_version: str = Field(..., min_length=1, max_length=40)


class ConsentOut(Schema):
    notice_version: str
    consented_at: str


class DeclineOut(Schema):
    message: str


class PromptOut(Schema):
    action: str
    prompt: str
    start_ms: int  # from the start of the recording
    end_ms: int


class ChallengeOut(Schema):
    nonce: str
    actions: list[str]
    prompts: list[str]
    # When to show each prompt; the page records until the last one ends and sends, with
    # the clip, how long after its recorder started the first prompt appeared.
    schedule: list[PromptOut]
    expires_in: int
    attempts_left: int
    max_clip_seconds: int


class AttemptOut(Schema):
    attempt_id: str
    passed: bool
    status: str
    actions: list[dict[str, Any]]
    failures: list[dict[str, str]]
    case_state: str
    current_step: int


@router.get("/notice", response={200: NoticeOut, **Errors}, summary="人脸识别信息处理告知书")
def notice(request: HttpRequest) -> NoticeOut:
    current = current_notice()
    return NoticeOut(
        version=current.version,
        title=current.title,
        paragraphs=list(current.paragraphs),
        branch_route=BRANCH_ROUTE,
    )


@router.post("/consent", response={200: ConsentOut, **Errors}, summary="同意告知书")
def consent(request: HttpRequest, payload: ConsentIn) -> ConsentOut:
    case = case_current(customer=request_customer(request))
    record = services.face_consent_record(
        case=case, notice_version=payload.notice_version, request=request
    )
    return ConsentOut(
        notice_version=record.notice_version, consented_at=record.consented_at.isoformat()
    )


@router.post("/decline", response={200: DeclineOut, **Errors}, summary="不同意，改为临柜办理")
def decline(request: HttpRequest, payload: EmptyIn) -> DeclineOut:
    case = case_current(customer=request_customer(request))
    services.face_decline_record(case=case, request=request)
    return DeclineOut(message=BRANCH_ROUTE)


@router.post("/challenge", response={200: ChallengeOut, **Errors}, summary="获取活体检测动作")
def challenge(request: HttpRequest, payload: EmptyIn) -> ChallengeOut:
    customer = request_customer(request)
    case = case_current(customer=customer)
    issued = services.face_challenge_issue(case=case, request=request)
    return ChallengeOut(
        nonce=str(issued.nonce),
        actions=list(issued.actions),
        prompts=[PROMPTS[a] for a in issued.actions],
        schedule=[
            PromptOut(
                action=p.action,
                prompt=PROMPTS.get(p.action, p.action),
                start_ms=p.start_ms,
                end_ms=p.end_ms,
            )
            for p in prompt_schedule.from_stored(issued.schedule)
        ],
        expires_in=settings.IDRENEW_FACE_CHALLENGE_TTL,
        attempts_left=services.face_attempts_left(customer=customer),
        max_clip_seconds=settings.IDRENEW_FACE_MAX_CLIP_SECONDS,
    )


@router.post(
    "/clip", response={202: TaskAccepted, **Errors}, summary="上传活体检测录像（WebM 或 MP4）"
)
def clip(
    request: HttpRequest,
    nonce: Form[str],
    clip: File[UploadedFile],
    prompt_offset_ms: Form[int | None] = None,
) -> Status[TaskAccepted]:
    case = case_current(customer=request_customer(request))
    task = services.face_clip_submit(
        case=case, nonce=nonce, clip=clip, request=request, prompt_offset_ms=prompt_offset_ms
    )
    return Status(202, TaskAccepted(task_id=str(task.id), status=task.status))


@router.get("/attempts/latest", response={200: AttemptOut, **Errors}, summary="最近一次结果")
def latest(request: HttpRequest) -> AttemptOut:
    case = case_current(customer=request_customer(request))
    attempt = FaceAttempt.objects.filter(case=case).order_by("-created_at").first()
    if attempt is None:
        raise NoAttempt()
    return AttemptOut.model_validate(services.face_attempt_summary(attempt))
