"""`idrenew pdf verify FILE [--json]` and `idrenew pdf sample --out FILE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
from idrenew.signing.services import agreement_sign, pdf_verify


class Command(BaseCommand):
    help = "Signed PDFs: `pdf verify FILE [--json]`, `pdf sample --out FILE`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check every signature of a PDF")
        verify.add_argument("file", type=Path)
        verify.add_argument("--json", action="store_true", help="one JSON line")
        sample = sub.add_parser("sample", help="render and sign a demo application form")
        sample.add_argument("--out", type=Path, required=True)
        sample.add_argument(
            "--agreement",
            default="change_application",
            choices=["change_application", "digital_certificate"],
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options["file"], as_json=options["json"])
        else:
            self._sample(options["out"], options["agreement"])

    def _verify(self, path: Path, *, as_json: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        report = pdf_verify(data)
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
            return
        self.stdout.write(f"{path}: {'VALID' if report.valid else 'NOT VALID'}")
        if report.error:
            self.stdout.write(f"  {report.error}")
        for sig in report.signatures:
            self.stdout.write(
                f"  {sig.field or '?'}: signer={sig.signer!r} intact={sig.intact} "
                f"trusted={sig.trusted} timestamp={sig.timestamp or '-'} revoked={sig.revoked}"
            )
            if sig.error:
                self.stdout.write(f"    {sig.error}")
            if sig.revoked:
                self.stdout.write(
                    f"    revoked at {sig.revoked_at} ({sig.revocation_reason}): "
                    f"{sig.revocation_rule}"
                )

    def _sample(self, out: Path, agreement: str) -> None:
        now = timezone.now()
        case = demo_case(today=timezone.localdate(now))
        signed = agreement_sign(
            agreement=agreement,
            case=case,
            signature_png=demo_signature_png(),
            audit=demo_audit(case, now=now),
            now=now,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(signed.pdf)
        self.stdout.write(
            f"{out}: {signed.title} v{signed.version}, content sha256 {signed.content_hash}, "
            f"customer certificate serial {signed.certificate.serial}"
        )
