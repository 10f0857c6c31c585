"""Issue #10, item 14 (task records, customer names, data-dir permissions): a task record
keeps no personal data in the clear and is purged after its retention; customer names are
encrypted; the embedded data dir is 0700 and the SQLite file and secrets 0600."""

from __future__ import annotations

import importlib
import io
import os
import stat
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from PIL import Image

from idrenew.core.models import TaskRecord
from idrenew.core.tasks import task_submit
from idrenew.customers.models import Customer
from idrenew.idcard.domain.types import SideReading
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4

__all__ = ["at_step_4"]  # the fixture, imported for its name

ADDRESS = "北京市东城区东华门街道南池子大街12号"


def raw(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def raw_task(record: TaskRecord) -> str:
    rows = raw(
        "SELECT arguments, result, error FROM core_taskrecord WHERE id = %s",
        [record.pk.hex if connection.vendor == "sqlite" else str(record.pk)],
    )
    assert rows, "task record not found"
    return " ".join(str(v) for v in rows[0])


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 400), (200, 200, 200)).save(buf, "JPEG")
    return buf.getvalue()


# --- task records ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_ocr_task_keeps_no_card_fields_and_the_poll_keeps_its_shape(
    at_step_4: ApiClient, alice: Any
) -> None:
    fields = {
        "name": alice.name,
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "1990-03-07",
        "address": ADDRESS,
        "id_number": alice.id_number,
    }
    reading = SideReading(
        side="front", fields=fields, confidence={k: 0.99 for k in fields}, warnings=[]
    )
    with patch("idrenew.idcard.services._read", autospec=True, return_value=reading):
        resp = at_step_4.post(
            f"{CASES}/idcard/front",
            {"image": io.BytesIO(jpeg())},
            HTTP_X_CSRFTOKEN=at_step_4.csrf(),
            HTTP_IDEMPOTENCY_KEY=at_step_4.new_key(),
        )
    assert resp.status_code == 202, resp.content
    record = TaskRecord.objects.get(pk=resp.json()["task_id"])
    stored = raw_task(record)
    for secret in (alice.name, ADDRESS, alice.id_number, "1990-03-07", "汉"):
        assert secret not in stored
    assert set(record.result or {}) == {"upload_id"}  # a reference, not the fields

    task = at_step_4.get(f"/api/tasks/{record.pk}").json()
    assert task["status"] == "succeeded"
    result = task["result"]
    assert set(result) >= {"side", "accepted", "fields", "warnings", "uploaded_at"}
    assert result["side"] == "front"
    assert result["fields"]["name"] == alice.name and result["fields"]["address"] == ADDRESS
    assert "id_number" not in result["fields"]
    assert result["fields"]["id_number_masked"] == alice.id_number_masked


@pytest.mark.django_db
def test_task_arguments_and_results_are_encrypted() -> None:
    from idrenew.core.tasks import register

    @register("tests.echo_personal")
    def _echo(**kwargs: Any) -> dict[str, Any]:
        return {"echo": kwargs}

    record = task_submit(
        name="tests.echo_personal",
        arguments={"ip": "203.0.113.77", "user_agent": "Mozilla/5.0 张伟的手机"},
    )
    record.refresh_from_db()
    assert record.status == "succeeded"
    assert record.result == {"echo": {"ip": "203.0.113.77", "user_agent": "Mozilla/5.0 张伟的手机"}}
    assert record.arguments["ip"] == "203.0.113.77"
    stored = raw_task(record)
    assert "203.0.113.77" not in stored and "张伟" not in stored


