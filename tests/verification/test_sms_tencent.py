"""Tencent Cloud SMS adapter against the local fake of the vendor's API (no internet)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from idrenew.verification.models import OutboundSms
from idrenew.verification.services import sms_deliver
from idrenew.verification.sms import SmsMessage, SmsSendError, sms_backend
from idrenew.verification.sms_receipts import sms_receipts_pull
from idrenew.verification.sms_tencent import TencentSmsBackend, classify
from tests.vendors import FakeTencentCloud, Reply, install_tencent_sms, tencent_error
from tests.vendors.sms import FakeSmsState

SECRET_ID = "AKIDsmsTest000000000000000000000"
SECRET_KEY = "sms-test-secret-key-0000000000000"
APP_ID = "1400123456"
SIGN = "示例期货"
TEMPLATES = {
    "signin_code": ("1001", ["code", "minutes"]),
    "case_accepted": ("1002", ["reference"]),
    "case_approved": ("1003", ["reference", "trading"]),
    "case_returned": ("1004", ["reference", "steps"]),
    "case_rejected": ("1005", ["reference", "reason"]),
    "expiry_reminder": ("1006", ["state", "date"]),
}
PARAMS = {
    "signin_code": {"code": "123456", "minutes": "5"},
    "case_accepted": {"reference": "R20261205001"},
    "case_approved": {"reference": "R20261205001", "trading": "交易权限已恢复"},
    "case_returned": {"reference": "R20261205001", "steps": "人脸识别、上传证件"},
    "case_rejected": {"reference": "R20261205001", "reason": "证件照片不清晰"},
    "expiry_reminder": {"state": "即将到期", "date": "2026年12月31日"},
}
MOBILE = "13800138000"


@pytest.fixture
def fake() -> Iterator[FakeTencentCloud]:
    with FakeTencentCloud(secret_id=SECRET_ID, secret_key=SECRET_KEY) as server:
        yield server


@pytest.fixture
def vendor(fake: FakeTencentCloud) -> FakeSmsState:
    return install_tencent_sms(
        fake,
        app_id=APP_ID,
        signs={SIGN},
        templates={tid: names for tid, names in TEMPLATES.values()},
    )


@pytest.fixture
def tencent(settings: Any, fake: FakeTencentCloud, vendor: FakeSmsState) -> TencentSmsBackend:
    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms_tencent.TencentSmsBackend"
    settings.IDRENEW_SMS_TENCENT_SECRET_ID = SECRET_ID
    settings.IDRENEW_SMS_TENCENT_SECRET_KEY = SECRET_KEY
    settings.IDRENEW_SMS_TENCENT_APP_ID = APP_ID
    settings.IDRENEW_SMS_TENCENT_REGION = "ap-guangzhou"
    settings.IDRENEW_SMS_TENCENT_ENDPOINT = fake.url
    settings.IDRENEW_SMS_SIGN_NAME = SIGN
    settings.IDRENEW_SMS_TEMPLATES = ",".join(f"{p}={tid}" for p, (tid, _) in TEMPLATES.items())
    settings.IDRENEW_SMS_TIMEOUT_SECONDS = 1
    backend = sms_backend()
    assert isinstance(backend, TencentSmsBackend)
    return backend


def message(purpose: str = "signin_code", mobile: str = MOBILE) -> SmsMessage:
    return SmsMessage(mobile=mobile, text="（控制台文本）", purpose=purpose, params=PARAMS[purpose])


@pytest.mark.parametrize("purpose", list(TEMPLATES))
def test_each_purpose_sends_its_template_with_its_parameters_in_order(
    tencent: TencentSmsBackend, fake: FakeTencentCloud, vendor: FakeSmsState, purpose: str
) -> None:
    serial = tencent.send(message(purpose))
    assert serial and serial == vendor.sent[-1].serial
    (req,) = fake.accepted("SendSms")
    assert req.version == "2021-01-11" and req.header("x-tc-region") == "ap-guangzhou"
    assert req.header("authorization").startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/")
    tid, names = TEMPLATES[purpose]
    assert req.params["TemplateId"] == tid
    assert req.params["TemplateParamSet"] == [PARAMS[purpose][n] for n in names]
    assert req.params["PhoneNumberSet"] == [f"+86{MOBILE}"]
    assert req.params["SmsSdkAppId"] == APP_ID and req.params["SignName"] == SIGN
    assert "控制台" not in req.body.decode()  # the vendor gets the template, not our text


# (code, retryable, recipient): the documented SendSms / common error codes.
REQUEST_ERRORS = [
    ("RequestLimitExceeded", True, False),
    ("LimitExceeded.PhoneNumberThirtySecondLimit", True, False),
    ("LimitExceeded.PhoneNumberOneHourLimit", True, False),
    ("LimitExceeded.PhoneNumberDailyLimit", True, False),
    ("LimitExceeded.PhoneNumberSameContentDailyLimit", True, False),
    ("LimitExceeded.AppDailyLimit", True, False),
    ("LimitExceeded.PhoneNumberCountLimit", False, False),
    ("InternalError.Timeout", True, False),
    ("InternalError.RequestTimeException", True, False),
    ("InternalError.SendAndRecvFail", True, False),
    ("FailedOperation.InsufficientBalanceInSmsPackage", True, False),
    ("FailedOperation.SignatureIncorrectOrUnapproved", False, False),
    ("FailedOperation.TemplateIncorrectOrUnapproved", False, False),
    ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", False, False),
    ("FailedOperation.ContainSensitiveWord", False, False),
    ("FailedOperation.PhoneNumberInBlacklist", False, True),
    ("InvalidParameterValue.IncorrectPhoneNumber", False, True),
    ("InvalidParameterValue.SdkAppIdNotExist", False, False),
    ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", False, False),
    ("AuthFailure.SecretIdNotFound", False, False),
]


@pytest.mark.parametrize(("code", "retryable", "recipient"), REQUEST_ERRORS)
def test_each_request_error_is_mapped(
    tencent: TencentSmsBackend, fake: FakeTencentCloud, code: str, retryable: bool, recipient: bool
) -> None:
    fake.script("SendSms", tencent_error(code))
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message())
    assert (raised.value.code, raised.value.retryable, raised.value.recipient) == (
        code,
        retryable,
        recipient,
    )
    assert classify(code) == (retryable, recipient)
    assert "RequestId" in str(raised.value)


@pytest.mark.parametrize(
    ("code", "retryable", "recipient"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", True, False),
        ("InvalidParameterValue.IncorrectPhoneNumber", False, True),
        ("FailedOperation.PhoneNumberInBlacklist", False, True),
    ],
)
def test_a_refusal_of_the_number_in_send_status_set_is_mapped(
    tencent: TencentSmsBackend, fake: FakeTencentCloud, code: str, retryable: bool, recipient: bool
) -> None:
    status = {
        "SerialNo": "",
        "PhoneNumber": f"+86{MOBILE}",
        "Fee": 0,
        "SessionContext": "",
        "Code": code,
        "Message": "refused",
        "IsoCode": "CN",
    }
    fake.script("SendSms", {"SendStatusSet": [status]})
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message())
    assert (raised.value.code, raised.value.retryable, raised.value.recipient) == (
        code,
        retryable,
        recipient,
    )


def test_the_fake_itself_refuses_a_malformed_number(tencent: TencentSmsBackend) -> None:
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message(mobile="1380013800"))
    assert raised.value.code == "InvalidParameterValue.IncorrectPhoneNumber"
    assert raised.value.recipient and not raised.value.retryable


def test_a_timeout_is_retryable_and_bounded(
    tencent: TencentSmsBackend, fake: FakeTencentCloud
) -> None:
    fake.script("SendSms", Reply(delay=4))
    started = time.monotonic()
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message())
    assert time.monotonic() - started < 3
    assert raised.value.code == "ClientNetworkError" and raised.value.retryable
    assert fake.accepted("SendSms")  # it reached the vendor and was authenticated


def test_an_unreachable_endpoint_is_retryable(settings: Any, tencent: TencentSmsBackend) -> None:
    settings.IDRENEW_SMS_TENCENT_ENDPOINT = "http://127.0.0.1:9"
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message())
    assert raised.value.retryable


def test_a_wrong_secret_is_refused_by_the_signature_check(
    settings: Any, tencent: TencentSmsBackend, fake: FakeTencentCloud, vendor: FakeSmsState
) -> None:
    settings.IDRENEW_SMS_TENCENT_SECRET_KEY = "not-the-secret"
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message())
    assert raised.value.code == "AuthFailure.SignatureFailure" and not raised.value.retryable
    assert fake.requests[-1].refused == "AuthFailure.SignatureFailure"
    assert not vendor.sent
    assert "not-the-secret" not in str(raised.value)


def test_a_stale_clock_is_refused(tencent: TencentSmsBackend, fake: FakeTencentCloud) -> None:
    fake.clock = lambda: time.time() + 600  # the vendor's clock 10 minutes ahead of ours
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message())
    assert raised.value.code == "AuthFailure.SignatureExpire" and not raised.value.retryable


@pytest.mark.django_db
def test_receipts_are_recorded_on_the_sms_log(
    tencent: TencentSmsBackend, vendor: FakeSmsState, alice: Any, bob: Any
) -> None:
    vendor.receipts[bob.mobile] = ("FAIL", "MK:0001", "空号")
    for n, customer in enumerate([alice, bob]):
        sms_deliver(
            customer=customer,
            purpose="case_accepted",
            text="已受理",
            redacted="已受理",
            idempotency_key=f"receipt-test:{n}",
            params={"reference": f"R{n}"},
        )
    rows = {r.customer_id: r for r in OutboundSms.objects.all()}
    assert all(r.status == "sent" and r.vendor_message_id for r in rows.values())
    run = sms_receipts_pull()
    assert (run.pending, run.delivered, run.undelivered) == (2, 1, 1)
    ok, failed = OutboundSms.objects.get(customer=alice), OutboundSms.objects.get(customer=bob)
    assert ok.receipt_status == "delivered" and ok.receipt_at is not None
    assert failed.receipt_status == "undelivered" and "MK:0001" in failed.receipt_code
    # Pulled receipts are handed out once; nothing is left pending.
    assert sms_receipts_pull().pending == 0
    call_command("sms_receipts")


@pytest.mark.django_db
def test_old_messages_are_not_asked_for(tencent: TencentSmsBackend, alice: Any) -> None:
    sms_deliver(
        customer=alice,
        purpose="case_accepted",
        text="已受理",
        redacted="已受理",
        idempotency_key="old",
        params={"reference": "R1"},
    )
    assert sms_receipts_pull(now=timezone.now() + timedelta(days=4)).pending == 0


def test_probe_lists_the_templates_and_finds_nothing_wrong(
    tencent: TencentSmsBackend, fake: FakeTencentCloud
) -> None:
    assert tencent.probe() == []
    (req,) = fake.accepted("DescribeSmsTemplateList")
    assert sorted(req.params["TemplateIdSet"]) == [1001, 1002, 1003, 1004, 1005, 1006]
    assert not fake.accepted("SendSms")  # read-only


def test_probe_reports_a_template_the_vendor_lacks_and_wrong_keys(
    settings: Any, tencent: TencentSmsBackend, vendor: FakeSmsState
) -> None:
    del vendor.templates["1006"]
    assert tencent.probe() == ["DescribeSmsTemplateList: FailedOperation.TemplateIdNotExist"]
    settings.IDRENEW_SMS_TENCENT_SECRET_KEY = "wrong"
    assert tencent.probe() == ["DescribeSmsTemplateList: AuthFailure.SignatureFailure"]


def test_check_config_refuses_a_missing_template_key_or_app(
    settings: Any, tencent: TencentSmsBackend
) -> None:
    assert tencent.check_config() == []
    settings.IDRENEW_SMS_TEMPLATES = "signin_code=1001,case_accepted=1002"
    problems = tencent.check_config()
    assert "IDRENEW_SMS_TEMPLATES has no template for case_approved" in problems
    assert len([p for p in problems if "has no template" in p]) == 4
    settings.IDRENEW_SMS_TEMPLATES = "signin_code=SMS_1"
    assert any("must be a number" in p for p in tencent.check_config())
    settings.IDRENEW_SMS_TENCENT_SECRET_KEY = ""
    settings.IDRENEW_SMS_TENCENT_APP_ID = ""
    settings.IDRENEW_SMS_SIGN_NAME = ""
    problems = tencent.check_config()
    assert "IDRENEW_SMS_TENCENT_SECRET_KEY (or _FILE) is not set" in problems
    assert "IDRENEW_SMS_TENCENT_APP_ID (the SmsSdkAppId) is not set" in problems
    assert "IDRENEW_SMS_SIGN_NAME (the approved SMS signature) is not set" in problems


def test_a_purpose_without_a_template_is_refused_for_good(
    settings: Any, tencent: TencentSmsBackend, fake: FakeTencentCloud
) -> None:
    settings.IDRENEW_SMS_TEMPLATES = "case_accepted=1002"
    with pytest.raises(SmsSendError) as raised:
        tencent.send(message("signin_code"))
    assert raised.value.code == "TEMPLATE_NOT_CONFIGURED" and not raised.value.retryable
    assert not fake.requests  # nothing left for the vendor
