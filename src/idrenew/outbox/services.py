"""Writing events into the outbox and delivering them.

``outbox_add`` is called inside the transaction that records a business fact, so the event
exists exactly when the fact does. ``outbox_dispatch`` delivers due events one at a time:
each handler runs, then the event is marked delivered; a failure is recorded and retried with
exponential backoff, and after ``IDRENEW_OUTBOX_MAX_ATTEMPTS`` the event becomes a dead
letter, shown in the back office until an administrator sends it again. Handlers must be
idempotent (a crash between the handler and the mark re-delivers once).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from idrenew.core.observability import metrics
from idrenew.outbox.models import OutboxEvent, OutboxStatus

logger = logging.getLogger(__name__)

# A handler returns None when delivered, or a message for a clean failure whose records
# (e.g. the failed SMS attempt) are kept; an exception undoes the handler's writes. Either
# failure is retried, unless the message is a ``Refusal`` (a dead letter at once).
Handler = Callable[[OutboxEvent, dict[str, Any]], str | None]
_HANDLERS: dict[str, Handler] = {}
MAX_BACKOFF = timedelta(hours=1)


class DeliveryFailed(Exception):
    """A handler's transient failure: the event is retried later."""


class DeliveryRefused(DeliveryFailed):
    """A failure retrying cannot cure: the event is a dead letter at once."""


class Refusal(str):
    """What a handler returns for a clean failure that retrying cannot cure (e.g. the SMS
    vendor refuses the template or the number): its records are kept, and the event becomes
    a dead letter at once, for an administrator to fix and send again."""


def handles(topic: str) -> Callable[[Handler], Handler]:
    def decorator(func: Handler) -> Handler:
        _HANDLERS[topic] = func
        return func

    return decorator


def topics() -> list[str]:
    return sorted(_HANDLERS)


def outbox_add(
    *,
    topic: str,
    dedupe_key: str,
    payload: dict[str, Any],
    case_id: uuid.UUID | None = None,
    case_reference: str = "",
    now: datetime | None = None,
) -> OutboxEvent:
    """Record an event (once per ``dedupe_key``); delivery starts after the commit."""
    if topic not in _HANDLERS:
        raise LookupError(f"no handler for outbox topic {topic!r}")
    event, created = OutboxEvent.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "topic": topic,
            "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
            "case_id": case_id,
            "case_reference": case_reference,
            "next_attempt_at": now or timezone.now(),
        },
    )
    if created:
        # The request's id is on this line: the dispatcher's lines name the same event id.
        logger.info("outbox event %s (%s) recorded", event.pk, topic, extra={"topic": topic})
        transaction.on_commit(lambda: outbox_dispatch_safely(ids=[event.id]))
    return event


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour (base from settings)."""
    base = timedelta(seconds=settings.IDRENEW_OUTBOX_BACKOFF_SECONDS)
    delay: timedelta = min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return delay


@dataclass
class DispatchResult:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def _due(now: datetime, ids: list[uuid.UUID] | None, limit: int) -> list[uuid.UUID]:
    qs = OutboxEvent.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("next_attempt_at", "created_at").values_list("pk", flat=True)[:limit])


def _lock(pk: uuid.UUID, now: datetime) -> OutboxEvent | None:
    skip = bool(connection.features.has_select_for_update_skip_locked)
    qs = OutboxEvent.objects.filter(
        pk=pk, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).select_for_update(skip_locked=skip)
    return qs.first()


def outbox_deliver_one(pk: uuid.UUID, *, now: datetime | None = None) -> str | None:
    """Deliver one due event; returns its new status, or None if another worker has it."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(pk, now)
        if event is None:
            return None
        handler = _HANDLERS.get(event.topic)
        event.attempts += 1
        try:
            if handler is None:
                raise DeliveryFailed(f"no handler for topic {event.topic}")
            with transaction.atomic():  # a failing handler's writes are undone, not the record
                refused = handler(event, json.loads(event.payload))
            if refused:
                raise (DeliveryRefused if isinstance(refused, Refusal) else DeliveryFailed)(refused)
        except Exception as exc:
            event.last_error = f"{type(exc).__name__}: {exc}"[:500]
            final = isinstance(exc, DeliveryRefused)
            if final or event.attempts >= settings.IDRENEW_OUTBOX_MAX_ATTEMPTS:
                event.status = OutboxStatus.DEAD
                logger.error("outbox event %s (%s) is a dead letter", event.pk, event.topic)
            else:
                event.next_attempt_at = now + backoff(event.attempts)
                # The error's type only: its text may repeat what the handler sent (a
                # vendor echoing a name or number); it stays in last_error (对外投递).
                logger.warning(
                    "outbox event %s (%s) failed, attempt %s: %s",
                    event.pk,
                    event.topic,
                    event.attempts,
                    type(exc).__name__,
                    extra={"topic": event.topic},
                )
        else:
            event.status = OutboxStatus.DELIVERED
            event.delivered_at = now
            event.last_error = ""
            logger.info(
                "outbox event %s (%s) delivered, attempt %s",
                event.pk,
                event.topic,
                event.attempts,
                extra={"topic": event.topic},
            )
        event.save()
        metrics.count_outbox_delivery(topic=event.topic, status=str(event.status))
        return str(event.status)


def outbox_dispatch(
    *, now: datetime | None = None, ids: list[uuid.UUID] | None = None, limit: int = 200
) -> DispatchResult:
    now = now or timezone.now()
    result = DispatchResult()
    for pk in _due(now, ids, limit):
        status = outbox_deliver_one(pk, now=now)
        if status == OutboxStatus.DELIVERED:
            result.delivered += 1
        elif status == OutboxStatus.DEAD:
            result.dead += 1
        elif status == OutboxStatus.PENDING:
            result.failed += 1
    return result


def outbox_dispatch_safely(*, ids: list[uuid.UUID] | None = None) -> None:
    """After a commit: deliver now if possible; whatever fails waits for the next run."""
    try:
        outbox_dispatch(ids=ids)
    except Exception:
        logger.exception("outbox dispatch after commit failed; the events stay pending")


def outbox_retry(*, event: OutboxEvent, now: datetime | None = None) -> None:
    """Send a dead letter (or a waiting event) again now."""
    OutboxEvent.objects.filter(pk=event.pk).exclude(status=OutboxStatus.DELIVERED).update(
        status=OutboxStatus.PENDING, next_attempt_at=now or timezone.now(), attempts=0
    )
