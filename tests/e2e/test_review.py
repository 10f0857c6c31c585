"""After submission in a real browser at 375×667: the status page waits (提交完成 等待办理),
shows 需补充 after staff return the signature, 去补充 opens step 8, the customer signs again
and resubmits, and the page shows 已通过 after the approval. Steps 3–10 of the first pass go
through the API with the browser's own session; decisions go through the review services."""

from __future__ import annotations

from typing import Any

import pytest

from idrenew.cases.models import RenewalCase
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.models import CaseReview
from tests.conftest import ApiClient
from tests.e2e.test_face import sign_in
from tests.e2e.test_signing import draw_signature, to_step_7
from tests.idcard.conftest import CASES
from tests.review.conftest import make_staff, sign_and_submit
from tests.signing.conftest import _ca_dir, authority, signing_ca
from tests.signing.test_steps_api import read_all

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["_ca_dir", "authority", "make_staff", "signing_ca"]  # fixtures, imported for their names


def api_as(page: Any) -> ApiClient:
    """A test client with the browser's session and CSRF cookies (the same customer)."""
    api = ApiClient()
    for cookie in page.context.cookies():
        if cookie["name"] in {"sessionid", "csrftoken"}:
            api.cookies[cookie["name"]] = cookie["value"]
    return api


def refresh_until(page: Any, test_id: str, text: str) -> None:
    page.get_by_test_id("status-refresh").click()
    page.get_by_test_id(test_id).filter(has_text=text).wait_for()


def test_status_page_through_return_and_approval(
    phone: Any, shoot: Any, signing_ca: Any, make_staff: Any, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    customer = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}[
        "80010002"
    ]
    reviewer = make_staff("rev1", "审核员")
    approver = make_staff("appr1", "审批员")

    sign_in(phone, customer)  # starts the case: the page is at step 3
    api = api_as(phone)
    to_step_7(customer)
    read_all(api)
    done = api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key())
    assert done.status_code == 200, done.content
    case = sign_and_submit(api)
    assert case.state == "submitted"

    phone.goto("/h5/status")
    phone.get_by_test_id("status-title").filter(has_text="提交完成 等待办理").wait_for()
    phone.get_by_test_id("status-reference").filter(has_text=case.reference).wait_for()
    shoot(phone, "60-status-waiting")

    services.review_claim(case_id=case.id, user=reviewer)
    services.review_return(
        case_id=case.id,
        user=reviewer,
        steps=[8],
        reasons=["SIGNATURE_INVALID"],
        note="请用正楷签署本人姓名",
    )
    outbox_dispatch()
    refresh_until(phone, "status-title", "需补充")
    phone.get_by_test_id("status-reasons").filter(has_text="签名不清晰或不规范").wait_for()
    phone.get_by_test_id("status-note").filter(has_text="请用正楷签署本人姓名").wait_for()
    phone.get_by_test_id("status-redo-step-8").filter(has_text="签署协议").wait_for()
    shoot(phone, "61-status-returned")

    # Signing in again later lands on the resume screen, which leads back to 需补充.
    phone.goto("/h5/resume")
    phone.get_by_test_id("resume-heading").filter(has_text="需补充材料").wait_for()
    shoot(phone, "62-resume-returned")
    phone.get_by_test_id("resume-continue").click()
    phone.wait_for_url("**/h5/status")

    phone.get_by_test_id("status-redo").click()
    phone.wait_for_url("**/h5/sign")
    phone.get_by_text("请在下面签字").wait_for()
    draw_signature(phone)
    phone.get_by_test_id("sign-submit").click()
    phone.wait_for_url("**/h5/signed", timeout=60_000)
    phone.get_by_test_id("signed-documents").wait_for()
    phone.get_by_test_id("signed-confirm").click()
    phone.wait_for_url("**/h5/status")
    phone.get_by_test_id("status-title").filter(has_text="提交完成 等待办理").wait_for()
    assert CaseReview.objects.get(case=case).submissions == 2

    services.review_claim(case_id=case.id, user=approver)
    services.review_approve(case_id=case.id, user=approver)
    outbox_dispatch()
    refresh_until(phone, "status-title", "已通过")
    phone.get_by_test_id("status-lead").filter(has_text="证件信息已更新").wait_for()
    shoot(phone, "63-status-approved")

    # A reload after the decision (no open case any more) still shows the outcome.
    phone.reload()
    phone.get_by_test_id("status-title").filter(has_text="已通过").wait_for()
    assert RenewalCase.objects.get(pk=case.pk).state == "approved"
