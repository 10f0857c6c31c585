"""Issue #11, item 6: a tester's own face on a demo customer's card, so that the demo can show
a matching face and straight-through approval: ``idrenew demo-idcards --portrait PHOTO``, and
the demo H5's ``POST /api/cases/current/demo/idcards`` (the liveness best frame printed on
the card, both sides uploaded through the normal path)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase
from idrenew.customers.models import Customer
from idrenew.face.engines import face_engine
from idrenew.idcard.domain.pipeline import read_side
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.outbox.services import outbox_dispatch
from idrenew.review.models import CaseReview, Decision
from tests.conftest import SHARED, ApiClient, sign_in_sms
from tests.idcard.conftest import CASES
from tests.signing.conftest import _ca_dir, authority, signing_ca

__all__ = ["_ca_dir", "authority", "signing_ca"]  # fixtures, imported for their names
pytestmark = pytest.mark.django_db
FACES = SHARED / "testdata" / "faces"
CLIPS = SHARED / "testdata" / "liveness"
needs_shared = pytest.mark.skipif(
    not (FACES.exists() and CLIPS.exists()), reason="../shared/testdata absent"
)
DEMO_URL = f"{CASES}/demo/idcards"


def embedding(image_bgr: np.ndarray) -> np.ndarray:
    return np.asarray(face_engine().embed_image(np.asarray(image_bgr, dtype=np.uint8)))


def card_portrait(front_jpeg: bytes) -> np.ndarray:
    """The portrait as the OCR pipeline cuts it from a photo of the card's front."""
    reading = read_side(front_jpeg, "front")
    assert reading.portrait_jpeg, reading.warnings
    return np.asarray(cv2.imdecode(np.frombuffer(reading.portrait_jpeg, np.uint8), 1))


def needed_similarity(settings: Any) -> float:
    """What straight-through approval asks of the card portrait."""
    return float(settings.IDRENEW_FACE_MATCH_THRESHOLD + settings.IDRENEW_STP_MIN_FACE_MARGIN)


# --- the command -----------------------------------------------------------------------------


@needs_shared
def test_command_prints_the_given_face_on_the_card(
    demo_customers: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    photo = FACES / "obama.jpg"
    out = StringIO()
    call_command(
        "demo_idcards",
        out=str(tmp_path),
        fund_account=["80010002"],
        portrait=str(photo),
        stdout=out,
    )
    front = (tmp_path / "80010002_front.jpg").read_bytes()
    own = embedding(cv2.imread(str(photo)))
    printed = embedding(card_portrait(front))
    assert face_engine().similarity(own, printed) >= needed_similarity(settings)
    # Without --portrait the card shows someone else (the reason for this option).
    call_command("demo_idcards", out=str(tmp_path / "plain"), fund_account=["80010002"])
    other = embedding(card_portrait((tmp_path / "plain" / "80010002_front.jpg").read_bytes()))
    assert face_engine().similarity(own, other) < settings.IDRENEW_FACE_MATCH_THRESHOLD


@needs_shared
@pytest.mark.parametrize("name", ["test__obama_and_biden.jpg", "missing.jpg"])
def test_command_refuses_a_photo_without_one_clear_face(
    demo_customers: dict[str, Any], tmp_path: Path, name: str
) -> None:
    with pytest.raises(CommandError, match="--portrait"):
        call_command("demo_idcards", out=str(tmp_path), portrait=str(FACES / name))
    assert not list(tmp_path.iterdir())


# --- the demo H5 shortcut: refusals -------------------------------------------------------------


@pytest.fixture
def demo_on(settings: Any) -> None:
    settings.IDRENEW_DEMO = True


def post_demo(api: ApiClient, key: str | None = None) -> Any:
    return api.post_json(DEMO_URL, {}, key=key or api.new_key())


def test_outside_the_demo_it_does_not_exist(at_step_4: ApiClient) -> None:
    resp = post_demo(at_step_4)
    assert resp.status_code == 404 and resp.json()["code"] == "DEMO_DISABLED"
    assert "身份证照片" in resp.json()["message"]
    assert not CardUpload.objects.exists()


def test_it_needs_a_session_and_an_idempotency_key(db: Any, demo_on: None) -> None:
    anonymous = ApiClient()
    assert anonymous.post_json(DEMO_URL, {}, key="k").status_code == 401


def test_without_a_passed_liveness_it_says_what_to_do(at_step_4: ApiClient, demo_on: None) -> None:
    resp = post_demo(at_step_4)
    assert resp.status_code == 409 and resp.json()["code"] == "DEMO_NO_BEST_FRAME"
    missing = at_step_4.post_json(DEMO_URL, {})
    assert missing.status_code == 400 and missing.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"


def test_only_demo_customers(
    demo_customers: dict[str, Any], outbox: list[Any], demo_on: None
) -> None:
    alice = demo_customers["80010002"]
    Customer.objects.filter(pk=alice.pk).update(fund_account="90010002")
    alice.refresh_from_db()
    api = ApiClient()
    sign_in_sms(api, alice, outbox)
    assert api.post_json("/api/cases", {}, key=api.new_key()).status_code == 201
    RenewalCase.objects.update(state="face_passed")
    resp = post_demo(api)
    assert resp.status_code == 403 and resp.json()["code"] == "DEMO_CUSTOMER_ONLY"


def test_only_at_step_4(signed_in: ApiClient, demo_on: None) -> None:
    assert signed_in.post_json("/api/cases", {}, key=signed_in.new_key()).status_code == 201
    resp = post_demo(signed_in)  # step 3: no face yet
    assert resp.status_code == 409 and resp.json()["code"] == "CASE_STEP_OUT_OF_ORDER"


# --- the happy path: a real liveness clip, the face on the card, straight through -------------


def passed_liveness_from_clip(case: RenewalCase, clip: str, index: int) -> None:
    """A passed step 3 whose best frame is a real frame of a shared clip, stored as the face
    service stores it (encrypted JPEG and embedding). The liveness verdict on real clips is
    tested in tests/face; here the frame is what matters: it goes on the card."""
    from datetime import timedelta

    from django.utils import timezone

    from idrenew.face.models import FaceAttempt, LivenessChallenge
    from idrenew.lib.files import save_encrypted

    cap = cv2.VideoCapture(str(CLIPS / clip))
    for _ in range(index + 1):
        ok, image = cap.read()
    cap.release()
    assert ok
    jpeg = bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes())
    vector = np.asarray(face_engine().embed_image(np.asarray(image, dtype=np.uint8)))
    # The configured passive anti-spoofing's verdict on the same frame, recorded as step 3
    # records it (the straight-through rule reads it when a detector is configured).
    from idrenew.face.engines import spoof_detector

    spoof = spoof_detector().check(np.ascontiguousarray(image[:, :, ::-1]))
    recorded = {}
    for name in ("score", "threshold", "attack", "note"):
        if spoof is not None and hasattr(spoof, name) and hasattr(FaceAttempt, f"spoof_{name}"):
            recorded[f"spoof_{name}"] = getattr(spoof, name)
    challenge = LivenessChallenge.objects.create(
        case=case,
        customer_id=case.customer_id,
        actions=["turn_left", "turn_right"],
        expires_at=timezone.now() + timedelta(seconds=60),
    )
    FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status=FaceAttempt.Status.PASSED,
        actions=["turn_left", "turn_right"],
        best_frame_name=save_encrypted("face/best", jpeg, suffix=".jpg"),
        best_frame_index=index,
        **recorded,
        embedding_name=save_encrypted(
            "face/emb", vector.astype(np.float32).tobytes(), suffix=".f32"
        ),
    )
    RenewalCase.objects.filter(pk=case.pk).update(state="face_passed")


