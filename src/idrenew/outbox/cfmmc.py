"""Reporting a customer's changed ID data to the CFMMC (中国期货市场监控中心).

Brokers report customer-data changes to the CFMMC; how they do it (a vendor's gateway, the
CFMMC's file interface) differs, so the report goes through a small adapter interface named
in ``IDRENEW_CFMMC_ADAPTER``. The built-in ``DailyFileCfmmcAdapter`` keeps one batch file per
trading date (encrypted at rest, since it carries ID numbers); ``idrenew cfmmc export --date``
writes the day's batch as CSV for upload. Adding the same change twice keeps one line.
Both files are written by ``lib.csvsafe`` (every cell quoted, formula starts neutralised).
"""

from __future__ import annotations

import abc
import csv
import io
import os
import tempfile
from dataclasses import astuple, dataclass, fields
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from idrenew.lib.crypto import decrypt_bytes, encrypt_bytes
from idrenew.lib.csvsafe import safe_writer


@dataclass(frozen=True)
class CustomerChange:
    change_id: str  # the outbox event id: stable across retries
    report_date: str  # YYYY-MM-DD (Asia/Shanghai) of the approval
    fund_account: str
    name: str
    id_type: str
    id_number: str
    valid_from: str  # YYYYMMDD
    valid_to: str  # YYYYMMDD or 长期
    address: str
    case_reference: str


HEADER = [f.name for f in fields(CustomerChange)]


class CfmmcAdapter(abc.ABC):
    @abc.abstractmethod
    def report(self, change: CustomerChange) -> None:
        """Deliver one change; raise to have it retried. Must be idempotent per change_id."""

    def check_config(self) -> list[str]:
        """Problems an administrator must fix (empty when ready); run by ``idrenew check
        --deploy`` and when the web server starts. Keep network calls short (timeouts)."""
        return []


class DailyFileCfmmcAdapter(CfmmcAdapter):
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or settings.IDRENEW_CFMMC_DIR)

    def check_config(self) -> list[str]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".check-")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            return [f"{self.root} is not a writable folder ({exc.strerror}): see IDRENEW_CFMMC_DIR"]
        return []

    def path_for(self, day: date | str) -> Path:
        stamp = day if isinstance(day, str) else day.isoformat()
        return self.root / f"customer-changes-{stamp.replace('-', '')}.csv.enc"

    def rows(self, day: date | str) -> list[list[str]]:
        path = self.path_for(day)
        if not path.exists():
            return []
        text = decrypt_bytes(path.read_bytes()).decode("utf-8")
        return [row for row in csv.reader(io.StringIO(text))][1:]

    def report(self, change: CustomerChange) -> None:
        rows = self.rows(change.report_date)
        if any(row and row[0] == change.change_id for row in rows):
            return
        rows.append([str(v) for v in astuple(change)])
        self._write(self.path_for(change.report_date), rows)

    def export_csv(self, day: date | str) -> str:
        buf = io.StringIO()
        writer = safe_writer(buf)
        writer.writerow(HEADER)
        writer.writerows(self.rows(day))
        return buf.getvalue()

    def _write(self, path: Path, rows: list[list[str]]) -> None:
        buf = io.StringIO()
        writer = safe_writer(buf)
        writer.writerow(HEADER)
        writer.writerows(rows)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(encrypt_bytes(buf.getvalue().encode("utf-8")))
        os.chmod(tmp, 0o600)
        tmp.replace(path)


def cfmmc_adapter() -> CfmmcAdapter:
    adapter = import_string(settings.IDRENEW_CFMMC_ADAPTER)()
    if not isinstance(adapter, CfmmcAdapter):
        raise TypeError(f"{settings.IDRENEW_CFMMC_ADAPTER} is not a CfmmcAdapter")
    return adapter
