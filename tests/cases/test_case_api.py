from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.domain.states import State
from idrenew.cases.errors import StepOutOfOrder
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_start, case_transition
from tests.conftest import ApiClient, sign_in_sms

pytestmark = pytest.mark.django_db


def start(api: ApiClient, key: str | None = "key-1", body: dict[str, Any] | None = None) -> Any:
    return api.post_json("/api/cases", body or {}, key=key)


def test_start_a_case(signed_in: ApiClient, alice: Any) -> None:
    resp = start(signed_in)
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["state"] == "started" and data["current_step"] == 3 and data["step_key"] == "face"
    assert data["reference"].startswith("ZJ")
    case = RenewalCase.objects.get(pk=data["id"])
    assert case.customer == alice
    event = AuditEvent.objects.get(action="case.started", case_id=case.id)
    assert event.actor_type == "customer" and event.ip == "127.0.0.1"


def test_second_case_is_refused(signed_in: ApiClient) -> None:
    first = start(signed_in, key="a").json()
    second = start(signed_in, key="b")
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "CASE_ALREADY_ACTIVE"
    assert body["detail"]["case"]["id"] == first["id"]
    assert RenewalCase.objects.count() == 1


def test_database_allows_one_active_case_per_customer(alice: Any) -> None:
    case_start(customer=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        RenewalCase.objects.create(reference="ZJX", customer=alice, expires_at=timezone.now())


def test_replayed_idempotency_key_returns_the_first_answer(signed_in: ApiClient) -> None:
    first = start(signed_in, key="same")
    again = start(signed_in, key="same")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert RenewalCase.objects.count() == 1


def test_same_key_with_another_body_is_refused(signed_in: ApiClient) -> None:
    start(signed_in, key="same")
    resp = signed_in.post_json("/api/cases/current/cancel", {}, key="same")
    assert resp.status_code == 409 and resp.json()["code"] == "IDEMPOTENCY_KEY_CONFLICT"
    assert RenewalCase.objects.get().state == "started"


def test_key_is_required(signed_in: ApiClient) -> None:
    resp = start(signed_in, key=None)
    assert resp.status_code == 400 and resp.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert not RenewalCase.objects.exists()


def test_unknown_fields_refused(signed_in: ApiClient) -> None:
    resp = start(signed_in, body={"state": "approved"})
    assert resp.status_code == 422 and resp.json()["code"] == "VALIDATION_ERROR"
    assert not RenewalCase.objects.exists()


def test_resume_on_next_sign_in(api: ApiClient, alice: Any, outbox: list[Any]) -> None:
    sign_in_sms(api, alice, outbox)
    case = start(api).json()
    api.post_json("/api/auth/logout")
    outbox.clear()
    from django.core.cache import cache

    cache.clear()  # skip the resend cooldown
    again = ApiClient()
    session = sign_in_sms(again, alice, outbox)
    assert session["case"]["id"] == case["id"]
    assert session["case"]["current_step"] == 3
    assert again.get("/api/cases/current").json()["id"] == case["id"]


def test_no_active_case(signed_in: ApiClient) -> None:
    resp = signed_in.get("/api/cases/current")
    assert resp.status_code == 404 and resp.json()["code"] == "NO_ACTIVE_CASE"


def test_cancel_then_start_again(signed_in: ApiClient) -> None:
    first = start(signed_in, key="a").json()
    cancelled = signed_in.post_json("/api/cases/current/cancel", {}, key="c")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    second = start(signed_in, key="b")
    assert second.status_code == 201 and second.json()["id"] != first["id"]


def test_step_out_of_order_through_the_api(signed_in: ApiClient) -> None:
    case_id = start(signed_in).json()["id"]
    RenewalCase.objects.filter(pk=case_id).update(state=State.SUBMITTED.value)
    resp = signed_in.post_json("/api/cases/current/cancel", {}, key="c")
    assert resp.status_code == 409
    assert resp.json()["code"] == "CASE_STEP_OUT_OF_ORDER"
    assert RenewalCase.objects.get(pk=case_id).state == "submitted"


def test_step_out_of_order_in_the_service(alice: Any) -> None:
    case = case_start(customer=alice)
    with pytest.raises(StepOutOfOrder):
        case_transition(
            case_id=case.id, target=State.IDCARD_READ, actor_type="customer", actor_id="1"
        )
    case.refresh_from_db()
    assert case.state == "started"
    assert not AuditEvent.objects.filter(action="case.idcard_read").exists()


def test_every_transition_is_audited(alice: Any) -> None:
    case = case_start(customer=alice)
    case_transition(
        case_id=case.id, target=State.FACE_PASSED, actor_type="customer", actor_id=str(alice.pk)
    )
    actions = list(
        AuditEvent.objects.filter(case_id=case.id).order_by("id").values_list("action", "data")
    )
    assert actions == [
        ("case.started", {}),
        ("case.face_passed", {"from": "started", "to": "face_passed"}),
    ]


def test_unfinished_case_expires(settings: Any, alice: Any, outbox: list[Any]) -> None:
    api = ApiClient()
    sign_in_sms(api, alice, outbox)
    case_id = start(api).json()["id"]
    later = timezone.now() + timedelta(hours=settings.IDRENEW_CASE_TTL_HOURS, minutes=1)
    from django.core.cache import cache

    cache.clear()  # Redis keeps real time: drop the resend cooldown by hand
    with time_machine.travel(later):
        again = ApiClient()
        session = sign_in_sms(again, alice, outbox)
        assert session["case"] is None  # the stale case is not offered for resuming
        assert RenewalCase.objects.get(pk=case_id).state == "expired"
        assert start(again, key="new").status_code == 201


def test_stale_case_is_refused_with_a_code(settings: Any, alice: Any) -> None:
    from idrenew.cases.errors import CaseExpired
    from idrenew.cases.services import case_current

    case = case_start(customer=alice)
    later = timezone.now() + timedelta(hours=settings.IDRENEW_CASE_TTL_HOURS, minutes=1)
    with pytest.raises(CaseExpired):
        case_transition(
            case_id=case.id,
            target=State.FACE_PASSED,
            actor_type="customer",
            actor_id="1",
            now=later,
        )
    case.refresh_from_db()
    assert case.state == "expired"  # recorded although the request was refused
    other = case_start(customer=alice, now=later)
    with pytest.raises(CaseExpired):
        case_current(customer=alice, now=later + timedelta(hours=settings.IDRENEW_CASE_TTL_HOURS))
    other.refresh_from_db()
    assert other.state == "expired"


def test_expire_cases_command(settings: Any, alice: Any, bob: Any) -> None:
    stale = case_start(customer=alice)
    fresh = case_start(customer=bob)
    RenewalCase.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    call_command("expire_cases")
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == "expired" and stale.closed_at is not None
    assert fresh.state == "started"
    assert AuditEvent.objects.filter(
        action="case.expired", case_id=stale.id, actor_type="system"
    ).exists()


def test_customer_sees_only_own_case(signed_in: ApiClient, bob: Any, outbox: list[Any]) -> None:
    alice_case = start(signed_in).json()
    other = ApiClient()
    sign_in_sms(other, bob, outbox)
    resp = other.get("/api/cases/current")
    assert resp.status_code == 404
    assert alice_case["id"] not in resp.content.decode()


def test_frozen_customer_cannot_start(frozen_customer: Any) -> None:
    from idrenew.cases.errors import RenewalNotAllowed

    with pytest.raises(RenewalNotAllowed):
        case_start(customer=frozen_customer)


def test_audit_events_are_append_only(alice: Any) -> None:
    from idrenew.audit.models import AppendOnlyError

    case = case_start(customer=alice)
    event = AuditEvent.objects.get(case_id=case.id)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
