from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from idrenew.review.retention import purge_biometrics


class Command(BaseCommand):
    help = (
        "Delete the biometric data (liveness best frame, face embedding, clips, card portrait) "
        "of cases closed more than IDRENEW_BIOMETRIC_RETENTION_DAYS days ago (cron)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        counts = purge_biometrics(dry_run=dry_run)
        days = settings.IDRENEW_BIOMETRIC_RETENTION_DAYS
        verb = "将删除（试运行，未删除）" if dry_run else "已删除"
        self.stdout.write(
            f"结案超过 {days} 天的申请 {counts.cases} 笔，{verb}："
            f"活体最佳帧 {counts.best_frames} 个、人脸特征 {counts.embeddings} 个、"
            f"视频 {counts.clips} 个、证件人像 {counts.portraits} 个"
        )
