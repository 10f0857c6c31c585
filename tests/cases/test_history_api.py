"""我的办理记录 through the API: after the decision the customer still reads every case of
theirs with the decision (reasons) and downloads the documents they signed — by case
reference with the session, or through a signed 5-minute link without one (app clients).
A stranger learns nothing (404, never 403)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client, RequestFactory
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.outbox.services import outbox_dispatch
from idrenew.review import services as review
from idrenew.signing import documents
from idrenew.signing.models import SignedDocument
from idrenew.verification.sessions import session_open
from tests.conftest import ApiClient, sign_in_sms
from tests.idcard.conftest import CASES, at_step_4
from tests.review.conftest import approver, make_staff, reviewer, submitted
from tests.signing.conftest import _ca_dir, authority, signing_ca
from tests.signing.test_steps_api import at_step_7, at_step_8, png_data_url, sign, strokes

pytestmark = pytest.mark.django_db
# Fixtures, imported for their names. `api` is Alice's signed-in cookie client.
__all__ = [
    "_ca_dir",
    "approver",
    "at_step_4",
    "at_step_7",
    "at_step_8",
    "authority",
    "make_staff",
    "reviewer",
    "signing_ca",
    "submitted",
]

KEYS = {"change_application", "digital_certificate"}


def approve(case: RenewalCase, user: User) -> None:
    review.review_claim(case_id=case.id, user=user)
    review.review_approve(case_id=case.id, user=user, note="资料齐全")
    outbox_dispatch()


def records(client: Client, **headers: str) -> list[dict[str, Any]]:
    resp = client.get("/api/cases", headers=headers)
    assert resp.status_code == 200, resp.content
    cases: list[dict[str, Any]] = resp.json()["cases"]
    return cases


def bearer_for(customer: Any) -> dict[str, str]:
    token = session_open(RequestFactory().get("/"), customer, client="app")
    assert token
    return {"Authorization": f"Bearer {token}"}


def assert_pdf_of(resp: Any, doc: SignedDocument) -> None:
    assert resp.status_code == 200, resp.content[:300]
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Cache-Control"] == "no-store, private"
    disposition = resp["Content-Disposition"]
    assert disposition.startswith("inline; filename=")
    assert f"{doc.case.reference}-{doc.agreement}.pdf" in disposition
    assert hashlib.sha256(resp.content).hexdigest() == doc.pdf_sha256


# --- after approval: the list, the documents, the decision ----------------------------------


def test_after_approval_the_records_list_the_case_its_decision_and_both_documents(
    submitted: RenewalCase, api: ApiClient, approver: User, alice: Any
) -> None:
    approve(submitted, approver)
    # the open-case path is gone with the open case (the symptom) …
    gone = api.get(f"{CASES}/documents/change_application.pdf")
    assert gone.status_code == 404 and gone.json()["code"] == "NO_ACTIVE_CASE"

    # … and the records have everything
    (record,) = records(api)
    assert record["reference"] == submitted.reference
    assert record["state"] == "approved" and record["state_label"] == "已通过"
    assert record["submitted_at"] and record["closed_at"]
    assert record["outcome"]["decided_at"] and record["outcome"]["note"] == "资料齐全"
    assert {d["key"] for d in record["documents"]} == KEYS
    titles = {d["title"] for d in record["documents"]}
    assert "《客户账户信息变更申请书》" in titles
    assert alice.id_number not in str(record)

    AuditEvent.objects.filter(action="document.downloaded").delete()
    for item in record["documents"]:
        doc = SignedDocument.objects.select_related("case").get(
            case=submitted, agreement=item["key"], pdf_sha256=item["sha256"]
        )
        assert item["download_url"] == (
            f"/api/cases/{submitted.reference}/documents/{item['key']}.pdf"
        )
        assert_pdf_of(api.get(item["download_url"]), doc)
    events = AuditEvent.objects.filter(action="document.downloaded", case_id=submitted.id)
    assert events.count() == 2
    assert {e.data["via"] for e in events} == {"record"}
    assert all(e.customer_id == alice.pk and e.actor_type == "customer" for e in events)

    # the status page's answer carries the same documents
    latest = api.get("/api/cases/latest").json()
    assert {d["download_url"] for d in latest["documents"]} == {
        d["download_url"] for d in record["documents"]
    }


def test_detail_shows_every_decision_with_reasons_oldest_first(
    submitted: RenewalCase, api: ApiClient, approver: User, reviewer: User
) -> None:
    review.review_claim(case_id=submitted.id, user=reviewer)
    review.review_reject(
        case_id=submitted.id,
        user=reviewer,
        reasons=["IMAGE_UNCLEAR", "DATA_WRONG"],
        note="请重新拍摄",
    )
    resp = api.get(f"/api/cases/{submitted.reference}")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["state"] == "rejected" and body["state_label"] == "未通过"
    assert body["outcome"]["reasons"] == ["身份证照片不清晰或不完整", "有效期或地址填写有误"]
    assert body["outcome"]["can_reapply"] is True
    (decision,) = body["decisions"]
    assert decision["kind"] == "reject" and decision["label"] == "未通过"
    assert decision["reasons"] == body["outcome"]["reasons"]
    assert decision["note"] == "请重新拍摄"
    assert {d["key"] for d in body["documents"]} == KEYS  # signed documents stay reachable


def test_a_new_case_lists_first_and_the_old_one_keeps_its_documents(
    submitted: RenewalCase, api: ApiClient, approver: User
) -> None:
    approve(submitted, approver)
    started = api.post_json("/api/cases", {}, key=api.new_key())
    assert started.status_code == 201, started.content
    first, second = records(api)
    assert first["reference"] == started.json()["reference"] and first["documents"] == []
    assert second["reference"] == submitted.reference and len(second["documents"]) == 2
    # the open case has its detail too, and the case-reference routes do not shadow /current
    assert api.get(f"/api/cases/{first['reference']}").json()["state"] == "started"
    assert api.get("/api/cases/current").json()["reference"] == first["reference"]


def test_the_open_case_still_downloads_from_the_current_case_path(
    at_step_8: ApiClient, signing_ca: Any
) -> None:
    resp = sign(at_step_8, png_data_url(True), strokes(40, 10.0))
    assert at_step_8.get(f"/api/tasks/{resp.json()['task_id']}").json()["status"] == "succeeded"
    case = RenewalCase.objects.get()
    for doc in SignedDocument.objects.select_related("case"):
        current = at_step_8.get(f"{CASES}/documents/{doc.agreement}.pdf")
        assert_pdf_of(current, doc)
        by_reference = at_step_8.get(f"/api/cases/{case.reference}/documents/{doc.agreement}.pdf")
        assert_pdf_of(by_reference, doc)
    (record,) = records(at_step_8)
    assert record["state"] == "signed" and len(record["documents"]) == 2


# --- strangers and wrong addresses -----------------------------------------------------------


def test_a_stranger_gets_404_for_anothers_case_and_documents(
    submitted: RenewalCase, approver: User, bob: Any, outbox: list[Any]
) -> None:
    approve(submitted, approver)
    stranger = ApiClient()
    sign_in_sms(stranger, bob, outbox)
    assert records(stranger) == []
    unknown = stranger.get("/api/cases/ZJ20260101000001")
    assert unknown.status_code == 404 and unknown.json()["code"] == "CASE_NOT_FOUND"
    for path in (
        f"/api/cases/{submitted.reference}",
        f"/api/cases/{submitted.reference}/documents/change_application.pdf",
    ):
        resp = stranger.get(path)
        assert resp.status_code == 404, path
        assert resp.json() == unknown.json()  # the same answer as for no case at all
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_unknown_document_and_no_session(submitted: RenewalCase, api: ApiClient) -> None:
    resp = api.get(f"/api/cases/{submitted.reference}/documents/other.pdf")
    assert resp.status_code == 404 and resp.json()["code"] == "DOCUMENT_NOT_FOUND"
    anonymous = Client()
    for path in ("/api/cases", f"/api/cases/{submitted.reference}"):
        resp = anonymous.get(path)
        assert resp.status_code == 401 and resp.json()["code"] == "NOT_SIGNED_IN"
    # not a reference: the path is unknown (JSON as every /api/ answer)
    resp = api.get("/api/cases/zj-something")
    assert resp.status_code == 404 and resp.json()["code"] == "NOT_FOUND"


# --- signed links for app clients ----------------------------------------------------------


def test_app_client_gets_signed_links_that_work_without_a_session(
    submitted: RenewalCase, approver: User, alice: Any
) -> None:
    approve(submitted, approver)
    app = Client()
    (record,) = records(app, **bearer_for(alice))
    AuditEvent.objects.filter(action="document.downloaded").delete()
    for item in record["documents"]:
        assert item["link_url"].startswith("/api/documents/")
        expires = timezone.datetime.fromisoformat(item["link_expires_at"])
        assert timedelta(minutes=4) < expires - timezone.now() <= timedelta(minutes=5)
        doc = SignedDocument.objects.select_related("case").get(
            case=submitted, agreement=item["key"]
        )
        assert_pdf_of(Client().get(item["link_url"]), doc)  # no cookie, no token
        # the session path works for the app client with its token too
        assert_pdf_of(app.get(item["download_url"], headers=bearer_for(alice)), doc)
    vias = AuditEvent.objects.filter(action="document.downloaded").values_list("data", flat=True)
    assert sorted(v["via"] for v in vias) == ["link", "link", "record", "record"]


def test_an_expired_link_is_refused_with_a_coded_error(
    submitted: RenewalCase, api: ApiClient
) -> None:
    link = records(api)[0]["documents"][0]["link_url"]
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        resp = Client().get(link)
    assert resp.status_code == 410
    body = resp.json()
    assert body["code"] == "DOCUMENT_LINK_EXPIRED" and body["retryable"] is False
    assert "我的办理记录" in body["message"]
    with time_machine.travel(timezone.now() + timedelta(seconds=240)):
        assert Client().get(link).status_code == 200


def test_a_tampered_link_is_refused(submitted: RenewalCase, api: ApiClient) -> None:
    link = records(api)[0]["documents"][0]["link_url"]
    token = link.removeprefix("/api/documents/")
    value, stamp, mac = token.rsplit(":", 2)
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    other_salt = signing.TimestampSigner(salt="another.purpose").sign_object(
        signing.TimestampSigner(salt=documents.LINK_SALT).unsign_object(token)
    )
    for bad in (f"{value}:{stamp}:{flipped}", f"{value}x:{stamp}:{mac}", other_salt, "nonsense"):
        resp = Client().get(f"/api/documents/{bad}")
        assert resp.status_code == 404, bad
        assert resp.json()["code"] == "DOCUMENT_LINK_INVALID"
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_a_link_is_bound_to_the_customer_case_document_and_file(
    submitted: RenewalCase, api: ApiClient, alice: Any, bob: Any
) -> None:
    doc = SignedDocument.objects.select_related("case").filter(case=submitted).first()
    assert doc is not None
    # another customer cannot have one minted for Alice's document
    with pytest.raises(documents.DocumentNotFound):
        documents.document_link_mint(customer=bob, document=doc)
    # a correctly signed token naming Bob as the owner does not open Alice's document
    forged = documents._sign_at(
        {"c": bob.pk, "k": str(submitted.id), "d": doc.pk, "s": doc.pdf_sha256}, timezone.now()
    )
    assert Client().get(f"/api/documents/{forged}").json()["code"] == "DOCUMENT_LINK_INVALID"
    # a link to a file that has since changed (another signature) no longer opens
    link = documents.document_link_mint(customer=alice, document=doc)
    assert Client().get(link.url).status_code == 200
    SignedDocument.objects.filter(pk=doc.pk).update(pdf_sha256="0" * 64)
    resp = Client().get(link.url)
    assert resp.status_code == 404 and resp.json()["code"] == "DOCUMENT_LINK_INVALID"
