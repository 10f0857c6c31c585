"""Steps 4–6 through the API: file refusals before any analysis, then the rules at 确定,
the identity confirmation and the customer's edits at step 6. Card readings are stored as
the pipeline returns them (its own accuracy is tested on generated cards elsewhere)."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.idcard.models import CardReading, CardUpload
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, confirm, new_period, store_reading

pytestmark = pytest.mark.django_db


def upload(api: ApiClient, side: str, data: bytes, name: str = "card.jpg") -> Any:
    return api.post(
        f"{CASES}/idcard/{side}",
        {"image": SimpleUploadedFile(name, data, content_type="image/jpeg")},
        headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": api.new_key()},
    )


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says width × height (a decompression bomb's first bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"GIF89a" + b"\x00" * 4000, 400, "IMAGE_TYPE_UNSUPPORTED"),
        (b"%PDF-1.7\n" + b"\x00" * 4000, 400, "IMAGE_TYPE_UNSUPPORTED"),
        (png_header_claiming(30_000, 30_000), 400, "IMAGE_TOO_MANY_PIXELS"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 10, 400, "IMAGE_UNDECODABLE"),
    ],
    ids=["gif", "pdf", "png-bomb", "jpeg-without-a-header"],
)
def test_files_refused_before_analysis(
    at_step_4: ApiClient, data: bytes, status: int, code: str
) -> None:
    resp = upload(at_step_4, "front", data)
    assert resp.status_code == status and resp.json()["code"] == code
    assert resp.json()["message"]
    assert not CardUpload.objects.exists()


def test_oversized_file(settings: Any, at_step_4: ApiClient) -> None:
    settings.IDRENEW_IDCARD_MAX_BYTES = 50_000
    buf = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(buf, "PNG")
    resp = upload(at_step_4, "back", buf.getvalue(), "big.png")
    assert resp.status_code == 413 and resp.json()["code"] == "IMAGE_TOO_LARGE"


def test_upload_out_of_order(signed_in: ApiClient) -> None:
    assert signed_in.post_json("/api/cases", {}, key=signed_in.new_key()).status_code == 201
    resp = upload(signed_in, "front", b"\xff\xd8\xff" + b"\x00" * 100)
    assert resp.status_code == 409 and resp.json()["code"] == "CASE_STEP_OUT_OF_ORDER"


def test_confirm_needs_both_sides(at_step_4: ApiClient, alice: Any) -> None:
    resp = confirm(at_step_4)
    assert resp.status_code == 409 and resp.json()["code"] == "IDCARD_NOT_READY"
    state = at_step_4.get(f"{CASES}/idcard").json()
    assert state == {"front": None, "back": None, "ready": False}


def test_confirm_moves_to_step_5_with_the_number_masked(at_step_4: ApiClient, alice: Any) -> None:
    store_reading(alice)
    state = at_step_4.get(f"{CASES}/idcard").json()
    assert state["ready"] and state["front"]["fields"]["id_number_masked"] == alice.id_number_masked
    assert alice.id_number not in str(state)
    resp = confirm(at_step_4)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["name"] == alice.name and body["id_number_masked"] == alice.id_number_masked
    assert alice.id_number not in resp.content.decode()
    assert body["face_match"]["checked"] is False  # no liveness best frame in this test
    reading = CardReading.objects.get()
    assert "FACE_CARD_UNCHECKED" in reading.review_flags
    assert RenewalCase.objects.get().state == "idcard_read"
    assert at_step_4.get(f"{CASES}").json()["step_key"] == "identity"


@pytest.mark.parametrize(
    ("override", "code", "branch"),
    [
        ({"id_number": "same birth and sex, another number"}, "IDCARD_NUMBER_CHANGED", True),
        ({"name": "王五"}, "IDCARD_NAME_CHANGED", True),
        ({"valid_from": "2001.01.01", "valid_to": "2021.01.01"}, "IDCARD_EXPIRED", False),
    ],
)
def test_refusals_at_confirm(
    at_step_4: ApiClient, alice: Any, override: dict[str, str], code: str, branch: bool
) -> None:
    store_reading(alice, **override)
    resp = confirm(at_step_4)
    assert resp.status_code == 422 and resp.json()["code"] == code
    assert resp.json()["detail"]["branch"] is branch
    if branch:
        assert "营业部" in resp.json()["message"]
    assert RenewalCase.objects.get().state == "face_passed"
    assert AuditEvent.objects.filter(action="idcard.refused").exists()


def test_number_failing_the_check_digit_is_never_accepted(at_step_4: ApiClient, alice: Any) -> None:
    wrong = alice.id_number[:-1] + ("0" if alice.id_number[-1] != "0" else "1")
    store_reading(alice, id_number=wrong)
    resp = confirm(at_step_4)
    assert resp.status_code == 422 and resp.json()["code"] == "IDCARD_NUMBER_INVALID"


def test_identity_retake_and_confirm(at_step_4: ApiClient, alice: Any) -> None:
    store_reading(alice)
    assert confirm(at_step_4).status_code == 200
    assert at_step_4.get(f"{CASES}/identity").json()["name"] == alice.name
    back = at_step_4.post_json(f"{CASES}/identity/retake", {}, key=at_step_4.new_key())
    assert back.status_code == 200 and back.json()["state"] == "face_passed"
    assert at_step_4.get(f"{CASES}/idcard").json()["ready"]  # the photos stay
    assert confirm(at_step_4).status_code == 200
    ok = at_step_4.post_json(f"{CASES}/identity/confirm", {}, key=at_step_4.new_key())
    assert ok.status_code == 200 and ok.json()["state"] == "identity_confirmed"
    assert ok.json()["current_step"] == 6


@pytest.fixture
def at_step_6(at_step_4: ApiClient, alice: Any) -> ApiClient:
    store_reading(alice)
    assert confirm(at_step_4).status_code == 200
    assert at_step_4.post_json(f"{CASES}/identity/confirm", {}, key="k-id").status_code == 200
    return at_step_4


def test_update_view_prefilled_from_the_card(at_step_6: ApiClient, alice: Any) -> None:
    body = at_step_6.get(f"{CASES}/update").json()
    start, end = new_period(alice)
    assert body["id_type"] == "居民身份证" and body["id_number_masked"] == alice.id_number_masked
    assert body["old_valid_from"] == alice.id_valid_from.isoformat()
    assert body["valid_from"] == start.isoformat()
    assert body["valid_to"] == (end.isoformat() if end else None)
    assert body["address"] == alice.address and body["ocr"]["address"] == alice.address


def test_update_stores_edits_beside_what_was_read(at_step_6: ApiClient, alice: Any) -> None:
    start, end = new_period(alice)
    payload = {
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
        "long_term": end is None,
        "address": "上海市浦东新区世纪大道100号",
    }
    resp = at_step_6.post_json(f"{CASES}/update", payload, key=at_step_6.new_key())
    assert resp.status_code == 200, resp.content
    assert resp.json()["state"] == "update_confirmed" and resp.json()["current_step"] == 7
    reading = CardReading.objects.get()
    assert reading.edits["address"] == "上海市浦东新区世纪大道100号"
    assert reading.ocr["address"] == alice.address
    event = AuditEvent.objects.filter(data__edited__isnull=False).latest("at")
    assert event.data["edited"] == ["address"]
    assert "世纪大道" not in str(event.data)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda s, e: (s, e + timedelta(days=1) if e else None, e is None), "UPDATE_END_DAY"),
        (lambda s, e: (s + timedelta(days=30), e, False), "UPDATE_START_IN_FUTURE"),
        (
            lambda s, e: (
                s.replace(year=s.year - 30),
                e.replace(year=e.year - 30) if e else None,
                e is None,
            ),
            "UPDATE_EXPIRED",
        ),
    ],
    ids=["end-day", "future-start", "expired"],
)
def test_update_edits_that_break_a_rule_are_refused(
    at_step_6: ApiClient, alice: Any, change: Any, code: str
) -> None:
    start, end = new_period(alice)
    s, e, long_term = change(start, end)
    payload = {
        "valid_from": s.isoformat(),
        "valid_to": e.isoformat() if e else None,
        "long_term": long_term,
        "address": alice.address,
    }
    resp = at_step_6.post_json(f"{CASES}/update", payload, key=at_step_6.new_key())
    assert resp.status_code == 422
    assert code in resp.json()["detail"]["codes"], resp.json()
    assert set(resp.json()["fields"]) <= {"valid_from", "valid_to"} and resp.json()["fields"]
    assert RenewalCase.objects.get().state == "identity_confirmed"


def test_update_validation(at_step_6: ApiClient, alice: Any) -> None:
    start, _ = new_period(alice)
    bad = [
        {"valid_from": "2026/01/01", "valid_to": None, "long_term": True, "address": alice.address},
        {
            "valid_from": start.isoformat(),
            "valid_to": None,
            "long_term": False,
            "address": alice.address,
        },
        {"valid_from": start.isoformat(), "valid_to": None, "long_term": True, "address": "北京"},
    ]
    for payload in bad:
        resp = at_step_6.post_json(f"{CASES}/update", payload, key=at_step_6.new_key())
        assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION_ERROR", payload


def test_a_retried_upload_with_the_same_key_replays_the_first_answer(
    at_step_4: ApiClient,
) -> None:
    """The browser picks a new multipart boundary on every retry: same key, same photo →
    the first answer again, not a conflict and not a second upload."""
    RenewalCase.objects.update(state="started")  # a stored refusal (409) to replay
    data = b"\xff\xd8\xff" + b"\x00" * 4000

    def send(key: str, boundary: str, payload: bytes) -> Any:
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="image"; filename="c.jpg"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + payload
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return at_step_4.generic(
            "POST",
            f"{CASES}/idcard/front",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"X-CSRFToken": at_step_4.csrf(), "Idempotency-Key": key},
        )

    first = send("k-photo", "AaB03x", data)
    assert first.status_code == 409 and first.json()["code"] == "CASE_STEP_OUT_OF_ORDER"
    again = send("k-photo", "ZzY98w", data)
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    other = send("k-photo", "QqR77v", data + b"x")
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_KEY_CONFLICT"
