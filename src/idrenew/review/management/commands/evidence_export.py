from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from idrenew.cases.models import RenewalCase
from idrenew.review.evidence import evidence_bundle


class Command(BaseCommand):
    help = (
        "Write a case's evidence bundle (ZIP: case.json, images, signed PDFs, audit.json, "
        "manifest.json with SHA-256 of every file). The export is an audit event."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("reference", help="case reference, e.g. ZJ20261130123456")
        parser.add_argument("--out", required=True, help="ZIP file to write")
        parser.add_argument(
            "--staff",
            default="",
            help="export on behalf of this staff account (must hold review.export_evidence); "
            "without it the export is recorded as a system export from the shell",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        case = (
            RenewalCase.objects.select_related("customer")
            .filter(reference=options["reference"])
            .first()
        )
        if case is None:
            raise CommandError(f"没有编号为 {options['reference']} 的申请")
        user = None
        if options["staff"]:
            user = get_user_model().objects.filter(username=options["staff"]).first()
            if user is None:
                raise CommandError(f"没有用户名为 {options['staff']} 的员工")
        try:
            data = evidence_bundle(case, user)
        except PermissionDenied:
            raise CommandError("该员工没有导出证据包的权限（review.export_evidence）") from None
        out = Path(options["out"])
        out.write_bytes(data)
        self.stdout.write(f"已导出申请 {case.reference} 的证据包：{out}（{len(data)} 字节）")
