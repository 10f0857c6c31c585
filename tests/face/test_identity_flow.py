"""The identity check inside the case (against the FaceID fake): the portrait after liveness,
the record check at step 6, the coded branch refusals, retries after an outage through the
outbox, the straight-through rule's requirement, the reviewer's view, ``vendors check``, the
deployment check and the production waiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.face.identity_services import identity_check_portrait
from idrenew.face.models import FaceAttempt, IdentityVerification, LivenessChallenge
from idrenew.lib.files import save_encrypted
from idrenew.outbox.models import OutboxEvent, OutboxStatus
from idrenew.outbox.services import outbox_dispatch
from idrenew.review.checks import Check, case_checks
from idrenew.review.dashboard import dashboard_data
from tests.conftest import ApiClient
from tests.idcard.conftest import CASES, at_step_4, confirm, new_period, store_reading
from tests.security.prod_env import SETUP, production_env, run_python
from tests.vendors import FakeTencentCloud, tencent_error
from tests.vendors.faceid import (
    PoliceRecord,
    install_faceid,
    jpeg_digest,
    police_record,
    use_faceid,
)

pytestmark = pytest.mark.django_db
__all__ = ["at_step_4"]

FRAME = b"\xff\xd8\xff\xe0" + b"best frame of the liveness clip" + b"\xff\xd9"
SECRET_ID, SECRET_KEY = "AKIDidvFlow", "idv-flow-secret-0123456789"


@pytest.fixture
def police(alice: Any) -> dict[str, PoliceRecord]:
    start, end = new_period(alice)
    return {alice.id_number: police_record(alice.name, start, end, jpeg_digest(FRAME))}


@pytest.fixture
def faceid(settings: Any, police: dict[str, PoliceRecord]) -> Iterator[FakeTencentCloud]:
    with FakeTencentCloud(secret_id=SECRET_ID, secret_key=SECRET_KEY) as fake:
        install_faceid(fake, police)
        use_faceid(settings, fake, SECRET_ID, SECRET_KEY)
        settings.IDRENEW_IDENTITY_MAX_ATTEMPTS = 3
        yield fake


def passed_attempt(case: RenewalCase, frame: bytes = FRAME) -> FaceAttempt:
    challenge = LivenessChallenge.objects.create(
        case=case, customer_id=case.customer_id, actions=["blink"], expires_at=timezone.now()
    )
    return FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status=FaceAttempt.Status.PASSED,
        best_frame_name=save_encrypted("face/best", frame, suffix=".jpg"),
    )


def to_step_6(api: ApiClient, alice: Any) -> None:
    store_reading(alice)
    assert confirm(api).status_code == 200
    assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200


def update(api: ApiClient, alice: Any) -> Any:
    start, end = new_period(alice)
    payload = {
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
        "long_term": end is None,
        "address": "上海市浦东新区世纪大道100号",
    }
    return api.post_json(f"{CASES}/update", payload, key=api.new_key())


def checks_by_code(case: RenewalCase) -> dict[str, Check]:
    return {c.code: c for c in case_checks(case).checks}


# --- the portrait (after liveness) ------------------------------------------------------


def test_portrait_match_is_stored_without_the_photo(
    faceid: FakeTencentCloud, at_step_4: ApiClient
) -> None:
    case = RenewalCase.objects.get()
    row = identity_check_portrait(passed_attempt(case))
    assert row is not None and row.outcome == "match" and row.score == pytest.approx(91.37)
    assert row.vendor == "tencent-faceid" and row.vendor_code == "Success"
    assert row.vendor_reference == faceid.accepted("ImageRecognitionV2")[0].request_id
    check = checks_by_code(case)["IDENTITY_PORTRAIT"]
    assert check.ok and "相似度 91.37" in check.value and row.vendor_reference in check.value
    assert not checks_by_code(case)["IDENTITY_RECORD"].ok  # not asked yet: no STP


def test_not_the_same_person_sends_the_customer_to_a_branch(
    faceid: FakeTencentCloud, signed_in: ApiClient
) -> None:
    assert signed_in.post_json("/api/cases", {}, key=signed_in.new_key()).status_code == 201
    case = RenewalCase.objects.get()
    stranger = b"\xff\xd8\xff\xe0someone else\xff\xd9"
    row = identity_check_portrait(passed_attempt(case, stranger))
    assert row is not None and row.outcome == "not_same_person"
    resp = signed_in.post_json(f"{CASES}/face/challenge", {}, key=signed_in.new_key())
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "IDENTITY_NOT_SAME_PERSON" and "营业部" in body["message"]
    assert body["retryable"] is False and body["detail"]["branch"] is True


# --- the record (step 6) ----------------------------------------------------------------


def test_record_check_at_step_6(
    faceid: FakeTencentCloud, at_step_4: ApiClient, alice: Any, police: dict[str, PoliceRecord]
) -> None:
    to_step_6(at_step_4, alice)
    on_file = police[alice.id_number].valid_from
    police[alice.id_number].valid_from = "20000101"  # the police record says otherwise
    resp = update(at_step_4, alice)
    assert resp.status_code == 422 and resp.json()["code"] == "IDENTITY_VALIDITY_MISMATCH"
    assert set(resp.json()["fields"]) == {"valid_from", "valid_to"}
    police[alice.id_number].valid_from = on_file
    resp = update(at_step_4, alice)
    assert resp.status_code == 200, resp.content
    row = IdentityVerification.objects.filter(kind="record").order_by("-created_at").first()
    assert row is not None and row.outcome == "match"
    actions = [r.action for r in faceid.accepted()]
    assert actions == ["IdCardVerification", "CheckIdNameDate"] * 2
    assert checks_by_code(RenewalCase.objects.get())["IDENTITY_RECORD"].ok


def test_record_mismatch_sends_the_customer_to_a_branch(
    faceid: FakeTencentCloud, at_step_4: ApiClient, alice: Any, police: dict[str, PoliceRecord]
) -> None:
    police[alice.id_number].name = "别人"
    to_step_6(at_step_4, alice)
    for _ in range(2):  # and stays refused
        resp = update(at_step_4, alice)
        assert resp.status_code == 409 and resp.json()["code"] == "IDENTITY_RECORD_MISMATCH"
        assert resp.json()["detail"]["branch"] is True and "营业部" in resp.json()["message"]
    assert RenewalCase.objects.get().state == "identity_confirmed"


def test_outage_is_retried_then_settles(
    faceid: FakeTencentCloud, at_step_4: ApiClient, alice: Any
) -> None:
    to_step_6(at_step_4, alice)
    faceid.script("IdCardVerification", tencent_error("RequestLimitExceeded"))
    assert update(at_step_4, alice).status_code == 200  # an outage never blocks the customer
    row = IdentityVerification.objects.get(kind="record")
    assert (row.status, row.outcome, row.vendor_code) == (
        "pending",
        "unavailable",
        "RequestLimitExceeded",
    )
    assert not checks_by_code(row.case)["IDENTITY_RECORD"].ok
    event = OutboxEvent.objects.get(topic="identity.retry")
    assert event.next_attempt_at > timezone.now()  # after the backoff
    outbox_dispatch(now=timezone.now() + timedelta(minutes=5))
    row.refresh_from_db()
    event.refresh_from_db()
    assert (row.status, row.outcome, row.attempts) == ("done", "match", 2)
    assert event.status == OutboxStatus.DELIVERED
    assert checks_by_code(row.case)["IDENTITY_RECORD"].ok


def test_outage_after_the_retries_leaves_the_case_for_a_person(
    faceid: FakeTencentCloud, at_step_4: ApiClient, alice: Any
) -> None:
    to_step_6(at_step_4, alice)
    faceid.script("IdCardVerification", *[tencent_error("InternalError")] * 3)
    assert update(at_step_4, alice).status_code == 200
    later = timezone.now()
    for _ in range(4):
        later += timedelta(hours=1)
        outbox_dispatch(now=later)
    row = IdentityVerification.objects.get(kind="record")
    assert (row.status, row.outcome, row.attempts) == ("done", "unavailable", 3)
    assert "转人工审核" in row.note
    check = checks_by_code(row.case)["IDENTITY_RECORD"]
    assert not check.ok and "核验服务暂不可用" in check.value
    assert OutboxEvent.objects.get(topic="identity.retry").status == OutboxStatus.DELIVERED


# --- without a verifier, vendors check, deployment, production --------------------------


def test_no_verifier_no_identity_checks_and_dashboard_warns(
    at_step_4: ApiClient, settings: Any
) -> None:
    settings.IDRENEW_FACE_IDENTITY_VERIFIER = ""
    assert "IDENTITY_RECORD" not in checks_by_code(RenewalCase.objects.get())
    assert "未配置公安身份核验" in dashboard_data().identity_warning
    settings.IDRENEW_IDENTITY_CHECK_WAIVED = True
    settings.IDRENEW_IDENTITY_CHECK_WAIVER_REASON = "已与监管沟通，临柜复核"
    assert "已豁免，理由：已与监管沟通，临柜复核" in dashboard_data().identity_warning
    settings.IDRENEW_FACE_IDENTITY_VERIFIER = "tencent"
    assert dashboard_data().identity_warning == ""


def test_vendors_check(faceid: FakeTencentCloud, settings: Any, capsys: Any) -> None:
    call_command("vendors", "check")
    out = capsys.readouterr().out
    assert "公安身份核验 / identity check: 正常 OK" in out and SECRET_KEY not in out
    assert [r.action for r in faceid.accepted()] == ["IdCardVerification"]
    settings.IDRENEW_TENCENT_FACEID_SECRET_KEY = "wrong-key"
    with pytest.raises(CommandError) as failed:
        call_command("vendors", "check", "--json")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "AuthFailure.SignatureFailure" in out and "wrong-key" not in out


def test_deploy_check_names_missing_keys(settings: Any) -> None:
    from idrenew.core.checks import check_adapters

    settings.IDRENEW_FACE_IDENTITY_VERIFIER = "aliyun"
    settings.IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID = ""
    errors = [m for m in check_adapters() if m.id == "idrenew.E008"]
    assert errors and any("ACCESS_KEY_ID" in m.msg for m in errors)


@pytest.mark.slow
def test_production_refuses_no_identity_check_unless_waived(tmp_path: Any) -> None:
    refused = run_python(production_env(tmp_path, IDRENEW_IDENTITY_CHECK_WAIVED=None), SETUP)
    assert refused.returncode != 0 and "IDRENEW_FACE_IDENTITY_VERIFIER" in refused.stderr
    no_reason = run_python(
        production_env(tmp_path, IDRENEW_IDENTITY_CHECK_WAIVER_REASON=None), SETUP
    )
    assert no_reason.returncode != 0 and "IDRENEW_IDENTITY_CHECK_WAIVED" in no_reason.stderr
    assert run_python(production_env(tmp_path), SETUP).returncode == 0


# --- inside the liveness analysis --------------------------------------------------------


class _StubEngine:
    """The analysis' engine, answering a passed liveness check with ``frame`` as best frame."""

    threshold = 0.52

    def __init__(self, frame: bytes) -> None:
        self.frame = frame

    def analyze_clip(self, path: str, actions: list[str], **kw: Any) -> Any:
        from idrenew.face.domain.types import ActionResult, LivenessReport

        done = [ActionResult(a, True, (1, 5), 1.0) for a in actions]
        return LivenessReport(True, done, [], 3, best_frame_jpeg=self.frame, frame_count=60)


