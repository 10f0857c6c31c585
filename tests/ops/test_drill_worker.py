"""Failure drill: the Celery worker killed (kill -9, master and pool child) in the middle of
an OCR task (issue #13 item 5). A real worker process on a private redis-server broker.

What the customer saw: the card photo upload answered 202 as usual; while the worker was
dead the task status read "running"; once a worker was back the message was delivered again
(acks_late, and Redis gives an unacknowledged message back after the visibility timeout:
IDRENEW_CELERY_VISIBILITY_TIMEOUT, 300 s by default, 5 s here) and the poll showed the card's
reading (or a coded refusal), with no second upload. With only the pool child killed (the
OOM killer's choice) the master put the message back at once and its new child ran it.

Nothing lost or duplicated: one task record, one upload, at most one reading for it; the
case stayed at step 4 and moved on normally. Before this drill Redis's default visibility
timeout (an hour) applied and a pool child killed alone had its message acknowledged and lost
(CELERY_TASK_REJECT_ON_WORKER_LOST is now set).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from idrenew.cases.models import RenewalCase
from idrenew.core.models import TaskRecord
from idrenew.idcard.models import CardReading, CardUpload
from tests.conftest import ApiClient, use_celery_broker
from tests.idcard.conftest import CASES, at_step_4
from tests.ops.drills import REPO, PrivateRedis, database_url, same_secrets_env

__all__ = ["at_step_4"]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Worker:
    """``idrenew worker`` in its own process group, so that kill -9 takes master and child."""

    def __init__(self, broker: PrivateRedis, log: Path) -> None:
        self.env = same_secrets_env(
            Path(django_settings.DATA_DIR),
            database_url(),
            IDRENEW_CELERY_BROKER_URL=broker.url,
            IDRENEW_CELERY_VISIBILITY_TIMEOUT="5",
        )
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.write_bytes(b"")
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "idrenew.cli", "worker", "--concurrency=1"],
                env=self.env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while b"ready." not in self.log.read_bytes():
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the worker did not start in 60 s"
            time.sleep(0.1)

    def kill9_children(self) -> None:
        """kill -9 the pool children only (the OOM killer's choice): the master lives on."""
        assert self.proc is not None
        children = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert children, "the worker has no pool child"
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def broker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    use_celery_broker(settings, monkeypatch, server.url)
    try:
        yield server
    finally:
        server.kill()


def card_front(tmp_path: Path) -> bytes:
    from idrenew.devkit.synth import generate

    files = generate(tmp_path / "cards", 1, seed=13, negatives=0, faces_dir=False)
    front = next(p for p in files if p.suffix == ".jpg" and "front" in p.name)
    return front.read_bytes()


def wait_for(record: TaskRecord, statuses: set[str], timeout: float, step: float = 0.02) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = TaskRecord.objects.values_list("status", flat=True).get(pk=record.pk)
        if status in statuses:
            return str(status)
        time.sleep(step)
    raise AssertionError(f"task still {status} after {timeout} s")


@pytest.mark.parametrize("victim", ["worker", "pool child"])
def test_worker_killed_mid_ocr_task_is_redelivered(
    broker: PrivateRedis, at_step_4: ApiClient, tmp_path: Path, victim: str
) -> None:
    worker = Worker(broker, tmp_path / "worker.log")
    worker.start()
    try:
        resp = at_step_4.post(
            f"{CASES}/idcard/front",
            {"image": SimpleUploadedFile("f.jpg", card_front(tmp_path), content_type="image/jpeg")},
            headers={"X-CSRFToken": at_step_4.csrf(), "Idempotency-Key": at_step_4.new_key()},
        )
        assert resp.status_code == 202, resp.content
        record = TaskRecord.objects.get(pk=resp.json()["task_id"])
        assert wait_for(record, {"running", "succeeded", "failed"}, 60) == "running"
        if victim == "worker":
            worker.kill9()  # master and child, in the middle of the OCR
            time.sleep(1)
            assert at_step_4.get(f"/api/tasks/{record.pk}").json()["status"] == "running"
            worker.start()  # a worker comes back (systemd restarts it)
        else:
            # The master sees its child die, puts the message back (reject on worker lost)
            # and its new child runs it again.
            worker.kill9_children()
        final = wait_for(record, {"succeeded", "failed"}, 90, step=0.2)
    finally:
        worker.kill9()
    body = at_step_4.get(f"/api/tasks/{record.pk}").json()
    assert body["status"] == final
    if final == "failed":  # a coded refusal the customer can act on, not a crash
        assert body["error"]["code"] != "TASK_FAILED", body
    assert TaskRecord.objects.count() == 1 and CardUpload.objects.count() == 1
    assert CardReading.objects.count() <= 1
    assert RenewalCase.objects.get().state == "face_passed"
