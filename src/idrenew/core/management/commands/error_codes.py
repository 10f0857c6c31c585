"""``idrenew error-codes``: print, check or regenerate what comes from the error registry."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from idrenew.core import error_catalog


class Command(BaseCommand):
    help = "错误代码表：打印，或重新生成 docs/api.md 中的表格与 frontend/src/api/error-codes.ts"

    def add_arguments(self, parser: ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", action="store_true", help="regenerate both files")
        group.add_argument("--check", action="store_true", help="exit 1 when one is stale")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write"]:
            for path in error_catalog.write():
                self.stdout.write(f"updated {path.relative_to(error_catalog.ROOT)}")
            return
        if options["check"]:
            stale = error_catalog.stale()
            if stale:
                names = ", ".join(str(p.relative_to(error_catalog.ROOT)) for p in stale)
                raise CommandError(f"stale: {names}; run `idrenew error-codes --write`")
            self.stdout.write("error codes: docs/api.md and error-codes.ts are fresh")
            return
        self.stdout.write(error_catalog.markdown_table())
