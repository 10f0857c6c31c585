"""Resident ID numbers (GB 11643-1999): structure, check digit, birth date and sex."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(value: str) -> str:
    return value.strip().upper().replace(" ", "")


@dataclass(frozen=True)
class IdNumber:
    value: str
    area_code: str
    birth_date: date
    sequence: int
    male: bool


class InvalidIdNumber(ValueError):
    def __init__(self, reason: str) -> None:
        self.reason = reason  # "format", "birth_date" or "check_digit"
        super().__init__(reason)


def parse_id_number(value: str) -> IdNumber:
    """Parse and fully validate an 18-character ID number; raise ``InvalidIdNumber``."""
    text = normalise(value)
    if not _PATTERN.match(text):
        raise InvalidIdNumber("format")
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date") from None
    if check_char(text[:17]) != text[17]:
        raise InvalidIdNumber("check_digit")
    sequence = int(text[14:17])
    return IdNumber(
        value=text, area_code=text[:6], birth_date=birth, sequence=sequence, male=sequence % 2 == 1
    )


def make_id_number(area_code: str, birth: date, sequence: int) -> str:
    """Build a valid number (for demo data and tests)."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
