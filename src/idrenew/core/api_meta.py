"""Service-wide endpoints: meta (business hours, steps), the session, task status."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Router, Schema

from idrenew.cases.domain.states import STEPS
from idrenew.core.auth import CustomerAuth, request_customer
from idrenew.core.errors import TaskNotFound
from idrenew.core.models import TaskRecord
from idrenew.core.schemas import ErrorOut
from idrenew.core.tasks import task_result

router = Router(tags=["meta"])


class HoursOut(Schema):
    open: str
    close: str


class StepOut(Schema):
    number: int
    key: str
    title: str


class MetaOut(Schema):
    service_open: bool
    ignore_business_hours: bool
    business_hours: HoursOut
    next_open: datetime | None
    demo: bool
    steps: list[StepOut]


@router.get("/meta", response=MetaOut, summary="服务信息（同时下发 CSRF Cookie）")
def meta(request: HttpRequest) -> MetaOut:
    get_token(request)  # makes the CSRF middleware set the csrftoken cookie
    from idrenew.tradingcalendar.selectors import next_open, service_open

    is_open = service_open()
    return MetaOut(
        service_open=is_open,
        ignore_business_hours=settings.IDRENEW_IGNORE_BUSINESS_HOURS,
        business_hours=HoursOut(
            open=settings.IDRENEW_BUSINESS_OPEN, close=settings.IDRENEW_BUSINESS_CLOSE
        ),
        next_open=None if is_open else next_open(),
        demo=settings.IDRENEW_DEMO,
        steps=[StepOut(number=s.number, key=s.key, title=s.title) for s in STEPS],
    )


class TaskOut(Schema):
    task_id: str
    status: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None


@router.get(
    "/tasks/{task_id}",
    response={200: TaskOut, 401: ErrorOut, 404: ErrorOut},
    auth=CustomerAuth(),
    summary="查询处理中任务的状态",
)
def task_status(request: HttpRequest, task_id: str) -> TaskOut:
    customer = request_customer(request)
    try:
        key = uuid.UUID(task_id)
    except ValueError:
        raise TaskNotFound() from None
    record = TaskRecord.objects.filter(pk=key, owner_customer_id=customer.pk).first()
    if record is None:  # someone else's task looks exactly like a missing one
        raise TaskNotFound()
    return TaskOut(
        task_id=str(record.id), status=record.status, result=task_result(record), error=record.error
    )
