"""Prometheus metrics (``prometheus-client``).

Counters and histograms are kept per process and added up at scrape time:

- Under gunicorn (several workers, no preload) and the Celery worker (prefork children),
  ``PROMETHEUS_MULTIPROC_DIR`` is set before the first metric is made; each process writes
  its values to files there and a scrape reads them all (``MultiProcessCollector``).
  ``core/gunicorn_conf.py`` creates a fresh folder per server start when none is given and
  marks each exited worker dead; the Celery worker does the same (``observability.worker``).
- Elsewhere (``runserver``, tests, a one-off command) the values live in the process.

Labels are bounded sets of names and codes: the URL pattern (never the raw path, which can
hold tokens), the method, the status, a task's registered name, an outcome code. Never an id,
an account or any personal value.

What is a count of rows (cases per state and step, outbox events per status, tasks waiting)
is read from the database at scrape time (:class:`DatabaseCollector`), so it is right
whichever process did the work. Core counts its task queue; the apps register theirs
(:func:`register_row_counts`, from ``AppConfig.ready``: cases its funnel, outbox its events).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.core import Metric
    from prometheus_client.registry import CollectorRegistry

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_TIME_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(frozen=True)
class _Metrics:
    http_requests: Counter
    http_duration: Histogram
    tasks: Counter
    task_duration: Histogram
    task_failures: Counter
    liveness: Counter
    face_match: Counter
    ocr: Counter
    ocr_warnings: Counter
    outbox_deliveries: Counter


_lock = threading.Lock()
_metrics: _Metrics | None = None


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def _build() -> _Metrics:
    from prometheus_client import Counter, Histogram, values

    # The value class (in-process or files in the multiprocess folder) is chosen when
    # prometheus_client is imported; a process that imported it before the folder was set
    # (a Celery child forked from a parent that had) must choose again.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return _Metrics(
        http_requests=Counter(
            "idrenew_http_requests",
            "HTTP requests answered, by URL pattern, method and status",
            ["route", "method", "status"],
        ),
        http_duration=Histogram(
            "idrenew_http_request_duration_seconds",
            "Time to answer an HTTP request, by URL pattern and method",
            ["route", "method"],
            buckets=_TIME_BUCKETS,
        ),
        tasks=Counter(
            "idrenew_tasks",
            "Slow steps run (core.tasks), by task and outcome (succeeded, failed)",
            ["task", "outcome"],
        ),
        task_duration=Histogram(
            "idrenew_task_duration_seconds",
            "Time a slow step ran, by task",
            ["task"],
            buckets=_TIME_BUCKETS,
        ),
        task_failures=Counter(
            "idrenew_task_failures",
            "Failed slow steps, by task and error code (TASK_FAILED: crashed)",
            ["task", "code"],
        ),
        liveness=Counter(
            "idrenew_liveness_outcomes",
            "Liveness checks analysed, by outcome: passed, or the first failure code",
            ["outcome"],
        ),
        face_match=Counter(
            "idrenew_face_match_outcomes",
            "1:1 face comparisons, by kind (reference: account-opening photo, card: card "
            "portrait) and outcome (match, mismatch, unchecked)",
            ["kind", "outcome"],
        ),
        ocr=Counter(
            "idrenew_ocr_outcomes",
            "Card photos read, by side and outcome (accepted, rejected, failed)",
            ["side", "outcome"],
        ),
        ocr_warnings=Counter(
            "idrenew_ocr_warnings",
            "Warnings on card photos read, by side and code",
            ["side", "code"],
        ),
        outbox_deliveries=Counter(
            "idrenew_outbox_deliveries",
            "Outbox delivery attempts, by topic and result (delivered, retry, dead)",
            ["topic", "result"],
        ),
    )


def metrics() -> _Metrics:
    """The metrics of this process, made on first use."""
    global _metrics
    if _metrics is None:
        with _lock:
            if _metrics is None:
                _metrics = _build()
    return _metrics


def _safely(func: Any) -> Any:
    """Metrics must never break the work they count."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except Exception:  # pragma: no cover - logged, never raised
            import logging

            logging.getLogger(__name__).exception("metric %s not recorded", func.__name__)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


# --- what the code calls (one line at the place an outcome is decided) ------------------------


@_safely
def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    m = metrics()
    m.http_requests.labels(route, method, str(status)).inc()
    m.http_duration.labels(route, method).observe(seconds)


@_safely
def observe_task(*, task: str, seconds: float, error_code: str | None) -> None:
    m = metrics()
    m.task_duration.labels(task).observe(seconds)
    m.tasks.labels(task, "failed" if error_code else "succeeded").inc()
    if error_code:
        m.task_failures.labels(task, error_code).inc()


