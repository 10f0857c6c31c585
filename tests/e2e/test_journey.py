"""The whole journey in real browsers: the customer on a phone (sign-in, steps 7–10; steps
3–6 have their own browser tests), then the back office at a desk — an approver finds the
case in the queue, claims it, checks the case page and approves — and the customer's status
page says 已通过 while the record, the CFMMC batch and the SMS show the outcome; 我的办理记录 then
shows the decision and both signed agreements, and 查看 opens the signed PDF."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.core.staff import staff_create
from idrenew.customers.models import Customer
from idrenew.outbox.models import OutboxEvent
from idrenew.signing.models import SignedDocument
from idrenew.verification.models import OutboundSms
from tests.conftest import totp_code
from tests.e2e.test_face import sign_in
from tests.e2e.test_signing import read_sign_and_submit, to_step_7

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 900}
PASSWORD = "Staff-Pass-2026!"


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def staff_sign_in(page: Any, username: str) -> None:
    """Password, then the second factor: a staff member without a device enrols one (the
    page shows its QR code) and types the code an authenticator app would show."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/otp/**")
    enrolling = "/admin/otp/setup/" in page.url
    if enrolling:
        page.get_by_test_id("otp-qr").locator("svg").wait_for()
    device = TOTPDevice.objects.get(user__username=username, confirmed=not enrolling)
    page.fill("#id_otp_token", totp_code(device))
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_sign_in_to_approval_in_the_browser(
    phone: Any, desk: Any, shoot: Any, settings: Any, tmp_path: Any, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    settings.IDRENEW_SIGNING_MIN_READ_SECONDS = 2
    settings.IDRENEW_CFMMC_DIR = tmp_path
    customer = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}[
        "80010001"
    ]
    # Restricted only because the ID expired: the approval lifts it, the phone says so.
    assert customer.status == "restricted"
    sign_in(phone, customer)
    to_step_7(customer)
    case = read_sign_and_submit(phone, shoot, customer)
    assert OutboundSms.objects.filter(purpose="case_accepted", customer=customer).count() == 1

    staff_create(username="approver1", password=PASSWORD, role="审批员")
    staff_sign_in(desk, "approver1")
    desk.get_by_text("审核队列").first.click()
    desk.get_by_text(case.reference).first.wait_for()
    shoot(desk, "50-backoffice-queue")
    assert customer.id_number not in desk.content()
    desk.get_by_text(case.reference).first.click()
    desk.get_by_test_id("case-summary").wait_for()
    desk.get_by_test_id("claim").first.click()
    desk.get_by_test_id("approve").wait_for()
    desk.get_by_test_id("documents").scroll_into_view_if_needed()
    shoot(desk, "51-backoffice-case")
    html = desk.content()
    assert customer.id_number_masked in html
    lifted = desk.get_by_test_id("restrictions-lifted")  # what the approval will lift
    assert lifted.inner_text() == "证件过期限制"
    desk.get_by_test_id("approve").click()
    desk.get_by_test_id("case-state").filter(has_text="已通过").wait_for()
    shoot(desk, "52-backoffice-approved")

    case = RenewalCase.objects.get(pk=case.pk)
    assert case.state == "approved"
    updated = Customer.objects.get(pk=customer.pk)
    assert updated.id_valid_from > customer.id_valid_from
    assert updated.status == "active"  # the restriction was only the expired ID
    events = OutboxEvent.objects.filter(case_id=case.pk)
    assert {e.topic for e in events} >= {"counter.id_update", "cfmmc.customer_change"}
    assert all(e.status == "delivered" for e in events)
    sms = OutboundSms.objects.get(purpose="case_approved", customer=customer)
    assert "交易权限已恢复" in sms.text_redacted

    phone.goto("/h5/status")
    phone.get_by_text("已通过").first.wait_for()
    trading = phone.get_by_test_id("status-trading")
    trading.wait_for()
    assert trading.get_attribute("data-restored") == "true"
    assert "交易权限已恢复" in trading.inner_text()
    shoot(phone, "53-status-approved")

    # 我的办理记录: the decision and both signed agreements stay with the customer
    phone.get_by_test_id("status-records").click()
    phone.wait_for_url("**/h5/records")
    assert phone.title() == "我的办理记录 - 证件更新"
    item = phone.get_by_test_id(f"record-{case.reference}")
    item.wait_for()
    assert "已通过" in item.inner_text() and "已签署协议 2 份" in item.inner_text()
    shoot(phone, "54-records")
    item.click()
    phone.wait_for_url(f"**/h5/records/{case.reference}")
    phone.get_by_test_id("record-decision").filter(has_text="已通过").wait_for()
    docs = {d.agreement: d for d in SignedDocument.objects.filter(case=case)}
    assert set(docs) == {"change_application", "digital_certificate"}
    for key, doc in docs.items():
        row = phone.get_by_test_id(f"record-doc-{key}")
        assert doc.title in row.inner_text() and doc.pdf_sha256[:16] in row.inner_text()
    phone.get_by_test_id("record-documents").scroll_into_view_if_needed()
    shoot(phone, "55-record-documents")
    assert customer.id_number not in phone.content()
    # 查看 is a link (new tab) to the signed PDF, served to the phone's session: the same file
    view = phone.get_by_test_id("record-view-change_application")
    assert view.get_attribute("target") == "_blank"
    pdf = phone.context.request.get(view.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store, private"
    assert hashlib.sha256(pdf.body()).hexdigest() == docs["change_application"].pdf_sha256
    assert AuditEvent.objects.filter(
        action="document.downloaded", case_id=case.pk, data__via="record"
    ).exists()
