"""Where SMS are built and sent: each purpose's parameters, the sign-in page's coded errors
when the gateway fails, and the outbox retrying only what a retry can cure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.outbox.handlers import sms_params
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_add, outbox_dispatch
from idrenew.reminders.services import reminder_params
from idrenew.review.models import Decision, DecisionKind
from idrenew.verification.models import OutboundSms, SmsChallenge
from idrenew.verification.sms import SmsBackend, SmsMessage, SmsSendError
from idrenew.verification.sms_templates import (
    PURPOSE_PARAMS,
    join_within,
    param_value,
    parse_templates,
)
from tests.conftest import ApiClient
from tests.vendors import FakeTencentCloud, install_tencent_sms
from tests.verification.test_sms_tencent import APP_ID, SECRET_ID, SECRET_KEY, SIGN, TEMPLATES

pytestmark = pytest.mark.django_db
SEND = "/api/auth/sms/send"
VERIFY = "/api/auth/sms/verify"


class BrokenSms(SmsBackend):
    """Refuses every message with the configured error."""

    name = "broken"
    error: ClassVar[SmsSendError] = SmsSendError("timeout", code="NETWORK")
    sent: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> str | None:
        self.sent.append(message)
        raise self.error


@pytest.fixture
def broken(settings: Any) -> Iterator[type[BrokenSms]]:
    settings.IDRENEW_SMS_BACKEND = f"{__name__}.BrokenSms"
    BrokenSms.sent.clear()
    yield BrokenSms
    BrokenSms.error = SmsSendError("timeout", code="NETWORK")


def send(api: ApiClient, customer: Any) -> Any:
    return api.post_json(
        SEND, {"fund_account": customer.fund_account, "mobile_last4": customer.mobile[-4:]}
    )


class TestSignIn:
    def test_a_gateway_failure_gives_a_coded_chinese_error_and_the_customer_may_ask_again(
        self, api: ApiClient, alice: Any, broken: type[BrokenSms], settings: Any, outbox: list[Any]
    ) -> None:
        resp = send(api, alice)
        assert resp.status_code == 503
        body = resp.json()
        assert body["code"] == "SMS_SEND_FAILED" and body["retryable"] is True
        assert "稍后重新获取" in body["message"]
        assert broken.sent[0].purpose == "signin_code"
        assert broken.sent[0].params["code"].isdigit() and broken.sent[0].params["minutes"] == "5"
        # The code that never left is dead, and no cooldown holds the customer back.
        assert SmsChallenge.objects.get().consumed_at is not None
        sms = OutboundSms.objects.get()
        assert (sms.status, sms.vendor_code, sms.retryable) == ("failed", "NETWORK", True)
        assert AuditEvent.objects.filter(action="signin.sms.failed").count() == 1
        settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms.LocmemSmsBackend"
        assert send(api, alice).status_code == 200
        assert len(outbox) == 1

    def test_a_number_the_vendor_refuses_is_told_apart(
        self, api: ApiClient, alice: Any, broken: type[BrokenSms]
    ) -> None:
        broken.error = SmsSendError(
            "refused", code="isv.MOBILE_NUMBER_ILLEGAL", retryable=False, recipient=True
        )
        resp = send(api, alice)
        assert resp.status_code == 409
        assert resp.json()["code"] == "SMS_UNDELIVERABLE" and resp.json()["retryable"] is False
        assert "交易密码登录" in resp.json()["message"]

    def test_a_stranger_sees_no_difference_when_the_gateway_is_down(
        self, api: ApiClient, broken: type[BrokenSms]
    ) -> None:
        # Nothing is sent for an unknown account, so nothing can fail.
        resp = api.post_json(SEND, {"fund_account": "99990000", "mobile_last4": "1234"})
        assert resp.status_code == 200 and not broken.sent

    def test_the_code_goes_out_through_the_vendor_and_signs_in(
        self, api: ApiClient, alice: Any, settings: Any
    ) -> None:
        with FakeTencentCloud(secret_id=SECRET_ID, secret_key=SECRET_KEY) as fake:
            vendor = install_tencent_sms(
                fake, app_id=APP_ID, signs={SIGN}, templates=dict(TEMPLATES.values())
            )
            settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms_tencent.TencentSmsBackend"
            settings.IDRENEW_SMS_TENCENT_SECRET_ID = SECRET_ID
            settings.IDRENEW_SMS_TENCENT_SECRET_KEY = SECRET_KEY
            settings.IDRENEW_SMS_TENCENT_APP_ID = APP_ID
            settings.IDRENEW_SMS_TENCENT_ENDPOINT = fake.url
            settings.IDRENEW_SMS_SIGN_NAME = SIGN
            settings.IDRENEW_SMS_TEMPLATES = ",".join(
                f"{p}={tid}" for p, (tid, _) in TEMPLATES.items()
            )
            assert send(api, alice).status_code == 200
        (sms,) = vendor.sent
        assert sms.mobile == alice.mobile and sms.template == "1001"
        code = sms.params[0]
        resp = api.post_json(
            VERIFY,
            {"fund_account": alice.fund_account, "mobile_last4": alice.mobile[-4:], "code": code},
        )
        assert resp.status_code == 200
        row = OutboundSms.objects.get()
        assert row.backend == "tencent" and row.vendor_message_id == sms.serial
        assert code not in row.text_redacted


class TestOutbox:
    def _event(self, customer: Any) -> OutboxEvent:
        return outbox_add(
            topic="sms.notify",
            dedupe_key=f"sms:test:{customer.pk}",
            payload={
                "customer_id": customer.pk,
                "purpose": "case_accepted",
                "text": "已受理",
                "params": {"reference": "R1"},
            },
            case_reference="R1",
        )

    def test_a_refusal_no_retry_can_cure_is_a_dead_letter_at_once(
        self, alice: Any, broken: type[BrokenSms]
    ) -> None:
        broken.error = SmsSendError("no template", code="isv.SMS_TEMPLATE_ILLEGAL", retryable=False)
        event = self._event(alice)
        outbox_dispatch(now=timezone.now())
        event.refresh_from_db()
        assert event.status == "dead" and event.attempts == 1
        assert "isv.SMS_TEMPLATE_ILLEGAL" in event.last_error
        assert OutboundSms.objects.get().status == "failed"  # the attempt stays in the log
        assert broken.sent[0].params == {"reference": "R1"}

    def test_throttling_is_retried_with_backoff(self, alice: Any, broken: type[BrokenSms]) -> None:
        broken.error = SmsSendError("throttled", code="Throttling.User", retryable=True)
        event = self._event(alice)
        now = timezone.now()
        outbox_dispatch(now=now)
        event.refresh_from_db()
        assert event.status == "pending" and event.attempts == 1
        assert event.next_attempt_at > now


class TestParameters:
    def _case(self, customer: Any) -> RenewalCase:
        return RenewalCase.objects.create(
            reference="ZT20261205000001",
            customer=customer,
            state="rejected",
            expires_at=timezone.now() + timedelta(hours=72),
        )

    def _event(self, case: RenewalCase, purpose: str) -> OutboxEvent:
        return OutboxEvent(
            topic="sms.notify",
            payload="{}",
            dedupe_key=f"k:{purpose}",
            case_id=case.id,
            case_reference=case.reference,
            next_attempt_at=timezone.now(),
            created_at=timezone.now() + timedelta(seconds=1),
        )

    def test_a_rejection_names_its_reasons(self, alice: Any) -> None:
        case = self._case(alice)
        Decision.objects.create(
            case=case, kind=DecisionKind.REJECT, reasons=["IMAGE_UNCLEAR", "FACE_MISMATCH"]
        )
        params = sms_params(
            self._event(case, "case_rejected"), {"purpose": "case_rejected", "text": ""}
        )
        # Whole reasons while they fit a template variable (20 characters), then "等".
        assert params == {"reference": "ZT20261205000001", "reason": "身份证照片不清晰或不完整等"}
        assert (
            join_within(["证件信息与留档不一致", "人脸与证件人像不一致"])
            == "证件信息与留档不一致等"
        )
        assert join_within(["人脸识别", "上传身份证"], "、") == "人脸识别、上传身份证"
        assert join_within(["短", "也短"]) == "短；也短"
        assert param_value("一" * 25) == "一" * 19 + "等"

    def test_a_return_names_the_steps_to_redo(self, alice: Any) -> None:
        case = self._case(alice)
        Decision.objects.create(
            case=case, kind=DecisionKind.RETURN, reasons=["IMAGE_UNCLEAR"], steps=[4, 3]
        )
        params = sms_params(
            self._event(case, "case_returned"), {"purpose": "case_returned", "text": ""}
        )
        assert params == {"reference": "ZT20261205000001", "steps": "人脸识别、上传身份证"}

    def test_every_purpose_built_today_has_its_parameters(self) -> None:
        assert set(PURPOSE_PARAMS) == {
            "signin_code",
            "case_accepted",
            "case_approved",
            "case_returned",
            "case_rejected",
            "expiry_reminder",
        }
        today = date(2026, 12, 5)
        assert reminder_params(date(2026, 12, 1), today) == {
            "state": "已到期",
            "date": "2026年12月1日",
        }
        assert reminder_params(date(2026, 12, 31), today)["state"] == "即将到期"
        assert set(reminder_params(today, today)) == set(PURPOSE_PARAMS["expiry_reminder"])

    def test_templates_setting_parses_and_refuses_garbage(self) -> None:
        assert parse_templates("signin_code=1001; case_accepted = 1002,") == {
            "signin_code": "1001",
            "case_accepted": "1002",
        }
        with pytest.raises(ValueError, match="not purpose=template"):
            parse_templates("signin_code")


def test_check_deploy_reports_a_vendor_backend_without_templates_or_keys(settings: Any) -> None:
    from idrenew.core.checks import check_adapters

    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms_aliyun.AliyunSmsBackend"
    settings.IDRENEW_SMS_TEMPLATES = "signin_code=SMS_1"
    settings.IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID = ""
    found = [m.msg for m in check_adapters() if m.id == "idrenew.E001"]
    assert any("no template for case_accepted" in m for m in found)
    assert any("IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID (or _FILE) is not set" in m for m in found)
