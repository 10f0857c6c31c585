"""``idrenew ocr IMAGE [IMAGE…] [--side front|back|auto] --json``: read ID card photos.

One JSON object per image per line::

    {"image": path, "side": "front", "fields": {…}, "confidence": {…},
     "warnings": [codes], "blocking": true|false, "error": null | {"code", "message"}}

The OCR models load once for the whole batch. ``warnings`` and ``blocking`` are what the
server decides for the same photo uploaded as ``--side`` (``idcard.services``): the side
read differs from the one asked for (``IDCARD_WRONG_SIDE``), required fields are missing
(``IDCARD_FIELDS_UNREADABLE``), the front's number, birth date and sex break the card rules,
and a warning blocks (the customer must retake) when it is in
``IDRENEW_IDCARD_BLOCKING_WARNINGS`` or is a card rule, exactly as ``services.is_blocking``
says. With ``--side auto`` the side read is taken as the one asked for. A front whose number
fails the GB 11643 check digit is also reported as the error ``IDCARD_NUMBER_INVALID``, as
the upload API refuses it. ``error`` is otherwise a refused file (``IMAGE_*``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.idcard import services
from idrenew.idcard.domain import rules
from idrenew.idcard.domain.pipeline import read_side
from idrenew.idcard.domain.types import (
    FILE_ERRORS,
    ImageRefused,
    Side,
    SideReading,
    card_date,
)

NUMBER_INVALID = "IDCARD_NUMBER_INVALID"


class Command(BaseCommand):
    help = "Read ID card photos (OCR + checks); one JSON line per image with --json."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("images", nargs="+", help="photo files (JPEG, PNG, WebP)")
        parser.add_argument("--side", choices=["front", "back", "auto"], default="auto")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        expected: Side | None = None if options["side"] == "auto" else options["side"]
        failures = 0
        for image in options["images"]:
            result = read_one(image, expected)
            failures += result["error"] is not None
            if options["json"]:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            else:
                self.stdout.write(_human(result))
        if failures == len(options["images"]) and not options["json"]:
            raise CommandError("no image could be read")


def read_one(image: str, expected: Side | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "image": image,
        "side": expected,
        "fields": {},
        "confidence": {},
        "warnings": [],
        "blocking": True,
        "error": None,
    }
    path = Path(image)
    try:
        data = path.read_bytes()
    except OSError as exc:
        result["error"] = {"code": "IMAGE_UNREADABLE", "message": f"无法读取文件：{exc.strerror}"}
        return result
    try:
        reading = read_side(data, expected)
    except ImageRefused as exc:
        result["error"] = {"code": exc.code, "message": FILE_ERRORS.get(exc.code, exc.code)}
        return result
    codes = warning_codes(reading, expected or reading.side)
    result.update(
        side=reading.side,
        fields=reading.fields,
        confidence=reading.confidence,
        warnings=codes,
        blocking=any(services.is_blocking(code) for code in codes),
    )
    if NUMBER_INVALID in codes:
        result["error"] = {"code": NUMBER_INVALID, "message": rules.MESSAGES[NUMBER_INVALID]}
    return result


def warning_codes(reading: SideReading, side: Side) -> list[str]:
    """The codes the server records for ``reading`` of a photo uploaded as ``side`` (as
    ``services.idcard_upload_analyze`` derives them; tests/test_cli.py holds the two equal)."""
    codes = list(reading.warnings)
    if reading.side != side and "IDCARD_WRONG_SIDE" not in codes:
        codes.insert(0, "IDCARD_WRONG_SIDE")
    fields = reading.fields
    missing = [k for k in services.REQUIRED[side] if not fields.get(k)]
    if missing and "IDCARD_FIELDS_UNREADABLE" not in codes and reading.side == side:
        codes.append("IDCARD_FIELDS_UNREADABLE")
    if side == "front" and fields.get("id_number"):
        violations = rules.check_front(
            id_number=fields["id_number"],
            birth_date=card_date(fields.get("birth_date")),
            sex=fields.get("sex"),
        )
        codes += [v.code for v in violations]
    return list(dict.fromkeys(codes))


def _human(result: dict[str, Any]) -> str:
    lines = [f"{result['image']}: {result['side'] or '?'}"]
    for key, value in result["fields"].items():
        lines.append(f"  {key}: {value}  ({result['confidence'].get(key, 0):.2f})")
    for code in result["warnings"]:
        lines.append(f"  warning: {code} {services.message_of(code)}")
    if result["error"]:
        lines.append(f"  error: {result['error']['code']} {result['error']['message']}")
    lines.append(f"  blocking: {'yes' if result['blocking'] else 'no'}")
    return "\n".join(lines)
