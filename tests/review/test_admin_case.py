"""The case page: record beside the new data, evidence, and the decision actions via POST."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.face.models import FaceAttempt, LivenessChallenge
from idrenew.idcard.models import CardUpload
from idrenew.lib.files import save_encrypted
from idrenew.outbox.models import OutboxEvent
from idrenew.review.models import CaseReview, Decision
from tests.conftest import staff_login
from tests.review.conftest import deliver_all

pytestmark = pytest.mark.django_db


def page_url(case: RenewalCase) -> str:
    return f"/admin/cases/renewalcase/{case.pk}/change/"


def action_url(case: RenewalCase, action: str) -> str:
    return f"/backoffice/review/cases/{case.pk}/{action}"


def as_staff(client: Client, user: User) -> Client:
    staff_login(client, user)
    return client


def post(client: Client, case: RenewalCase, action: str, **data: Any) -> list[str]:
    """POST an action; it comes back to the case page with messages."""
    resp = client.post(action_url(case, action), data, follow=True)
    assert resp.redirect_chain == [(page_url(case), 302)], resp.redirect_chain
    shown = [str(m) for m in resp.context["messages"]]
    page = resp.content.decode()
    assert all(m in page for m in shown)
    return shown


def test_case_page_shows_record_beside_new_data_and_flags_edits(
    client: Client, reviewer: User, submitted: RenewalCase, alice: Any
) -> None:
    resp = as_staff(client, reviewer).get(page_url(submitted))
    assert resp.status_code == 200
    assert resp["Cache-Control"].startswith("no-store")
    page = resp.content.decode()
    for heading in ["留档信息与新证件", "证件照片与人脸", "质量与规则提示", "自动检查"]:
        assert heading in page
    for heading in ["已签署协议", "审核记录", "审计记录"]:
        assert heading in page
    assert alice.id_number_masked in page
    # The record's address, the card's (as read) and the customer's edit, the edit flagged.
    assert "上海市徐汇区漕溪北路88号" in page
    edited = re.findall(r'<td class="edited" data-edited="1">([^<]*)</td>', page)
    assert edited == ["上海市浦东新区世纪大道100号"]
    assert "客户已修改" in page and "与留档一致" in page
    # The automatic checks, the warnings and both signed documents, verified.
    assert "客户修改识别结果" in page and "FACE_CARD_UNCHECKED" in page
    assert page.count("签名有效") == 2
    assert "客户提交申请" in page  # the audit trail


def test_every_view_of_the_case_page_is_an_audit_event(
    client: Client, reviewer: User, submitted: RenewalCase
) -> None:
    as_staff(client, reviewer)
    for _ in range(2):
        assert client.get(page_url(submitted)).status_code == 200
    views = AuditEvent.objects.filter(action="staff.viewed_case", case_id=submitted.pk)
    assert views.count() == 2
    assert set(views.values_list("actor_id", flat=True)) == {str(reviewer.pk)}


def with_images(case: RenewalCase) -> FaceAttempt:
    """Real (encrypted) files behind the fixture's uploads, a card, a portrait, a best frame."""
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"
    for upload in CardUpload.objects.filter(case=case):
        upload.image_name = save_encrypted("test-photo", jpeg, suffix=".jpg")
        upload.card_name = save_encrypted("test-card", jpeg, suffix=".jpg")
        if upload.side == "front":
            upload.portrait_name = save_encrypted("test-portrait", jpeg, suffix=".jpg")
        upload.save()
    challenge = LivenessChallenge.objects.create(
        case=case,
        customer_id=case.customer_id,
        actions=["blink", "turn_left"],
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    return FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status="passed",
        actions=[{"action": "blink", "passed": True}, {"action": "turn_left", "passed": True}],
        reference_similarity=0.71,
        reference_threshold=0.52,
        spoof_score=0.08,
        spoof_note="静默活体：真人",
        best_frame_name=save_encrypted("test-frame", jpeg, suffix=".jpg"),
        frame_count=42,
    )


