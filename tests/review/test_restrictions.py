"""Issue #11, item 1: an approved renewal lifts the restriction whose only reason is the
expired ID — through the counter gateway, in the approval's counter event, audited — and
leaves restrictions with other reasons. The reviewer sees both before approving; the status
page and the 已通过 SMS say that trading is restored when it is (and only then)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.customers.constants import RestrictionReason
from idrenew.customers.models import AccountRestriction, Customer
from idrenew.customers.services import customer_restrict
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.models import Decision
from idrenew.verification.models import OutboundSms
from tests.conftest import ApiClient, sign_in_sms, staff_login
from tests.idcard.conftest import CASES, confirm, new_period, store_reading
from tests.review.conftest import deliver_all, sign_and_submit
from tests.signing.test_steps_api import read_all

pytestmark = pytest.mark.django_db


def to_step_8(customer: Any, outbox: list[Any]) -> ApiClient:
    """Sign-in and steps 3–7 through the API for ``customer`` (step 3 as in tests/face)."""
    api = ApiClient()
    sign_in_sms(api, customer, outbox)
    assert api.post_json("/api/cases", {}, key=api.new_key()).status_code == 201
    RenewalCase.objects.filter(customer=customer).update(state="face_passed")
    store_reading(customer)
    assert confirm(api).status_code == 200
    assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200
    start, end = new_period(customer)
    update = {
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
        "long_term": end is None,
        "address": customer.address,
    }
    assert api.post_json(f"{CASES}/update", update, key=api.new_key()).status_code == 200
    read_all(api)
    assert api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key()).status_code == 200
    return api


def submit_as(customer: Any, outbox: list[Any]) -> tuple[ApiClient, RenewalCase]:
    api = to_step_8(customer, outbox)
    return api, sign_and_submit(api)


def case_page(user: User, case: RenewalCase) -> str:
    client = Client()
    staff_login(client, user)
    resp = client.get(f"/admin/cases/renewalcase/{case.pk}/change/")
    assert resp.status_code == 200
    return str(resp.content.decode())


def approve(case: RenewalCase, approver: User) -> Decision:
    services.review_claim(case_id=case.id, user=approver)
    return services.review_approve(case_id=case.id, user=approver)


def latest(api: ApiClient) -> dict[str, Any]:
    resp = api.get("/api/cases/latest")
    assert resp.status_code == 200, resp.content
    body: dict[str, Any] = resp.json()
    return body


def approved_sms() -> str:
    return str(OutboundSms.objects.get(purpose="case_approved").text_redacted)


def test_the_expired_id_restriction_is_lifted_and_trading_restored(
    bob: Any, approver: User, outbox: list[Any], signing_ca: Any, settings: Any, tmp_path: Any
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    assert bob.status == "restricted"
    api, case = submit_as(bob, outbox)

    page = case_page(approver, case)  # before approving: what the approval will do
    assert "批准后将解除的限制" in page and "证件过期限制" in page
    assert 'data-testid="restrictions-staying"' not in page
    assert "批准并更新柜台后恢复" in page

    decision = approve(case, approver)
    assert decision.record_snapshot["restrictions"] == ["id_expired"]
    event = OutboxEvent.objects.get(topic="counter.id_update", case_id=case.id)
    assert json.loads(event.payload)["lift_restrictions"] == ["id_expired"]  # in the same event
    # Approved, the counter not updated yet: no promise made, nothing sent.
    body = latest(api)
    assert body["state"] == "approved" and body["trading_restored"] is False
    assert "恢复交易" in body["trading_message"] and "完成后将短信通知您" in body["trading_message"]
    assert not OutboundSms.objects.filter(purpose="case_approved").exists()

    deliver_all()
    customer = Customer.objects.get(pk=bob.pk)
    assert customer.status == "active" and customer.id_valid_to > timezone.localdate()
    row = AccountRestriction.objects.get(customer=bob)
    assert row.lifted_at is not None and row.lifted_by == f"case:{case.reference}"
    audit = AuditEvent.objects.get(action="customer.restrictions_lifted")
    assert audit.case_id == case.id and audit.customer_id == bob.pk
    assert audit.data["lifted"] == ["id_expired"] and audit.data["remaining"] == []
    assert audit.data["status"] == "active"

    body = latest(api)
    assert body["trading_restored"] is True
    assert body["trading_message"] == "证件过期限制已解除，您的账户交易权限已恢复"
    text = approved_sms()
    assert "已通过" in text and "证件信息已更新" in text and "交易权限已恢复" in text
    page = case_page(approver, case)
    assert "已随本次更新解除的限制" in page and "已恢复" in page

    # Delivered again (a crash before the mark): nothing lifts twice, no second SMS or audit.
    OutboxEvent.objects.filter(pk=event.pk).update(status="pending", attempts=0)
    deliver_all()
    assert AuditEvent.objects.filter(action="customer.restrictions_lifted").count() == 1
    assert OutboundSms.objects.filter(purpose="case_approved").count() == 1
    assert latest(api)["trading_restored"] is True


def test_restrictions_with_other_reasons_stay(
    bob: Any, approver: User, outbox: list[Any], signing_ca: Any, settings: Any, tmp_path: Any
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    customer_restrict(customer=bob, reason=RestrictionReason.AML_REVIEW)
    api, case = submit_as(bob, outbox)

    page = case_page(approver, case)
    assert "批准后将解除的限制" in page and "证件过期限制" in page
    assert "批准后仍保留的限制" in page and "反洗钱核查" in page
    assert "仍限制交易" in page

    approve(case, approver)
    deliver_all()
    customer = Customer.objects.get(pk=bob.pk)
    assert customer.status == "restricted"  # the other reason keeps it restricted
    active = AccountRestriction.objects.filter(customer=bob, lifted_at=None)
    assert list(active.values_list("reason", flat=True)) == ["aml_review"]
    audit = AuditEvent.objects.get(action="customer.restrictions_lifted")
    assert audit.data["lifted"] == ["id_expired"] and audit.data["remaining"] == ["aml_review"]

    body = latest(api)
    assert body["trading_restored"] is False
    assert body["trading_message"].startswith("证件过期限制已解除；账户另有交易限制")
    text = approved_sms()
    assert "证件过期限制已解除" in text and "另有交易限制" in text
    assert "交易权限已恢复" not in text
    # The other reason is never named to the customer.
    assert "反洗钱" not in text and "反洗钱" not in str(body)


def test_a_restriction_for_another_reason_only_is_not_touched(
    demo_customers: dict[str, Any],
    approver: User,
    outbox: list[Any],
    signing_ca: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    other = demo_customers["80010007"]  # 适当性评估过期, ID still valid
    api, case = submit_as(other, outbox)
    page = case_page(approver, case)
    assert "批准后将解除的限制" not in page
    assert "批准后仍保留的限制" in page and "适当性评估过期" in page

    approve(case, approver)
    deliver_all()
    assert Customer.objects.get(pk=other.pk).status == "restricted"
    assert not AuditEvent.objects.filter(action="customer.restrictions_lifted").exists()
    event = OutboxEvent.objects.get(topic="counter.id_update")
    assert json.loads(event.payload)["lift_restrictions"] == []
    body = latest(api)
    assert body["trading_restored"] is False
    assert body["trading_message"] == "您的账户另有交易限制，详情请联系客服或至营业部了解"
    assert "另有交易限制" in approved_sms()


def test_an_unrestricted_account_hears_nothing_about_trading(
    alice: Any, approver: User, outbox: list[Any], signing_ca: Any, settings: Any, tmp_path: Any
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    api, case = submit_as(alice, outbox)
    assert 'data-testid="restrictions"' not in case_page(approver, case)
    approve(case, approver)
    deliver_all()
    body = latest(api)
    assert body["trading_restored"] is False and body["trading_message"] is None
    text = approved_sms()
    assert text.endswith("已通过，证件信息已更新。") and "交易" not in text


def test_a_counter_outage_delays_the_lift_and_the_sms_together(
    bob: Any,
    approver: User,
    outbox: list[Any],
    signing_ca: Any,
    settings: Any,
    tmp_path: Any,
    monkeypatch: Any,
) -> None:
    from idrenew.customers.gateway import CounterUnavailable, DatabaseCounterGateway

    settings.IDRENEW_CFMMC_DIR = tmp_path
    api, case = submit_as(bob, outbox)
    real = DatabaseCounterGateway.apply_id_update
    down = [True]

    def flaky(self: Any, customer: Any, update: Any) -> Any:
        if down[0]:
            raise CounterUnavailable("柜台连接超时")
        return real(self, customer, update)

    monkeypatch.setattr(DatabaseCounterGateway, "apply_id_update", flaky)
    approve(case, approver)
    deliver_all()
    assert Customer.objects.get(pk=bob.pk).status == "restricted"
    assert latest(api)["trading_restored"] is False
    assert not OutboundSms.objects.filter(purpose="case_approved").exists()

    down[0] = False
    later = timezone.now() + timedelta(minutes=2)
    assert outbox_dispatch(now=later).delivered == 1  # the counter update (and the lift)
    assert outbox_dispatch(now=later).delivered == 1  # then the 已通过 SMS it wrote
    assert Customer.objects.get(pk=bob.pk).status == "active"
    assert latest(api)["trading_restored"] is True
    assert "交易权限已恢复" in approved_sms()


def test_straight_through_approval_lifts_it_too(
    bob: Any, outbox: list[Any], signing_ca: Any, settings: Any, tmp_path: Any
) -> None:
    """The automatic rule uses the same approval path (checks made to pass as in test_stp)."""
    from tests.review.test_stp import make_checks_pass

    settings.IDRENEW_CFMMC_DIR = tmp_path
    settings.IDRENEW_STP_ENABLED = True
    api = to_step_8(bob, outbox)
    make_checks_pass(RenewalCase.objects.get(customer=bob))
    case = sign_and_submit(api)
    assert case.state == "approved"
    deliver_all()
    assert Customer.objects.get(pk=bob.pk).status == "active"
    assert latest(api)["trading_restored"] is True
