"""One task interface for slow steps (OCR, face analysis, PDF signing).

``task_submit`` records a ``TaskRecord`` and runs it: inline in the embedded default, or on a
Celery worker (Redis broker) when ``IDRENEW_CELERY_BROKER_URL`` is set. Either way the API
answers 202 with the task id and the client polls ``GET /api/tasks/{id}``.

Task functions register by name and receive the record's JSON arguments; they return a
JSON-able mapping (typically the app's own ``TypedDict``, returned as it is: the record
stores a plain dict of it), or raise ``AppError`` for a coded failure the customer sees.

Data at rest: arguments and result are encrypted (``EncryptedJSONField``), and a result keeps
only what the client must re-read. A task whose answer is personal (the OCR task's fields)
stores a reference instead and registers ``present``, which builds the answer again from the
encrypted rows when the client polls (:func:`task_result`). ``task_records_purge`` deletes
records ``IDRENEW_TASK_RECORD_RETENTION_HOURS`` after they were created (``housekeeping``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from idrenew.core.errors import AppError, error_code
from idrenew.core.models import TaskRecord, TaskStatus
from idrenew.core.observability import metrics

logger = logging.getLogger(__name__)

# What a task returns and a presenter answers: any JSON-able mapping, so an app's TypedDict
# (a subtype of Mapping[str, object]) passes as it is; core stores and answers a dict of it.
TaskResult = Mapping[str, object]
TaskFunc = Callable[..., TaskResult]
# Reads the stored result (JSON: a dict) and answers what the client reads.
Presenter = Callable[[dict[str, Any]], TaskResult | None]
F = TypeVar("F", bound=TaskFunc)


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: dict[str, TaskFunc] = {}
        self._presenters: dict[str, Presenter] = {}

    def __call__(self, name: str, *, present: Presenter | None = None) -> Callable[[F], F]:
        """Register a task (the function keeps its own type). ``present`` turns the stored
        result (e.g. a reference to encrypted rows) into the answer the client reads."""

        def decorator(func: F) -> F:
            if name in self._tasks and self._tasks[name] is not func:
                raise ValueError(f"task {name!r} is already registered")
            self._tasks[name] = func
            if present is not None:
                self._presenters[name] = present
            return func

        return decorator

    def presenter(self, name: str) -> Presenter | None:
        return self._presenters.get(name)

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
        from idrenew.core.observability import request_id

        # The request's id travels with the message: the worker's log lines carry it.
        rid = request_id.current()
        transaction.on_commit(lambda: _publish(run_task, record, rid))
    else:
        task_execute(task_id=str(record.id))
        record.refresh_from_db()
    return record


class TaskQueueUnavailable(AppError):
    """The broker refused the message: the step is refused now, to be submitted again."""

    code = "TASK_QUEUE_UNAVAILABLE"
    status = 503
    default_message = "系统繁忙，暂时无法处理，请稍后重新提交"
    retryable = True
    staff_message = "任务队列（消息代理）不可用，任务未提交：请检查 broker 后重试"


def _publish(run_task: Any, record: TaskRecord, request_id: str) -> None:
    """Queue the record's message; when the broker cannot take it (down, unreachable), the
    record fails with a retryable code instead of waiting "pending" for a message that was
    never sent, and the request answers 503 (tests/ops/test_drill_broker.py)."""
    from kombu.exceptions import OperationalError

    try:
        run_task.apply_async(
            args=(str(record.id),),
            kwargs={"request_id": request_id},
            retry=True,
            retry_policy=PUBLISH_RETRY,
        )
    except (OperationalError, OSError) as exc:
        logger.error(
            "task %s (%s) not queued: broker unavailable (%s)",
            record.name,
            record.id,
            exc.__class__.__name__,
        )
        refusal = TaskQueueUnavailable()
        body = refusal.as_body()
        TaskRecord.objects.filter(pk=record.pk, status=TaskStatus.PENDING).update(
            status=TaskStatus.FAILED,
            error={k: body[k] for k in ("code", "message", "retryable")},
            finished_at=timezone.now(),
        )
        raise refusal from exc


# A broker that does not answer within about 2 s refuses the step (Celery's default waits
# up to 4 s per connection attempt, 3 retries).
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def task_execute(*, task_id: str) -> None:
    """Run one recorded task and store its outcome (called inline or by the worker)."""
    record = TaskRecord.objects.filter(pk=task_id).first()
    if record is None:  # purged while it waited in a queue for longer than the retention
        logger.warning("task %s no longer exists; not run", task_id)
        return
    if record.status in (TaskStatus.SUCCEEDED, TaskStatus.FAILED):
        return  # a redelivered message: the work is done already
    record.status = TaskStatus.RUNNING
    record.started_at = timezone.now()
    started = time.monotonic()
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
        failed = error_code("TASK_FAILED")  # registered in core/errors.py
        record.error = {
            "code": failed.code,
            "message": failed.message,
            "retryable": failed.retryable,
        }
    else:
        record.status = TaskStatus.SUCCEEDED
        record.result = dict(result)  # a TypedDict is a dict already: the same JSON
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "result", "error", "finished_at"])
    seconds = time.monotonic() - started
    code = record.error.get("code") if record.error else None
    metrics.observe_task(task=record.name, seconds=seconds, error_code=code)
    logger.info(
        "task %s (%s) %s in %.0f ms",
        record.name,
        record.id,
        record.status,
        seconds * 1000,
        extra={"task": record.name, "task_id": str(record.id), "code": code},
    )


def task_result(record: TaskRecord) -> dict[str, Any] | None:
    """The result as the client reads it (built again from its rows where the task stores
    a reference)."""
    if record.result is None:
        return None
    present = register.presenter(record.name)
    if present is None:
        return dict(record.result)
    answer = present(record.result)
    return dict(answer) if answer is not None else None


def task_records_purge(*, now: datetime | None = None) -> int:
    """Delete task records past ``IDRENEW_TASK_RECORD_RETENTION_HOURS``; the number deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDRENEW_TASK_RECORD_RETENTION_HOURS)
    return TaskRecord.objects.filter(created_at__lt=cutoff).delete()[0]
