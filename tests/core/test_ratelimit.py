from __future__ import annotations

import pytest

from idrenew.core.ratelimit import hit, peek

pytestmark = pytest.mark.django_db


def test_fixed_window_counts_and_blocks() -> None:
    results = [hit("t:a", limit=3, window_seconds=60, now=1000.0) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert results[-1].count == 4 and results[-1].retry_after == 20  # window 960..1020
    assert peek("t:a", window_seconds=60, now=1000.0) == 4


def test_new_window_starts_afresh() -> None:
    for _ in range(3):
        hit("t:b", limit=2, window_seconds=60, now=1000.0)
    assert hit("t:b", limit=2, window_seconds=60, now=1030.0).allowed


def test_keys_are_independent() -> None:
    hit("t:c", limit=1, window_seconds=60, now=1000.0)
    assert hit("t:d", limit=1, window_seconds=60, now=1000.0).allowed


def test_database_backend_when_no_redis(settings) -> None:  # type: ignore[no-untyped-def]
    from idrenew.core.models import RateCounter

    settings.REDIS_URL = ""
    hit("t:db", limit=5, window_seconds=60, now=1000.0)
    hit("t:db", limit=5, window_seconds=60, now=1000.0)
    assert RateCounter.objects.get(key="t:db").count == 2