@pytest.mark.django_db
def test_housekeeping_purges_task_records_after_the_retention(settings: Any) -> None:
    settings.IDRENEW_TASK_RECORD_RETENTION_HOURS = 24
    old = TaskRecord.objects.create(name="core.checksum", arguments={}, status="succeeded")
    stuck = TaskRecord.objects.create(name="core.checksum", arguments={}, status="pending")
    fresh = TaskRecord.objects.create(name="core.checksum", arguments={}, status="succeeded")
    TaskRecord.objects.filter(pk__in=[old.pk, stuck.pk]).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    TaskRecord.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - timedelta(hours=23))
    out = StringIO()
    call_command("housekeeping", stdout=out)
    assert list(TaskRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert "task records 2" in out.getvalue()


@pytest.mark.django_db
def test_a_purged_task_is_not_run(caplog: Any) -> None:
    from idrenew.core.tasks import task_execute

    task_execute(task_id="6f1c7f8e-0000-4000-8000-000000000000")  # no such record: no crash
    assert "no longer exists" in caplog.text


@pytest.mark.django_db
def test_the_task_migration_encrypts_existing_rows() -> None:
    migration = importlib.import_module("idrenew.core.migrations.0003_taskrecord_encrypted")
    record = TaskRecord.objects.create(name="idcard.read", arguments={"upload_id": "u1"})
    key = record.pk.hex if connection.vendor == "sqlite" else str(record.pk)
    with connection.cursor() as cursor:  # as the old code stored it: plain JSON
        cursor.execute(
            "UPDATE core_taskrecord SET arguments = %s, result = %s WHERE id = %s",
            ['{"upload_id": "u1"}', '{"fields": {"name": "张伟", "address": "北京市"}}', key],
        )
    editor = SimpleNamespace(connection=connection)
    migration.encrypt(None, editor)
    migration.encrypt(None, editor)  # twice: converted rows are left alone
    assert "张伟" not in raw_task(record)
    record.refresh_from_db()
    assert record.arguments == {"upload_id": "u1"} and record.result == {"upload_id": "u1"}
    migration.decrypt(None, editor)
    assert '"upload_id"' in raw_task(record)


# --- customer names -------------------------------------------------------------------------


@pytest.mark.django_db
def test_customer_names_are_encrypted(alice: Any) -> None:
    ((stored,),) = raw("SELECT name FROM customers_customer WHERE id = %s", [alice.pk])
    assert alice.name and alice.name not in stored
    assert Customer.objects.get(pk=alice.pk).name == alice.name
    assert str(Customer.objects.get(pk=alice.pk)).endswith(f"{alice.name[0]}*")


@pytest.mark.django_db
def test_the_customer_migration_encrypts_existing_names(alice: Any) -> None:
    migration = importlib.import_module("idrenew.customers.migrations.0004_customer_name_encrypted")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET name = %s WHERE id = %s", ["张伟", alice.pk])
    editor = SimpleNamespace(connection=connection)
    migration.encrypt(None, editor)
    migration.encrypt(None, editor)
    ((stored,),) = raw("SELECT name FROM customers_customer WHERE id = %s", [alice.pk])
    assert "张伟" not in stored
    assert Customer.objects.get(pk=alice.pk).name == "张伟"
    migration.decrypt(None, editor)
    ((stored,),) = raw("SELECT name FROM customers_customer WHERE id = %s", [alice.pk])
    assert stored == "张伟"


# --- file permissions -----------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def run_idrenew(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("IDRENEW_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update({"IDRENEW_DATA_DIR": str(data_dir), "IDRENEW_ENV": "embedded"})
    return subprocess.run(
        [sys.executable, "-m", "idrenew.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask, under which 0755/0644 appeared
        check=False,
    )


def test_a_fresh_embedded_data_dir_is_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    done = run_idrenew(data, "migrate", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / "idrenew.sqlite3") == 0o600
    for secret in ("secret_key", "encryption_keys", "lookup_hash_key"):
        assert mode(data / secret) == 0o600
    for extra in ("idrenew.sqlite3-wal", "idrenew.sqlite3-shm"):
        if (data / extra).exists():
            assert mode(data / extra) == 0o600


def test_a_loose_data_dir_is_tightened_with_a_warning(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    os.chmod(data, 0o755)  # noqa: S103 - the looser mode the old code created
    (data / "idrenew.sqlite3").touch()
    os.chmod(data / "idrenew.sqlite3", 0o644)
    (data / "secret_key").write_text("x" * 64)
    os.chmod(data / "secret_key", 0o644)
    done = run_idrenew(data, "check")
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / "idrenew.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600
    assert "readable by other users" in done.stderr


@pytest.mark.django_db
def test_uploaded_files_are_private(settings: Any, tmp_path: Path) -> None:
    from django.core.files.storage import default_storage

    from idrenew.lib.files import save_encrypted

    name = save_encrypted("tests/private", b"card photo")
    path = Path(default_storage.path(name))
    try:
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
    finally:
        default_storage.delete(name)
