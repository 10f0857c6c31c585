"""`idrenew ca init [--force]`: create the broker's signing CA (stored encrypted)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.signing.store import AuthorityExists, ca_init, signing_dir


class Command(BaseCommand):
    help = "Manage the broker's signing CA: `ca init [--force]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the CA, broker signing and TSA certificates")
        init.add_argument("--force", action="store_true", help="replace an existing CA")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "init":  # pragma: no cover - argparse refuses others
            raise CommandError("unknown action")
        try:
            authority = ca_init(force=options["force"])
        except AuthorityExists as exc:
            raise CommandError(str(exc)) from exc
        fingerprint = authority.ca_cert.fingerprint(hashes.SHA256()).hex(":").upper()
        self.stdout.write(f"CA created in {signing_dir()}")
        self.stdout.write(f"root certificate: {signing_dir() / 'ca.pem'}")
        self.stdout.write(f"root SHA-256 fingerprint: {fingerprint}")
