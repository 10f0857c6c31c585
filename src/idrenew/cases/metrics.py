"""The funnel's gauge, read from the database at each scrape (registered with
``core.observability.metrics`` in :class:`~idrenew.cases.apps.CasesConfig`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.core import Metric


def row_counts(now: datetime) -> Iterator[Metric]:
    """``idrenew_cases``: renewal cases per state and the step a customer is on in it."""
    from django.db.models import Count
    from prometheus_client.core import GaugeMetricFamily

    from idrenew.cases.domain.states import LABELS, State, step_of
    from idrenew.cases.models import RenewalCase

    cases = GaugeMetricFamily(
        "idrenew_cases",
        "Renewal cases by state and the step a customer is on in it (the funnel)",
        labels=["state", "step"],
    )
    counted = dict(RenewalCase.objects.values_list("state").annotate(n=Count("id")).order_by())
    for state in LABELS:
        step = step_of(State(state))
        cases.add_metric([str(state), f"{step.number:02d}_{step.key}"], counted.get(state, 0))
    yield cases
