from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from idrenew.verification.sms import SmsSendError
from idrenew.verification.sms_receipts import sms_receipts_pull


class Command(BaseCommand):
    help = (
        "Fetch the SMS vendor's delivery receipts for messages sent in the last 3 days and "
        "record them on the SMS log (cron, every few minutes)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = sms_receipts_pull()
        except SmsSendError as exc:
            raise CommandError(
                f"短信通道回执查询失败 / receipts failed: {exc.code} {exc}"
            ) from None
        self.stdout.write(
            f"待回执 {run.pending} 条：已送达 {run.delivered}，未送达 {run.undelivered}，"
            f"其余仍待运营商回执。"
        )
