"""The review queue (case changelist): columns, filters, ordering, constant query count."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer
from idrenew.review.models import CaseReview
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db
QUEUE = "/admin/cases/renewalcase/"


def make_customer(n: int, *, valid_to: date | None = None) -> Customer:
    customer = Customer(
        name=f"测试客户{n}",
        id_valid_from=date(2010, 1, 1),
        id_valid_to=valid_to or date(2040, 1, 1),
        fund_account=f"9{n:07d}",
        trading_account=f"7{n:07d}",
        trading_password="!",
    )
    customer.set_id_number(f"110101199001{n % 100:02d}{n % 1000:03d}1")
    customer.set_mobile(f"139{n:08d}")
    customer.save()
    return customer


def make_case(
    customer: Customer,
    *,
    hours_ago: float,
    passed: bool = False,
    state: str = "submitted",
    claimed_by: User | None = None,
) -> RenewalCase:
    now = timezone.now()
    case = RenewalCase.objects.create(
        reference=f"ZT{customer.pk:014d}",
        customer=customer,
        state=state,
        expires_at=now + timedelta(hours=72),
        submitted_at=now - timedelta(hours=hours_ago),
    )
    checks = [
        {"code": "LIVENESS", "label": "活体检测", "ok": True, "value": "通过", "need": "通过"},
        {"code": "NO_EDITS", "label": "客户修改", "ok": passed, "value": "地址", "need": "无"},
        {"code": "FACE_CARD", "label": "人脸比对", "ok": passed, "value": "0.4", "need": "0.6"},
    ]
    CaseReview.objects.create(
        case=case,
        checks={"checks": checks, "passed": passed},
        checks_passed=passed,
        submissions=1,
        claimed_by=claimed_by,
        claimed_at=now if claimed_by else None,
        claim_expires_at=now + timedelta(minutes=15) if claimed_by else None,
    )
    return case


def listed(client: Client, query: str = "") -> list[str]:
    resp = client.get(QUEUE + query)
    assert resp.status_code == 200
    return [c.reference for c in resp.context["cl"].result_list]


@pytest.fixture
def staff_client(client: Client, reviewer: User) -> Client:
    staff_login(client, reviewer)
    return client


def test_queue_lists_the_submitted_case_with_its_review_columns(
    staff_client: Client, submitted: RenewalCase, alice: Any
) -> None:
    page = staff_client.get(QUEUE).content.decode()
    assert submitted.reference in page
    assert alice.name[0] + "*" in page and alice.name not in page  # masked name
    assert "已提交，等待办理" in page
    review = CaseReview.objects.get(case=submitted)
    failing = sum(1 for c in review.checks["checks"] if not c["ok"])
    assert f"{failing} 项需关注" in page
    assert "未领取" in page
    assert AuditEvent.objects.filter(action="staff.viewed_case_list").exists()


def test_filters_age_checks_record_expiry_and_claim(
    staff_client: Client, reviewer: User, make_staff: Any
) -> None:
    other = make_staff("rev2", "审核员")
    today = timezone.localdate()
    fresh = make_case(make_customer(1), hours_ago=2, passed=True)
    middle = make_case(make_customer(2, valid_to=today - timedelta(days=3)), hours_ago=10)
    old = make_case(make_customer(3, valid_to=today + timedelta(days=12)), hours_ago=30)
    mine = make_case(make_customer(4), hours_ago=1, claimed_by=reviewer)
    theirs = make_case(make_customer(5), hours_ago=1, claimed_by=other)
    done = make_case(make_customer(6), hours_ago=50, state="approved")

    assert set(listed(staff_client, "?age=lt4")) == {
        fresh.reference,
        mine.reference,
        theirs.reference,
    }
    assert listed(staff_client, "?age=4to24") == [middle.reference]
    assert listed(staff_client, "?age=gt24") == [old.reference]  # decided cases are not waiting
    assert listed(staff_client, "?checks=passed") == [fresh.reference]
    assert fresh.reference not in listed(staff_client, "?checks=attention")
    assert listed(staff_client, "?record_id=expired") == [middle.reference]
    assert listed(staff_client, "?record_id=expiring") == [old.reference]
    assert listed(staff_client, "?claim=mine") == [mine.reference]
    unclaimed = set(listed(staff_client, "?claim=unclaimed"))
    assert unclaimed == {fresh.reference, middle.reference, old.reference}
    assert listed(staff_client, "?state=approved") == [done.reference]


def test_oldest_waiting_first_and_overdue_in_red(staff_client: Client, settings: Any) -> None:
    settings.IDRENEW_REVIEW_SLA_HOURS = 24
    done = make_case(make_customer(1), hours_ago=100, state="rejected")
    newer = make_case(make_customer(2), hours_ago=3)
    oldest = make_case(make_customer(3), hours_ago=30)
    middle = make_case(make_customer(4), hours_ago=10)
    assert listed(staff_client) == [
        oldest.reference,
        middle.reference,
        newer.reference,
        done.reference,
    ]
    page = staff_client.get(QUEUE).content.decode()
    assert page.count('class="sla-overdue"') == 1
    assert "30.0" in page


def test_claim_and_four_eyes_columns(staff_client: Client, reviewer: User) -> None:
    case = make_case(make_customer(1), hours_ago=1, claimed_by=reviewer)
    CaseReview.objects.filter(case=case).update(recommended_by=reviewer)
    page = staff_client.get(QUEUE).content.decode()
    assert f"{reviewer.username}（至" in page
    assert f"待复核（初审：{reviewer.username}）" in page


def test_queue_query_count_does_not_grow_with_the_rows(
    staff_client: Client, reviewer: User
) -> None:
    for n in range(3):
        make_case(make_customer(n), hours_ago=n, claimed_by=reviewer if n % 2 else None)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(QUEUE).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(3, 40):
        make_case(make_customer(n), hours_ago=n, claimed_by=reviewer if n % 2 else None)
    assert count() == few
