from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.verification.models import OutboundSms, SmsChallenge
from tests.conftest import ApiClient, sms_code_from

pytestmark = pytest.mark.django_db
SEND = "/api/auth/sms/send"
VERIFY = "/api/auth/sms/verify"


def send(api: ApiClient, account: str, last4: str, **kw: Any) -> Any:
    return api.post_json(SEND, {"fund_account": account, "mobile_last4": last4}, **kw)


def verify(api: ApiClient, account: str, last4: str, code: str) -> Any:
    return api.post_json(VERIFY, {"fund_account": account, "mobile_last4": last4, "code": code})


class TestSend:
    def test_it_sends_a_code_to_the_reserved_mobile(
        self, api: ApiClient, alice: Any, outbox: list[Any]
    ) -> None:
        resp = send(api, alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 200
        assert resp.json() == {"sent": True, "resend_after": 60, "expires_in": 300}
        assert len(outbox) == 1 and outbox[0].mobile == alice.mobile
        sms = OutboundSms.objects.get()
        assert sms.status == "sent" and "******" in sms.text_redacted
        assert sms_code_from(outbox) not in sms.text_redacted

    @pytest.mark.parametrize("case", ["unknown_account", "wrong_last4"])
    def test_wrong_account_or_last4_gets_the_same_answer(
        self, alice: Any, demo_customers: dict[str, Any], outbox: list[Any], case: str
    ) -> None:
        good = send(ApiClient(), alice.fund_account, alice.mobile[-4:])
        other = demo_customers["80010003"]
        account, last4 = (
            ("99990000", "1234") if case == "unknown_account" else (other.fund_account, "0000")
        )
        bad = send(ApiClient(), account, last4)
        assert bad.status_code == good.status_code == 200
        assert bad.json() == good.json()
        assert dict(bad.headers).keys() == dict(good.headers).keys()
        assert len(outbox) == 1  # only the real one was delivered
        assert SmsChallenge.objects.count() == 2  # both left the same kind of trace

    def test_timing_floor_applies_to_every_answer(
        self, settings: Any, api: ApiClient, alice: Any
    ) -> None:
        import time

        settings.IDRENEW_SMS_RESPONSE_FLOOR_MS = 150
        durations = []
        for account, last4 in [(alice.fund_account, alice.mobile[-4:]), ("99990001", "1234")]:
            started = time.monotonic()
            assert send(ApiClient(), account, last4).status_code == 200
            durations.append(time.monotonic() - started)
        assert all(d >= 0.15 for d in durations)

    def test_resend_cooldown(self, api: ApiClient, alice: Any, outbox: list[Any]) -> None:
        assert send(api, alice.fund_account, alice.mobile[-4:]).status_code == 200
        again = send(api, alice.fund_account, alice.mobile[-4:])
        assert again.status_code == 429
        assert again.json()["code"] == "SMS_COOLDOWN"
        assert 0 < again.json()["detail"]["retry_after"] <= 60
        assert len(outbox) == 1

    def test_retried_request_with_same_key_sends_one_sms(
        self, api: ApiClient, alice: Any, outbox: list[Any]
    ) -> None:
        first = send(api, alice.fund_account, alice.mobile[-4:], key="k-1")
        second = send(api, alice.fund_account, alice.mobile[-4:], key="k-1")
        assert first.status_code == second.status_code == 200
        assert second["Idempotent-Replayed"] == "true"
        assert len(outbox) == 1

    def test_daily_cap_per_account(
        self, settings: Any, api: ApiClient, alice: Any, outbox: list[Any]
    ) -> None:
        from django.core.cache import cache

        from idrenew.verification.services import _account_hash, _cooldown_key, _last4_hash

        settings.IDRENEW_SMS_DAILY_PER_ACCOUNT = 2
        cooldown = _cooldown_key(
            _account_hash("sms", alice.fund_account), _last4_hash(alice.mobile[-4:])
        )
        answers = []
        for _ in range(3):
            cache.delete(cooldown)
            answers.append(send(api, alice.fund_account, alice.mobile[-4:]))
        assert [r.status_code for r in answers[:2]] == [200, 200]
        assert answers[2].status_code == 429
        assert answers[2].json()["code"] == "SMS_DAILY_LIMIT"
        assert len(outbox) == 2

    def test_daily_cap_per_ip(self, settings: Any, demo_customers: dict[str, Any]) -> None:
        settings.IDRENEW_SMS_DAILY_PER_IP = 3
        answers = [
            send(ApiClient(), c.fund_account, c.mobile[-4:]).status_code
            for c in demo_customers.values()
        ]
        assert answers[:3] == [200, 200, 200]
        assert set(answers[3:]) == {429}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"fund_account": "", "mobile_last4": "1234"}, "fund_account"),
            ({"fund_account": "12ab5678", "mobile_last4": "1234"}, "fund_account"),
            ({"fund_account": "1" * 21, "mobile_last4": "1234"}, "fund_account"),
            ({"fund_account": "80010002", "mobile_last4": "12345"}, "mobile_last4"),
            ({"fund_account": "80010002"}, "mobile_last4"),
            ({"fund_account": 80010002, "mobile_last4": "1234"}, "fund_account"),
            ({"fund_account": "80010002", "mobile_last4": "1234", "extra": 1}, "extra"),
        ],
    )
    def test_bad_fields_are_refused_with_field_messages(
        self, api: ApiClient, alice: Any, outbox: list[Any], body: dict[str, Any], field: str
    ) -> None:
        resp = api.post_json(SEND, body)
        assert resp.status_code == 422
        data = resp.json()
        assert data["code"] == "VALIDATION_ERROR"
        assert field in data["fields"]
        assert outbox == [] and SmsChallenge.objects.count() == 0

    def test_oversized_body_is_refused(self, api: ApiClient, alice: Any) -> None:
        resp = api.post_json(SEND, {"fund_account": "8" * 100000, "mobile_last4": "1234"})
        assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION_ERROR"


