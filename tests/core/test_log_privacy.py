"""Issue #13, item 3: no personal data in any log line or metric label.

A whole journey runs through the API in-process (SMS sign-in, the face step with a real clip
and the real engine, both card photos read by the real OCR, confirmations, both agreements
read and signed, submission, a person's approval, outbox delivery of the counter update and
the SMS), with the ``idrenew`` and ``django`` loggers at DEBUG written as JSON lines. Every
line, and every sample of ``/metrics``, is scanned for the customer's name, ID number (whole,
and any run of 6 or more of its digits), mobile, addresses and the SMS code.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.core.observability.logging import JsonFormatter, RequestIdFilter
from idrenew.devkit.idcards import demo_card_photos, renewed_identity
from idrenew.face.notice import current_notice
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services as review
from tests.conftest import SHARED, ApiClient, sign_in_sms, sms_code_from
from tests.idcard.conftest import CASES
from tests.review.conftest import deliver_all, sign_and_submit
from tests.signing.conftest import _ca_dir, authority, signing_ca
from tests.signing.test_steps_api import read_all

__all__ = ["_ca_dir", "authority", "signing_ca"]  # fixtures, imported for their names
pytestmark = pytest.mark.django_db
CLIPS = SHARED / "testdata" / "liveness"
needs_shared = pytest.mark.skipif(not CLIPS.exists(), reason="../shared/testdata absent")

# Tokens that are ids, not data: UUIDs, request ids, hashes (hex runs can hold digit runs).
# A hex token must hold a letter: a run of 16 or more digits is no id but may be the ID number.
_HEX_TOKEN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?=[0-9]*[a-fA-F])[0-9a-fA-F]{16,}"
)
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) ")


def secrets_of(customer: Any, *, sms_codes: list[str], addresses: list[str]) -> dict[str, str]:
    """What must never appear: the values, each under a name for the failure message."""
    found = {"name": customer.name, "id_number": customer.id_number, "mobile": customer.mobile}
    for i, address in enumerate(addresses):
        found[f"address {i}"] = address
    for i, code in enumerate(sms_codes):
        found[f"sms code {i}"] = code
    digits = re.sub(r"\D", "", customer.id_number)
    for start in range(len(digits) - 5):
        found[f"id_number digits {start}-{start + 6}"] = digits[start : start + 6]
    return found


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Which secrets ``text`` holds (after dropping id and hash tokens)."""
    text = _HEX_TOKEN.sub("<id>", text)
    return [name for name, value in secrets.items() if value and value in text]


def metric_labels(exposition: str) -> list[str]:
    """Each sample's name and labels (its value and timestamp are numbers, not labels)."""
    out = []
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            match = _SAMPLE.match(line)
            assert match, line
            out.append(match.group(1))
    return out


@pytest.fixture
def approver(db: Any) -> Any:
    from idrenew.core.staff import staff_create

    return staff_create(username="appr1", password="Staff-Pass-2026!", role="审批员")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every record of the app's and Django's loggers, at DEBUG, as the JSON lines the
    production handler writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    names = ["idrenew", "django", "celery"]
    levels = {n: logging.getLogger(n).level for n in names}
    root.addHandler(handler)
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


@contextmanager
def failing_once_counter() -> Iterator[None]:
    """The counter gateway's first update fails the way a vendor's adapter might: its error
    repeats the customer's data it was sent. The retry goes through."""
    from idrenew.customers.gateway import counter_gateway

    real = counter_gateway()
    calls: list[int] = []

    class Flaky:
        def apply_id_update(self, customer: Any, update: Any) -> Any:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError(
                    f"counter refused {customer.name} {customer.id_number}: "
                    f"address {update.address} not accepted"
                )
            return real.apply_id_update(customer, update)

    with patch("idrenew.outbox.handlers.counter_gateway", return_value=Flaky()):
        yield
    assert len(calls) == 2


def _task(api: ApiClient, resp: Any) -> dict[str, Any]:
    assert resp.status_code == 202, resp.content
    task: dict[str, Any] = api.get(f"/api/tasks/{resp.json()['task_id']}").json()
    assert task["status"] == "succeeded", task
    return task


