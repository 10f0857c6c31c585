"""Failure drill: Redis down during sign-in (issue #13 item 5).

What the customer saw: while Redis (cache and sign-in rate limits) was down, every sign-in
call (SMS send, SMS verify, captcha, trading password) answered 503
``RATE_LIMIT_UNAVAILABLE`` "系统繁忙，暂时无法验证身份，请稍后再试" (retryable) within the 2 s
Redis timeout; nobody was signed in, even with the right code (the limits fail closed, never
open), and no SMS went out. When Redis was back, the same code signed the customer in on the
first retry.

Nothing lost or duplicated: the SMS challenge issued before the outage was neither consumed
nor replaced; exactly one sign-in happened, after the outage; no case was touched.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from idrenew.audit.models import AuditEvent
from idrenew.verification.models import SmsChallenge
from tests.conftest import ApiClient, sms_code_from
from tests.ops.drills import PrivateRedis, free_port

pytestmark = pytest.mark.django_db

SEND = "/api/auth/sms/send"
VERIFY = "/api/auth/sms/verify"


def use_redis(settings: Any, url: str) -> None:
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "drill",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


def assert_refused(resp: Any) -> None:
    assert resp.status_code == 503, resp.content
    body = resp.json()
    assert body["code"] == "RATE_LIMIT_UNAVAILABLE" and body["retryable"] is True
    assert body["message"] == "系统繁忙，暂时无法验证身份，请稍后再试"


def test_dead_redis_port_refuses_every_sign_in_path(
    settings: Any, api: ApiClient, alice: Any, outbox: list[Any]
) -> None:
    use_redis(settings, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    started = time.monotonic()
    assert_refused(
        api.post_json(SEND, {"fund_account": alice.fund_account, "mobile_last4": "8002"})
    )
    assert_refused(api.get("/api/auth/captcha"))
    assert_refused(
        api.post_json(
            "/api/auth/password",
            {
                "trading_account": alice.trading_account,
                "password": "135790",
                "captcha_id": "00000000-0000-0000-0000-000000000000",
                "captcha_code": "abcd",
            },
        )
    )
    assert time.monotonic() - started < 10  # refused promptly, not after a hang
    assert outbox == [] and not SmsChallenge.objects.exists()
    assert api.get("/api/session").status_code == 401


def test_redis_killed_between_send_and_verify_then_back(
    settings: Any, api: ApiClient, alice: Any, bob: Any, outbox: list[Any]
) -> None:
    with PrivateRedis() as redis_server:
        use_redis(settings, redis_server.url)
        account = {"fund_account": alice.fund_account, "mobile_last4": alice.mobile[-4:]}
        assert api.post_json(SEND, account).status_code == 200
        code = sms_code_from(outbox)
        redis_server.kill()

        # Down: the right code does not sign in (fail closed), a new send sends nothing.
        assert_refused(api.post_json(VERIFY, {**account, "code": code}))
        other = ApiClient()
        assert_refused(
            other.post_json(SEND, {"fund_account": bob.fund_account, "mobile_last4": "8001"})
        )
        assert len(outbox) == 1
        assert api.get("/api/session").status_code == 401
        assert SmsChallenge.objects.count() == 1
        assert SmsChallenge.objects.get().consumed_at is None

        # Back (a fresh Redis on the same port, its counters empty): the retry signs in.
        redis_server.start()
        resp = api.post_json(VERIFY, {**account, "code": code})
        assert resp.status_code == 200, resp.content
        assert api.get("/api/session").status_code == 200
    assert SmsChallenge.objects.count() == 1
    assert SmsChallenge.objects.get().consumed_at is not None
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("signin.sms.requested") == 1
    assert actions.count("signin.sms.succeeded") == 1
