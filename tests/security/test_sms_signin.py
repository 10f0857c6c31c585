"""#10 item 3: a stranger who knows a fund account cannot lock the customer out of SMS sign-in.

Sends with wrong last-4 digits leave the customer's code, cooldown and daily cap alone;
failed verifies slow down, then lock, the *source* (IP, device cookie); only a much higher
per-account ceiling locks the account for everyone; no SMS goes out while locked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from idrenew.verification.models import SignInSource, SmsChallenge
from tests.conftest import ApiClient, sms_code_from

pytestmark = pytest.mark.django_db
SEND = "/api/auth/sms/send"
VERIFY = "/api/auth/sms/verify"


def client(ip: str) -> ApiClient:
    """A browser of its own (own cookies, so its own device id) at ``ip``."""
    return ApiClient(REMOTE_ADDR=ip)


def send(api: ApiClient, account: str, last4: str) -> Any:
    return api.post_json(SEND, {"fund_account": account, "mobile_last4": last4})


def verify(api: ApiClient, account: str, last4: str, code: str) -> Any:
    return api.post_json(VERIFY, {"fund_account": account, "mobile_last4": last4, "code": code})


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


def wrong_last4(customer: Any, n: int) -> str:
    value = f"{n:04d}"
    return value if value != customer.mobile[-4:] else "9999"


def fail_verifies(
    attacker: ApiClient, customer: Any, count: int, clock: Any, *, first_digits: int = 0
) -> list[str]:
    """``count`` failed verifies from one source, each after the wait it was told, each
    against a look-alike code the attacker asked for under wrong digits (5 tries per code)."""
    codes = []
    digits = first_digits
    tries = 0
    for _ in range(count):
        if tries == 0:
            assert send(attacker, customer.fund_account, wrong_last4(customer, digits)).status_code
        resp = verify(attacker, customer.fund_account, wrong_last4(customer, digits), "123456")
        if resp.status_code == 429 and resp.json()["code"] == "SIGNIN_SLOW_DOWN":
            clock.shift(resp.json()["detail"]["retry_after"] + 0.1)
            resp = verify(attacker, customer.fund_account, wrong_last4(customer, digits), "123456")
        codes.append(resp.json()["code"])
        tries += 1
        if tries == 5:
            tries = 0
            digits += 1
            clock.shift(61)  # past the resend cooldown of the next digits, to be safe
    return codes


class TestWrongLast4Sends:
    def test_a_wrong_last4_send_does_not_replace_the_customers_code(
        self, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        customer = client("203.0.113.10")
        assert send(customer, alice.fund_account, alice.mobile[-4:]).status_code == 200
        code = sms_code_from(outbox)
        clock.shift(61)
        attacker = client("198.51.100.9")
        assert send(attacker, alice.fund_account, wrong_last4(alice, 0)).status_code == 200
        assert len(outbox) == 1  # nothing went to the customer's phone
        resp = verify(customer, alice.fund_account, alice.mobile[-4:], code)
        assert resp.status_code == 200, resp.content

    def test_a_wrong_last4_send_does_not_hold_back_the_customer(
        self, alice: Any, outbox: list[Any]
    ) -> None:
        attacker = client("198.51.100.9")
        assert send(attacker, alice.fund_account, wrong_last4(alice, 0)).status_code == 200
        resp = send(client("203.0.113.10"), alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 200, resp.content
        assert len(outbox) == 1

    def test_wrong_last4_sends_do_not_use_up_the_customers_daily_cap(
        self, settings: Any, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        settings.IDRENEW_SMS_DAILY_PER_ACCOUNT = 3
        for n in range(6):
            attacker = client(f"198.51.100.{n + 1}")
            assert send(attacker, alice.fund_account, wrong_last4(alice, n)).status_code == 200
            clock.shift(61)
        resp = send(client("203.0.113.10"), alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 200, resp.content
        assert len(outbox) == 1

    def test_the_customers_cap_counts_only_sms_that_went_out(
        self, settings: Any, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        from django.core.cache import cache

        from idrenew.verification.services import _account_hash, _cooldown_key, _last4_hash

        settings.IDRENEW_SMS_DAILY_PER_ACCOUNT = 2
        cooldown = _cooldown_key(
            _account_hash("sms", alice.fund_account), _last4_hash(alice.mobile[-4:])
        )
        answers = []
        for n in range(3):
            cache.delete(cooldown)  # Redis keeps real time: the clock shift does not expire it
            answers.append(
                send(client(f"203.0.113.{n + 1}"), alice.fund_account, alice.mobile[-4:])
            )
            clock.shift(61)
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].json()["code"] == "SMS_DAILY_LIMIT"
        assert len(outbox) == 2

    def test_wrong_last4_sends_are_capped_per_account_and_ip(
        self, settings: Any, alice: Any, outbox: list[Any]
    ) -> None:
        settings.IDRENEW_SMS_DAILY_PER_ACCOUNT_IP = 3
        attacker = client("198.51.100.9")
        answers = [send(attacker, alice.fund_account, wrong_last4(alice, n)) for n in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].json()["code"] == "SMS_DAILY_LIMIT"
        # another address still gets the customer's code
        resp = send(client("203.0.113.10"), alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 200 and len(outbox) == 1

    def test_a_wrong_last4_verify_does_not_spend_the_customers_code(
        self, alice: Any, outbox: list[Any]
    ) -> None:
        customer = client("203.0.113.10")
        send(customer, alice.fund_account, alice.mobile[-4:])
        attacker = client("198.51.100.9")
        for _ in range(6):
            resp = verify(attacker, alice.fund_account, wrong_last4(alice, 0), "123456")
            assert resp.json()["code"] in {"SMS_CODE_INVALID", "SIGNIN_SLOW_DOWN"}
        resp = verify(customer, alice.fund_account, alice.mobile[-4:], sms_code_from(outbox))
        assert resp.status_code == 200, resp.content


class TestEscalation:
    def test_failures_slow_the_source_down_then_lock_it(
        self, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        attacker = client("198.51.100.9")
        codes = fail_verifies(attacker, alice, 6, clock)
        assert codes == ["SMS_CODE_INVALID"] * 4 + ["SMS_CODE_EXHAUSTED", "SMS_CODE_INVALID"]
        # the 7th try right away: wait 2 s (then 4, 8, 16 …)
        digits = wrong_last4(alice, 1)
        slow = verify(attacker, alice.fund_account, digits, "123456")
        assert slow.status_code == 429
        body = slow.json()
        assert body["code"] == "SIGNIN_SLOW_DOWN" and body["detail"]["retry_after"] == 2
        assert "秒后再试" in body["message"]
        clock.shift(2.1)
        assert verify(attacker, alice.fund_account, digits, "123456").status_code == 400
        slower = verify(attacker, alice.fund_account, digits, "123456")
        assert slower.json()["detail"]["retry_after"] == 4
        rest = fail_verifies(attacker, alice, 3, clock, first_digits=2)
        assert rest[-1] == "LOGIN_LOCKED"  # the 10th failure locks this source
        assert SignInSource.objects.filter(locked_until__isnull=False).count() == 2  # IP, device

    def test_the_customer_signs_in_after_an_attackers_sends_and_failed_verifies(
        self, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        """The issue's scenario: a dozen wrong-last-4 sends and 10 failed verifies."""
        attacker = client("198.51.100.9")
        for n in range(12):
            send(attacker, alice.fund_account, wrong_last4(alice, 100 + n))
        codes = fail_verifies(attacker, alice, 10, clock)
        assert codes[-1] == "LOGIN_LOCKED"
        assert outbox == []
        customer = client("203.0.113.10")  # the customer's own phone and network
        resp = send(customer, alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 200, resp.content
        assert len(outbox) == 1
        resp = verify(customer, alice.fund_account, alice.mobile[-4:], sms_code_from(outbox))
        assert resp.status_code == 200, resp.content
        assert customer.get("/api/session").status_code == 200

    def test_no_sms_is_sent_to_a_locked_source(
        self, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        attacker = client("198.51.100.9")
        assert fail_verifies(attacker, alice, 10, clock)[-1] == "LOGIN_LOCKED"
        clock.shift(61)
        resp = send(attacker, alice.fund_account, alice.mobile[-4:])  # even the right digits
        assert resp.status_code == 423 and resp.json()["code"] == "LOGIN_LOCKED"
        assert outbox == []
        # the same device from another network is locked too (the device cookie counts)
        attacker.defaults["REMOTE_ADDR"] = "198.51.100.77"
        resp = send(attacker, alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 423 and outbox == []

    def test_the_account_ceiling_stops_a_distributed_guess_and_sends_no_sms(
        self, settings: Any, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        settings.IDRENEW_SMS_ACCOUNT_CEILING = 9
        codes: list[str] = []
        for n in range(3):
            codes += fail_verifies(client(f"198.51.100.{n + 1}"), alice, 3, clock, first_digits=n)
        assert codes[-1] == "LOGIN_LOCKED"
        fresh = client("203.0.113.10")
        resp = send(fresh, alice.fund_account, alice.mobile[-4:])
        assert resp.status_code == 423 and resp.json()["code"] == "LOGIN_LOCKED"
        assert outbox == []
        clock.shift(31 * 60)
        assert send(fresh, alice.fund_account, alice.mobile[-4:]).status_code == 200
        assert len(outbox) == 1

    def test_unknown_accounts_answer_alike(self, alice: Any, outbox: list[Any], clock: Any) -> None:
        real = fail_verifies(client("198.51.100.1"), alice, 10, clock)
        ghost = type("Ghost", (), {"fund_account": "99990000", "mobile": "13800009999"})()
        unknown = fail_verifies(client("198.51.100.2"), ghost, 10, clock)
        assert real == unknown
        assert SmsChallenge.objects.filter(customer__isnull=False).count() == 0

    def test_success_clears_the_sources_failures(
        self, alice: Any, outbox: list[Any], clock: Any
    ) -> None:
        customer = client("203.0.113.10")
        fail_verifies(customer, alice, 3, clock)
        clock.shift(61)
        send(customer, alice.fund_account, alice.mobile[-4:])
        code = sms_code_from(outbox)
        assert verify(customer, alice.fund_account, alice.mobile[-4:], code).status_code == 200
        assert not SignInSource.objects.exists()
