"""The reviewer's view of face attempts: read-only, masked, every look logged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.cases.services import case_start
from idrenew.core.staff import staff_create
from idrenew.face.models import FaceAttempt, LivenessChallenge
from idrenew.lib.files import save_encrypted
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"fake-jpeg-body" * 10


@pytest.fixture
def attempt(alice: Any) -> FaceAttempt:
    case = case_start(customer=alice)
    challenge = LivenessChallenge.objects.create(
        case=case,
        customer_id=alice.pk,
        actions=["turn_left", "blink"],
        expires_at=timezone.now() + timedelta(seconds=60),
    )
    return FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status=FaceAttempt.Status.PASSED,
        actions=[
            {"action": "turn_left", "passed": True, "frames": [37, 50]},
            {"action": "blink", "passed": True, "frames": [60, 63]},
        ],
        best_frame_name=save_encrypted("face/best", JPEG, suffix=".jpg"),
        reference_similarity=0.81,
        reference_threshold=0.52,
    )


@pytest.fixture
def reviewer(client: Client) -> Client:
    staff_create(username="rev", password="Rev-Pass-2026!", role="审核员")
    staff_login(client, User.objects.get(username="rev"))
    return client


def test_reviewer_sees_the_attempt_and_each_look_is_logged(
    reviewer: Client, attempt: FaceAttempt
) -> None:
    page = reviewer.get(f"/admin/face/faceattempt/{attempt.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "请向左转头：通过（第37–50帧）" in html
    assert "0.810（阈值 0.52，通过）" in html
    assert "未做静默活体检测" in html
    assert AuditEvent.objects.filter(
        action="staff.viewed_face_attempt", case_id=attempt.case_id
    ).exists()
    image = reviewer.get(f"/admin/face/faceattempt/{attempt.pk}/best-frame.jpg")
    assert image.status_code == 200 and image.content == JPEG
    assert image["Content-Type"] == "image/jpeg" and "no-store" in image["Cache-Control"]
    assert AuditEvent.objects.filter(
        action="staff.viewed_face_image", case_id=attempt.case_id
    ).exists()
    assert reviewer.post(f"/admin/face/faceattempt/{attempt.pk}/delete/").status_code == 403


def test_best_frame_needs_a_permitted_staff_member(client: Client, attempt: FaceAttempt) -> None:
    url = f"/admin/face/faceattempt/{attempt.pk}/best-frame.jpg"
    assert client.get(url).status_code == 302  # to the login page
    staff_create(username="ops", password="Ops-Pass-2026!", role="管理员")
    staff_login(client, User.objects.get(username="ops"))
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="staff.viewed_face_image").exists()
