"""Failure drill: the Celery broker down when a slow step is submitted (issue #13 item 5).

What the customer saw: with the broker (a private redis-server) killed, the card-photo upload
(OCR) and the signature (PDF signing) answered 503 ``TASK_QUEUE_UNAVAILABLE``
"系统繁忙，暂时无法处理，请稍后重新提交" (retryable) within about 2 s, instead of a 202 whose
task would never run; the case stayed at its step. Submitting again once the broker was back
gave the usual 202 and queued exactly one message.

Nothing lost or duplicated: the refused task's record is marked failed with that code (none
is left "pending" for ever), the uploaded photo and the drawn signature stay stored with
their rows, the case's state did not move, and after the broker returned exactly one new
message was queued per resubmission. (The liveness clip upload goes through the same
``task_submit``; the challenge it used is spent, so the customer takes a new one.)
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from idrenew.cases.models import RenewalCase
from idrenew.core.models import TaskRecord, TaskStatus
from idrenew.idcard.models import CardUpload
from idrenew.signing.models import HandSignature
from tests.conftest import ApiClient, use_celery_broker
from tests.idcard.conftest import CASES, at_step_4
from tests.ops.drills import PrivateRedis
from tests.signing.conftest import _ca_dir, authority, signing_ca
from tests.signing.test_steps_api import at_step_7, at_step_8, png_data_url, sign, strokes

__all__ = ["_ca_dir", "at_step_4", "at_step_7", "at_step_8", "authority", "signing_ca"]

# Real commits: the message is published when the request's rows are committed (on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateRedis]:
    """Tasks go to Celery on a private redis-server (no worker: messages stay queued)."""
    server = PrivateRedis().start()
    use_celery_broker(settings, monkeypatch, server.url)
    try:
        yield server
    finally:
        server.kill()


def queued(server: PrivateRedis) -> list[str]:
    """The task ids of the messages waiting in the broker's default queue."""
    import redis

    client = redis.Redis.from_url(server.url)
    return [json.loads(m)["headers"]["argsrepr"] for m in client.lrange("celery", 0, -1)]


def card_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (856, 540), (200, 190, 170)).save(out, format="JPEG")
    return out.getvalue()


def upload(api: ApiClient, side: str) -> Any:
    return api.post(
        f"{CASES}/idcard/{side}",
        {"image": SimpleUploadedFile("card.jpg", card_photo(), content_type="image/jpeg")},
        headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": api.new_key()},
    )


def assert_refused(resp: Any) -> None:
    assert resp.status_code == 503, resp.content
    body = resp.json()
    assert body["code"] == "TASK_QUEUE_UNAVAILABLE" and body["retryable"] is True
    assert body["message"] == "系统繁忙，暂时无法处理，请稍后重新提交"


def test_card_upload_refused_while_broker_down_then_queued_once(
    broker: PrivateRedis, at_step_4: ApiClient
) -> None:
    broker.kill()
    started = time.monotonic()
    assert_refused(upload(at_step_4, "front"))
    assert time.monotonic() - started < 10
    record = TaskRecord.objects.get()
    assert record.status == TaskStatus.FAILED
    assert record.error["code"] == "TASK_QUEUE_UNAVAILABLE"
    kept = CardUpload.objects.get()
    assert default_storage.exists(kept.image_name)  # the photo is kept
    assert RenewalCase.objects.get().state == "face_passed"  # still at step 4

    broker.start()
    resp = upload(at_step_4, "front")
    assert resp.status_code == 202, resp.content
    task_id = resp.json()["task_id"]
    assert TaskRecord.objects.get(pk=task_id).status == TaskStatus.PENDING
    assert queued(broker) == [repr((task_id,))]  # one message, for the new record
    assert not TaskRecord.objects.filter(status=TaskStatus.PENDING).exclude(pk=task_id).exists()
    status = at_step_4.get(f"/api/tasks/{record.id}").json()
    assert status["status"] == "failed" and status["error"]["code"] == "TASK_QUEUE_UNAVAILABLE"


def test_signature_refused_while_broker_down_then_queued_once(
    broker: PrivateRedis, at_step_8: ApiClient, signing_ca: Any
) -> None:
    broker.kill()
    assert_refused(sign(at_step_8, png_data_url(True), strokes(40, 10.0)))
    assert RenewalCase.objects.get().state == "agreements_read"
    assert HandSignature.objects.count() == 1
    assert TaskRecord.objects.get().status == TaskStatus.FAILED

    broker.start()
    resp = sign(at_step_8, png_data_url(True), strokes(40, 10.0))
    assert resp.status_code == 202, resp.content
    assert queued(broker) == [repr((resp.json()["task_id"],))]
    assert TaskRecord.objects.filter(status=TaskStatus.PENDING).count() == 1