def journey(api: ApiClient, customer: Any, outbox: list[Any], approver: Any, tmp: Path) -> str:
    """Sign-in to approval and delivery; the case reference."""
    from tests.face import clips

    sign_in_sms(api, customer, outbox)
    assert api.post_json("/api/cases", {}, key=api.new_key()).status_code == 201
    face = f"{CASES}/face"
    consent = {"notice_version": current_notice().version}
    assert api.post_json(f"{face}/consent", consent, key=api.new_key()).status_code == 200
    challenge = api.post_json(f"{face}/challenge", {}, key=api.new_key()).json()
    clip = clips.for_schedule("d12", challenge["schedule"], tmp / "clip.mp4")
    resp = api.post(
        f"{face}/clip",
        {
            "nonce": challenge["nonce"],
            "clip": SimpleUploadedFile("clip.mp4", clip, content_type="video/mp4"),
            "prompt_offset_ms": 1500,
        },
        headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": api.new_key()},
    )
    assert _task(api, resp)["result"]["passed"]

    for side, photo in demo_card_photos(customer, timezone.localdate()).items():
        resp = api.post(
            f"{CASES}/idcard/{side}",
            {"image": SimpleUploadedFile(f"{side}.jpg", photo, content_type="image/jpeg")},
            headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": api.new_key()},
        )
        assert _task(api, resp)["result"]["accepted"]
    confirmed = api.post_json(f"{CASES}/idcard/confirm", {}, key=api.new_key())
    assert confirmed.status_code == 200, confirmed.content
    assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200
    shown = api.get(f"{CASES}/update").json()
    update = {k: shown[k] for k in ("valid_from", "valid_to", "long_term", "address")}
    assert api.post_json(f"{CASES}/update", update, key=api.new_key()).status_code == 200
    read_all(api)
    assert api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key()).status_code == 200
    case = sign_and_submit(api)

    review.review_claim(case_id=case.id, user=approver)
    with failing_once_counter():  # the counter refuses once, echoing what it was sent
        review.review_approve(case_id=case.id, user=approver, note="资料齐全")
        deliver_all()
        assert OutboxEvent.objects.filter(status="pending", attempts=1).exists()
        outbox_dispatch(now=timezone.now() + timedelta(hours=2))  # after the backoff
    assert deliver_all() >= 1  # the 已通过 SMS the counter update wrote
    assert not OutboxEvent.objects.exclude(status="delivered").exists()
    assert RenewalCase.objects.get(pk=case.pk).state == "approved"
    assert api.get("/api/cases/latest").json()["state"] == "approved"
    return case.reference


@needs_shared
@pytest.mark.slow
def test_a_whole_journey_logs_and_counts_no_personal_data(
    demo_customers: dict[str, Any],
    outbox: list[Any],
    approver: Any,
    signing_ca: Any,
    settings: Any,
    tmp_path: Path,
    json_log: io.StringIO,
) -> None:
    settings.IDRENEW_FACE_FIXED_ACTIONS = "turn_left,turn_right"
    settings.IDRENEW_CFMMC_DIR = tmp_path / "cfmmc"
    customer = demo_customers["80010002"]
    api = ApiClient()
    reference = journey(api, customer, outbox, approver, tmp_path)

    customer.refresh_from_db()
    renewed = renewed_identity(customer, timezone.localdate())
    texts = [m.text for m in outbox]
    codes = [m.group(1) for t in texts for m in [re.search(r"验证码为(\d{6})", t)] if m]
    assert codes == [sms_code_from(outbox[:1])]
    secrets = secrets_of(
        customer, sms_codes=codes, addresses=sorted({customer.address, renewed.address})
    )
    assert any("已通过" in t for t in texts)  # the SMS went out (and held the customer's data)

    lines = json_log.getvalue().splitlines()
    assert len(lines) > 30, lines  # the journey was logged
    request_ids = set()
    for line in lines:
        record = json.loads(line)  # one JSON object per line
        assert {"time", "level", "logger", "message", "request_id"} <= set(record), record
        request_ids.add(record["request_id"])
        assert not leaks(line, secrets), (leaks(line, secrets), line)
    access = [json.loads(x) for x in lines if '"logger": "idrenew.access"' in x]
    assert len(access) > 25 and all(a["request_id"] and a["route"] for a in access)
    assert len(request_ids) > 25  # one id per request
    outbox_lines = [json.loads(x) for x in lines if '"logger": "idrenew.outbox.services"' in x]
    assert any("delivered" in o["message"] for o in outbox_lines), outbox_lines

    settings.IDRENEW_METRICS_ALLOW = ["127.0.0.1/32"]
    scrape = api.get("/metrics")
    assert scrape.status_code == 200
    exposition = scrape.content.decode()
    assert 'idrenew_cases{state="approved",step="10_status"} 1.0' in exposition
    assert 'idrenew_liveness_outcomes_total{outcome="passed"}' in exposition
    assert 'idrenew_ocr_outcomes_total{outcome="accepted",side="front"}' in exposition
    for sample in metric_labels(exposition):
        assert not leaks(sample, secrets), (leaks(sample, secrets), sample)
    # Raw paths never become labels: only URL patterns (the reference is not in any label).
    assert not [s for s in metric_labels(exposition) if reference in s]


def test_the_scan_finds_what_it_looks_for(demo_customers: dict[str, Any]) -> None:
    """The scanner is not blind: each kind of value, in a log line or a metric label."""
    customer = demo_customers["80010002"]
    secrets = secrets_of(customer, sms_codes=["483920"], addresses=[customer.address])
    clean = '{"message": "task face.analyze (9f1c2a70-1d2e-4c55-8a0b-1234567890ab) succeeded"}'
    assert leaks(clean, secrets) == []
    middle = customer.id_number[4:12]
    for line in [
        f"signed in {customer.name}",
        f"id {customer.id_number}",
        f"digits {middle}",
        f"sms to {customer.mobile}",
        f"moved to {customer.address}",
        "code 483920 sent",
    ]:
        assert leaks(line, secrets), line
    assert leaks(f'idrenew_x{{route="api/{customer.mobile}"}}', secrets)
