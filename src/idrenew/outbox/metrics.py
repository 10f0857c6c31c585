"""The outbox's gauges, read from the database at each scrape (registered with
``core.observability.metrics`` in :class:`~idrenew.outbox.apps.OutboxConfig`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.core import Metric


def row_counts(now: datetime) -> Iterator[Metric]:
    """``idrenew_outbox_events`` per topic and status, and the oldest pending event's age."""
    from django.db.models import Count, Min
    from prometheus_client.core import GaugeMetricFamily

    from idrenew.outbox.models import OutboxEvent, OutboxStatus
    from idrenew.outbox.services import topics

    outbox = GaugeMetricFamily(
        "idrenew_outbox_events", "Outbox events by topic and status", labels=["topic", "status"]
    )
    rows = {
        (t, s): n
        for t, s, n in OutboxEvent.objects.values_list("topic", "status")
        .annotate(n=Count("id"))
        .order_by()
    }
    for topic in sorted(set(topics()) | {t for t, _ in rows}):
        for status in OutboxStatus.values:
            outbox.add_metric([topic, status], rows.get((topic, status), 0))
    yield outbox
    oldest = OutboxEvent.objects.filter(status=OutboxStatus.PENDING).aggregate(m=Min("created_at"))[
        "m"
    ]
    yield GaugeMetricFamily(
        "idrenew_outbox_oldest_pending_seconds",
        "Age of the oldest pending outbox event (0: none pending)",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )
