"""The customer's whole journey through the API: sign-in, steps 3–10, the back office's decision
(through the review services), and what the customer sees and does afterwards: 已通过, 未通过,
需补充 → 去补充 → the named steps again → resubmission → 已通过."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.outbox.models import OutboxEvent
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services
from idrenew.review.models import CaseReview, Decision
from idrenew.signing.models import AgreementReading, HandSignature, SignedDocument
from idrenew.verification.models import OutboundSms
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, confirm, new_period, store_reading
from tests.review.conftest import deliver_all, sign_and_submit

pytestmark = pytest.mark.django_db
# `api` is the signed-in client the `submitted` fixture went through steps 3–10 with.

ADDRESS = "上海市浦东新区世纪大道100号"


def latest(api: ApiClient) -> dict[str, Any]:
    resp = api.get("/api/cases/latest")
    assert resp.status_code == 200, resp.content
    body: dict[str, Any] = resp.json()
    return body


def approve(case: RenewalCase, approver: User) -> Decision:
    services.review_claim(case_id=case.id, user=approver)
    decision = services.review_approve(case_id=case.id, user=approver, note="资料齐全")
    deliver_all()  # the counter update, then the 已通过 SMS it writes
    return decision


# --- (a) sign-in → approval ----------------------------------------------------------------


def test_whole_journey_to_approval(
    submitted: RenewalCase,
    api: ApiClient,
    approver: User,
    alice: Any,
    outbox: list[Any],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    outbox_dispatch()  # the submission's 已受理 SMS, sent after its commit in a real request
    waiting = latest(api)
    assert waiting["state"] == "submitted" and waiting["state_label"] == "已提交，等待办理"
    assert waiting["outcome"] is None and waiting["submitted_at"] is not None
    assert api.get(f"{CASES}").json()["state"] == "submitted"

    approve(submitted, approver)
    outbox_dispatch()  # a second run delivers nothing again

    customer = Customer.objects.get(pk=alice.pk)
    start, end = new_period(alice)
    assert customer.id_valid_from == start and customer.id_valid_to == end
    assert customer.address == ADDRESS
    assert OutboundSms.objects.filter(purpose="case_accepted", status="sent").count() == 1
    assert OutboundSms.objects.filter(purpose="case_approved", status="sent").count() == 1
    texts = [m.text for m in outbox]
    assert sum("已受理" in t for t in texts) == 1
    assert sum("已通过" in t for t in texts) == 1
    assert all(e.status == "delivered" for e in OutboxEvent.objects.all())
    assert OutboxEvent.objects.filter(topic="counter.id_update").count() == 1

    body = latest(api)
    assert body["state"] == "approved" and body["state_label"] == "已通过"
    assert body["reference"] == submitted.reference and body["closed_at"] is not None
    assert body["outcome"]["note"] == "资料齐全" and body["outcome"]["redo_step"] is None
    assert body["outcome"]["decided_at"] is not None
    gone = api.get(CASES)
    assert gone.status_code == 404 and gone.json()["code"] == "NO_ACTIVE_CASE"
    assert api.get("/api/session").json()["case"] is None


def test_latest_without_any_case(signed_in: ApiClient) -> None:
    resp = signed_in.get("/api/cases/latest")
    assert resp.status_code == 404 and resp.json()["code"] == "NO_CASE"
    assert "首页" in resp.json()["message"]


def test_latest_needs_a_session(db: Any) -> None:
    anonymous = ApiClient()
    assert anonymous.get("/api/cases/latest").status_code == 401


# --- (b) reject ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reasons", "can_reapply"),
    [(["IMAGE_UNCLEAR", "DATA_WRONG"], True), (["ACCOUNT_ABNORMAL"], False)],
    ids=["reapply", "branch"],
)
def test_rejected_case_shows_the_reasons(
    submitted: RenewalCase,
    api: ApiClient,
    reviewer: User,
    outbox: list[Any],
    reasons: list[str],
    can_reapply: bool,
) -> None:
    services.review_claim(case_id=submitted.id, user=reviewer)
    services.review_reject(case_id=submitted.id, user=reviewer, reasons=reasons, note="请重新拍摄")
    outbox_dispatch()
    body = latest(api)
    assert body["state"] == "rejected" and body["state_label"] == "未通过"
    outcome = body["outcome"]
    labels = {
        "IMAGE_UNCLEAR": "身份证照片不清晰或不完整",
        "DATA_WRONG": "有效期或地址填写有误",
        "ACCOUNT_ABNORMAL": "账户状态异常，请至营业部办理",
    }
    assert outcome["reasons"] == [labels[r] for r in reasons]
    assert outcome["note"] == "请重新拍摄" and outcome["redo_steps"] == []
    assert outcome["can_reapply"] is can_reapply
    assert OutboundSms.objects.filter(purpose="case_rejected").count() == 1
    # 可重新发起申请: the closed case no longer blocks a new one.
    redo = api.post_json(f"{CASES}/redo", {}, key=api.new_key())
    assert redo.status_code == 404 and redo.json()["code"] == "NO_ACTIVE_CASE"
    started = api.post_json("/api/cases", {}, key=api.new_key())
    assert started.status_code == 201 and started.json()["state"] == "started"
    assert latest(api)["id"] == started.json()["id"]


# --- (c) return → redo → resubmit → approve --------------------------------------------------


def return_case(case: RenewalCase, reviewer: User, steps: list[int], reasons: list[str]) -> None:
    services.review_claim(case_id=case.id, user=reviewer)
    services.review_return(
        case_id=case.id, user=reviewer, steps=steps, reasons=reasons, note="请按提示补充"
    )
    outbox_dispatch()


def redo(api: ApiClient) -> dict[str, Any]:
    resp = api.post_json(f"{CASES}/redo", {}, key=api.new_key())
    assert resp.status_code == 200, resp.content
    body: dict[str, Any] = resp.json()
    return body


def test_redo_is_refused_unless_returned(submitted: RenewalCase, api: ApiClient) -> None:
    resp = api.post_json(f"{CASES}/redo", {}, key=api.new_key())
    assert resp.status_code == 409 and resp.json()["code"] == "CASE_NOT_RETURNED"
    assert resp.json()["detail"]["case"]["state"] == "submitted"
    missing = api.post_json(f"{CASES}/redo", {})
    assert missing.status_code == 400 and missing.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"


def test_return_of_the_signature_then_approval(
    submitted: RenewalCase, api: ApiClient, reviewer: User, approver: User, outbox: list[Any]
) -> None:
    return_case(submitted, reviewer, [8], ["SIGNATURE_INVALID"])
    body = latest(api)
    assert body["state"] == "returned" and body["state_label"] == "需补充材料"
    assert body["current_step"] == 10
    outcome = body["outcome"]
    assert outcome["reasons"] == ["签名不清晰或不规范"] and outcome["note"] == "请按提示补充"
    assert outcome["redo_steps"] == [{"number": 8, "title": "签署协议"}]
    assert outcome["redo_step"] == {"number": 8, "key": "sign"}
    assert api.get("/api/session").json()["case"]["state"] == "returned"  # resumable
    assert OutboundSms.objects.filter(purpose="case_returned").count() == 1

    key = api.new_key()
    moved = api.post_json(f"{CASES}/redo", {}, key=key)
    assert moved.status_code == 200
    assert moved.json()["state"] == "agreements_read" and moved.json()["step_key"] == "sign"
    replay = api.post_json(f"{CASES}/redo", {}, key=key)  # a retry of the same tap
    assert replay.status_code == 200 and replay.json() == moved.json()
    again = api.post_json(f"{CASES}/redo", {}, key=api.new_key())
    assert again.status_code == 409 and again.json()["code"] == "CASE_NOT_RETURNED"
    assert latest(api)["outcome"] is None  # in progress again

    resubmitted = sign_and_submit(api)
    assert resubmitted.pk == submitted.pk and resubmitted.state == "submitted"
    assert HandSignature.objects.filter(case=submitted).count() == 2
    assert SignedDocument.objects.filter(case=submitted).count() == 4
    documents = api.get(f"{CASES}/documents").json()["documents"]
    newest = HandSignature.objects.filter(case=submitted).latest("created_at")
    assert {d["sha256"] for d in documents} == set(
        SignedDocument.objects.filter(signature=newest).values_list("pdf_sha256", flat=True)
    )
    review = CaseReview.objects.get(case=submitted)
    assert review.submissions == 2 and review.claimed_by is None
    assert review.checks["passed"] in (True, False)
    check = {c["code"]: c for c in review.checks["checks"]}["SIGNED_DOCUMENTS"]
    assert check["ok"], check

    approve(submitted, approver)
    assert latest(api)["state"] == "approved"
    assert OutboundSms.objects.filter(purpose="case_accepted").count() == 2
    assert OutboundSms.objects.filter(purpose="case_approved").count() == 1
    kinds = list(
        Decision.objects.filter(case=submitted)
        .order_by("decided_at")
        .values_list("kind", flat=True)
    )
    assert kinds == ["return", "approve"]


def test_return_of_the_card_photos_then_approval(
    submitted: RenewalCase,
    api: ApiClient,
    reviewer: User,
    approver: User,
    alice: Any,
    outbox: list[Any],
) -> None:
    return_case(submitted, reviewer, [4, 8], ["IMAGE_UNCLEAR"])
    outcome = latest(api)["outcome"]
    assert [s["number"] for s in outcome["redo_steps"]] == [4, 8]
    assert outcome["redo_step"] == {"number": 4, "key": "idcard"}
    first_reading = CardReading.objects.get(case=submitted)

    moved = redo(api)
    assert moved["state"] == "face_passed" and moved["step_key"] == "idcard"
    # The photos the reviewer found unclear no longer count: 确定 needs new ones.
    assert api.get(f"{CASES}/idcard").json() == {"front": None, "back": None, "ready": False}
    refused = confirm(api)
    assert refused.status_code == 409 and refused.json()["code"] == "IDCARD_NOT_READY"
    assert set(CardUpload.objects.values_list("status", flat=True)) == {"superseded"}
    # Step 4 again: new photos (stored as the pipeline returns them), then 确定.
    store_reading(alice)
    assert CardUpload.objects.filter(case=submitted).count() == 4
    confirmed = confirm(api)
    assert confirmed.status_code == 200, confirmed.content
    reading = CardReading.objects.get(case=submitted)  # one per case, replaced
    assert reading.pk == first_reading.pk and reading.front_id != first_reading.front_id
    assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200
    shown = api.get(f"{CASES}/update").json()
    start, end = new_period(alice)
    update = {
        "valid_from": shown["valid_from"],
        "valid_to": shown["valid_to"],
        "long_term": shown["long_term"],
        "address": ADDRESS,
    }
    assert update["valid_from"] == start.isoformat()
    assert api.post_json(f"{CASES}/update", update, key=api.new_key()).status_code == 200
    # Step 7: the agreements say what they said (same values): the readings still count.
    listing = api.get(f"{CASES}/agreements").json()
    assert listing["all_read"] is True
    done = api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key())
    assert done.status_code == 200 and done.json()["state"] == "agreements_read"
    sign_and_submit(api)

    review = CaseReview.objects.get(case=submitted)
    assert review.submissions == 2
    approve(submitted, approver)
    body = latest(api)
    assert body["state"] == "approved"
    customer = Customer.objects.get(pk=alice.pk)
    assert customer.id_valid_from == start and customer.id_valid_to == end
    assert customer.address == ADDRESS
    assert OutboundSms.objects.filter(purpose="case_approved").count() == 1
    assert OutboxEvent.objects.filter(topic="counter.id_update").count() == 1


def test_return_of_the_update_with_a_changed_address_reads_again(
    submitted: RenewalCase, api: ApiClient, reviewer: User, approver: User, alice: Any
) -> None:
    """Step 6 again with a corrected address: the application's text changes, so the
    customer reads it again (and the reading time counts anew) before signing."""
    from tests.signing.test_steps_api import read_all

    return_case(submitted, reviewer, [6], ["DATA_WRONG"])
    assert redo(api)["state"] == "identity_confirmed"
    shown = api.get(f"{CASES}/update").json()
    update = {
        "valid_from": shown["valid_from"],
        "valid_to": shown["valid_to"],
        "long_term": shown["long_term"],
        "address": "上海市浦东新区世纪大道200号",
    }
    # The first reading was long ago: its opening must not count for the new text.
    earlier = timezone.now() - timedelta(hours=1)
    AgreementReading.objects.filter(case=submitted).update(opened_at=earlier)
    assert api.post_json(f"{CASES}/update", update, key=api.new_key()).status_code == 200
    listing = api.get(f"{CASES}/agreements").json()
    assert listing["all_read"] is False
    unread = [a for a in listing["agreements"] if not a["read"]]
    assert [a["key"] for a in unread] == ["change_application"]
    a = unread[0]
    body = {"version": a["version"], "event": "opened", "elapsed_ms": 0}
    api.post_json(f"{CASES}/agreements/{a['key']}/events", body, key=api.new_key())
    body["event"] = "scrolled_to_end"
    api.post_json(f"{CASES}/agreements/{a['key']}/events", body, key=api.new_key())
    too_fast = api.post_json(
        f"{CASES}/agreements/{a['key']}/read", {"version": a["version"]}, key=api.new_key()
    )
    assert too_fast.status_code == 422 and too_fast.json()["code"] == "AGREEMENT_TOO_FAST"
    reading = AgreementReading.objects.get(case=submitted, agreement="change_application")
    assert reading.read_at is None and reading.opened_at is not None
    assert reading.opened_at > earlier and reading.content_hash == a["content_hash"]
    read_all(api)
    done = api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key())
    assert done.status_code == 200, done.content
    sign_and_submit(api)
    approve(submitted, approver)
    assert Customer.objects.get(pk=alice.pk).address == "上海市浦东新区世纪大道200号"


def test_return_of_the_face_step(
    submitted: RenewalCase, api: ApiClient, reviewer: User, approver: User
) -> None:
    """Step 3 again (the liveness analysis itself is tested in tests/face): the customer
    walks forward from step 4 with the photos already taken."""
    return_case(submitted, reviewer, [3], ["LIVENESS_DOUBT"])
    moved = redo(api)
    assert moved["state"] == "started" and moved["step_key"] == "face"
    notice = api.get(f"{CASES}/face/notice").json()
    consent = api.post_json(
        f"{CASES}/face/consent", {"notice_version": notice["version"]}, key=api.new_key()
    )
    assert consent.status_code == 200, consent.content
    RenewalCase.objects.filter(pk=submitted.pk).update(state="face_passed")  # liveness passed
    assert api.get(f"{CASES}/idcard").json()["ready"] is True
    assert confirm(api).status_code == 200
    assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200
    shown = api.get(f"{CASES}/update").json()
    update = {k: shown[k] for k in ("valid_from", "valid_to", "long_term", "address")}
    update["address"] = ADDRESS
    assert api.post_json(f"{CASES}/update", update, key=api.new_key()).status_code == 200
    assert api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key()).status_code == 200
    sign_and_submit(api)
    assert CaseReview.objects.get(case=submitted).submissions == 2
    approve(submitted, approver)
    assert latest(api)["state"] == "approved"
