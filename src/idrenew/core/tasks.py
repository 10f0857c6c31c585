"""One task interface for slow steps (OCR, face analysis, PDF signing).

``task_submit`` records a ``TaskRecord`` and runs it: inline in the embedded default, or on a
Celery worker (Redis broker) when ``IDRENEW_CELERY_BROKER_URL`` is set. Either way the API
answers 202 with the task id and the client polls ``GET /api/tasks/{id}``.

Task functions register by name and receive the record's JSON arguments; they return a
JSON-able dict, or raise ``AppError`` for a coded failure the customer sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from idrenew.core.errors import AppError
from idrenew.core.models import TaskRecord, TaskStatus

logger = logging.getLogger(__name__)

TaskFunc = Callable[..., dict[str, Any]]


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, TaskFunc] = {}

    def __call__(self, name: str) -> Callable[[TaskFunc], TaskFunc]:
        def decorator(func: TaskFunc) -> TaskFunc:
            if name in self._tasks and self._tasks[name] is not func:
                raise ValueError(f"task {name!r} is already registered")
            self._tasks[name] = func
            return func

        return decorator

    def get(self, name: str) -> TaskFunc:
        try:
            return self._tasks[name]
        except KeyError:
            raise LookupError(f"unknown task {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._tasks)


register = TaskRegistry()


@register("core.checksum")
def checksum_file(*, storage_name: str) -> dict[str, Any]:
    """Hash a stored file: a small real task used to check a deployment's workers."""
    import hashlib

    from django.core.files.storage import default_storage

    digest = hashlib.sha256()
    with default_storage.open(storage_name, "rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": default_storage.size(storage_name)}


def uses_workers() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def task_submit(
    *, name: str, arguments: dict[str, Any], owner_customer_id: int | None = None
) -> TaskRecord:
    register.get(name)  # fail fast on a typo
    record = TaskRecord.objects.create(
        name=name, arguments=arguments, owner_customer_id=owner_customer_id
    )
    if uses_workers():
        from idrenew.celery import run_task

        transaction.on_commit(lambda: run_task.delay(str(record.id)))
    else:
        task_execute(task_id=str(record.id))
        record.refresh_from_db()
    return record


def task_execute(*, task_id: str) -> None:
    """Run one recorded task and store its outcome (called inline or by the worker)."""
    record = TaskRecord.objects.get(pk=task_id)
    if record.status in (TaskStatus.SUCCEEDED, TaskStatus.FAILED):
        return  # a redelivered message: the work is done already
    record.status = TaskStatus.RUNNING
    record.started_at = timezone.now()
    record.save(update_fields=["status", "started_at"])
    try:
        result = register.get(record.name)(**record.arguments)
    except AppError as exc:
        record.status = TaskStatus.FAILED
        body = exc.as_body()
        record.error = {k: body[k] for k in ("code", "message", "retryable")}
    except Exception:
        logger.exception("task %s (%s) crashed", record.name, record.id)
        record.status = TaskStatus.FAILED
        record.error = {
            "code": "TASK_FAILED",
            "message": "处理失败，请稍后重试；如多次失败请联系客服",
            "retryable": True,
        }
    else:
        record.status = TaskStatus.SUCCEEDED
        record.result = result
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "result", "error", "finished_at"])
