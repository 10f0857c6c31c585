"""`idrenew ca init [--force]`, `ca revoke SERIAL [--reason R]`, `ca crl --out FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.signing.domain.ca import REVOCATION_REASONS
from idrenew.signing.store import (
    AlreadyRevoked,
    AuthorityExists,
    ca_init,
    current_crl,
    get_authority,
    revoke,
    signing_dir,
)


class Command(BaseCommand):
    help = (
        "Manage the broker's signing CA: `ca init [--force]`, "
        "`ca revoke SERIAL [--reason R]`, `ca crl --out FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the CA, broker signing and TSA certificates")
        init.add_argument("--force", action="store_true", help="replace an existing CA")
        rev = sub.add_parser("revoke", help="put a certificate on the CA's revocation list")
        rev.add_argument("serial", help="hex serial (SignedDocument.certificate_serial)")
        rev.add_argument(
            "--reason",
            default="unspecified",
            choices=sorted(REVOCATION_REASONS),
            help="RFC 5280 reason (default: unspecified)",
        )
        crl = sub.add_parser("crl", help="write the CA's current CRL (DER)")
        crl.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "init":
            self._init(force=options["force"])
        elif action == "revoke":
            self._revoke(options["serial"], options["reason"])
        elif action == "crl":
            self._crl(options["out"])
        else:  # pragma: no cover - argparse refuses others
            raise CommandError("unknown action")

    def _init(self, *, force: bool) -> None:
        try:
            authority = ca_init(force=force)
        except AuthorityExists as exc:
            raise CommandError(str(exc)) from exc
        fingerprint = authority.ca_cert.fingerprint(hashes.SHA256()).hex(":").upper()
        self.stdout.write(f"CA created in {signing_dir()}")
        self.stdout.write(f"root certificate: {signing_dir() / 'ca.pem'}")
        self.stdout.write(f"root SHA-256 fingerprint: {fingerprint}")

    def _revoke(self, serial: str, reason: str) -> None:
        try:
            entry = revoke(serial, reason=reason)
        except (ValueError, AlreadyRevoked) as exc:
            raise CommandError(str(exc)) from exc
        authority = get_authority()
        own = {
            f"{authority.signer_cert.serial_number:x}": "the broker's signing certificate",
            f"{authority.tsa_cert.serial_number:x}": "the TSA certificate",
        }
        self.stdout.write(
            f"revoked {entry.serial} at {entry.revoked_at.isoformat()} ({entry.reason})"
        )
        if entry.serial in own:
            self.stdout.write(f"note: this is {own[entry.serial]}")
        self.stdout.write(f"CRL re-issued: {signing_dir() / 'ca.crl'}")

    def _crl(self, out: Path) -> None:
        der = current_crl()
        crl = x509.load_der_x509_crl(der)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(der)
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        self.stdout.write(
            f"{out}: CRL #{number}, {len(crl)} revoked, "
            f"thisUpdate {crl.last_update_utc.isoformat()}, "
            f"nextUpdate {crl.next_update_utc.isoformat() if crl.next_update_utc else '-'}"
        )
