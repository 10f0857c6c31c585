"""``idrenew outbox dispatch [--loop SECONDS]`` and ``idrenew outbox status``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_dispatch


class Command(BaseCommand):
    help = "Deliver due outbox events (counter update, CFMMC report, SMS); --loop keeps going."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("dispatch", help="deliver the events that are due")
        run.add_argument("--loop", type=float, default=0, help="repeat every N seconds")
        sub.add_parser("status", help="events per topic and status")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            rows = (
                OutboxEvent.objects.values("topic", "status")
                .annotate(n=Count("id"))
                .order_by("topic", "status")
            )
            for row in rows:
                self.stdout.write(f"{row['topic']:<24} {row['status']:<10} {row['n']}")
            return
        while True:
            result = outbox_dispatch()
            self.stdout.write(
                f"已投递 {result.delivered}，待重试 {result.failed}，转入死信 {result.dead}"
            )
            if not options["loop"]:
                return
            time.sleep(options["loop"])
