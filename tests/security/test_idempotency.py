"""Issue #10, items 12 and 14: an idempotent replay is only for the same, still signed-in
customer; the stored answers are encrypted at rest and purged after a day."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from idrenew.core.models import IdempotencyRecord
from idrenew.verification.models import BearerToken
from tests.conftest import ApiClient, sign_in_sms, sms_code_from
from tests.idcard.conftest import CASES, at_step_4, store_reading

pytestmark = pytest.mark.django_db

__all__ = ["at_step_4"]  # the fixture, imported for its name


def confirm_card(api: ApiClient, key: str, headers: dict[str, str] | None = None) -> Any:
    return api.post_json(f"{CASES}/idcard/confirm", {}, key=key, headers=headers)


def expire_session(api: ApiClient) -> None:
    session = api.session
    session["idrenew_customer_seen"] = time.time() - 24 * 3600
    session.save()


def test_replay_after_the_session_expired_is_refused(at_step_4: ApiClient, alice: Any) -> None:
    store_reading(alice)
    first = confirm_card(at_step_4, "k-confirm")
    assert first.status_code == 200, first.content
    assert first.json()["name"] == alice.name
    expire_session(at_step_4)
    again = confirm_card(at_step_4, "k-confirm")
    assert again.status_code == 401, again.content
    assert again.json()["code"] == "SESSION_EXPIRED"
    assert "Idempotent-Replayed" not in again
    assert alice.name not in again.content.decode()
    assert alice.address not in again.content.decode()


def test_replay_after_sign_out_is_refused(at_step_4: ApiClient, alice: Any) -> None:
    store_reading(alice)
    assert confirm_card(at_step_4, "k-confirm").status_code == 200
    assert at_step_4.post_json("/api/auth/logout", {}).status_code == 204
    again = confirm_card(at_step_4, "k-confirm")
    assert again.status_code == 401 and again.json()["code"] == "NOT_SIGNED_IN"
    assert "Idempotent-Replayed" not in again


def test_replay_with_an_expired_bearer_token_is_refused(
    api: ApiClient, alice: Any, outbox: list[Any]
) -> None:
    api.post_json(
        "/api/auth/sms/send",
        {"fund_account": alice.fund_account, "mobile_last4": alice.mobile[-4:]},
    )
    resp = api.post_json(
        "/api/auth/sms/verify",
        {
            "fund_account": alice.fund_account,
            "mobile_last4": alice.mobile[-4:],
            "code": sms_code_from(outbox),
            "client": "app",
        },
    )
    token = resp.json()["token"]
    app = ApiClient()
    bearer = {"Authorization": f"Bearer {token}"}
    first = app.post_json("/api/cases", {}, key="k-start", csrf=False, headers=bearer)
    assert first.status_code == 201, first.content
    BearerToken.objects.update(last_used_at=timezone.now() - timedelta(hours=2))
    again = app.post_json("/api/cases", {}, key="k-start", csrf=False, headers=bearer)
    assert again.status_code == 401 and again.json()["code"] == "SESSION_EXPIRED"
    assert "Idempotent-Replayed" not in again


def test_unauthenticated_request_is_refused_before_any_idempotency_record(api: ApiClient) -> None:
    resp = api.post_json("/api/cases", {}, key="k-anon")
    assert resp.status_code == 401 and resp.json()["code"] == "NOT_SIGNED_IN"
    assert not IdempotencyRecord.objects.exists()


def test_another_customer_never_gets_the_replay(
    at_step_4: ApiClient, alice: Any, bob: Any, outbox: list[Any]
) -> None:
    store_reading(alice)
    assert confirm_card(at_step_4, "k-shared").status_code == 200
    other = ApiClient()
    sign_in_sms(other, bob, outbox)
    resp = confirm_card(other, "k-shared")
    assert "Idempotent-Replayed" not in resp
    assert alice.name not in resp.content.decode()


def test_replay_for_the_same_signed_in_customer_still_works(
    at_step_4: ApiClient, alice: Any
) -> None:
    store_reading(alice)
    first = confirm_card(at_step_4, "k-confirm")
    again = confirm_card(at_step_4, "k-confirm")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_stored_answer_is_encrypted_at_rest(at_step_4: ApiClient, alice: Any) -> None:
    store_reading(alice)
    first = confirm_card(at_step_4, "k-confirm")
    assert first.status_code == 200
    record = IdempotencyRecord.objects.get(key="k-confirm")
    stored = bytes(record.response_body or b"")
    assert stored and stored != first.content
    for secret in (alice.name, alice.address, first.json()["birth_date"]):
        assert secret.encode() not in stored
        assert secret.encode("unicode_escape") not in stored


def test_housekeeping_purges_records_older_than_a_day(signed_in: ApiClient) -> None:
    assert signed_in.post_json("/api/cases", {}, key="k-old").status_code == 201
    assert signed_in.post_json("/api/cases/current/cancel", {}, key="k-new").status_code == 200
    IdempotencyRecord.objects.filter(key="k-old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    call_command("housekeeping", stdout=StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-new"]
