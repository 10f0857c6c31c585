"""Issue #10, item 11: every error under /api/ is the documented JSON shape with a code."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from django.test import Client

from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4

__all__ = ["at_step_4"]  # the fixture, imported for its name

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "retryable", "fields", "detail"}


def assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.content[:300]
    assert resp["Content-Type"].startswith("application/json"), resp.content[:300]
    body: dict[str, Any] = resp.json()
    assert set(body) == SHAPE and body["code"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/api/meta"), ("delete", "/api/session"), ("patch", "/api/auth/captcha")],
)
def test_wrong_method_is_a_json_405(api: ApiClient, method: str, path: str) -> None:
    resp = getattr(api, method)(path)
    body = assert_error(resp, 405, "METHOD_NOT_ALLOWED")
    assert body["detail"]["allowed"] and "Allow" in resp


@pytest.mark.parametrize("path", ["/api/nope", "/api/cases/current/nope/deeper", "/api/"])
def test_unknown_api_path_is_a_json_404(api: ApiClient, path: str) -> None:
    assert_error(api.get(path), 404, "NOT_FOUND")


def test_unknown_card_side_is_a_coded_json_error(at_step_4: ApiClient) -> None:
    resp = at_step_4.get(f"{CASES}/idcard/left")
    assert resp["Content-Type"].startswith("application/json")
    assert set(resp.json()) == SHAPE and resp.status_code in (404, 405)
    resp = at_step_4.post(
        f"{CASES}/idcard/left",
        {"image": b"x"},
        headers={"X-CSRFToken": at_step_4.csrf(), "Idempotency-Key": "k-left"},
    )
    assert resp["Content-Type"].startswith("application/json")
    assert set(resp.json()) == SHAPE and 400 <= resp.status_code < 500


def test_broken_multipart_is_a_json_400(at_step_4: ApiClient) -> None:
    resp = at_step_4.generic(
        "POST",
        f"{CASES}/idcard/front",
        b"--zz\r\nbroken",
        content_type="multipart/form-data",  # no boundary
        headers={"X-CSRFToken": at_step_4.csrf(), "Idempotency-Key": "k-broken"},
    )
    assert_error(resp, 400, "REQUEST_MALFORMED")


@pytest.mark.parametrize("key", [None, "k-json"])
def test_undecodable_json_is_a_json_400(at_step_4: ApiClient, key: str | None) -> None:
    headers = {"X-CSRFToken": at_step_4.csrf()}
    if key:
        headers["Idempotency-Key"] = key
    resp = at_step_4.generic(
        "POST", "/api/auth/sms/send", b"{not json", content_type="application/json", headers=headers
    )
    assert_error(resp, 400, "REQUEST_MALFORMED")


@pytest.mark.parametrize("key", [None, "k-large"])
def test_a_body_over_django_s_own_limit_is_a_json_413(
    api: ApiClient, settings: Any, key: str | None
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    headers = {"X-CSRFToken": api.csrf()}
    if key:
        headers["Idempotency-Key"] = key
    body = b'{"fund_account": "' + b"8" * 5000 + b'", "mobile_last4": "0000"}'
    resp = api.generic(
        "POST", "/api/auth/sms/send", body, content_type="application/json", headers=headers
    )
    assert_error(resp, 413, "REQUEST_TOO_LARGE")


def test_server_error_in_a_middleware_is_a_json_500_without_traceback(signed_in: ApiClient) -> None:
    client = signed_in
    client.raise_request_exception = False
    with patch("idrenew.core.middleware.request_digest", side_effect=RuntimeError("secret detail")):
        resp = client.post_json("/api/cases", {}, key="k-boom")
    body = assert_error(resp, 500, "INTERNAL_ERROR")
    assert "secret detail" not in resp.content.decode() and "Traceback" not in str(body)


def test_server_error_in_a_view_is_a_json_500(signed_in: ApiClient, settings: Any) -> None:
    settings.DEBUG = True  # even so: no traceback in the answer
    with patch("idrenew.cases.services.case_start", side_effect=RuntimeError("secret detail")):
        resp = signed_in.post_json("/api/cases", {}, key="k-view")
    assert_error(resp, 500, "INTERNAL_ERROR")
    assert b"secret detail" not in resp.content and b"Traceback" not in resp.content


def test_non_api_pages_keep_their_own_errors(db: Any) -> None:
    resp = Client().get("/backoffice/nope")
    assert resp.status_code == 404 and not resp["Content-Type"].startswith("application/json")
