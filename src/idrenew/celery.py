"""Celery application: workers run the recorded tasks of ``idrenew.core.tasks``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idrenew.settings")

app = Celery("idrenew")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="idrenew.run_task", acks_late=True)
def run_task(task_id: str) -> None:
    from idrenew.core.tasks import task_execute

    task_execute(task_id=task_id)
