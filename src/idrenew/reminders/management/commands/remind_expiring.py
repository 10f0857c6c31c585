from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from idrenew.reminders.services import Due, remind_expiring


class Command(BaseCommand):
    help = (
        "Send one SMS (with the H5 link) to each customer whose ID on file has expired or "
        "expires within --days, at most once per IDRENEW_REMINDER_PERIOD_DAYS (cron)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="window in days (default 30)")
        parser.add_argument(
            "--dry-run", action="store_true", help="list who would be reminded; send nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = int(options["days"])
        if days < 0:
            raise CommandError("--days 不能为负数")
        if options["dry_run"]:
            self.stdout.write(f"{'资金账号':<10}\t{'姓名':<6}\t证件有效期止\t剩余天数")

            def report(due: Due) -> None:
                left = f"已过期 {-due.days_left} 天" if due.days_left < 0 else str(due.days_left)
                self.stdout.write(
                    f"{due.fund_account:<10}\t{due.name_masked:<6}\t"
                    f"{due.valid_to.isoformat()}\t{left}"
                )

            result = remind_expiring(days=days, dry_run=True, report=report)
            self.stdout.write(f"试运行：共 {result.due} 位客户将收到到期提醒短信（未发送）。")
            return
        result = remind_expiring(days=days)
        period = settings.IDRENEW_REMINDER_PERIOD_DAYS
        self.stdout.write(
            f"到期提醒：应提醒 {result.due} 位客户，已发送 {result.sent} 条，"
            f"发送失败 {result.failed} 条（下次运行重试），"
            f"补记此前已发送 {result.recovered} 条；每位客户每 {period} 天至多一条。"
        )
