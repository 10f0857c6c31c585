"""``idrenew ocr IMAGE [IMAGE…] [--side front|back|auto] --json``: read ID card photos.

One JSON object per image per line::

    {"image": path, "side": "front", "fields": {…}, "confidence": {…},
     "warnings": [codes], "blocking": true|false, "error": null | {"code", "message"}}

The OCR models load once for the whole batch. ``blocking`` follows the domain's default
policy (``types.DEFAULT_BLOCKING``; ``IDRENEW_IDCARD_BLOCKING`` in the settings when set).
For this command a front whose number fails the GB 11643 check digit is also reported as
the error ``IDCARD_NUMBER_INVALID`` (blocking), as the upload API refuses it. ``error`` is
otherwise a refused file (``IMAGE_*``); image and reading problems are in ``warnings``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from idrenew.customers.domain.idnumber import InvalidIdNumber, parse_id_number
from idrenew.idcard.domain.pipeline import read_side
from idrenew.idcard.domain.types import (
    DEFAULT_BLOCKING,
    FILE_ERRORS,
    WARNING_MESSAGES,
    ImageRefused,
    Side,
    is_blocking,
)

NUMBER_INVALID = (
    "IDCARD_NUMBER_INVALID",
    "身份证号码校验未通过，请重新拍摄清晰的人像面；如号码无误请前往营业部办理",
)


class Command(BaseCommand):
    help = "Read ID card photos (OCR + checks); one JSON line per image with --json."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("images", nargs="+", help="photo files (JPEG, PNG, WebP)")
        parser.add_argument("--side", choices=["front", "back", "auto"], default="auto")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        expected: Side | None = None if options["side"] == "auto" else options["side"]
        policy = getattr(settings, "IDRENEW_IDCARD_BLOCKING", DEFAULT_BLOCKING)
        failures = 0
        for image in options["images"]:
            result = read_one(image, expected, policy)
            failures += result["error"] is not None
            if options["json"]:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            else:
                self.stdout.write(_human(result))
        if failures == len(options["images"]) and not options["json"]:
            raise CommandError("no image could be read")


def read_one(image: str, expected: Side | None, policy: Any) -> dict[str, Any]:
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
    result.update(
        side=reading.side,
        fields=reading.fields,
        confidence=reading.confidence,
        warnings=reading.warnings,
        blocking=is_blocking(reading.warnings, policy),
    )
    number = reading.fields.get("id_number")
    if reading.side == "front" and number is not None:
        try:
            parse_id_number(number)
        except InvalidIdNumber:
            result["error"] = {"code": NUMBER_INVALID[0], "message": NUMBER_INVALID[1]}
            result["blocking"] = True
    return result


def _human(result: dict[str, Any]) -> str:
    lines = [f"{result['image']}: {result['side'] or '?'}"]
    for key, value in result["fields"].items():
        lines.append(f"  {key}: {value}  ({result['confidence'].get(key, 0):.2f})")
    for code in result["warnings"]:
        lines.append(f"  warning: {code} {WARNING_MESSAGES.get(code, '')}")
    if result["error"]:
        lines.append(f"  error: {result['error']['code']} {result['error']['message']}")
    lines.append(f"  blocking: {'yes' if result['blocking'] else 'no'}")
    return "\n".join(lines)