def test_images_face_scores_and_documents_go_through_audited_endpoints(
    client: Client, reviewer: User, approver: User, submitted: RenewalCase
) -> None:
    attempt = with_images(submitted)
    page = as_staff(client, reviewer).get(page_url(submitted)).content.decode()
    assert "0.710（阈值 0.52）" in page and "0.080（静默活体：真人）" in page
    assert "眨眼" in page or "blink" in page
    urls = re.findall(r'<img src="(/admin/[^"]+)"', page)
    # front card, front portrait, back card, the best frame
    assert len(urls) == 4, urls
    assert f"/admin/face/faceattempt/{attempt.pk}/best-frame.jpg" in urls
    assert any(u.endswith("/portrait.jpg") for u in urls)
    for url in urls:
        image = client.get(url)
        assert image.status_code == 200 and image["Cache-Control"].startswith("no-store")
    looks = AuditEvent.objects.filter(case_id=submitted.pk, actor_type="staff")
    assert looks.filter(action="staff.viewed_card_image").count() == 3
    assert looks.filter(action="staff.viewed_face_image").count() == 1
    # The signed PDFs carry the full ID number: a reviewer sees their verification only...
    assert not re.findall(r'href="(/admin/signing/signeddocument/\d+/document.pdf)"', page)
    assert page.count('data-testid="document-no-download"') == 2
    # ...an approver (who may see the full number) downloads them.
    page = as_staff(Client(), approver).get(page_url(submitted)).content.decode()
    pdfs = re.findall(r'href="(/admin/signing/signeddocument/\d+/document.pdf)"', page)
    assert len(pdfs) == 2
    assert as_staff(client, approver).get(pdfs[0]).content[:5] == b"%PDF-"
    assert looks.filter(action="staff.viewed_signed_document").count() == 1


def test_claim_then_release(client: Client, reviewer: User, submitted: RenewalCase) -> None:
    as_staff(client, reviewer)
    assert 'data-testid="claim"' in client.get(page_url(submitted)).content.decode()
    msgs = post(client, submitted, "claim")
    assert msgs and msgs[0].startswith("已领取")
    assert CaseReview.objects.get(case=submitted).claimed_by == reviewer
    page = client.get(page_url(submitted)).content.decode()
    assert 'data-testid="release"' in page and 'data-testid="reject"' in page
    assert post(client, submitted, "release") == ["已放弃领取，其他人可领取该申请"]
    assert CaseReview.objects.get(case=submitted).claimed_by is None


def test_approver_approves_and_the_record_is_updated(
    client: Client, approver: User, submitted: RenewalCase, alice: Any
) -> None:
    as_staff(client, approver)
    post(client, submitted, "claim")
    page = client.get(page_url(submitted)).content.decode()
    assert 'data-testid="approve"' in page
    msgs = post(client, submitted, "approve", note="资料齐全")
    assert msgs == ["已审核通过：客户资料将更新，并短信通知客户"]
    deliver_all()  # what the post-commit hooks do outside the test transaction
    submitted.refresh_from_db()
    assert submitted.state == "approved"
    assert Decision.objects.get(case=submitted).note == "资料齐全"
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"delivered"}
    alice.refresh_from_db()
    assert alice.address == "上海市浦东新区世纪大道100号"
    page = client.get(page_url(submitted)).content.decode()
    assert "已通过" in page and "审核通过" in page
    assert 'data-testid="claim"' not in page and 'data-testid="approve"' not in page


def test_reject_with_reasons(client: Client, reviewer: User, submitted: RenewalCase) -> None:
    as_staff(client, reviewer)
    post(client, submitted, "claim")
    msgs = post(
        client,
        submitted,
        "reject",
        reasons=["IMAGE_UNCLEAR", "FACE_MISMATCH"],
        note="人像面反光",
    )
    assert msgs == ["已驳回，并短信通知客户"]
    submitted.refresh_from_db()
    assert submitted.state == "rejected"
    decision = Decision.objects.get(case=submitted)
    assert decision.kind == "reject" and decision.reasons == ["IMAGE_UNCLEAR", "FACE_MISMATCH"]
    page = client.get(page_url(submitted)).content.decode()
    assert "身份证照片不清晰或不完整；人脸与证件人像不一致" in page and "人像面反光" in page


