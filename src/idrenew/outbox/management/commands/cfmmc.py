"""``idrenew cfmmc export --date YYYY-MM-DD --out FILE``: a day's CFMMC change batch as CSV."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from idrenew.outbox.cfmmc import DailyFileCfmmcAdapter, cfmmc_adapter


class Command(BaseCommand):
    help = "Write one day's customer-data-change batch for the CFMMC (built-in file adapter)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="decrypt a day's batch to a CSV file")
        export.add_argument("--date", default="", help="YYYY-MM-DD (default: today)")
        export.add_argument("--out", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        adapter = cfmmc_adapter()
        if not isinstance(adapter, DailyFileCfmmcAdapter):
            raise CommandError("the configured CFMMC adapter does not keep file batches")
        day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        text = adapter.export_csv(day)
        out = Path(options["out"])
        # Created 0600 (it carries ID numbers), not readable for a moment before a chmod.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        self.stdout.write(f"已导出 {day} 的变更 {len(text.splitlines()) - 1} 条 → {out}")
