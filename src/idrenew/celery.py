"""Celery application: workers run the recorded tasks of ``idrenew.core.tasks``."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idrenew.settings")

app = Celery("idrenew")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="idrenew.run_task", acks_late=True)
def run_task(task_id: str, request_id: str = "") -> None:
    """``request_id``: the id of the request that submitted the task (its log lines)."""
    from idrenew.core.observability.request_id import bound
    from idrenew.core.tasks import task_execute

    with bound(request_id):
        task_execute(task_id=task_id)


@worker_process_init.connect
def one_core_per_process(**kwargs: Any) -> None:
    """A pool process runs one task at a time on one core: onnxruntime and the video decoder
    are already given one thread; OpenCV's own pool of threads would only spin beside them
    (17% more CPU for the same liveness analysis on two cores; bench/face.py sets the same)."""
    import cv2

    cv2.setNumThreads(1)


# The worker's metrics endpoint and multiprocess bookkeeping (IDRENEW_WORKER_METRICS_PORT).
from idrenew.core.observability import worker as _observability  # noqa: E402, F401
