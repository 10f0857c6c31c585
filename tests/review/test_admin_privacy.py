"""A reviewer without the unmask permission never receives a full ID number from the back
office; with it, each look at the full number is an audit event."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.outbox.models import OutboxEvent
from idrenew.review import services
from idrenew.review.models import CaseReview, Decision
from tests.conftest import staff_login
from tests.review.test_admin_case import page_url, with_images

pytestmark = pytest.mark.django_db


def decided(case: RenewalCase, approver: User, alice: Any) -> None:
    """Approved (the CFMMC event's encrypted payload carries the ID number), with a failed
    delivery whose error text quotes it, and a staff note that does too."""
    services.review_claim(case_id=case.id, user=approver)
    services.review_approve(case_id=case.id, user=approver, note=f"核对 {alice.id_number} 无误")
    OutboxEvent.objects.filter(topic="cfmmc.customer_change").update(
        status="dead", attempts=8, last_error=f"ReportRejected: bad row {alice.id_number}"
    )


def pages(case: RenewalCase, alice: Any) -> list[str]:
    decision = Decision.objects.get(case=case)
    event = OutboxEvent.objects.get(topic="cfmmc.customer_change")
    reading = CardReading.objects.get(case=case)
    return [
        "/admin/",
        "/admin/cases/renewalcase/",
        "/admin/cases/renewalcase/?state=approved",
        page_url(case),
        "/admin/review/decision/",
        f"/admin/review/decision/{decision.pk}/change/",
        "/admin/review/casereview/",
        f"/admin/review/casereview/{case.pk}/change/",
        "/admin/outbox/outboxevent/",
        "/admin/outbox/outboxevent/?status=dead",
        f"/admin/outbox/outboxevent/{event.pk}/change/",
        "/admin/customers/customer/",
        f"/admin/customers/customer/{alice.pk}/change/",
        f"/admin/idcard/cardreading/{reading.pk}/change/",
        "/admin/audit/auditevent/",
    ]


def test_reviewer_without_unmask_never_receives_the_full_id_number(
    client: Client,
    reviewer: User,
    approver: User,
    submitted: RenewalCase,
    alice: Any,
) -> None:
    with_images(submitted)
    decided(submitted, approver, alice)
    assert CardReading.objects.get(case=submitted).ocr["id_number"] == alice.id_number
    assert not reviewer.has_perm("customers.unmask_id_number")
    staff_login(client, reviewer)
    full = alice.id_number
    for url in pages(submitted, alice):
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.content.decode()
        assert full not in body, url
        assert full.lower() not in body.lower(), url
        assert not any(full in str(v) for v in resp.headers.values()), url
    page = client.get(page_url(submitted)).content.decode()
    assert "显示完整证件号" not in page
    assert alice.id_number_masked in page
    # Images and documents: nothing in the headers either.
    files = re.findall(r'(?:src|href)="(/admin/(?:idcard|face|signing)/[^"]+)"', page)
    assert len(files) >= 5
    for url in files:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert not any(full in str(v) for v in resp.headers.values()), url
    # The unmask endpoint refuses and logs nothing.
    assert client.post(reverse("review:case_unmask", args=[submitted.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="staff.unmasked_id_number").exists()


def test_outbox_shows_dead_letters_but_never_the_payload(
    client: Client, reviewer: User, approver: User, submitted: RenewalCase, alice: Any
) -> None:
    decided(submitted, approver, alice)
    staff_login(client, reviewer)
    listing = client.get("/admin/outbox/outboxevent/?status=dead").content.decode()
    assert "投递失败（死信）" in listing and submitted.reference in listing
    assert "ReportRejected: bad row " + alice.id_number_masked[:6] in listing
    assert "重新投递" not in listing  # reviewers may not retry
    event = OutboxEvent.objects.get(topic="cfmmc.customer_change")
    detail = client.get(f"/admin/outbox/outboxevent/{event.pk}/change/").content.decode()
    assert "payload" not in detail and alice.address not in detail


def test_unmask_shows_the_number_and_each_look_is_audited(
    client: Client, approver: User, submitted: RenewalCase, alice: Any
) -> None:
    staff_login(client, approver)
    page = client.get(page_url(submitted)).content.decode()
    assert "显示完整证件号" in page and alice.id_number not in page
    url = reverse("review:case_unmask", args=[submitted.pk])
    assert url == f"/backoffice/review/cases/{submitted.pk}/unmask"
    assert client.get(url).status_code == 405  # a look is a deliberate POST
    for n in (1, 2):
        resp = client.post(url)
        assert resp.status_code == 200
        assert resp["Cache-Control"].startswith("no-store")
        assert alice.id_number in resp.content.decode()
        events = AuditEvent.objects.filter(action="staff.unmasked_id_number")
        assert events.count() == n
    event = events.latest("at")
    assert event.actor_type == "staff" and event.actor_id == str(approver.pk)
    assert event.case_id == submitted.pk and event.customer_id == alice.pk
    assert alice.id_number not in str(event.data)


def test_outbox_retry_needs_the_permission_and_redelivers(
    client: Client,
    approver: User,
    make_staff: Any,
    submitted: RenewalCase,
    alice: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.IDRENEW_CFMMC_DIR = tmp_path
    decided(submitted, approver, alice)
    event = OutboxEvent.objects.get(topic="cfmmc.customer_change")
    staff_login(client, make_staff("ops1", "管理员"))
    listing = client.get("/admin/outbox/outboxevent/").content.decode()
    assert "重新投递" in listing
    resp = client.post(
        "/admin/outbox/outboxevent/",
        {"action": "retry_events", "_selected_action": [str(event.pk)]},
        follow=True,
    )
    assert resp.status_code == 200
    event.refresh_from_db()
    assert event.status == "delivered" and event.attempts == 1
    assert "已重新投递 1 条：成功 1 条" in resp.content.decode()
    assert AuditEvent.objects.filter(action="staff.outbox_retried").count() == 1


def test_card_uploads_and_review_records_hold_no_full_number(
    client: Client, reviewer: User, submitted: RenewalCase, alice: Any
) -> None:
    staff_login(client, reviewer)
    upload = CardUpload.objects.filter(case=submitted).first()
    assert upload is not None
    for url in [
        "/admin/idcard/cardupload/",
        f"/admin/idcard/cardupload/{upload.pk}/change/",
        f"/admin/review/casereview/{CaseReview.objects.get(case=submitted).pk}/change/",
    ]:
        resp = client.get(url)
        assert resp.status_code == 200 and alice.id_number not in resp.content.decode(), url
