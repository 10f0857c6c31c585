"""Fixed-window rate limits: atomic in Redis when configured, else in the database.

They fail closed: when Redis cannot be reached (down, refusing, slower than 2 s) nothing is
counted, so nothing is allowed: :class:`RateLimitUnavailable` answers a coded 503 that asks
the customer to try again later (tests/ops/test_drill_redis.py).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from idrenew.core.errors import AppError

logger = logging.getLogger(__name__)
# Seconds to connect to Redis and for each command: a dead or black-holed Redis refuses the
# sign-in quickly instead of holding the web worker.
REDIS_TIMEOUT = 2.0


class RateLimitUnavailable(AppError):
    code = "RATE_LIMIT_UNAVAILABLE"
    status = 503
    default_message = "系统繁忙，暂时无法验证身份，请稍后再试"
    retryable = True
    staff_message = "限流计数（Redis）不可用，登录请求被拒绝：请检查 Redis"


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets


@functools.cache
def _redis_client(url: str):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )


def _redis_unavailable(exc: Exception) -> RateLimitUnavailable:
    logger.error("rate limits unavailable, refusing (fail closed): %s", exc.__class__.__name__)
    return RateLimitUnavailable()


def _window(window_seconds: int, now: float) -> tuple[int, int]:
    start = int(now // window_seconds) * window_seconds
    return start, start + window_seconds - int(now)


def hit(key: str, *, limit: int, window_seconds: int, now: float | None = None) -> Hit:
    """Count one event under ``key``; ``allowed`` is False once ``limit`` is exceeded."""
    now = time.time() if now is None else now
    start, retry_after = _window(window_seconds, now)
    if settings.REDIS_URL:
        import redis

        try:
            count = _redis_hit(key, start, window_seconds)
        except redis.RedisError as exc:
            raise _redis_unavailable(exc) from exc
    else:
        count = _db_hit(key, start, window_seconds)
    return Hit(allowed=count <= limit, count=count, limit=limit, retry_after=max(1, retry_after))


def peek(key: str, *, window_seconds: int, now: float | None = None) -> int:
    now = time.time() if now is None else now
    start, _ = _window(window_seconds, now)
    if settings.REDIS_URL:
        import redis

        try:
            raw = _redis_client(settings.REDIS_URL).get(_redis_key(key, start))
        except redis.RedisError as exc:
            raise _redis_unavailable(exc) from exc
        return int(raw or 0)
    from idrenew.core.models import RateCounter

    row = RateCounter.objects.filter(key=key, window_start=start).first()
    return row.count if row else 0


def _redis_key(key: str, start: int) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'idrenew')}:rl:{key}:{start}"


def _redis_hit(key: str, start: int, window_seconds: int) -> int:
    client = _redis_client(settings.REDIS_URL)
    rkey = _redis_key(key, start)
    pipe = client.pipeline()
    pipe.incr(rkey)
    pipe.expire(rkey, window_seconds + 5)
    count, _ = pipe.execute()
    return int(count)


def _db_hit(key: str, start: int, window_seconds: int) -> int:
    from idrenew.core.models import RateCounter

    expires = timezone.now() + timedelta(seconds=window_seconds + 5)
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window_start=start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        key=key, window_start=start, count=1, expires_at=expires
                    )
            except IntegrityError:
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        return RateCounter.objects.get(key=key, window_start=start).count


def purge_expired() -> int:
    from idrenew.core.models import RateCounter

    deleted, _ = RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
