"""#10 item 6: account fields take ASCII digits only.

Full-width (８００１０００１) or other Unicode digits match ``\\d`` but hash differently, so
each spelling of one account had counters and locks of its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from idrenew.core.errors import ValidationFailed
from idrenew.verification import services
from idrenew.verification.models import Captcha, SignInLock, SmsChallenge
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def spellings(value: str) -> list[str]:
    return [value.translate(FULL_WIDTH), value.translate(ARABIC_INDIC)]


@pytest.mark.parametrize("spelling", [0, 1])
def test_sms_send_refuses_non_ascii_digits(alice: Any, outbox: list[Any], spelling: int) -> None:
    api = ApiClient()
    for body, field in [
        (
            {
                "fund_account": spellings(alice.fund_account)[spelling],
                "mobile_last4": alice.mobile[-4:],
            },
            "fund_account",
        ),
        (
            {
                "fund_account": alice.fund_account,
                "mobile_last4": spellings(alice.mobile[-4:])[spelling],
            },
            "mobile_last4",
        ),
    ]:
        resp = api.post_json("/api/auth/sms/send", body)
        assert resp.status_code == 422, resp.content
        assert resp.json()["code"] == "VALIDATION_ERROR" and field in resp.json()["fields"]
    assert outbox == [] and not SmsChallenge.objects.exists()


def test_sms_verify_refuses_non_ascii_digits(alice: Any) -> None:
    api = ApiClient()
    for body in [
        {
            "fund_account": spellings(alice.fund_account)[0],
            "mobile_last4": alice.mobile[-4:],
            "code": "123456",
        },
        {
            "fund_account": alice.fund_account,
            "mobile_last4": alice.mobile[-4:],
            "code": "１２３４５６",
        },
    ]:
        resp = api.post_json("/api/auth/sms/verify", body)
        assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION_ERROR"
    assert not SignInLock.objects.exists()


def test_password_refuses_non_ascii_digits(alice: Any) -> None:
    api = ApiClient()
    captcha_id = api.get("/api/auth/captcha").json()["captcha_id"]
    resp = api.post_json(
        "/api/auth/password",
        {
            "trading_account": spellings(alice.trading_account)[0],
            "password": "wrong!",
            "captcha_id": captcha_id,
            "captcha_code": "AB3D",
        },
    )
    assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION_ERROR"
    assert "trading_account" in resp.json()["fields"]
    assert not SignInLock.objects.exists()
    assert Captcha.objects.get().used_at is None  # refused before anything was counted


def test_the_services_refuse_them_too(alice: Any) -> None:
    """Defence in depth for callers other than the API schemas."""
    request = RequestFactory().post("/")
    with pytest.raises(ValidationFailed) as caught:
        services.sms_send(
            fund_account=spellings(alice.fund_account)[0],
            mobile_last4=alice.mobile[-4:],
            request=request,
        )
    assert caught.value.fields is not None and "fund_account" in caught.value.fields
