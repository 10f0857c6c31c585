"""Steps 7–10 through the API: reading records, the handwritten signature, the signed PDFs
(verified with pyHanko against the broker's CA), download and submission."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image, ImageDraw

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.signing import services
from idrenew.signing.models import AgreementReading, HandSignature, SignedDocument
from tests.conftest import ApiClient, staff_login
from tests.idcard.conftest import CASES, at_step_4, confirm, new_period, store_reading

pytestmark = pytest.mark.django_db
__all__ = ["at_step_4"]  # the fixture, imported for its name


@pytest.fixture
def at_step_7(at_step_4: ApiClient, alice: Any) -> ApiClient:
    store_reading(alice)
    assert confirm(at_step_4).status_code == 200
    assert at_step_4.post_json(f"{CASES}/identity/confirm", {}, key="k-i").status_code == 200
    start, end = new_period(alice)
    payload = {
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
        "long_term": end is None,
        "address": "上海市浦东新区世纪大道100号",
    }
    assert at_step_4.post_json(f"{CASES}/update", payload, key="k-u").status_code == 200
    return at_step_4


def event(api: ApiClient, key: str, version: str, name: str) -> Any:
    body = {"version": version, "event": name, "elapsed_ms": 1000}
    return api.post_json(f"{CASES}/agreements/{key}/events", body, key=api.new_key())


def read(api: ApiClient, key: str, version: str) -> Any:
    return api.post_json(f"{CASES}/agreements/{key}/read", {"version": version}, key=api.new_key())


def read_all(api: ApiClient) -> None:
    listing = api.get(f"{CASES}/agreements").json()
    for a in listing["agreements"]:
        assert event(api, a["key"], a["version"], "opened").status_code == 200
        assert event(api, a["key"], a["version"], "scrolled_to_end").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=listing["min_read_seconds"] + 1)):
        session = api.session
        import time

        session["idrenew_customer_seen"] = time.time()
        session.save()
        for a in listing["agreements"]:
            assert read(api, a["key"], a["version"]).status_code == 200


def test_agreements_are_filled_from_the_case_and_masked(at_step_7: ApiClient, alice: Any) -> None:
    body = at_step_7.get(f"{CASES}/agreements").json()
    assert [a["key"] for a in body["agreements"]] == ["change_application", "digital_certificate"]
    assert body["agreements"][0]["title"] == "《客户账户信息变更申请书》"
    text = "\n".join(body["agreements"][0]["paragraphs"])
    assert alice.name in text and "上海市浦东新区世纪大道100号" in text
    assert alice.id_number not in json.dumps(body, ensure_ascii=False)
    assert alice.id_number_masked in text
    assert body["all_read"] is False and all(
        len(a["content_hash"]) == 64 for a in body["agreements"]
    )


def test_reading_must_reach_the_end_and_take_its_time(at_step_7: ApiClient) -> None:
    a = at_step_7.get(f"{CASES}/agreements").json()["agreements"][0]
    resp = read(at_step_7, a["key"], a["version"])
    assert resp.status_code == 422 and resp.json()["code"] == "AGREEMENT_NOT_SCROLLED"
    event(at_step_7, a["key"], a["version"], "opened")
    event(at_step_7, a["key"], a["version"], "scrolled_to_end")
    resp = read(at_step_7, a["key"], a["version"])
    assert resp.status_code == 422 and resp.json()["code"] == "AGREEMENT_TOO_FAST"
    assert resp.json()["detail"]["seconds_left"] > 0
    old = event(at_step_7, a["key"], "2020-01", "opened")
    assert old.status_code == 409 and old.json()["code"] == "AGREEMENT_VERSION_OUTDATED"
    done = at_step_7.post_json(f"{CASES}/agreements/done", {}, key=at_step_7.new_key())
    assert done.status_code == 409 and done.json()["code"] == "AGREEMENTS_NOT_READ"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"agreement.opened", "agreement.scrolled_to_end"} <= actions


def test_seconds_left_is_when_a_retry_passes(at_step_7: ApiClient, settings: Any) -> None:
    """``seconds_left`` counts the same transit allowance as the check: waiting exactly that
    long is enough, and it never asks for more than needed."""
    from idrenew.signing.steps import READ_TRANSIT_GRACE

    settings.IDRENEW_SIGNING_MIN_READ_SECONDS = 10
    a = at_step_7.get(f"{CASES}/agreements").json()["agreements"][0]
    opened = timezone.now() + timedelta(seconds=5)
    with time_machine.travel(opened, tick=False):
        assert event(at_step_7, a["key"], a["version"], "opened").status_code == 200
        assert event(at_step_7, a["key"], a["version"], "scrolled_to_end").status_code == 200

    def read_at(elapsed: float) -> Any:
        with time_machine.travel(opened + timedelta(seconds=elapsed), tick=False):
            return read(at_step_7, a["key"], a["version"])

    # accepted from 10 - 1.5 = 8.5 s on
    for elapsed, left in [(0.0, 9), (3.2, 6), (7.0, 2), (7.6, 1), (8.4, 1)]:
        resp = read_at(elapsed)
        assert resp.status_code == 422 and resp.json()["code"] == "AGREEMENT_TOO_FAST"
        assert resp.json()["detail"]["seconds_left"] == left, elapsed
        assert f"{left}秒后可确认已阅读" in resp.json()["message"]
        assert elapsed + left + READ_TRANSIT_GRACE >= 10  # waiting seconds_left suffices
        assert elapsed + left - 1 + READ_TRANSIT_GRACE < 10  # and one second less would not
    assert read_at(8.5).status_code == 200
    reading = AgreementReading.objects.get(agreement=a["key"], version=a["version"])
    assert reading.seconds == 8.5


def png_data_url(draw: bool, size: tuple[int, int] = (600, 300)) -> str:
    image = Image.new("RGB", size, "white")
    if draw:
        pen = ImageDraw.Draw(image)
        pen.line([(60, 200), (160, 80), (260, 220), (360, 90), (520, 180)], fill="black", width=6)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def strokes(n: int, spread: float) -> list[list[dict[str, float]]]:
    return [
        [{"x": 60 + i * spread, "y": 150 + (i % 7) * spread / 3, "t": i * 16.0} for i in range(n)]
    ]


def sign(api: ApiClient, png: str, pts: list[list[dict[str, float]]]) -> Any:
    body = {"png": png, "strokes": pts, "width": 600, "height": 300}
    return api.post_json(f"{CASES}/signature", body, key=api.new_key())


@pytest.fixture
def at_step_8(at_step_7: ApiClient) -> ApiClient:
    read_all(at_step_7)
    done = at_step_7.post_json(f"{CASES}/agreements/done", {}, key=at_step_7.new_key())
    assert done.status_code == 200 and done.json()["state"] == "agreements_read"
    assert AgreementReading.objects.filter(read_at__isnull=False).count() == 2
    return at_step_7


def test_empty_or_trivial_signatures_are_refused(at_step_8: ApiClient) -> None:
    resp = sign(at_step_8, png_data_url(False), [])
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_EMPTY"
    resp = sign(at_step_8, png_data_url(True), strokes(4, 2.0))
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_TOO_SMALL"
    resp = sign(at_step_8, "data:image/gif;base64,R0lGOD", strokes(40, 10.0))
    assert resp.status_code == 422 and resp.json()["code"] == "SIGNATURE_INVALID"
    assert not HandSignature.objects.exists()
    assert RenewalCase.objects.get().state == "agreements_read"


def test_signing_produces_two_verified_pdfs_then_submission(
    at_step_8: ApiClient, signing_ca: Any, alice: Any
) -> None:
    resp = sign(at_step_8, png_data_url(True), strokes(40, 10.0))
    assert resp.status_code == 202, resp.content
    task = at_step_8.get(f"/api/tasks/{resp.json()['task_id']}").json()
    assert task["status"] == "succeeded", task
    result = task["result"]
    assert result["case_state"] == "signed" and len(result["documents"]) == 2
    signature = HandSignature.objects.get()
    assert json.loads(signature.strokes_json)[0][0] == {"x": 60.0, "y": 150.0, "t": 0.0}
    for doc in SignedDocument.objects.all():
        pdf = at_step_8.get(f"{CASES}/documents/{doc.agreement}.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        report = services.pdf_verify(pdf.content)
        assert report.valid, report.as_json()
        assert len(report.signatures) == 2
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 2
    listing = at_step_8.get(f"{CASES}/documents").json()
    assert {d["key"] for d in listing["documents"]} == {"change_application", "digital_certificate"}
    submitted = at_step_8.post_json(f"{CASES}/submit", {}, key=at_step_8.new_key())
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert submitted.json()["current_step"] == 10
    again = at_step_8.post_json(f"{CASES}/submit", {}, key=at_step_8.new_key())
    assert again.status_code == 409 and again.json()["code"] == "CASE_STEP_OUT_OF_ORDER"


def test_reviewer_sees_signature_and_documents_and_each_look_is_logged(
    at_step_8: ApiClient, signing_ca: Any, client: Any
) -> None:
    from idrenew.core.staff import staff_create

    resp = sign(at_step_8, png_data_url(True), strokes(40, 10.0))
    assert at_step_8.get(f"/api/tasks/{resp.json()['task_id']}").json()["status"] == "succeeded"
    staff_create(username="rev", password="Rev-Pass-2026!", role="审核员")
    staff_login(client, User.objects.get(username="rev"))
    signature = HandSignature.objects.get()
    page = client.get(f"/admin/signing/handsignature/{signature.pk}/change/")
    assert page.status_code == 200
    image = client.get(f"/admin/signing/handsignature/{signature.pk}/signature.png")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    doc = SignedDocument.objects.first()
    assert doc is not None
    # The PDF carries the full ID number: refused to a reviewer, downloaded by an approver.
    pdf = client.get(f"/admin/signing/signeddocument/{doc.pk}/document.pdf")
    assert pdf.status_code == 403 and "完整证件号码" in pdf.content.decode()
    staff_create(username="appr", password="Appr-Pass-2026!", role="审批员")
    staff_login(client, User.objects.get(username="appr"))
    pdf = client.get(f"/admin/signing/signeddocument/{doc.pk}/document.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    actions = set(AuditEvent.objects.filter(actor_type="staff").values_list("action", flat=True))
    assert {
        "staff.viewed_signature",
        "staff.viewed_signature_image",
        "staff.viewed_signed_document",
    } <= actions


def test_a_version_published_mid_case_must_be_read_again(at_step_8: ApiClient) -> None:
    from idrenew.signing.domain.agreements import TEMPLATES_DIR

    current = TEMPLATES_DIR / "digital_certificate.v2026-11.md"
    newer = TEMPLATES_DIR / "digital_certificate.v2099-01.md"
    text = current.read_text(encoding="utf-8").replace("version: 2026-11", "version: 2099-01")
    newer.write_text(text + "\n本协议2099年1月修订版新增的一段文字。\n", encoding="utf-8")
    try:
        resp = sign(at_step_8, png_data_url(True), strokes(40, 10.0))
        assert resp.status_code == 409 and resp.json()["code"] == "AGREEMENT_VERSION_OUTDATED"
        assert RenewalCase.objects.get().state == "update_confirmed"  # back to step 7
        listing = at_step_8.get(f"{CASES}/agreements").json()
        by_key = {a["key"]: a for a in listing["agreements"]}
        assert by_key["digital_certificate"]["version"] == "2099-01"
        assert by_key["digital_certificate"]["read"] is False
        assert by_key["change_application"]["read"] is True
        assert "2099年1月修订版" in "".join(by_key["digital_certificate"]["paragraphs"])
        assert not HandSignature.objects.exists()
    finally:
        newer.unlink()


def test_reading_before_midnight_still_counts_after_it(at_step_7: ApiClient) -> None:
    """The application is dated, so its text changes at midnight; the reading must not."""
    from idrenew.signing.steps import case_data

    read_all(at_step_7)
    case = RenewalCase.objects.get()
    yesterday = timezone.now() - timedelta(days=1)
    for r in AgreementReading.objects.all():
        then = services.agreement_preview(
            agreement=r.agreement, case=case_data(case, today=yesterday)
        )
        r.read_at, r.content_hash = yesterday, then.content_hash
        r.save()
    listing = at_step_7.get(f"{CASES}/agreements").json()
    assert listing["all_read"] is True
    assert (
        AgreementReading.objects.get(agreement="change_application").content_hash
        != (listing["agreements"][0]["content_hash"])
    )
    # What was read must still be what is shown: another text read yesterday does not count.
    AgreementReading.objects.filter(agreement="digital_certificate").update(content_hash="0" * 64)
    assert at_step_7.get(f"{CASES}/agreements").json()["all_read"] is False
    AgreementReading.objects.filter(agreement="digital_certificate").update(
        content_hash=listing["agreements"][1]["content_hash"]
    )
    done = at_step_7.post_json(f"{CASES}/agreements/done", {}, key=at_step_7.new_key())
    assert done.status_code == 200, done.json()
