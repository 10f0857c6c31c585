"""`idrenew backup --out DIR`: database, files, signing CA, CFMMC batches (core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or SQLite's backup API), every stored "
        "file, the signing CA (still encrypted) and the CFMMC batches into a new folder with "
        "a SHA-256 manifest and its HMAC; encrypted with IDRENEW_BACKUP_KEY when set "
        "(production requires it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="a new, empty folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_create(out=options["out"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"backup written to {summary.out}: {summary.engine} database, "
            f"{summary.files} stored files, {summary.ca_files} CA files, "
            f"{summary.cfmmc_files} CFMMC files, {summary.bytes} bytes, "
            + ("encrypted (IDRENEW_BACKUP_KEY)" if summary.encrypted else "NOT encrypted")
        )