def test_return_with_steps(client: Client, reviewer: User, submitted: RenewalCase) -> None:
    as_staff(client, reviewer)
    post(client, submitted, "claim")
    msgs = post(
        client, submitted, "return", steps=["4", "8", "x"], reasons=["IMAGE_UNCLEAR"], note=""
    )
    assert msgs == ["已退回补充，并短信通知客户"]
    submitted.refresh_from_db()
    assert submitted.state == "returned"
    assert Decision.objects.get(case=submitted).steps == [4, 8]
    page = client.get(page_url(submitted)).content.decode()
    assert "上传身份证、签署协议" in page


def test_refusals_come_back_as_messages(
    client: Client, reviewer: User, make_staff: Any, submitted: RenewalCase
) -> None:
    as_staff(client, reviewer)
    assert post(client, submitted, "approve") == ["请先领取该申请再办理（领取超时后需重新领取）"]
    post(client, submitted, "claim")
    assert post(client, submitted, "reject", note="无原因") == ["请选择至少一个原因"]
    assert post(client, submitted, "return", reasons=["OTHER"]) == ["请选择需要客户重新办理的步骤"]
    # Without four-eyes the final approval needs an approver.
    assert post(client, submitted, "approve") == ["您没有最终通过的权限，请联系管理员"]
    other = Client()
    staff_login(other, make_staff("rev2", "审核员"))
    msgs = post(other, submitted, "claim")
    assert len(msgs) == 1 and msgs[0].startswith(f"该申请正由 {reviewer.username} 办理")
    page = other.get(page_url(submitted)).content.decode()
    assert f"该申请正由 {reviewer.username} 办理" in page
    submitted.refresh_from_db()
    assert submitted.state == "submitted" and not Decision.objects.exists()


def test_four_eyes_reviewer_recommends_and_an_approver_finishes(
    client: Client, reviewer: User, approver: User, submitted: RenewalCase, settings: Any
) -> None:
    settings.IDRENEW_REVIEW_FOUR_EYES = True
    as_staff(client, reviewer)
    post(client, submitted, "claim")
    assert "初审通过（提交复核）" in client.get(page_url(submitted)).content.decode()
    assert post(client, submitted, "approve") == ["已初审通过，等待另一位审批员复核"]
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    second = Client()
    staff_login(second, approver)
    page = second.get(page_url(submitted)).content.decode()
    assert f"待复核（初审：{reviewer.username}）" in page
    post(second, submitted, "claim")
    assert "复核通过" in second.get(page_url(submitted)).content.decode()
    post(second, submitted, "approve")
    submitted.refresh_from_db()
    assert submitted.state == "approved"
    kinds = list(Decision.objects.order_by("decided_at").values_list("kind", flat=True))
    assert kinds == ["recommend", "approve"]


def test_only_reviewers_see_the_buttons(
    client: Client, make_staff: Any, submitted: RenewalCase
) -> None:
    as_staff(client, make_staff("aud1", "审计员"))
    page = client.get(page_url(submitted)).content.decode()
    assert "留档信息与新证件" in page
    for action in ["claim", "approve", "reject", "return", "release"]:
        assert f'data-testid="{action}"' not in page
    assert "您的角色仅可查看" in page
    assert post(client, submitted, "claim") == ["您没有领取审核的权限，请联系管理员"]
    assert post(client, submitted, "release") == ["您没有放弃领取的权限，请联系管理员"]
    admin_client = Client()
    staff_login(admin_client, make_staff("ops1", "管理员"))
    assert admin_client.get(page_url(submitted)).status_code == 403


def test_actions_are_post_only_with_csrf(
    reviewer: User, submitted: RenewalCase, client: Client
) -> None:
    strict = Client(enforce_csrf_checks=True)
    staff_login(strict, reviewer)
    assert strict.post(action_url(submitted, "claim")).status_code == 403
    assert as_staff(client, reviewer).get(action_url(submitted, "claim")).status_code == 405
    anonymous = Client().post(action_url(submitted, "claim"))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert CaseReview.objects.get(case=submitted).claimed_by is None
