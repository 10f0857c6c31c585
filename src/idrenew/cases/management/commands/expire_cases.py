from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from idrenew.cases.services import case_expire_stale


class Command(BaseCommand):
    help = "Close unfinished cases that are past their time limit (run from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = case_expire_stale()
        self.stdout.write(f"已关闭 {count} 笔超时未完成的申请")
