from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from typing import Any, TypedDict

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from idrenew.core.errors import AppError
from idrenew.core.models import TaskRecord
from idrenew.core.tasks import TaskRegistry, register, task_result, task_submit
from tests.conftest import use_celery_broker


class _Refused(AppError):
    code = "TEST_REFUSED"
    default_message = "测试拒绝"


@register("tests.refuse")
def _refuse() -> dict[str, Any]:
    raise _Refused()


@register("tests.crash")
def _crash() -> dict[str, Any]:
    raise RuntimeError("boom")


class _Stored(TypedDict):
    ref: str


class _Answer(TypedDict):
    ref: str
    size: int


def _present(stored: dict[str, Any]) -> _Answer:
    return {"ref": stored["ref"], "size": len(stored["ref"])}


@register("tests.typed", present=_present)
def _typed(*, ref: str) -> _Stored:
    """An app's TypedDict, returned as it is (no dict(...) around it)."""
    return {"ref": ref}


def test_registry_refuses_duplicates() -> None:
    registry = TaskRegistry()
    registry("x")(lambda: {})
    with pytest.raises(ValueError):
        registry("x")(lambda: {})
    with pytest.raises(LookupError):
        registry.get("missing")


@pytest.mark.django_db
def test_inline_task_runs_and_records_result() -> None:
    name = default_storage.save("tests/hello.txt", ContentFile(b"hello"))
    record = task_submit(name="core.checksum", arguments={"storage_name": name})
    assert record.status == "succeeded"
    assert record.result == {"sha256": hashlib.sha256(b"hello").hexdigest(), "size": 5}
    default_storage.delete(name)


@pytest.mark.django_db
def test_a_typed_result_is_stored_and_presented_as_plain_json() -> None:
    record = task_submit(name="tests.typed", arguments={"ref": "abc"})
    assert record.status == "succeeded"
    stored = TaskRecord.objects.get(pk=record.pk).result
    assert stored == {"ref": "abc"} and type(stored) is dict
    answer = task_result(record)
    assert answer == {"ref": "abc", "size": 3} and type(answer) is dict


@pytest.mark.django_db
def test_coded_failure_and_crash_are_recorded() -> None:
    refused = task_submit(name="tests.refuse", arguments={})
    assert refused.status == "failed" and refused.error["code"] == "TEST_REFUSED"
    crashed = task_submit(name="tests.crash", arguments={})
    assert crashed.status == "failed" and crashed.error["code"] == "TASK_FAILED"
    assert "boom" not in str(crashed.error)


@pytest.mark.django_db
def test_task_status_api_is_owner_only(signed_in: Any, alice: Any, bob: Any) -> None:
    mine = task_submit(name="tests.refuse", arguments={}, owner_customer_id=alice.pk)
    theirs = task_submit(name="tests.refuse", arguments={}, owner_customer_id=bob.pk)
    resp = signed_in.get(f"/api/tasks/{mine.id}")
    assert resp.status_code == 200 and resp.json()["status"] == "failed"
    assert resp.json()["error"]["code"] == "TEST_REFUSED"
    for other in (theirs.id, "not-a-uuid"):
        resp = signed_in.get(f"/api/tasks/{other}")
        assert resp.status_code == 404 and resp.json()["code"] == "TASK_NOT_FOUND"


def _redis_up() -> bool:
    try:
        import redis

        url = os.environ.get("IDRENEW_REDIS_URL") or "redis://127.0.0.1:6379/15"
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_task_runs_on_a_real_celery_worker(
    settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = (os.environ.get("IDRENEW_REDIS_URL") or "redis://127.0.0.1:6379/15").rsplit("/", 1)[
        0
    ] + "/14"
    import redis

    redis.Redis.from_url(broker).flushdb()
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        db_url = f"sqlite:///{db['NAME']}"
    else:
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        db_url = f"postgres://{db['USER'] or ''}@{host}/{db['NAME']}"
    env = {
        **os.environ,
        "IDRENEW_CELERY_BROKER_URL": broker,
        "IDRENEW_DATABASE_URL": db_url,
        "IDRENEW_DATA_DIR": str(settings.DATA_DIR),
        "DJANGO_SETTINGS_MODULE": "idrenew.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "idrenew.cli", "worker", "--concurrency=1", "--loglevel=WARNING"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        use_celery_broker(settings, monkeypatch, broker)
        name = default_storage.save("tests/worker.txt", ContentFile(b"from the worker"))
        record = task_submit(name="core.checksum", arguments={"storage_name": name})
        assert record.status == "pending"  # queued, not run inline
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            record.refresh_from_db()
            if record.status in ("succeeded", "failed"):
                break
            time.sleep(0.3)
        assert record.status == "succeeded", (record.status, record.error)
        assert record.result["sha256"] == hashlib.sha256(b"from the worker").hexdigest()
        assert TaskRecord.objects.get(pk=record.pk).started_at is not None
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
