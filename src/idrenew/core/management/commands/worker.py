from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Start a Celery worker for the slow steps (needs IDRENEW_CELERY_BROKER_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError("set IDRENEW_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1)")
        from idrenew.celery import app

        app.worker_main(
            [
                "worker",
                f"--loglevel={options['loglevel']}",
                f"--concurrency={options['concurrency']}",
                "--without-gossip",
                "--without-mingle",
            ]
        )
