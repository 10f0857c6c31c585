from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import ApiClient, sign_in_sms

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_request_without_a_session(api: ApiClient) -> None:
    resp = api.get("/api/session")
    assert resp.status_code == 401 and resp.json()["code"] == "NOT_SIGNED_IN"
    resp = api.post_json("/api/cases", {}, key="k")
    assert resp.status_code == 401 and resp.json()["code"] == "NOT_SIGNED_IN"


def test_idle_timeout_15_minutes(signed_in: ApiClient) -> None:
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert signed_in.get("/api/session").status_code == 200  # activity refreshes it
    with time_machine.travel(timezone.now() + timedelta(minutes=14 + 16)):
        resp = signed_in.get("/api/session")
    assert resp.status_code == 401 and resp.json()["code"] == "SESSION_EXPIRED"


def test_logout(signed_in: ApiClient) -> None:
    assert signed_in.post_json("/api/auth/logout").status_code == 204
    assert signed_in.get("/api/session").status_code == 401


def test_session_key_rotates_at_sign_in(api: ApiClient, alice: Any, outbox: list[Any]) -> None:
    api.get("/h5/")
    api.session["pre"] = 1
    api.session.save()
    before = api.cookies.get("sessionid").value if "sessionid" in api.cookies else None
    sign_in_sms(api, alice, outbox)
    assert api.cookies["sessionid"].value != before


def test_secure_cookie_under_https(alice: Any, outbox: list[Any]) -> None:
    api = ApiClient()
    api.defaults["wsgi.url_scheme"] = "https"
    api.defaults["SERVER_PORT"] = "443"
    resp = api.get("/api/meta", secure=True)
    assert resp.cookies["csrftoken"]["secure"]


@pytest.mark.parametrize(
    "path", ["/api/auth/sms/send", "/api/auth/password", "/api/auth/sms/verify"]
)
def test_outside_business_hours_states_next_opening(
    settings: Any, api: ApiClient, alice: Any, path: str
) -> None:
    settings.IDRENEW_IGNORE_BUSINESS_HOURS = False
    body = {
        "/api/auth/sms/send": {"fund_account": alice.fund_account, "mobile_last4": "8002"},
        "/api/auth/sms/verify": {
            "fund_account": alice.fund_account,
            "mobile_last4": "8002",
            "code": "123456",
        },
        "/api/auth/password": {
            "trading_account": alice.trading_account,
            "password": "x",
            "captcha_id": "x",
            "captcha_code": "x",
        },
    }[path]
    with time_machine.travel(datetime(2026, 11, 27, 20, 0, tzinfo=SH)):  # Friday evening
        resp = api.post_json(path, body)
    assert resp.status_code == 403
    data = resp.json()
    assert data["code"] == "OUTSIDE_BUSINESS_HOURS"
    assert data["detail"]["next_open"].startswith("2026-11-30T08:30:00")
    assert "2026-11-30 08:30" in data["message"]


def test_meta_reports_hours_and_demo_switch(settings: Any, api: ApiClient) -> None:
    settings.IDRENEW_IGNORE_BUSINESS_HOURS = False
    with time_machine.travel(datetime(2026, 11, 25, 20, 0, tzinfo=SH)):
        data = api.get("/api/meta").json()
    assert data["service_open"] is False
    assert data["next_open"].startswith("2026-11-26T08:30:00")
    assert data["business_hours"] == {"open": "08:30", "close": "15:30"}
    assert [s["number"] for s in data["steps"]] == list(range(1, 11))
    assert "csrftoken" in api.cookies
