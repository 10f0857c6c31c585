"""The staff API (/api/staff/): token and session sign-in, the queue, the case summary, the
audited unmask, claim / release / approve / reject / return, refusals, permissions, audit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from idrenew.audit.models import AuditEvent
from idrenew.cases.domain.states import State
from idrenew.cases.models import RenewalCase
from idrenew.cases.services import case_start
from idrenew.review.models import CaseReview, Decision
from idrenew.staffauth.models import StaffApiToken
from idrenew.staffauth.services import totp_device_create, totp_device_ensure
from tests.conftest import staff_login, totp_code
from tests.review.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db

STAFF = "/api/staff"


def waiting_case(customer: Any) -> RenewalCase:
    """A case submitted for review, made directly (the full journey is the ``submitted``
    fixture; most tests here are about the API, not the case's content)."""
    case = case_start(customer=customer)
    RenewalCase.objects.filter(pk=case.pk).update(
        state=State.SUBMITTED, submitted_at=timezone.now() - timedelta(hours=2)
    )
    CaseReview.objects.create(case=case, checks={"checks": [], "passed": False})
    case.refresh_from_db()
    return case


@pytest.fixture
def case(alice: Any) -> RenewalCase:
    return waiting_case(alice)


class Staff:
    """A staff API client signed in with a bearer token (password + TOTP code)."""

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(STAFF + path, params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            STAFF + path, body or {}, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(STAFF + path, headers=self.headers)


def request_token(user: User, *, password: str = STAFF_PASSWORD, offset: int = 0) -> Any:
    device = totp_device_ensure(user=user).device
    return Client().post(
        f"{STAFF}/token",
        {
            "username": user.username,
            "password": password,
            "code": totp_code(device, step_offset=offset),
        },
        content_type="application/json",
    )


@pytest.fixture
def staff_in() -> Callable[[User], Staff]:
    def sign_in(user: User) -> Staff:
        resp = request_token(user)
        assert resp.status_code == 201, resp.content
        return Staff(user, resp.json()["token"])

    return sign_in


def code_of(resp: Any) -> str:
    return str(resp.json()["code"])


def events(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


# --- sign-in -------------------------------------------------------------------------------


def test_token_is_issued_for_password_and_code_stored_hashed_and_audited(
    reviewer: User,
) -> None:
    resp = request_token(reviewer)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["token"].startswith("stf_") and body["token_type"] == "Bearer"
    row = StaffApiToken.objects.get(user=reviewer)
    assert body["token"] not in row.token_hash and len(row.token_hash) == 64
    assert row.expires_at - row.created_at <= timedelta(hours=8, seconds=1)
    [event] = events("staff.api_token_issued")
    assert event.actor_id == str(reviewer.pk) and event.data["token"] == row.pk
    assert body["token"] not in json.dumps(event.data)


def test_wrong_password_or_code_is_refused_counted_by_axes_and_locks_out(
    reviewer: User, settings: Any
) -> None:
    settings.IDRENEW_STAFF_FAILURES_PER_USER = 3
    device = totp_device_ensure(user=reviewer).device
    wrong_password = request_token(reviewer, password="not-the-password")
    assert wrong_password.status_code == 401
    assert code_of(wrong_password) == "STAFF_CREDENTIALS_INVALID"
    wrong_code = Client().post(
        f"{STAFF}/token",
        {"username": reviewer.username, "password": STAFF_PASSWORD, "code": "000000"},
        content_type="application/json",
    )
    assert wrong_code.status_code == 401 and code_of(wrong_code) == "STAFF_CREDENTIALS_INVALID"
    assert events("staff.otp_failed", actor_id=str(reviewer.pk))
    assert AccessAttempt.objects.filter(username=reviewer.username).exists()
    third = request_token(reviewer, password="still-wrong")
    assert third.status_code == 429 and code_of(third) == "STAFF_LOCKED_OUT"
    assert third["Content-Type"].startswith("application/json")
    # Locked: even the right password and code are refused now.
    right = Client().post(
        f"{STAFF}/token",
        {"username": reviewer.username, "password": STAFF_PASSWORD, "code": totp_code(device)},
        content_type="application/json",
    )
    assert right.status_code == 429 and code_of(right) == "STAFF_LOCKED_OUT"
    assert not StaffApiToken.objects.exists()
    assert events("staff.locked_out")


def test_token_needs_an_enrolled_authenticator(make_staff: Callable[[str, str], User]) -> None:
    fresh = make_staff("rev-new", "审核员")
    resp = Client().post(
        f"{STAFF}/token",
        {"username": fresh.username, "password": STAFF_PASSWORD, "code": "123456"},
        content_type="application/json",
    )
    assert resp.status_code == 403 and code_of(resp) == "STAFF_OTP_NOT_ENROLLED"
    totp_device_create(user=fresh, confirmed=False)  # enrolment started, not confirmed
    resp = Client().post(
        f"{STAFF}/token",
        {"username": fresh.username, "password": STAFF_PASSWORD, "code": "123456"},
        content_type="application/json",
    )
    assert resp.status_code == 403 and code_of(resp) == "STAFF_OTP_NOT_ENROLLED"


def test_no_sign_in_a_bad_token_or_a_session_without_the_second_factor(
    reviewer: User,
) -> None:
    anonymous = Client().get(f"{STAFF}/queue")
    assert anonymous.status_code == 401 and code_of(anonymous) == "STAFF_NOT_SIGNED_IN"
    bad = Client().get(f"{STAFF}/queue", headers={"Authorization": "Bearer stf_nope"})
    assert bad.status_code == 401 and code_of(bad) == "STAFF_TOKEN_EXPIRED"
    half = Client()
    half.force_login(reviewer)  # the password, no TOTP code yet
    resp = half.get(f"{STAFF}/queue")
    assert resp.status_code == 403 and code_of(resp) == "STAFF_OTP_REQUIRED"


def test_a_customer_session_is_not_a_staff_sign_in(signed_in_customer: Any) -> None:
    resp = signed_in_customer.get(f"{STAFF}/queue")
    assert resp.status_code == 401 and code_of(resp) == "STAFF_NOT_SIGNED_IN"


@pytest.fixture
def signed_in_customer(api: Any, alice: Any, outbox: list[Any]) -> Any:
    from tests.conftest import sign_in_sms

    sign_in_sms(api, alice, outbox)
    return api


def test_token_expires_idles_out_and_is_revoked(
    reviewer: User, staff_in: Callable[[User], Staff], settings: Any
) -> None:
    staff = staff_in(reviewer)
    assert staff.get("/me").status_code == 200
    row = StaffApiToken.objects.get(user=reviewer)
    StaffApiToken.objects.filter(pk=row.pk).update(
        last_used_at=timezone.now() - timedelta(seconds=settings.IDRENEW_STAFF_IDLE_TIMEOUT + 5)
    )
    idle = staff.get("/me")
    assert idle.status_code == 401 and code_of(idle) == "STAFF_TOKEN_EXPIRED"
    assert events("staff.api_token_expired")

    again = Staff(reviewer, request_token(reviewer, offset=1).json()["token"])
    assert again.get("/me").json()["auth"] == "token"
    assert again.delete("/token").status_code == 204
    revoked = again.get("/me")
    assert revoked.status_code == 401 and code_of(revoked) == "STAFF_TOKEN_EXPIRED"
    assert events("staff.api_token_revoked", actor_id=str(reviewer.pk))

    TOTPDevice.objects.filter(user=reviewer).update(last_t=-1)  # a new code, as a minute later
    expired = Staff(reviewer, request_token(reviewer).json()["token"])
    latest = StaffApiToken.objects.filter(revoked_at__isnull=True).get()
    StaffApiToken.objects.filter(pk=latest.pk).update(expires_at=timezone.now())
    assert code_of(expired.get("/me")) == "STAFF_TOKEN_EXPIRED"


def test_a_deactivated_user_s_token_stops_working(
    reviewer: User, staff_in: Callable[[User], Staff]
) -> None:
    staff = staff_in(reviewer)
    User.objects.filter(pk=reviewer.pk).update(is_active=False)
    assert code_of(staff.get("/me")) == "STAFF_TOKEN_EXPIRED"


def test_verified_admin_session_works_with_csrf_on_writes(
    reviewer: User, case: RenewalCase
) -> None:
    browser = Client(enforce_csrf_checks=True)
    staff_login(browser, reviewer)
    me = browser.get(f"{STAFF}/me")
    assert me.status_code == 200 and me.json()["auth"] == "session"
    refused = browser.post(f"{STAFF}/cases/{case.id}/claim", {}, content_type="application/json")
    assert refused.status_code == 403 and code_of(refused) == "CSRF_FAILED"
    browser.get("/api/meta")
    csrf = browser.cookies["csrftoken"].value
    claimed = browser.post(
        f"{STAFF}/cases/{case.id}/claim",
        {},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["claimed_by"] == reviewer.username


# --- reads -----------------------------------------------------------------------------------


def test_queue_lists_waiting_cases_masked_and_is_audited(
    reviewer: User, staff_in: Callable[[User], Staff], case: RenewalCase, bob: Any
) -> None:
    case_start(customer=bob)  # in progress: not in the default queue
    staff = staff_in(reviewer)
    resp = staff.get("/queue")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["reference"] == case.reference and item["state"] == "submitted"
    assert item["customer"]["name_masked"].endswith("*")
    assert case.customer.name not in resp.content.decode()
    assert item["waiting_hours"] >= 2 and item["claimed_by"] is None
    assert staff.get("/queue", state="any").json()["count"] == 2
    assert staff.get("/queue", claim="mine").json()["count"] == 0
    bad = staff.get("/queue", limit=0)
    assert bad.status_code == 422 and code_of(bad) == "VALIDATION_ERROR"
    listed = events("staff.viewed_case_list")
    assert len(listed) == 3  # one per call answered
    assert all(e.actor_id == str(reviewer.pk) and e.data["via"] == "api" for e in listed)


def test_case_summary_never_holds_the_full_id_number(
    reviewer: User, staff_in: Callable[[User], Staff], submitted: RenewalCase, alice: Any
) -> None:
    staff = staff_in(reviewer)
    resp = staff.get(f"/cases/{submitted.id}")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    text = resp.content.decode()
    assert alice.id_number not in text and alice.id_number.upper() not in text
    assert body["customer"]["id_number_masked"] == alice.id_number_masked
    assert body["reference"] == submitted.reference and body["review"]["waiting"] is True
    assert {c["code"] for c in body["checks"]} >= {"LIVENESS", "FACE_CARD"}
    assert [d["valid"] for d in body["documents"]] and all(d["valid"] for d in body["documents"])
    assert body["actions"]["can_review"] is True
    assert body["actions"]["can_unmask_id_number"] is False
    assert {s["number"] for s in body["actions"]["return_steps"]} == {3, 4, 6, 8}
    assert "url" not in text.lower() or "/admin/" not in text  # no image or PDF links
    [event] = events("staff.viewed_case", case_id=submitted.id)
    assert event.data["via"] == "api" and event.customer_id == alice.pk


def test_full_id_number_only_with_the_unmask_permission_and_audited(
    reviewer: User,
    approver: User,
    staff_in: Callable[[User], Staff],
    case: RenewalCase,
    alice: Any,
) -> None:
    refused = staff_in(reviewer).post(f"/cases/{case.id}/id-number")
    assert refused.status_code == 403 and code_of(refused) == "REVIEW_PERMISSION_DENIED"
    assert alice.id_number not in refused.content.decode()
    assert events("staff.api_refused", actor_id=str(reviewer.pk))
    shown = staff_in(approver).post(f"/cases/{case.id}/id-number")
    assert shown.status_code == 200
    assert shown.json() == {"record": alice.id_number, "card": None}
    [event] = events("staff.unmasked_id_number", case_id=case.id)
    assert event.actor_id == str(approver.pk) and alice.id_number not in json.dumps(event.data)


def test_operator_gets_403_on_case_data(
    make_staff: Callable[[str, str], User], staff_in: Callable[[User], Staff], case: RenewalCase
) -> None:
    operator = staff_in(make_staff("op1", "管理员"))
    me = operator.get("/me").json()
    assert me["roles"] == ["管理员"] and me["can_read_cases"] is False
    for resp in (
        operator.get("/queue"),
        operator.get(f"/cases/{case.id}"),
        operator.post(f"/cases/{case.id}/claim"),
        operator.post(f"/cases/{case.id}/id-number"),
        operator.post(f"/cases/{case.id}/reject", {"reasons": ["OTHER"]}),
    ):
        assert resp.status_code == 403, resp.content
        assert code_of(resp) == "REVIEW_PERMISSION_DENIED"
    assert len(events("staff.api_refused")) == 5


def test_unknown_and_not_submitted_cases(
    reviewer: User, staff_in: Callable[[User], Staff], bob: Any
) -> None:
    staff = staff_in(reviewer)
    missing = staff.get("/cases/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and code_of(missing) == "CASE_NOT_FOUND"
    started = case_start(customer=bob)
    assert staff.get(f"/cases/{started.id}").status_code == 200  # readable, like the admin
    claim = staff.post(f"/cases/{started.id}/claim")
    assert claim.status_code == 409 and code_of(claim) == "CASE_NOT_SUBMITTED"
    not_uuid = staff.get("/cases/abc")
    assert not_uuid.status_code == 422 and code_of(not_uuid) == "VALIDATION_ERROR"


# --- actions ---------------------------------------------------------------------------------


def test_claim_release_and_claimed_by_other(
    reviewer: User,
    make_staff: Callable[[str, str], User],
    staff_in: Callable[[User], Staff],
    case: RenewalCase,
) -> None:
    one = staff_in(reviewer)
    two = staff_in(make_staff("rev2", "审核员"))
    claimed = one.post(f"/cases/{case.id}/claim")
    assert claimed.status_code == 200 and claimed.json()["claim_expires_at"]
    taken = two.post(f"/cases/{case.id}/claim")
    assert taken.status_code == 409 and code_of(taken) == "CASE_CLAIMED_BY_OTHER"
    not_claimed = two.post(f"/cases/{case.id}/reject", {"reasons": ["OTHER"]})
    assert not_claimed.status_code == 409 and code_of(not_claimed) == "CASE_NOT_CLAIMED"
    assert one.get("/queue", claim="mine").json()["count"] == 1
    assert one.post(f"/cases/{case.id}/release").status_code == 200
    assert two.post(f"/cases/{case.id}/claim").status_code == 200
    assert events("review.claimed", case_id=case.id)
    assert events("review.released", case_id=case.id)
    calls = events("staff.api_call", case_id=case.id)
    assert {e.data["operation"] for e in calls} == {"claim", "release"}
    refused = {e.data["code"] for e in events("staff.api_refused", case_id=case.id)}
    assert refused == {"CASE_CLAIMED_BY_OTHER", "CASE_NOT_CLAIMED"}


def test_reviewer_cannot_give_the_final_approval(
    reviewer: User, staff_in: Callable[[User], Staff], case: RenewalCase
) -> None:
    staff = staff_in(reviewer)
    staff.post(f"/cases/{case.id}/claim")
    resp = staff.post(f"/cases/{case.id}/approve", {"note": ""})
    assert resp.status_code == 403 and code_of(resp) == "REVIEW_PERMISSION_DENIED"
    case.refresh_from_db()
    assert case.state == State.SUBMITTED


def test_four_eyes_recommend_same_person_refused_other_approves_once(
    approver: User,
    make_staff: Callable[[str, str], User],
    staff_in: Callable[[User], Staff],
    submitted: RenewalCase,
    settings: Any,
) -> None:
    """The full journey's case: recommended, refused to the same person, approved by another,
    and a second approval refused (one decision, one record update)."""
    settings.IDRENEW_REVIEW_FOUR_EYES = True
    case = submitted
    first = staff_in(approver)
    first.post(f"/cases/{case.id}/claim")
    recommended = first.post(f"/cases/{case.id}/approve", {"note": "初审"})
    assert recommended.status_code == 200, recommended.content
    assert recommended.json()["kind"] == "recommend"
    assert recommended.json()["case_state"] == "submitted"
    first.post(f"/cases/{case.id}/claim")
    same = first.post(f"/cases/{case.id}/approve", {"note": ""})
    assert same.status_code == 409 and code_of(same) == "FOUR_EYES_SAME_PERSON"
    first.post(f"/cases/{case.id}/release")
    second = staff_in(make_staff("appr2", "审批员"))
    second.post(f"/cases/{case.id}/claim")
    final = second.post(f"/cases/{case.id}/approve", {"note": "复核"})
    assert final.status_code == 200, final.content
    assert final.json()["kind"] == "approve" and final.json()["case_state"] == "approved"
    case.refresh_from_db()
    assert case.state == State.APPROVED
    again = second.post(f"/cases/{case.id}/approve", {"note": ""})
    assert again.status_code == 409 and code_of(again) == "CASE_ALREADY_DECIDED"
    kinds = sorted(Decision.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["approve", "recommend"]
    assert events("case.approved", case_id=case.id)
    assert events("review.recommended", case_id=case.id)


def test_reject_with_reasons(
    reviewer: User, staff_in: Callable[[User], Staff], case: RenewalCase
) -> None:
    staff = staff_in(reviewer)
    staff.post(f"/cases/{case.id}/claim")
    empty = staff.post(f"/cases/{case.id}/reject", {"reasons": []})
    assert empty.status_code == 422 and code_of(empty) == "VALIDATION_ERROR"
    unknown = staff.post(f"/cases/{case.id}/reject", {"reasons": ["NOT_A_REASON"]})
    assert unknown.status_code == 422 and code_of(unknown) == "VALIDATION_ERROR"
    resp = staff.post(
        f"/cases/{case.id}/reject", {"reasons": ["IMAGE_UNCLEAR", "OTHER"], "note": "看不清"}
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["kind"] == "reject" and body["case_state"] == "rejected"
    assert body["reasons"] == ["IMAGE_UNCLEAR", "OTHER"]
    assert body["reason_labels"][0] == "身份证照片不清晰或不完整"


def test_return_with_steps(
    reviewer: User, staff_in: Callable[[User], Staff], case: RenewalCase
) -> None:
    staff = staff_in(reviewer)
    staff.post(f"/cases/{case.id}/claim")
    no_step = staff.post(f"/cases/{case.id}/return", {"steps": [5], "reasons": ["DATA_WRONG"]})
    assert no_step.status_code == 422 and code_of(no_step) == "RETURN_STEPS_REQUIRED"
    resp = staff.post(
        f"/cases/{case.id}/return", {"steps": [6, 4], "reasons": ["DATA_WRONG"], "note": "地址"}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["steps"] == [4, 6] and resp.json()["case_state"] == "returned"
    case.refresh_from_db()
    assert case.state == State.RETURNED


def test_staff_api_is_in_the_openapi_schema_under_its_own_tag() -> None:
    schema = Client().get("/api/openapi.json").json()
    staff_ops = {
        (path, method): op
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
        if path.startswith("/api/staff/")
    }
    assert ("/api/staff/token", "post") in staff_ops
    assert ("/api/staff/cases/{case_id}/return", "post") in staff_ops
    assert all(op["tags"] == ["staff"] for op in staff_ops.values())
    claim = staff_ops[("/api/staff/cases/{case_id}/claim", "post")]
    assert "CASE_CLAIMED_BY_OTHER" in claim["responses"]["409"]["x-error-codes"]
    assert {"StaffTokenAuth", "StaffSessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_operator_revokes_a_token_in_the_back_office(
    reviewer: User, make_staff: Callable[[str, str], User], staff_in: Callable[[User], Staff]
) -> None:
    staff = staff_in(reviewer)
    row = StaffApiToken.objects.get(user=reviewer)
    browser = Client()
    staff_login(browser, make_staff("op2", "管理员"))
    listing = browser.get("/admin/staffauth/staffapitoken/")
    assert listing.status_code == 200 and reviewer.username in listing.content.decode()
    resp = browser.post(
        "/admin/staffauth/staffapitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    assert resp.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert code_of(staff.get("/me")) == "STAFF_TOKEN_EXPIRED"
    [event] = events("staff.api_token_revoked")
    assert event.data == {"token": row.pk, "user": reviewer.pk}
