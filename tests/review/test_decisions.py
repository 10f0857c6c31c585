"""Decisions on a submitted case: approval updates the record once through the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer
from idrenew.outbox.cfmmc import DailyFileCfmmcAdapter
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.errors import (
    CaseClaimedByOther,
    CaseNotClaimed,
    FourEyesSamePerson,
    ReviewPermissionDenied,
)
from idrenew.review.models import CaseReview, Decision
from idrenew.verification.models import OutboundSms
from tests.review.conftest import deliver_all

pytestmark = pytest.mark.django_db


def deliver() -> None:
    """What the post-commit hooks do in a real request (tests run inside one transaction)."""
    deliver_all()


def test_submission_queues_the_case_and_sends_the_accepted_sms(submitted: RenewalCase) -> None:
    deliver()
    review = CaseReview.objects.get(case=submitted)
    assert review.submissions == 1
    codes = {c["code"] for c in review.checks["checks"]}
    assert {"LIVENESS", "FACE_CARD", "SIGNED_DOCUMENTS", "NO_EDITS"} <= codes
    sms = OutboundSms.objects.get(purpose="case_accepted")
    assert sms.status == "sent" and submitted.reference in sms.text_redacted
    assert OutboxEvent.objects.get(topic="sms.notify").status == "delivered"


def test_approval_updates_the_record_reports_and_notifies(
    submitted: RenewalCase, approver: User, alice: Any, settings: Any, tmp_path: Any
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    services.review_claim(case_id=submitted.id, user=approver)
    decision = services.review_approve(case_id=submitted.id, user=approver, note="资料齐全")
    deliver()
    assert decision.kind == "approve"
    submitted.refresh_from_db()
    assert submitted.state == "approved" and submitted.closed_at is not None
    customer = Customer.objects.get(pk=alice.pk)
    assert customer.id_valid_from > alice.id_valid_from
    assert customer.address == "上海市浦东新区世纪大道100号"
    events = {e.topic: e for e in OutboxEvent.objects.all()}
    assert all(e.status == "delivered" for e in events.values())
    assert {"counter.id_update", "cfmmc.customer_change", "sms.notify"} <= set(events)
    assert submitted.closed_at is not None
    rows = DailyFileCfmmcAdapter(tmp_path).rows(timezone.localdate(submitted.closed_at))
    assert len(rows) == 1 and rows[0][5] == alice.id_number
    assert OutboundSms.objects.filter(purpose="case_approved").count() == 1


def test_reviewer_without_approve_permission_cannot_finalise(
    submitted: RenewalCase, reviewer: User
) -> None:
    services.review_claim(case_id=submitted.id, user=reviewer)
    with pytest.raises(ReviewPermissionDenied) as err:
        services.review_approve(case_id=submitted.id, user=reviewer)
    assert err.value.code == "REVIEW_PERMISSION_DENIED"


def test_four_eyes_needs_a_second_person(
    submitted: RenewalCase, reviewer: User, approver: User, make_staff: Any, settings: Any
) -> None:
    settings.IDRENEW_REVIEW_FOUR_EYES = True
    services.review_claim(case_id=submitted.id, user=approver)
    first = services.review_approve(case_id=submitted.id, user=approver)
    assert first.kind == "recommend"
    services.review_claim(case_id=submitted.id, user=approver)
    with pytest.raises(FourEyesSamePerson) as err:
        services.review_approve(case_id=submitted.id, user=approver)
    assert err.value.code == "FOUR_EYES_SAME_PERSON"
    services.review_release(case_id=submitted.id, user=approver)
    second = make_staff("appr2", "审批员")
    services.review_claim(case_id=submitted.id, user=second)
    assert services.review_approve(case_id=submitted.id, user=second).kind == "approve"
    assert RenewalCase.objects.get(pk=submitted.pk).state == "approved"


def test_a_claim_keeps_others_out_until_it_times_out(
    submitted: RenewalCase, reviewer: User, approver: User
) -> None:
    from datetime import timedelta

    services.review_claim(case_id=submitted.id, user=reviewer)
    with pytest.raises(CaseClaimedByOther) as err:
        services.review_claim(case_id=submitted.id, user=approver)
    assert err.value.code == "CASE_CLAIMED_BY_OTHER"
    with pytest.raises(CaseNotClaimed) as unclaimed:
        services.review_approve(case_id=submitted.id, user=approver)
    assert unclaimed.value.code == "CASE_NOT_CLAIMED"
    later = timezone.now() + timedelta(minutes=16)
    assert (
        services.review_claim(case_id=submitted.id, user=approver, now=later).claimed_by == approver
    )


def test_counter_outage_is_retried_without_loss_or_duplicates(
    submitted: RenewalCase,
    approver: User,
    alice: Any,
    monkeypatch: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    from datetime import timedelta

    from idrenew.customers.gateway import CounterUnavailable, DatabaseCounterGateway

    settings.IDRENEW_CFMMC_DIR = tmp_path
    calls: list[str] = []
    real = DatabaseCounterGateway.apply_id_update

    def flaky(self: Any, customer: Any, update: Any) -> Any:
        calls.append(update.evidence_ref)
        if len(calls) <= 2:
            raise CounterUnavailable("柜台连接超时")
        return real(self, customer, update)

    monkeypatch.setattr(DatabaseCounterGateway, "apply_id_update", flaky)
    services.review_claim(case_id=submitted.id, user=approver)
    services.review_approve(case_id=submitted.id, user=approver)
    deliver()
    event = OutboxEvent.objects.get(topic="counter.id_update")
    assert event.status == "pending" and event.attempts == 1 and "柜台连接超时" in event.last_error
    # 已通过 (证件信息已更新) is not said before the counter has the data.
    assert not OutboundSms.objects.filter(purpose="case_approved").exists()
    assert Customer.objects.get(pk=alice.pk).id_valid_from == alice.id_valid_from  # not yet
    now = timezone.now()
    assert outbox_dispatch(now=now).delivered == 0  # backoff: not due yet
    outbox_dispatch(now=now + timedelta(seconds=31))  # second failure
    result = outbox_dispatch(now=now + timedelta(minutes=5))
    assert result.delivered == 1
    event.refresh_from_db()
    assert event.status == "delivered" and event.attempts == 3
    assert len(calls) == 3
    assert Customer.objects.get(pk=alice.pk).id_valid_from > alice.id_valid_from
    # The counter's delivery wrote the 已通过 SMS; it goes on the next run, once.
    assert outbox_dispatch(now=now + timedelta(hours=2)).delivered == 1
    assert OutboundSms.objects.filter(purpose="case_approved").count() == 1
    assert outbox_dispatch(now=now + timedelta(hours=3)).delivered == 0  # nothing repeats
    assert OutboxEvent.objects.filter(topic="counter.id_update").count() == 1
    assert Decision.objects.filter(case=submitted).count() == 1


def test_each_decision_keeps_the_record_as_it_was(
    submitted: RenewalCase, approver: User, alice: Any
) -> None:
    services.review_claim(case_id=submitted.id, user=approver)
    decision = services.review_approve(case_id=submitted.id, user=approver)
    deliver()
    before = Decision.objects.get(pk=decision.pk).record_snapshot
    assert before["id_valid_from"] == alice.id_valid_from.isoformat()
    assert before["address"] == alice.address
    assert Customer.objects.get(pk=alice.pk).address != alice.address  # the update applied