@_safely
def count_liveness(*, passed: bool, failures: Iterable[str]) -> None:
    first = next(iter(failures), "UNKNOWN")
    metrics().liveness.labels("passed" if passed else first).inc()


@_safely
def count_face_match(
    *, kind: str, checked: bool, similarity: float | None, threshold: float | None
) -> None:
    if not checked or similarity is None or threshold is None:
        outcome = "unchecked"
    else:
        outcome = "match" if similarity >= threshold else "mismatch"
    metrics().face_match.labels(kind, outcome).inc()


@_safely
def count_ocr(*, side: str, status: str, warnings: Iterable[str]) -> None:
    m = metrics()
    m.ocr.labels(side, status).inc()
    for code in warnings:
        m.ocr_warnings.labels(side, code).inc()


@_safely
def count_outbox_delivery(*, topic: str, status: str) -> None:
    result = {"delivered": "delivered", "dead": "dead"}.get(status, "retry")
    metrics().outbox_deliveries.labels(topic, result).inc()


# --- row counts the apps register -------------------------------------------------------------

RowCounts = Callable[[datetime], Iterable["Metric"]]
"""An app's gauges read from the database at scrape time, given the scrape's time."""

_row_counts: dict[str, RowCounts] = {}


def register_row_counts(app: str, families: RowCounts) -> None:
    """Add an app's row-count gauges to every scrape (called from its ``AppConfig.ready``;
    core imports no app). Scraped in the order registered, i.e. ``INSTALLED_APPS`` order;
    registering the same app again replaces its entry."""
    _row_counts[app] = families


# --- scraping -----------------------------------------------------------------------------------


class DatabaseCollector:
    """Row counts read at scrape time: those the apps registered (:func:`register_row_counts`:
    the funnel, the outbox) and the task queue (records waiting or running per task, the
    oldest waiting one's age)."""

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily(
            "idrenew_database_scrape_ok", "1 when the row counts below could be read"
        )
        try:
            families = list(self._families())
        except Exception:
            import logging

            logging.getLogger(__name__).warning("metrics: row counts not readable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    @staticmethod
    def _families() -> Iterator[Metric]:
        from django.db.models import Count, Min
        from django.utils import timezone
        from prometheus_client.core import GaugeMetricFamily

        from idrenew.core.models import TaskRecord, TaskStatus

        now = timezone.now()
        for families in _row_counts.values():
            yield from families(now)

        queue = GaugeMetricFamily(
            "idrenew_task_queue",
            "Slow steps waiting for a worker (pending) or running, by task (queue depth)",
            labels=["task", "status"],
        )
        from idrenew.core.tasks import register

        waiting = {
            (n, s): c
            for n, s, c in TaskRecord.objects.filter(
                status__in=[TaskStatus.PENDING, TaskStatus.RUNNING]
            )
            .values_list("name", "status")
            .annotate(c=Count("id"))
            .order_by()
        }
        for name in sorted(set(register.names()) | {n for n, _ in waiting}):
            for status in (TaskStatus.PENDING, TaskStatus.RUNNING):
                queue.add_metric([name, str(status)], waiting.get((name, status), 0))
        yield queue
        first = TaskRecord.objects.filter(status=TaskStatus.PENDING).aggregate(m=Min("created_at"))[
            "m"
        ]
        yield GaugeMetricFamily(
            "idrenew_task_queue_oldest_seconds",
            "Age of the oldest slow step still waiting for a worker (0: none waiting)",
            value=(now - first).total_seconds() if first else 0.0,
        )


def process_registry() -> CollectorRegistry:
    """This process's counters, or every process's (multiprocess folder)."""
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client import multiprocess as mp

    metrics()  # the families exist (at zero) before the first request counts anything
    folder = multiprocess_dir()
    if folder is None:
        return REGISTRY
    registry = CollectorRegistry()
    mp.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    return registry


def exposition(*, with_database: bool) -> tuple[bytes, str]:
    """The scrape's body and content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    started = time.monotonic()
    body = generate_latest(process_registry())
    if with_database:
        rows = CollectorRegistry()
        rows.register(DatabaseCollector())
        body += generate_latest(rows)
    took = time.monotonic() - started
    body += (
        b"# HELP idrenew_scrape_seconds Time this scrape took to collect\n"
        b"# TYPE idrenew_scrape_seconds gauge\n" + f"idrenew_scrape_seconds {took:.6f}\n".encode()
    )
    return body, CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """A gunicorn worker or Celery child exited: its live gauges no longer count (counters
    stay in its files and keep counting in the totals)."""
    if multiprocess_dir() is None:
        return
    from prometheus_client import multiprocess as mp

    mp.mark_process_dead(pid)  # type: ignore[no-untyped-call]
