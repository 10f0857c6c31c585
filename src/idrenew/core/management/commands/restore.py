"""`idrenew restore DIR [--verify-only]`: check a backup, then restore it into an empty
environment (core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.core.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Check a backup folder (manifest HMAC, SHA-256 of every file, decryption) and restore "
        "it into an EMPTY environment: new database, empty file storage and signing folder, "
        "the same IDRENEW_ENCRYPTION_KEYS, IDRENEW_LOOKUP_HASH_KEY (and IDRENEW_BACKUP_KEY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the folder `idrenew backup` wrote")
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="check the archive (and that it decrypts) without restoring anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            if options["verify_only"]:
                manifest = backup_verify(archive, decrypt=True)
                self.stdout.write(
                    f"{archive}: intact ({len(manifest['files'])} files, made "
                    f"{manifest['created_at']}, {manifest['database']['engine']})"
                )
                return
            summary = backup_restore(archive=archive, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored the backup of {summary.created_at}: {summary.engine} database, "
            f"{summary.files} stored files, {summary.ca_files} CA files, "
            f"{summary.cfmmc_files} CFMMC files"
        )
        if summary.unapplied_migrations:
            self.stdout.write("this version has newer migrations: run `idrenew migrate` now")