@pytest.mark.parametrize(("frame", "passed"), [(FRAME, True), (b"\xff\xd8other\xff\xd9", False)])
def test_analysis_asks_the_police_photo_after_liveness(
    faceid: FakeTencentCloud,
    signed_in: ApiClient,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    frame: bytes,
    passed: bool,
) -> None:
    from idrenew.face import services

    settings.IDRENEW_FACE_SPOOF_DETECTOR = "idrenew.face.domain.spoof.NoSpoofDetector"
    monkeypatch.setattr(services, "face_engine", lambda: _StubEngine(frame))
    assert signed_in.post_json("/api/cases", {}, key=signed_in.new_key()).status_code == 201
    case = RenewalCase.objects.get()
    challenge = LivenessChallenge.objects.create(
        case=case, customer_id=case.customer_id, actions=["blink"], expires_at=timezone.now()
    )
    attempt = FaceAttempt.objects.create(
        case=case, challenge=challenge, clip_name=save_encrypted("face/clips", b"x" * 2048)
    )
    summary = services.face_attempt_analyze(attempt_id=str(attempt.id))
    assert summary["passed"] is passed
    row = IdentityVerification.objects.get(kind="portrait")
    assert row.attempt_id == attempt.id
    if passed:
        assert summary["case_state"] == "face_passed" and row.outcome == "match"
    else:
        assert summary["case_state"] == "started" and row.outcome == "not_same_person"
        (failure,) = summary["failures"]
        assert failure["code"] == "IDENTITY_NOT_SAME_PERSON" and "营业部" in failure["message"]
        latest = signed_in.get(f"{CASES}/face/attempts/latest").json()
        assert latest["failures"][0]["code"] == "IDENTITY_NOT_SAME_PERSON"
