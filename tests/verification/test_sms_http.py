"""The in-house HTTP SMS adapter against a fake platform that checks the HMAC signature."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from idrenew.verification.sms import SmsMessage, SmsSendError, sms_backend
from idrenew.verification.sms_http import HttpSmsBackend
from tests.vendors import Reply
from tests.vendors.inhouse import FakeInhouseSms, inhouse_error
from tests.verification.test_sms_tencent import MOBILE, PARAMS

SECRET = "in-house-test-secret"


@pytest.fixture
def fake() -> Iterator[FakeInhouseSms]:
    with FakeInhouseSms(key_id="idrenew-test", secret=SECRET) as server:
        yield server


@pytest.fixture
def platform(settings: Any, fake: FakeInhouseSms) -> HttpSmsBackend:
    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms_http.HttpSmsBackend"
    settings.IDRENEW_SMS_HTTP_URL = fake.url + "/sms/send"
    settings.IDRENEW_SMS_HTTP_KEY_ID = "idrenew-test"
    settings.IDRENEW_SMS_HTTP_SECRET = SECRET
    settings.IDRENEW_SMS_SIGN_NAME = "示例期货"
    settings.IDRENEW_SMS_TEMPLATES = "signin_code=T1"
    settings.IDRENEW_SMS_TIMEOUT_SECONDS = 1
    backend = sms_backend()
    assert isinstance(backend, HttpSmsBackend)
    return backend


def message(purpose: str = "signin_code", mobile: str = MOBILE) -> SmsMessage:
    return SmsMessage(
        mobile=mobile,
        text="【示例期货】您的验证码为123456",
        purpose=purpose,
        params=PARAMS[purpose],
    )


def test_a_signed_json_post_carries_text_template_and_parameters(
    platform: HttpSmsBackend, fake: FakeInhouseSms
) -> None:
    message_id = platform.send(message())
    assert message_id and message_id.startswith("IH-")
    (sent,) = fake.sent
    assert sent["mobile"] == MOBILE and sent["purpose"] == "signin_code"
    assert sent["template"] == "T1" and sent["params"] == {"code": "123456", "minutes": "5"}
    assert sent["text"].startswith("【示例期货】") and sent["sign_name"] == "示例期货"
    # A purpose without a template still goes out: the platform renders the text.
    platform.send(message("case_accepted"))
    assert fake.sent[-1]["template"] is None and fake.sent[-1]["params"] == PARAMS["case_accepted"]
    assert len({s["message_id"] for s in fake.sent}) == 2


def test_a_wrong_secret_is_refused(
    settings: Any, platform: HttpSmsBackend, fake: FakeInhouseSms
) -> None:
    settings.IDRENEW_SMS_HTTP_SECRET = "not-the-secret"
    with pytest.raises(SmsSendError) as raised:
        platform.send(message())
    assert raised.value.code == "SIGNATURE_INVALID" and not raised.value.retryable
    assert fake.requests[-1].refused == "SIGNATURE_INVALID" and not fake.sent


def test_a_stale_timestamp_is_refused(platform: HttpSmsBackend, fake: FakeInhouseSms) -> None:
    fake.clock = lambda: time.time() + 900
    with pytest.raises(SmsSendError) as raised:
        platform.send(message())
    assert raised.value.code == "TIMESTAMP_EXPIRED"


@pytest.mark.parametrize(
    ("reply", "code", "retryable", "recipient"),
    [
        (inhouse_error("THROTTLED", status=429), "THROTTLED", True, False),
        (inhouse_error("BUSY", status=503), "BUSY", True, False),
        (Reply(b"bad gateway", status=502), "HTTP_502", True, False),
        (inhouse_error("TEMPLATE_UNKNOWN", status=400), "TEMPLATE_UNKNOWN", False, False),
        (inhouse_error("QUOTA", status=400, retryable=True), "QUOTA", True, False),
        (inhouse_error("MOBILE_BLOCKED", recipient=True), "MOBILE_BLOCKED", False, True),
        (Reply({"unexpected": 1}), "HTTP_200", True, False),
    ],
)
def test_errors_are_mapped(
    platform: HttpSmsBackend,
    fake: FakeInhouseSms,
    reply: Reply,
    code: str,
    retryable: bool,
    recipient: bool,
) -> None:
    fake.script("send", reply)
    with pytest.raises(SmsSendError) as raised:
        platform.send(message())
    assert (raised.value.code, raised.value.retryable, raised.value.recipient) == (
        code,
        retryable,
        recipient,
    )


def test_a_timeout_is_retryable(platform: HttpSmsBackend, fake: FakeInhouseSms) -> None:
    fake.script("send", Reply(delay=4))
    started = time.monotonic()
    with pytest.raises(SmsSendError) as raised:
        platform.send(message())
    assert time.monotonic() - started < 3
    assert raised.value.code == "NETWORK" and raised.value.retryable


def test_probe_and_check_config(
    settings: Any, platform: HttpSmsBackend, fake: FakeInhouseSms
) -> None:
    assert platform.probe() == []
    assert fake.accepted("probe") and not fake.sent
    settings.IDRENEW_SMS_HTTP_SECRET = "wrong"
    assert platform.probe() == ["probe: SIGNATURE_INVALID"]
    settings.IDRENEW_SMS_HTTP_SECRET = ""
    settings.IDRENEW_SMS_HTTP_URL = "sms.example"
    assert platform.check_config() == [
        "IDRENEW_SMS_HTTP_URL must be an https:// URL",
        "IDRENEW_SMS_HTTP_SECRET (or _FILE) is not set",
    ]
    settings.PRODUCTION = True
    settings.IDRENEW_SMS_HTTP_URL = "http://sms.example/send"
    assert "IDRENEW_SMS_HTTP_URL must use https in production" in platform.check_config()
