"""A public-security answer that settles after submission (outage, outbox ``identity.retry``):
the case's checks are refreshed and the straight-through rule runs again, once, for a case
nobody has taken; a negative late answer stops it and is shown to the reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.face.identity_services import RETRY_TOPIC, deliver_identity_retry
from idrenew.face.models import IdentityVerification
from idrenew.outbox.models import OutboxEvent, OutboxStatus
from idrenew.outbox.services import outbox_add, outbox_dispatch
from idrenew.review import services
from idrenew.review.models import CaseReview, Decision
from tests.conftest import ApiClient
from tests.idcard.conftest import new_period
from tests.review.conftest import sign_and_submit
from tests.review.test_stp import make_checks_pass
from tests.vendors import FakeTencentCloud
from tests.vendors.faceid import PoliceRecord, install_faceid, police_record, use_faceid

pytestmark = pytest.mark.django_db

SECRET_ID, SECRET_KEY = "AKIDlateStp", "late-stp-secret-0123456789"


@pytest.fixture
def police(alice: Any) -> dict[str, PoliceRecord]:
    start, end = new_period(alice)
    return {alice.id_number: police_record(alice.name, start, end)}


@pytest.fixture
def faceid(settings: Any, police: dict[str, PoliceRecord]) -> Iterator[FakeTencentCloud]:
    with FakeTencentCloud(secret_id=SECRET_ID, secret_key=SECRET_KEY) as fake:
        install_faceid(fake, police)
        use_faceid(settings, fake, SECRET_ID, SECRET_KEY)
        settings.IDRENEW_IDENTITY_MAX_ATTEMPTS = 3
        settings.IDRENEW_STP_ENABLED = True
        yield fake


@pytest.fixture
def waiting(
    at_step_8: ApiClient, signing_ca: Any, faceid: FakeTencentCloud, alice: Any
) -> RenewalCase:
    """Alice's case submitted with every check passing but the record check, which met an
    outage at step 6 and waits for its retry: the case stays with a person."""
    case = RenewalCase.objects.get()
    make_checks_pass(case)
    IdentityVerification.objects.create(
        case=case,
        kind=IdentityVerification.Kind.PORTRAIT,
        vendor="tencent-faceid",
        outcome="match",
        vendor_code="Success",
        vendor_reference="req-portrait-1",
        score=91.37,
        checked_at=timezone.now(),
    )
    start, end = new_period(alice)
    row = IdentityVerification.objects.create(
        case=case,
        kind=IdentityVerification.Kind.RECORD,
        vendor="tencent-faceid",
        status=IdentityVerification.Status.PENDING,
        outcome="unavailable",
        vendor_code="InternalError",
        note="核验服务暂不可用",
        valid_from=start.isoformat(),
        valid_to=end.isoformat() if end else "",
        checked_at=timezone.now(),
    )
    outbox_add(
        topic=RETRY_TOPIC,
        dedupe_key=f"identity:{row.id}",
        payload={"verification_id": str(row.id)},
        case_id=case.id,
        case_reference=case.reference,
        now=timezone.now() + timedelta(minutes=1),
    )
    case = sign_and_submit(at_step_8)
    assert case.state == "submitted" and not Decision.objects.exists()
    review = CaseReview.objects.get(case=case)
    assert not review.checks_passed
    assert [c["code"] for c in review.checks["checks"] if not c["ok"]] == ["IDENTITY_RECORD"]
    return case


def retry_now() -> None:
    outbox_dispatch(now=timezone.now() + timedelta(minutes=5))


def record_row() -> IdentityVerification:
    return IdentityVerification.objects.get(kind=IdentityVerification.Kind.RECORD)


def refreshed_events(case: RenewalCase) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case_id=case.id, action="review.checks_refreshed"))


def test_a_late_match_lets_the_straight_through_rule_decide(waiting: RenewalCase) -> None:
    retry_now()
    row = record_row()
    assert (row.status, row.outcome, row.attempts) == ("done", "match", 2)
    assert OutboxEvent.objects.get(topic=RETRY_TOPIC).status == OutboxStatus.DELIVERED
    waiting.refresh_from_db()
    assert waiting.state == "approved"
    decision = Decision.objects.get(case=waiting)
    assert decision.kind == "auto_approve" and decision.decided_by is None
    assert decision.rule_set["version"]
    review = CaseReview.objects.get(case=waiting)
    assert review.checks_passed and review.checks["passed"]
    (event,) = refreshed_events(waiting)
    assert event.data == {"passed": True, "failing": [], "straight_through": True}
    assert AuditEvent.objects.get(case_id=waiting.id, action="case.approved").data["automatic"]
    # The counter update and the CFMMC report are written as with an approval at submission.
    assert {"counter.id_update", "cfmmc.customer_change"} <= set(
        OutboxEvent.objects.filter(case_id=waiting.id).values_list("topic", flat=True)
    )


def test_a_duplicate_delivery_never_decides_twice(waiting: RenewalCase) -> None:
    retry_now()
    event = OutboxEvent.objects.get(topic=RETRY_TOPIC)
    payload = {"verification_id": str(record_row().id)}
    assert deliver_identity_retry(event, payload) is None  # settled: nothing asked again
    # Even a delivery that raced the first (the row still pending when it read it) asks,
    # finds the case decided and leaves it.
    IdentityVerification.objects.filter(kind="record").update(status="pending")
    assert deliver_identity_retry(event, payload) is None
    assert services.review_refresh_checks(case_id=waiting.id) is None
    assert Decision.objects.filter(case=waiting).count() == 1
    assert AuditEvent.objects.filter(case_id=waiting.id, action="case.approved").count() == 1
    assert OutboxEvent.objects.filter(case_id=waiting.id, topic="counter.id_update").count() == 1
    assert len(refreshed_events(waiting)) == 1


def test_a_late_negative_answer_stops_the_rule_and_is_shown(
    waiting: RenewalCase, police: dict[str, PoliceRecord], alice: Any
) -> None:
    record = police[alice.id_number]
    police[alice.id_number] = PoliceRecord("王五", record.valid_from, record.valid_to)
    retry_now()
    row = record_row()
    assert (row.status, row.outcome) == ("done", "record_mismatch")
    waiting.refresh_from_db()
    assert waiting.state == "submitted" and not Decision.objects.exists()
    review = CaseReview.objects.get(case=waiting)
    assert not review.checks_passed
    (check,) = [c for c in review.checks["checks"] if not c["ok"]]
    assert check["code"] == "IDENTITY_RECORD"
    assert "号码与姓名与公安记录不一致" in check["value"] and row.vendor_reference in check["value"]
    (event,) = refreshed_events(waiting)
    assert event.data == {
        "passed": False,
        "failing": ["IDENTITY_RECORD"],
        "straight_through": False,
    }


def test_a_case_a_reviewer_holds_stays_with_the_reviewer(
    waiting: RenewalCase, reviewer: User
) -> None:
    services.review_claim(case_id=waiting.id, user=reviewer)
    retry_now()
    waiting.refresh_from_db()
    assert waiting.state == "submitted" and not Decision.objects.exists()
    review = CaseReview.objects.get(case=waiting)
    assert review.checks_passed  # the reviewer reads the settled answer
    assert review.claimed_by_id == reviewer.pk
    (event,) = refreshed_events(waiting)
    assert event.data["passed"] and not event.data["straight_through"]


def test_an_expired_claim_no_longer_holds_the_case(waiting: RenewalCase, reviewer: User) -> None:
    services.review_claim(case_id=waiting.id, user=reviewer, now=timezone.now() - timedelta(days=1))
    retry_now()
    waiting.refresh_from_db()
    assert waiting.state == "approved"


def test_a_recommended_case_waits_for_the_second_person(
    waiting: RenewalCase, reviewer: User, settings: Any
) -> None:
    settings.IDRENEW_REVIEW_FOUR_EYES = True
    services.review_claim(case_id=waiting.id, user=reviewer)
    services.review_approve(case_id=waiting.id, user=reviewer)  # a recommendation
    retry_now()
    waiting.refresh_from_db()
    assert waiting.state == "submitted"
    assert list(Decision.objects.filter(case=waiting).values_list("kind", flat=True)) == [
        "recommend"
    ]


def test_with_the_rule_off_only_the_checks_change(waiting: RenewalCase, settings: Any) -> None:
    settings.IDRENEW_STP_ENABLED = False
    retry_now()
    waiting.refresh_from_db()
    assert waiting.state == "submitted" and not Decision.objects.exists()
    assert CaseReview.objects.get(case=waiting).checks_passed
