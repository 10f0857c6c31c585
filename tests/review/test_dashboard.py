"""The statistics dashboard: figures, permission, and a query count independent of volume."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from idrenew.audit.models import ActorType, AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.outbox.models import OutboxEvent
from idrenew.review.dashboard import dashboard_data, humanize_duration
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db
URL = "/backoffice/review/dashboard"


def make_case(
    customer: Any,
    state: str,
    *,
    created: datetime | None = None,
    submitted: datetime | None = None,
    closed: datetime | None = None,
    reached: tuple[str, ...] = (),
) -> RenewalCase:
    now = timezone.now()
    case = RenewalCase.objects.create(
        reference=f"ZJT{uuid.uuid4().hex[:12]}",
        customer=customer,
        state=state,
        expires_at=now + timedelta(hours=1),
        submitted_at=submitted,
        closed_at=closed,
    )
    if created is not None:
        RenewalCase.objects.filter(pk=case.pk).update(created_at=created)
    AuditEvent.objects.bulk_create(
        AuditEvent(action=f"case.{a}", actor_type=ActorType.SYSTEM, case_id=case.id)
        for a in reached
    )
    return case


FULL = (
    "started",
    "face_passed",
    "idcard_read",
    "identity_confirmed",
    "update_confirmed",
    "agreements_read",
    "signed",
    "submitted",
)


@pytest.fixture
def populated(demo_customers: dict[str, Any]) -> dict[str, Any]:
    c = demo_customers
    now = timezone.now()
    # Decided in the last 30 days: 1 h, 2 h, 4 h from submission → median 2 h.
    for hours in (1, 2, 4):
        closed = now - timedelta(days=2)
        make_case(
            c["80010003"],
            "approved" if hours != 4 else "rejected",
            submitted=closed - timedelta(hours=hours),
            closed=closed,
            reached=(*FULL, "approved") if hours != 4 else (*FULL, "rejected"),
        )
    # Decided 40 days ago (outside the window), created then too (outside the funnel).
    make_case(
        c["80010003"],
        "approved",
        created=now - timedelta(days=41),
        submitted=now - timedelta(days=40, hours=30),
        closed=now - timedelta(days=40),
        reached=(*FULL, "approved"),
    )
    # Open cases: two waiting for review, one stopped at the card photo, one cancelled.
    make_case(c["80010001"], "submitted", submitted=now - timedelta(hours=5), reached=FULL)
    make_case(c["80010002"], "submitted", submitted=now - timedelta(hours=1), reached=FULL)
    make_case(c["80010004"], "face_passed", reached=FULL[:2])
    make_case(c["80010005"], "cancelled", closed=now, reached=FULL[:1])
    for status in ("pending", "pending", "dead", "delivered"):
        OutboxEvent.objects.create(
            topic="sms.notify",
            dedupe_key=uuid.uuid4().hex,
            payload="{}",
            status=status,
            next_attempt_at=now,
        )
    return c


def test_figures(populated: dict[str, Any]) -> None:
    data = dashboard_data()

    states = {s.state: s.count for s in data.states}
    assert states["approved"] == 3 and states["rejected"] == 1
    assert states["submitted"] == 2 and states["face_passed"] == 1 and states["cancelled"] == 1
    assert states["expired"] == 0 and data.total_cases == 8
    assert data.waiting == 2
    assert data.oldest_waiting_since is not None
    assert timezone.now() - data.oldest_waiting_since > timedelta(hours=4)

    assert data.decided == 3
    assert data.median_decision == timedelta(hours=2)

    funnel = {f.action: f for f in data.funnel}
    assert funnel["case.started"].reached == 7  # the case 41 days old is outside the cohort
    assert funnel["case.face_passed"].reached == 6
    assert funnel["case.face_passed"].dropped == 1
    assert funnel["case.idcard_read"].reached == 5
    assert funnel["case.idcard_read"].dropped == 1
    assert funnel["case.submitted"].reached == 5
    assert funnel["case.approved"].reached == 2
    assert funnel["case.approved"].dropped == 3
    assert funnel["case.approved"].share == pytest.approx(2 / 7)

    # Demo customers: 80010001 expired 20 days ago, 80010006 (frozen) 3 days ago; 80010002,
    # 80010004 and 80010005 expire within 30 days; 80010003 in about 8 years.
    assert (data.expired_ids, data.expiring_ids) == (2, 3)
    assert (data.outbox_pending, data.outbox_dead) == (2, 1)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(
    demo_customers: dict[str, Any],
) -> None:
    closed = timezone.now() - timedelta(days=1)
    for minutes in (10, 20, 40, 600):
        make_case(
            demo_customers["80010003"],
            "approved",
            submitted=closed - timedelta(minutes=minutes),
            closed=closed,
        )
    assert dashboard_data().median_decision == timedelta(minutes=30)


def test_empty_database(db: Any) -> None:
    data = dashboard_data()
    assert data.total_cases == 0 and data.median_decision is None and data.decided == 0
    assert all(f.reached == 0 and f.share is None for f in data.funnel)
    assert humanize_duration(None) == "—"


def test_query_count_does_not_grow_with_the_cases(
    populated: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        dashboard_data()
    for _ in range(30):
        make_case(
            populated["80010003"],
            "approved",
            submitted=timezone.now() - timedelta(hours=3),
            closed=timezone.now(),
            reached=(*FULL, "approved"),
        )
    with django_assert_max_num_queries(8):
        dashboard_data()


def test_page_for_staff_with_the_permission(
    populated: dict[str, Any],
    reviewer: User,
    make_staff: Callable[[str, str], User],
) -> None:
    client = Client()
    assert client.get(URL).status_code == 302  # the admin login

    staff_login(client, make_staff("ops1", "管理员"))
    resp = client.get(URL)
    assert resp.status_code == 200

    staff_login(client, reviewer)
    resp = client.get(URL)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "统计看板" in html and "办理漏斗" in html and "各状态申请数" in html
    assert "2小时0分" in html  # the median
    assert "证件已过期客户" in html and "天内到期客户" in html
    assert 'href="/admin/"' in html  # back to the admin index
    assert "no-store" in resp["Cache-Control"]


def test_page_refused_without_the_permission(db: Any) -> None:
    user = User.objects.create_user("plain", password="x", is_staff=True)
    client = Client()
    staff_login(client, user)
    assert client.get(URL).status_code == 403


def test_humanize() -> None:
    assert humanize_duration(timedelta(seconds=42)) == "42秒"
    assert humanize_duration(timedelta(minutes=3, seconds=5)) == "3分5秒"
    assert humanize_duration(timedelta(days=1, hours=3, minutes=4)) == "1天3小时"
