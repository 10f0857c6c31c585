"""Every CSV the project writes goes through here (CSV / formula injection).

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=cmd|' /C calc'!A0`` starts a program; ``=HYPERLINK(…)`` leaks data), and a leading
tab or carriage return can hide such a start. Following OWASP's CSV injection guidance, a cell
that starts with one of those characters (after any spaces; full-width forms too, which some
spreadsheets also take) gets a single quote in front, so it is shown as text, and every cell
is quoted (``csv.QUOTE_ALL``), so a comma, quote or line break in a value cannot start a new
cell.

What this changes in practice: none of the values the project exports starts with those
characters when genuine (accounts, ID numbers, ``YYYYMMDD`` dates, ``长期``, Chinese names and
addresses, UUIDs, case references). A negative number would come out as ``'-5``; no CSV here
has one. A cell that starts with a quote followed by one of those characters was neutralised.
Only the standard library.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_PREFIXES = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def neutralise_cell(value: Any) -> str:
    """The cell's text, with a leading ``'`` when a spreadsheet would take it as a formula."""
    text = "" if value is None else str(value)
    if text.lstrip(" ")[:1] in FORMULA_PREFIXES:  # spaces before the sign do not help
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer`` that quotes every cell and neutralises formula starts."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(fh: IO[str]) -> SafeWriter:
    return SafeWriter(fh)
