"""Masks for personal data shown on screens and in logs."""

from __future__ import annotations


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