@needs_shared
def test_the_face_from_step_3_on_the_card_goes_straight_through(
    demo_customers: dict[str, Any],
    outbox: list[Any],
    demo_on: None,
    settings: Any,
    signing_ca: Any,
    tmp_path: Path,
) -> None:
    """80010001 (restricted: ID expired) with a real clip's frame as the liveness best frame:
    the demo card carries that face, OCR reads it as usual, the portrait matches, every automatic
    check passes, the rule approves, and the restriction is lifted."""
    from tests.review.conftest import deliver_all, sign_and_submit
    from tests.signing.test_steps_api import read_all

    settings.IDRENEW_STP_ENABLED = True
    settings.IDRENEW_CFMMC_DIR = tmp_path
    customer = demo_customers["80010001"]
    api = ApiClient()
    sign_in_sms(api, customer, outbox)
    assert api.post_json("/api/cases", {}, key=api.new_key()).status_code == 201
    case = RenewalCase.objects.get(customer=customer)
    passed_liveness_from_clip(case, "liveportrait_d12.mp4", 20)  # frontal, eyes open

    key = api.new_key()
    resp = post_demo(api, key)
    assert resp.status_code == 202, resp.content
    tasks = resp.json()
    replay = post_demo(api, key)  # a retried tap: the same answer, no second pair of photos
    assert replay.status_code == 202 and replay.json() == tasks
    assert CardUpload.objects.count() == 2
    assert AuditEvent.objects.filter(action="idcard.demo_generated").count() == 1
    for side in ("front", "back"):
        task = api.get(f"/api/tasks/{tasks[side]['task_id']}").json()
        assert task["status"] == "succeeded", task
        assert task["result"]["accepted"] and task["result"]["warnings"] == [], task
    state = api.get(f"{CASES}/idcard").json()
    assert state["ready"] is True
    assert state["front"]["fields"]["id_number_masked"] == customer.id_number_masked

    identity = api.post_json(f"{CASES}/idcard/confirm", {}, key=api.new_key())
    assert identity.status_code == 200, identity.content
    assert identity.json()["face_match"] == {"checked": True, "passed": True, "message": None}
    reading = CardReading.objects.get(case__customer=customer)
    assert reading.face_similarity is not None
    assert reading.face_similarity >= needed_similarity(settings)
    assert "FACE_CARD_MISMATCH" not in reading.review_flags

    assert api.post_json(f"{CASES}/identity/confirm", {}, key=api.new_key()).status_code == 200
    shown = api.get(f"{CASES}/update").json()  # the customer accepts what was read
    update = {k: shown[k] for k in ("valid_from", "valid_to", "long_term", "address")}
    assert api.post_json(f"{CASES}/update", update, key=api.new_key()).status_code == 200
    read_all(api)
    assert api.post_json(f"{CASES}/agreements/done", {}, key=api.new_key()).status_code == 200
    case = sign_and_submit(api)

    review = CaseReview.objects.get(case=case)
    failing = [c["code"] for c in review.checks["checks"] if not c["ok"]]
    assert failing == [] and review.checks_passed
    assert case.state == "approved"
    assert Decision.objects.get(case=case).kind == "auto_approve"
    deliver_all()
    outbox_dispatch()
    body = api.get("/api/cases/latest").json()
    assert body["state"] == "approved" and body["trading_restored"] is True
    assert Customer.objects.get(pk=customer.pk).status == "active"