class TestVerify:
    def test_right_code_signs_in(self, api: ApiClient, alice: Any, outbox: list[Any]) -> None:
        send(api, alice.fund_account, alice.mobile[-4:])
        resp = verify(api, alice.fund_account, alice.mobile[-4:], sms_code_from(outbox))
        assert resp.status_code == 200
        body = resp.json()
        assert body["customer"]["fund_account"] == alice.fund_account
        assert body["customer"]["id_number_masked"] == alice.id_number_masked
        assert alice.id_number not in resp.content.decode()
        assert body["token"] is None and body["case"] is None
        assert resp.cookies["sessionid"]["httponly"]
        assert resp.cookies["sessionid"]["samesite"] == "Lax"
        assert AuditEvent.objects.filter(
            action="signin.sms.succeeded", customer_id=alice.pk
        ).exists()
        assert api.get("/api/session").status_code == 200

    def test_code_is_single_use(self, api: ApiClient, alice: Any, outbox: list[Any]) -> None:
        send(api, alice.fund_account, alice.mobile[-4:])
        code = sms_code_from(outbox)
        assert verify(api, alice.fund_account, alice.mobile[-4:], code).status_code == 200
        reused = verify(ApiClient(), alice.fund_account, alice.mobile[-4:], code)
        assert reused.status_code == 400 and reused.json()["code"] == "SMS_CODE_EXPIRED"

    def test_expired_code(self, api: ApiClient, alice: Any, outbox: list[Any]) -> None:
        send(api, alice.fund_account, alice.mobile[-4:])
        with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
            resp = verify(api, alice.fund_account, alice.mobile[-4:], sms_code_from(outbox))
        assert resp.status_code == 400 and resp.json()["code"] == "SMS_CODE_EXPIRED"
        assert "重新获取" in resp.json()["message"]

    def test_five_wrong_tries_kill_the_code(
        self, api: ApiClient, alice: Any, outbox: list[Any]
    ) -> None:
        send(api, alice.fund_account, alice.mobile[-4:])
        code = sms_code_from(outbox)
        wrong = "000000" if code != "000000" else "111111"
        answers = [
            verify(api, alice.fund_account, alice.mobile[-4:], wrong).json() for _ in range(5)
        ]
        assert [a["code"] for a in answers] == ["SMS_CODE_INVALID"] * 4 + ["SMS_CODE_EXHAUSTED"]
        assert [a["detail"]["attempts_left"] for a in answers[:4]] == [4, 3, 2, 1]
        sixth = verify(api, alice.fund_account, alice.mobile[-4:], code)  # even the right one
        assert sixth.json()["code"] == "SMS_CODE_EXHAUSTED"
        assert api.get("/api/session").status_code == 401

    def test_right_code_with_wrong_last4_fails(
        self, api: ApiClient, alice: Any, outbox: list[Any]
    ) -> None:
        send(api, alice.fund_account, alice.mobile[-4:])
        resp = verify(api, alice.fund_account, "0000", sms_code_from(outbox))
        assert resp.json()["code"] == "SMS_CODE_INVALID"

    def test_unknown_account_cannot_verify(self, api: ApiClient, alice: Any) -> None:
        send(api, "99990000", "1234")
        resp = verify(api, "99990000", "1234", "123456")
        assert resp.status_code == 400 and resp.json()["code"] == "SMS_CODE_INVALID"

    def test_without_a_code_requested(self, api: ApiClient, alice: Any) -> None:
        resp = verify(api, alice.fund_account, alice.mobile[-4:], "123456")
        assert resp.json()["code"] == "SMS_CODE_EXPIRED"

    def test_frozen_account_is_refused_after_the_code(
        self, api: ApiClient, frozen_customer: Any, outbox: list[Any]
    ) -> None:
        send(api, frozen_customer.fund_account, frozen_customer.mobile[-4:])
        resp = verify(
            api, frozen_customer.fund_account, frozen_customer.mobile[-4:], sms_code_from(outbox)
        )
        assert resp.status_code == 403
        assert resp.json()["code"] == "ACCOUNT_RESTRICTED"
        assert "营业部" in resp.json()["message"]
        assert api.get("/api/session").status_code == 401

    def test_csrf_is_required_for_browser_sign_in(
        self, api: ApiClient, alice: Any, outbox: list[Any]
    ) -> None:
        send(api, alice.fund_account, alice.mobile[-4:])
        resp = api.post_json(
            VERIFY,
            {
                "fund_account": alice.fund_account,
                "mobile_last4": alice.mobile[-4:],
                "code": sms_code_from(outbox),
            },
            csrf=False,
        )
        assert resp.status_code == 403 and resp.json()["code"] == "CSRF_FAILED"
