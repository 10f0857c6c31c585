"""Two staff members acting on the same case at the same moment, on real connections (one per
thread, committed transactions): exactly one claim, exactly one decision, one counter update.

Runs on SQLite (the write lock queues the second) and on PostgreSQL (row locks), e.g.
``IDRENEW_DATABASE_URL=postgres://…`` pytest tests/review/test_concurrency.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.core.errors import AppError
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.models import CaseReview, Decision
from idrenew.verification.models import OutboundSms

pytestmark = pytest.mark.django_db(transaction=True)


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions in threads released together; each result or the exception raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(i: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = action()
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def split(results: list[Any]) -> tuple[list[Any], list[AppError]]:
    errors: list[AppError] = []
    for r in results:
        if isinstance(r, Exception):
            assert isinstance(r, AppError), repr(r)  # no deadlock, no integrity error
            errors.append(r)
    return [r for r in results if not isinstance(r, Exception)], errors


def hold_claim(case: RenewalCase, user: User) -> None:
    now = timezone.now()
    CaseReview.objects.filter(pk=case.pk).update(
        claimed_by=user, claimed_at=now, claim_expires_at=now + timedelta(minutes=15)
    )


def test_two_reviewers_claiming_at_once_one_gets_it(
    submitted: RenewalCase, reviewer: User, approver: User
) -> None:
    results = race(
        lambda: services.review_claim(case_id=submitted.id, user=reviewer),
        lambda: services.review_claim(case_id=submitted.id, user=approver),
    )
    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code == "CASE_CLAIMED_BY_OTHER"
    review = CaseReview.objects.get(pk=submitted.pk)
    assert review.claimed_by_id == won[0].claimed_by_id


def test_the_same_approver_deciding_twice_at_once(
    submitted: RenewalCase, approver: User, settings: Any, tmp_path: Any
) -> None:
    """A double tap, or two tabs: both hold the claim; the second finds the case decided."""
    settings.IDRENEW_CFMMC_DIR = tmp_path
    services.review_claim(case_id=submitted.id, user=approver)
    results = race(
        lambda: services.review_approve(case_id=submitted.id, user=approver),
        lambda: services.review_approve(case_id=submitted.id, user=approver),
    )
    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code == "CASE_ALREADY_DECIDED"
    assert "已通过" in lost[0].message
    assert_decided_once(submitted)


def test_two_approvers_deciding_at_once(
    submitted: RenewalCase, approver: User, make_staff: Any, settings: Any, tmp_path: Any
) -> None:
    """Each takes the claim just before deciding (claims are exclusive, so at most one of
    them still holds it); whatever the interleaving, exactly one decision is recorded."""
    settings.IDRENEW_CFMMC_DIR = tmp_path
    second = make_staff("appr2", "审批员")

    def decide(user: User) -> Callable[[], Decision]:
        def act() -> Decision:
            hold_claim(submitted, user)
            return services.review_approve(case_id=submitted.id, user=user)

        return act

    won, lost = split(race(decide(approver), decide(second)))
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code in {"CASE_ALREADY_DECIDED", "CASE_NOT_CLAIMED"}
    # The test's own claim write may land after the decision cleared the claim.
    assert_decided_once(submitted, claim_cleared=False)


def test_approve_and_reject_at_once(
    submitted: RenewalCase, approver: User, settings: Any, tmp_path: Any
) -> None:
    """The same person's approve and reject (two tabs): one of them, never both."""
    settings.IDRENEW_CFMMC_DIR = tmp_path
    services.review_claim(case_id=submitted.id, user=approver)
    won, lost = split(
        race(
            lambda: services.review_approve(case_id=submitted.id, user=approver),
            lambda: services.review_reject(
                case_id=submitted.id, user=approver, reasons=["IMAGE_UNCLEAR"]
            ),
        )
    )
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code == "CASE_ALREADY_DECIDED"
    assert Decision.objects.filter(case=submitted).count() == 1
    state = RenewalCase.objects.get(pk=submitted.pk).state
    assert state == {"approve": "approved", "reject": "rejected"}[won[0].kind]
    counter = OutboxEvent.objects.filter(topic="counter.id_update").count()
    assert counter == (1 if state == "approved" else 0)


def assert_decided_once(case: RenewalCase, *, claim_cleared: bool = True) -> None:
    assert Decision.objects.filter(case=case).count() == 1
    assert Decision.objects.get(case=case).kind == "approve"
    assert RenewalCase.objects.get(pk=case.pk).state == "approved"
    assert OutboxEvent.objects.filter(topic="counter.id_update").count() == 1
    assert OutboxEvent.objects.filter(topic="cfmmc.customer_change").count() == 1
    outbox_dispatch()
    assert OutboundSms.objects.filter(purpose="case_approved").count() == 1
    if claim_cleared:
        assert not CaseReview.objects.get(pk=case.pk).claimed_by_id
