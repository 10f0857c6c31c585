"""Alibaba Cloud SMS adapter against the local fake of the vendor's API (no internet)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from idrenew.verification.models import OutboundSms
from idrenew.verification.services import sms_deliver
from idrenew.verification.sms import SmsMessage, SmsSendError, sms_backend
from idrenew.verification.sms_aliyun import AliyunSmsBackend, classify
from idrenew.verification.sms_receipts import sms_receipts_pull
from tests.vendors import (
    FakeAlibabaCloud,
    Reply,
    alibaba_business_error,
    alibaba_error,
    install_alibaba_sms,
)
from tests.vendors.sms import FakeSmsState
from tests.verification.test_sms_tencent import MOBILE, PARAMS

KEY_ID = "LTAI5tSmsTest00000000000"
KEY_SECRET = "sms-test-alibaba-secret-000000"
SIGN = "示例期货"
TEMPLATES = {
    "signin_code": ("SMS_100001", ["code", "minutes"]),
    "case_accepted": ("SMS_100002", ["reference"]),
    "case_approved": ("SMS_100003", ["reference", "trading"]),
    "case_returned": ("SMS_100004", ["reference", "steps"]),
    "case_rejected": ("SMS_100005", ["reference", "reason"]),
    "expiry_reminder": ("SMS_100006", ["state", "date"]),
}


@pytest.fixture
def fake() -> Iterator[FakeAlibabaCloud]:
    with FakeAlibabaCloud(access_key_id=KEY_ID, access_key_secret=KEY_SECRET) as server:
        yield server


@pytest.fixture
def vendor(fake: FakeAlibabaCloud) -> FakeSmsState:
    return install_alibaba_sms(
        fake, signs={SIGN}, templates={code: names for code, names in TEMPLATES.values()}
    )


@pytest.fixture
def aliyun(settings: Any, fake: FakeAlibabaCloud, vendor: FakeSmsState) -> AliyunSmsBackend:
    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms_aliyun.AliyunSmsBackend"
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID = KEY_ID
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET = KEY_SECRET
    settings.IDRENEW_SMS_ALIYUN_ENDPOINT = fake.url
    settings.IDRENEW_SMS_SIGN_NAME = SIGN
    settings.IDRENEW_SMS_TEMPLATES = ",".join(f"{p}={c}" for p, (c, _) in TEMPLATES.items())
    settings.IDRENEW_SMS_TIMEOUT_SECONDS = 1
    backend = sms_backend()
    assert isinstance(backend, AliyunSmsBackend)
    return backend


def message(purpose: str = "signin_code", mobile: str = MOBILE) -> SmsMessage:
    return SmsMessage(mobile=mobile, text="（控制台文本）", purpose=purpose, params=PARAMS[purpose])


@pytest.mark.parametrize("purpose", list(TEMPLATES))
def test_each_purpose_sends_its_template_with_its_named_parameters(
    aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud, vendor: FakeSmsState, purpose: str
) -> None:
    biz_id = aliyun.send(message(purpose))
    assert biz_id and biz_id == vendor.sent[-1].serial
    (req,) = fake.accepted("SendSms")
    assert req.version == "2017-05-25"
    assert req.header("authorization").startswith(f"ACS3-HMAC-SHA256 Credential={KEY_ID},")
    code, names = TEMPLATES[purpose]
    assert req.params["TemplateCode"] == code
    assert json.loads(req.params["TemplateParam"]) == {n: PARAMS[purpose][n] for n in names}
    assert req.params["PhoneNumbers"] == MOBILE and req.params["SignName"] == SIGN
    assert "控制台" not in req.raw_query + req.body.decode()


# (code, retryable, recipient): SendSms's documented business codes (HTTP 200).
BUSINESS_ERRORS = [
    ("isv.BUSINESS_LIMIT_CONTROL", True, False),
    ("isv.DAY_LIMIT_CONTROL", True, False),
    ("isv.AMOUNT_NOT_ENOUGH", True, False),
    ("isv.OUT_OF_SERVICE", True, False),
    ("isp.SYSTEM_ERROR", True, False),
    ("isv.SMS_SIGNATURE_ILLEGAL", False, False),
    ("isv.SMS_TEMPLATE_ILLEGAL", False, False),
    ("isv.TEMPLATE_MISSING_PARAMETERS", False, False),
    ("isv.INVALID_PARAMETERS", False, False),
    ("isv.INVALID_JSON_PARAM", False, False),
    ("isv.PARAM_LENGTH_LIMIT", False, False),
    ("isv.ACCOUNT_NOT_EXISTS", False, False),
    ("isv.ACCOUNT_ABNORMAL", False, False),
    ("isp.RAM_PERMISSION_DENY", False, False),
    ("isv.MOBILE_NUMBER_ILLEGAL", False, True),
    ("isv.BLACK_KEY_CONTROL_LIMIT", False, True),
]


@pytest.mark.parametrize(("code", "retryable", "recipient"), BUSINESS_ERRORS)
def test_each_business_error_is_mapped(
    aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud, code: str, retryable: bool, recipient: bool
) -> None:
    fake.script("SendSms", alibaba_business_error(code, "业务错误", BizId=""))
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message())
    assert (raised.value.code, raised.value.retryable, raised.value.recipient) == (
        code,
        retryable,
        recipient,
    )
    assert classify(code) == (retryable, recipient)


# Gateway errors (HTTP 4xx/5xx), raised by the SDK as exceptions.
GATEWAY_ERRORS = [
    ("Throttling.User", True),
    ("Throttling", True),
    ("ServiceUnavailable", True),
    ("InternalError", True),
    ("InvalidAccessKeyId.NotFound", False),
    ("IncompleteSignature", False),
]


@pytest.mark.parametrize(("code", "retryable"), GATEWAY_ERRORS)
def test_each_gateway_error_is_mapped(
    aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud, code: str, retryable: bool
) -> None:
    fake.script("SendSms", alibaba_error(code))
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message())
    assert raised.value.code == code and raised.value.retryable is retryable


def test_the_fake_itself_refuses_a_missing_parameter_and_a_bad_number(
    aliyun: AliyunSmsBackend,
) -> None:
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message(mobile="2380013800"))
    assert raised.value.code == "isv.MOBILE_NUMBER_ILLEGAL" and raised.value.recipient
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(SmsMessage(mobile=MOBILE, text="", purpose="signin_code", params={"code": "1"}))
    assert raised.value.code == "TEMPLATE_PARAMS_MISSING" and not raised.value.retryable


def test_a_timeout_is_retryable_and_bounded(
    aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud
) -> None:
    fake.script("SendSms", Reply(delay=4))
    started = time.monotonic()
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message())
    assert time.monotonic() - started < 3
    assert raised.value.code == "NETWORK" and raised.value.retryable
    assert len(fake.accepted("SendSms")) == 1  # the SDK did not retry on its own


def test_a_wrong_secret_is_refused_by_the_signature_check(
    settings: Any, aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud, vendor: FakeSmsState
) -> None:
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message())
    assert raised.value.code == "SignatureDoesNotMatch" and not raised.value.retryable
    assert fake.requests[-1].refused == "SignatureDoesNotMatch"
    assert not vendor.sent
    assert "not-the-secret" not in str(raised.value)


def test_an_unknown_key_and_a_stale_clock_are_refused(
    settings: Any, aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud
) -> None:
    fake.clock = lambda: time.time() - 3600
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message())
    assert raised.value.code == "InvalidTimeStamp.Expired" and not raised.value.retryable
    fake.clock = time.time
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID = "LTAIunknown"
    with pytest.raises(SmsSendError) as raised:
        aliyun.send(message())
    assert raised.value.code == "InvalidAccessKeyId.NotFound"


@pytest.mark.django_db
def test_receipts_are_recorded_on_the_sms_log(
    aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud, vendor: FakeSmsState, alice: Any, bob: Any
) -> None:
    vendor.receipts[bob.mobile] = ("FAIL", "MOBILE_NOT_ON_SERVICE", "停机")
    for n, customer in enumerate([alice, bob]):
        sms_deliver(
            customer=customer,
            purpose="case_accepted",
            text="已受理",
            redacted="已受理",
            idempotency_key=f"receipt-test:{n}",
            params={"reference": f"R{n}"},
        )
    run = sms_receipts_pull()
    assert (run.pending, run.delivered, run.undelivered) == (2, 1, 1)
    ok, failed = OutboundSms.objects.get(customer=alice), OutboundSms.objects.get(customer=bob)
    assert (ok.receipt_status, ok.receipt_code) == ("delivered", "DELIVERED")
    assert (failed.receipt_status, failed.receipt_code) == ("undelivered", "MOBILE_NOT_ON_SERVICE")
    asked = fake.accepted("QuerySendDetails")
    assert {r.params["BizId"] for r in asked} == {ok.vendor_message_id, failed.vendor_message_id}
    assert all(len(r.params["SendDate"]) == 8 for r in asked)
    assert sms_receipts_pull().pending == 0


@pytest.mark.django_db
def test_a_receipt_not_in_yet_stays_pending(
    aliyun: AliyunSmsBackend, vendor: FakeSmsState, alice: Any
) -> None:
    vendor.receipts[alice.mobile] = ("WAITING", "", "")
    sms_deliver(
        customer=alice,
        purpose="case_accepted",
        text="已受理",
        redacted="已受理",
        idempotency_key="waiting",
        params={"reference": "R1"},
    )
    assert sms_receipts_pull().pending == 1
    assert OutboundSms.objects.get().receipt_status == ""
    assert sms_receipts_pull().pending == 1  # asked again next time


def test_probe_queries_each_template(aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud) -> None:
    assert aliyun.probe() == []
    assert {r.params["TemplateCode"] for r in fake.accepted("QuerySmsTemplate")} == {
        code for code, _ in TEMPLATES.values()
    }
    assert not fake.accepted("SendSms")


def test_probe_reports_a_missing_template_and_stops_on_wrong_keys(
    settings: Any, aliyun: AliyunSmsBackend, fake: FakeAlibabaCloud, vendor: FakeSmsState
) -> None:
    del vendor.templates["SMS_100006"]
    assert aliyun.probe() == [
        "QuerySmsTemplate SMS_100006 (expiry_reminder): isv.SMS_TEMPLATE_ILLEGAL"
    ]
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET = "wrong"
    before = len(fake.requests)
    assert aliyun.probe() == ["QuerySmsTemplate SMS_100001 (signin_code): SignatureDoesNotMatch"]
    assert len(fake.requests) == before + 1


def test_check_config_refuses_a_missing_template_or_key(
    settings: Any, aliyun: AliyunSmsBackend
) -> None:
    assert aliyun.check_config() == []
    settings.IDRENEW_SMS_TEMPLATES = "signin_code=SMS_1,case_accepted=SMS_2,bogus=SMS_3"
    problems = aliyun.check_config()
    assert "IDRENEW_SMS_TEMPLATES has no template for expiry_reminder" in problems
    assert any("unknown purpose 'bogus'" in p for p in problems)
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    settings.IDRENEW_SMS_ALIYUN_ENDPOINT = "dysmsapi.aliyuncs.com"
    problems = aliyun.check_config()
    assert "IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET (or _FILE) is not set" in problems
    assert "IDRENEW_SMS_ALIYUN_ENDPOINT must be an https:// URL" in problems
