"""Step 3 rules enforced before any analysis: consent, nonce, attempts, upload checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from idrenew.audit.models import AuditEvent
from idrenew.face.models import FaceAttempt, FaceConsent, LivenessChallenge
from idrenew.face.notice import current_notice
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db
FACE = "/api/cases/current/face"

WEBM_HEAD = b"\x1a\x45\xdf\xa3" + b"\x00" * 2000  # EBML magic: sniffed as WebM


@pytest.fixture
def case_client(signed_in: ApiClient) -> ApiClient:
    resp = signed_in.post_json("/api/cases", {}, key=signed_in.new_key())
    assert resp.status_code == 201
    return signed_in


def consent(api: ApiClient) -> Any:
    return api.post_json(
        f"{FACE}/consent", {"notice_version": current_notice().version}, key=api.new_key()
    )


def challenge(api: ApiClient) -> Any:
    return api.post_json(f"{FACE}/challenge", {}, key=api.new_key())


def upload(api: ApiClient, nonce: str, data: bytes, name: str = "clip.webm") -> Any:
    return api.post(
        f"{FACE}/clip",
        {"nonce": nonce, "clip": SimpleUploadedFile(name, data, content_type="video/webm")},
        headers={"X-CSRFToken": api.csrf(), "Idempotency-Key": api.new_key()},
    )


def test_notice_has_version_and_branch_route(case_client: ApiClient) -> None:
    body = case_client.get(f"{FACE}/notice").json()
    assert body["version"] == current_notice().version
    assert body["title"] == "人脸识别信息处理告知书"
    text = "".join(body["paragraphs"])
    for topic in ["收集", "目的", "保存期限", "查看"]:
        assert topic in text
    assert "营业部" in body["branch_route"]


def test_challenge_requires_consent(case_client: ApiClient) -> None:
    resp = challenge(case_client)
    assert resp.status_code == 409 and resp.json()["code"] == "FACE_CONSENT_REQUIRED"


def test_consent_recorded_with_version(case_client: ApiClient) -> None:
    resp = consent(case_client)
    assert resp.status_code == 200
    record = FaceConsent.objects.get()
    assert record.notice_version == current_notice().version
    assert record.notice_digest == current_notice().digest
    assert AuditEvent.objects.filter(action="face.consented").exists()


def test_outdated_notice_version_refused(case_client: ApiClient) -> None:
    resp = case_client.post_json(f"{FACE}/consent", {"notice_version": "2020-old"}, key="k-old")
    assert resp.status_code == 409 and resp.json()["code"] == "FACE_NOTICE_OUTDATED"
    assert not FaceConsent.objects.exists()


def test_decline_points_to_branch(case_client: ApiClient) -> None:
    resp = case_client.post_json(f"{FACE}/decline", {}, key="k-decline")
    assert resp.status_code == 200 and "营业部" in resp.json()["message"]
    assert AuditEvent.objects.filter(action="face.declined").exists()


def test_challenge_draws_two_actions(case_client: ApiClient) -> None:
    consent(case_client)
    body = challenge(case_client).json()
    assert len(body["actions"]) == 2 and len(set(body["actions"])) == 2
    assert set(body["actions"]) <= {"blink", "open_mouth", "turn_left", "turn_right"}
    assert body["expires_in"] == 60 and body["attempts_left"] == 4
    assert all(p.startswith("请") for p in body["prompts"])


def test_fixed_actions_setting(settings: Any, case_client: ApiClient) -> None:
    settings.IDRENEW_FACE_FIXED_ACTIONS = "turn_left,open_mouth"
    consent(case_client)
    assert challenge(case_client).json()["actions"] == ["turn_left", "open_mouth"]


def test_production_refuses_fixed_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets
    import subprocess
    import sys

    env = {
        "IDRENEW_ENV": "production",
        "IDRENEW_SECRET_KEY": secrets.token_urlsafe(48),  # production refuses weak ones
        "IDRENEW_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "IDRENEW_LOOKUP_HASH_KEY": secrets.token_urlsafe(32),
        "IDRENEW_FACE_FIXED_ACTIONS": "blink,turn_left",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='idrenew.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "production refuses it" in result.stderr


def test_sixth_attempt_of_the_day_is_refused(case_client: ApiClient) -> None:
    consent(case_client)
    answers = [challenge(case_client) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert answers[5].status_code == 429
    body = answers[5].json()
    assert body["code"] == "FACE_ATTEMPTS_EXHAUSTED" and "营业部" in body["message"]
    assert LivenessChallenge.objects.count() == 5


def test_unknown_and_garbage_nonce(case_client: ApiClient) -> None:
    consent(case_client)
    for nonce in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]:
        resp = upload(case_client, nonce, WEBM_HEAD)
        assert resp.status_code == 400 and resp.json()["code"] == "FACE_NONCE_INVALID"


def test_expired_nonce(case_client: ApiClient) -> None:
    consent(case_client)
    nonce = challenge(case_client).json()["nonce"]
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        session = case_client.session
        import time

        session["idrenew_customer_seen"] = time.time()
        session.save()
        resp = upload(case_client, nonce, WEBM_HEAD)
    assert resp.status_code == 400 and resp.json()["code"] == "FACE_NONCE_EXPIRED"
    assert not FaceAttempt.objects.exists()


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"GIF89a" + b"\x00" * 5000, "FACE_CLIP_INVALID", 400),  # not a video
        (b"\x1a\x45\xdf\xa3", "FACE_CLIP_INVALID", 400),  # truncated to nothing
    ],
)
def test_bad_files_refused_without_spending_the_nonce(
    case_client: ApiClient, data: bytes, code: str, status: int
) -> None:
    consent(case_client)
    nonce = challenge(case_client).json()["nonce"]
    resp = upload(case_client, nonce, data)
    assert resp.status_code == status and resp.json()["code"] == code
    assert LivenessChallenge.objects.get(pk=nonce).used_at is None
    assert not FaceAttempt.objects.exists()


def test_oversized_clip(settings: Any, case_client: ApiClient) -> None:
    settings.IDRENEW_FACE_CLIP_MAX_BYTES = 10_000
    consent(case_client)
    nonce = challenge(case_client).json()["nonce"]
    resp = upload(case_client, nonce, WEBM_HEAD + b"\x00" * 20_000)
    assert resp.status_code == 413 and resp.json()["code"] == "FACE_CLIP_TOO_LARGE"


def test_challenge_out_of_order(case_client: ApiClient) -> None:
    from idrenew.cases.models import RenewalCase

    RenewalCase.objects.update(state="face_passed")
    resp = consent(case_client)
    assert resp.status_code == 409 and resp.json()["code"] == "CASE_STEP_OUT_OF_ORDER"


def test_stranger_cannot_use_anothers_nonce(
    case_client: ApiClient, bob: Any, outbox: list[Any]
) -> None:
    from tests.conftest import sign_in_sms

    consent(case_client)
    nonce = challenge(case_client).json()["nonce"]
    other = ApiClient()
    sign_in_sms(other, bob, outbox)
    other.post_json("/api/cases", {}, key="bob-case")
    resp = upload(other, nonce, WEBM_HEAD)
    assert resp.status_code == 400 and resp.json()["code"] == "FACE_NONCE_INVALID"
