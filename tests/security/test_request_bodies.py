"""Issue #10, item 9: oversize and unauthenticated bodies are refused before they are read.

The streaming cases talk to a live server over a raw socket: the request announces a huge
body and sends only a few bytes. A server that reads (or spools) the body before answering
would wait for the rest and the socket would time out; the answer must come at once.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from idrenew.core.limits import body_limit
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4

__all__ = ["at_step_4"]  # the fixture, imported for its name

PROMPT = 5.0  # seconds: a refusal never waits for the body


def raw_request(
    base_url: str, head: str, body: bytes, *, timeout: float = PROMPT
) -> tuple[int, dict[str, Any], float]:
    """Send the request head and `body` (maybe far less than announced), read the answer."""
    parts = urlsplit(base_url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        content = response.read()
        elapsed = time.monotonic() - started
        assert "json" in (response.getheader("Content-Type") or ""), content[:200]
        return response.status, json.loads(content), elapsed


def multipart_head(path: str, length: int, *, host: str, extra: str = "") -> str:
    return (
        f"POST {path} HTTP/1.1\n"
        f"Host: {host}\n"
        "Content-Type: multipart/form-data; boundary=XyZ\n"
        f"Content-Length: {length}\n"
        "Idempotency-Key: 0b1e6c1e-6a4c-4d3f-9a51-6d5d0c7f0a11\n"
        f"{extra}"
        "Connection: close\n"
    )


FIRST_BYTES = (
    b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0" + b"\x00" * 1024
)


@pytest.mark.django_db(transaction=True)
def test_a_300_mb_anonymous_upload_is_refused_from_its_content_length(live_server: Any) -> None:
    host = urlsplit(live_server.url).netloc
    head = multipart_head(f"{CASES}/idcard/front", 300 * 1024 * 1024, host=host)
    status, body, elapsed = raw_request(live_server.url, head, FIRST_BYTES)
    assert status == 413 and body["code"] == "IMAGE_TOO_LARGE"
    assert set(body) == {"code", "message", "retryable", "fields", "detail"}
    assert body["detail"]["limit"] == body_limit(f"{CASES}/idcard/front")
    assert elapsed < PROMPT


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_upload_within_the_limit_is_refused_before_its_body(
    live_server: Any,
) -> None:
    host = urlsplit(live_server.url).netloc
    head = multipart_head(f"{CASES}/idcard/front", 5 * 1024 * 1024, host=host)
    status, body, elapsed = raw_request(live_server.url, head, FIRST_BYTES)
    assert status == 401 and body["code"] == "NOT_SIGNED_IN"
    assert elapsed < PROMPT


@pytest.mark.django_db(transaction=True)
def test_an_expired_session_is_refused_before_the_body(
    live_server: Any, alice: Any, outbox: list[Any]
) -> None:
    from tests.conftest import sign_in_sms

    api = ApiClient()
    sign_in_sms(api, alice, outbox)
    session = api.session
    session["idrenew_customer_seen"] = time.time() - 24 * 3600
    session.save()
    host = urlsplit(live_server.url).netloc
    cookies = f"Cookie: sessionid={api.cookies['sessionid'].value}\n"
    head = multipart_head(f"{CASES}/idcard/front", 5 * 1024 * 1024, host=host, extra=cookies)
    status, body, elapsed = raw_request(live_server.url, head, FIRST_BYTES)
    assert status == 401 and body["code"] == "SESSION_EXPIRED"
    assert elapsed < PROMPT


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_without_a_length_is_refused(live_server: Any) -> None:
    host = urlsplit(live_server.url).netloc
    head = (
        "POST /api/auth/sms/send HTTP/1.1\n"
        f"Host: {host}\n"
        "Content-Type: application/json\n"
        "Transfer-Encoding: chunked\n"
        "Connection: close\n"
    )
    status, body, elapsed = raw_request(live_server.url, head, b"100000\r\n" + b"[" * 4096)
    assert status == 411 and body["code"] == "LENGTH_REQUIRED"
    assert elapsed < PROMPT


@pytest.mark.django_db(transaction=True)
def test_a_body_longer_than_its_content_length_is_read_only_to_the_length(
    live_server: Any,
) -> None:
    host = urlsplit(live_server.url).netloc
    head = (
        "POST /api/auth/sms/send HTTP/1.1\n"
        f"Host: {host}\n"
        "Content-Type: application/json\n"
        "Content-Length: 20\n"
        "Connection: close\n"
    )
    status, body, elapsed = raw_request(live_server.url, head, b"[" * (2 * 1024 * 1024))
    assert status == 400 and body["code"] == "REQUEST_MALFORMED"
    assert elapsed < PROMPT


def test_a_25_mb_json_body_is_refused_with_the_error_shape(api: ApiClient, db: Any) -> None:
    big = json.dumps({"fund_account": "8" * (25 * 1024 * 1024), "mobile_last4": "0000"})
    resp = api.generic(
        "POST",
        "/api/auth/sms/send",
        big,
        content_type="application/json",
        headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": "k-big"},
    )
    assert resp.status_code == 413 and resp.json()["code"] == "REQUEST_TOO_LARGE"
    assert resp.json()["detail"] == {"limit": body_limit("/api/auth/sms/send")}


def test_an_oversize_anonymous_upload_is_refused_by_size_not_read(api: ApiClient, db: Any) -> None:
    data = b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024)
    resp = api.post(
        f"{CASES}/idcard/front",
        {"image": SimpleUploadedFile("a.jpg", data, content_type="image/jpeg")},
        headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": "k-upload"},
    )
    assert resp.status_code == 413 and resp.json()["code"] == "IMAGE_TOO_LARGE"


def test_uploads_within_their_own_limit_still_reach_the_checks(at_step_4: ApiClient) -> None:
    data = b"GIF89a" + b"\x00" * (9 * 1024 * 1024)
    resp = at_step_4.post(
        f"{CASES}/idcard/front",
        {"image": SimpleUploadedFile("a.gif", data, content_type="image/gif")},
        headers={"X-CSRFToken": at_step_4.csrf(), "Idempotency-Key": "k-gif"},
    )
    assert resp.status_code == 400 and resp.json()["code"] == "IMAGE_TYPE_UNSUPPORTED"


def test_limits_follow_the_upload_settings(settings: Any) -> None:
    settings.IDRENEW_IDCARD_MAX_BYTES = 10 * 1024 * 1024
    settings.IDRENEW_FACE_CLIP_MAX_BYTES = 15 * 1024 * 1024
    assert 10 * 1024 * 1024 < body_limit(f"{CASES}/idcard/back") <= 11 * 1024 * 1024
    assert 15 * 1024 * 1024 < body_limit(f"{CASES}/face/clip") <= 16 * 1024 * 1024
    assert body_limit("/api/auth/password") <= 1024 * 1024
    assert body_limit(f"{CASES}/signature") <= 1024 * 1024


def test_reading_past_the_limit_while_streaming_stops(rf: Any, settings: Any) -> None:
    """A body that grows past the limit while it is read (no trustworthy length) stops there."""
    from idrenew.core.limits import CappedStream, RequestTooLarge

    class Endless:
        def read(self, size: int = -1) -> bytes:
            return b"x" * (65536 if size is None or size < 0 else min(size, 65536))

        def readline(self, size: int = -1) -> bytes:
            return self.read(size)

    stream = CappedStream(Endless(), limit=200_000)
    with pytest.raises(RequestTooLarge):
        while stream.read(65536):
            pass
    assert stream.consumed <= 200_000 + 65536
