"""Masks for personal data shown on screens and in logs."""

from __future__ import annotations

import re

# Something shaped like an ID number, standing alone in free text.
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{7,8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters of an ID number, the rest as ``*``."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


def scrub(text: str) -> str:
    """Free text for a page: anything shaped like an 18-digit ID number is masked."""
    return ID_NUMBER_PATTERN.sub(lambda m: m.group(1) + "********" + m.group(2), text or "")
