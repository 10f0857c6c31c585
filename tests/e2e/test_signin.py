"""Steps 1–2 in a real browser at 375×667: both sign-in paths, errors, and resuming a case."""

from __future__ import annotations

import re
from typing import Any

import pytest

from idrenew.cases.models import RenewalCase
from idrenew.devkit.customers import DEMO_PASSWORD
from idrenew.lib.crypto import lookup_hash
from idrenew.verification.models import Captcha
from idrenew.verification.sms import LocmemSmsBackend

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customers(transactional_db: Any) -> dict[str, Any]:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    return {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}


def _latest_code() -> str:
    match = re.search(r"验证码为(\d{6})", LocmemSmsBackend.outbox[-1].text)
    assert match
    return match.group(1)


def _known_captcha_answer(captcha_ids: list[str]) -> str:
    """The test cannot read the picture: it gives the newest captcha a known answer."""
    assert captcha_ids, "the page never fetched a captcha"
    Captcha.objects.filter(pk=captcha_ids[-1]).update(
        answer_hash=lookup_hash("AB3D", purpose="captcha")
    )
    return "ab3d"


def test_sign_in_with_sms_code(phone: Any, shoot: Any, customers: dict[str, Any]) -> None:
    customer = customers["80010002"]
    phone.goto("/h5/")
    phone.get_by_test_id("demo-banner").wait_for()
    shoot(phone, "01-service-list")
    phone.get_by_test_id("service-zjgx").click()
    phone.wait_for_url("**/h5/login")
    phone.get_by_text("验证码登录").first.wait_for()
    phone.get_by_text("业务办理时间").first.wait_for()
    shoot(phone, "02-login-sms")

    # A wrong code first: a coded Chinese message, no session.
    phone.get_by_test_id("sms-fund-account").fill(customer.fund_account)
    phone.get_by_test_id("sms-mobile-last4").fill(customer.mobile[-4:])
    phone.get_by_test_id("sms-send").click()
    phone.wait_for_function(
        "() => /\\d+\\s*s|秒/.test(document.querySelector('[data-testid=sms-send]').innerText)"
    )
    shoot(phone, "03-login-sms-countdown")
    code = _latest_code()
    wrong = "000000" if code != "000000" else "111111"
    phone.get_by_test_id("sms-code").fill(wrong)
    phone.get_by_test_id("sms-submit").click()
    phone.get_by_text(re.compile("验证码或账户信息不正确")).wait_for()
    shoot(phone, "04-login-sms-wrong-code")

    phone.get_by_test_id("sms-code").fill(code)
    phone.get_by_test_id("sms-submit").click()
    phone.wait_for_url("**/h5/face")
    phone.get_by_test_id("progress").wait_for()
    assert "3" in phone.get_by_test_id("progress").inner_text()
    shoot(phone, "05-after-sign-in-step-3")
    case = RenewalCase.objects.get(customer=customer)
    assert case.state == "started"


def test_sign_in_with_trading_password_and_resume(
    phone: Any, shoot: Any, customers: dict[str, Any]
) -> None:
    customer = customers["80010004"]
    from idrenew.cases.services import case_start

    existing = case_start(customer=customer)  # begun earlier, left unfinished

    captcha_ids: list[str] = []

    def remember_captcha(response: Any) -> None:
        if "/api/auth/captcha" in response.url and response.ok:
            captcha_ids.append(response.json()["captcha_id"])

    phone.on("response", remember_captcha)
    phone.goto("/h5/login")
    phone.get_by_test_id("tab-password").click()
    phone.get_by_test_id("pwd-captcha-image").wait_for()
    phone.wait_for_function(
        "() => document.querySelector('[data-testid=pwd-captcha-image] img, img[data-testid=pwd-captcha-image]') !== null"
    )
    shoot(phone, "06-login-password")

    # Wrong password: coded message, captcha refreshed (single use).
    before = len(captcha_ids)
    phone.get_by_test_id("pwd-account").fill(customer.trading_account)
    phone.get_by_test_id("pwd-password").fill("wrong-password")
    phone.get_by_test_id("pwd-captcha").fill(_known_captcha_answer(captcha_ids))
    phone.get_by_test_id("pwd-submit").click()
    phone.get_by_text(re.compile("交易账号或交易密码不正确")).wait_for()
    for _ in range(50):  # the refresh is a separate request right after the error
        if len(captcha_ids) > before:
            break
        phone.wait_for_timeout(100)
    assert len(captcha_ids) > before, "the captcha was not refreshed after a failed attempt"
    shoot(phone, "07-login-password-wrong")

    phone.get_by_test_id("pwd-password").fill(DEMO_PASSWORD)
    phone.get_by_test_id("pwd-captcha").fill(_known_captcha_answer(captcha_ids))
    phone.get_by_test_id("pwd-submit").click()
    phone.wait_for_url("**/h5/resume")
    phone.get_by_text(existing.reference).wait_for()
    shoot(phone, "08-resume")
    phone.get_by_test_id("resume-continue").click()
    phone.wait_for_url("**/h5/face")
    shoot(phone, "09-resumed-step-3")
    assert RenewalCase.objects.filter(customer=customer).count() == 1


def test_guard_sends_a_signed_out_visitor_to_login(phone: Any, customers: dict[str, Any]) -> None:
    phone.goto("/h5/idcard")
    phone.wait_for_url("**/h5/login")


def test_elder_mode_enlarges_text(phone: Any, shoot: Any, customers: dict[str, Any]) -> None:
    phone.goto("/h5/login")
    label = phone.get_by_test_id("sms-submit")
    before = label.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    phone.get_by_test_id("elder-toggle").click()
    phone.wait_for_timeout(300)
    after = label.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert after > before
    shoot(phone, "10-login-elder-mode")
