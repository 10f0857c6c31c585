"""The nav bar at phone size (375×667): on a page with 操作指南 the 大字模式 switch stays in the
bar beside it (not on the progress row), the title is not cut, in both text sizes; every page
has its own browser tab title (step 2: 账户验证)."""

from __future__ import annotations

from typing import Any

import pytest

from idrenew.cases.models import RenewalCase
from tests.e2e.test_face import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOX = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom] }"


def box(page: Any, selector: str) -> list[float]:
    result: list[float] = page.eval_on_selector(selector, BOX)
    return result


def test_guide_and_large_text_switch_share_the_nav_bar(
    phone: Any, shoot: Any, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    customer = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}[
        "80010003"
    ]
    phone.goto("/h5/login")
    phone.get_by_test_id("login-heading").filter(has_text="账户验证").wait_for()
    assert phone.title() == "账户验证 - 证件更新"
    sign_in(phone, customer)
    assert phone.title() == "人脸识别 - 证件更新"
    RenewalCase.objects.filter(customer=customer).update(state="face_passed")

    phone.goto("/h5/idcard")
    phone.get_by_test_id("nav-guide").wait_for()
    assert phone.title() == "上传身份证 - 证件更新"
    for mode, label in (("standard", "大字"), ("large", "标准")):
        bar = box(phone, ".van-nav-bar")
        title = box(phone, ".van-nav-bar__title")
        guide = box(phone, "[data-testid=nav-guide]")
        toggle = box(phone, ".van-nav-bar [data-testid=elder-toggle]")
        assert phone.locator(".app-shell__progress [data-testid=elder-toggle]").count() == 0
        assert phone.get_by_test_id("elder-toggle").inner_text() == label
        for part in (guide, toggle):  # inside the bar, on one row
            assert bar[1] <= part[1] and part[3] <= bar[3], (mode, part, bar)
        # left to right without overlap: title, 操作指南, the switch, within the screen
        assert title[2] <= guide[0] + 0.5 and guide[2] <= toggle[0] and toggle[2] <= 375, mode
        width = phone.eval_on_selector(".van-nav-bar__title", "e => [e.scrollWidth, e.clientWidth]")
        assert width[0] <= width[1], f"title cut in {mode} mode: {width}"
        shoot(phone, f"06-navbar-guide-{mode}")
        phone.get_by_test_id("elder-toggle").click()
