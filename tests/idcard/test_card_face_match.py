"""The card portrait against the liveness best frame, through the face engine: a match
passes quietly, a mismatch is not a refusal but a flag for the reviewer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import cv2
import numpy as np
import pytest
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.face.engines import face_engine
from idrenew.face.models import FaceAttempt, LivenessChallenge
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.lib.files import save_encrypted
from tests.conftest import SHARED, ApiClient
from tests.idcard.conftest import confirm, store_reading

pytestmark = pytest.mark.django_db
CLIPS = SHARED / "testdata" / "liveness"
needs_clips = pytest.mark.skipif(not CLIPS.exists(), reason="../shared/testdata absent")


def frame(clip: str, index: int) -> np.ndarray:
    cap = cv2.VideoCapture(str(CLIPS / f"liveportrait_{clip}.mp4"))
    for _ in range(index + 1):
        ok, image = cap.read()
    cap.release()
    assert ok
    return np.asarray(image, dtype=np.uint8)


def portrait_jpeg(image: np.ndarray) -> bytes:
    """A card-portrait-like crop: head and shoulders, small, greyish."""
    h, w = image.shape[:2]
    crop = cv2.resize(image[: int(h * 0.9), int(w * 0.15) : int(w * 0.85)], (180, 220))
    grey = cv2.cvtColor(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    muted = cv2.addWeighted(crop, 0.6, grey, 0.4, 0)
    return bytes(cv2.imencode(".jpg", muted, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())


def passed_liveness(case: RenewalCase, image: np.ndarray) -> None:
    vector = face_engine().embed_image(image)
    challenge = LivenessChallenge.objects.create(
        case=case,
        customer_id=case.customer_id,
        actions=["blink", "turn_left"],
        expires_at=timezone.now() + timedelta(seconds=60),
    )
    FaceAttempt.objects.create(
        case=case,
        challenge=challenge,
        status=FaceAttempt.Status.PASSED,
        embedding_name=save_encrypted("face/emb", vector.tobytes(), suffix=".f32"),
    )


@needs_clips
@pytest.mark.parametrize(
    ("card_face", "passes"),
    [(("d12", 150), True), (("d0", 20), False)],
    ids=["same-man", "another-man"],
)
def test_card_portrait_is_compared_with_the_live_face(
    at_step_4: ApiClient, alice: Any, card_face: tuple[str, int], passes: bool
) -> None:
    case = RenewalCase.objects.get(customer=alice)
    passed_liveness(case, frame("d12", 10))
    store_reading(alice)
    CardUpload.objects.filter(side="front").update(
        portrait_name=save_encrypted(
            "idcard/portraits", portrait_jpeg(frame(*card_face)), suffix=".jpg"
        )
    )
    resp = confirm(at_step_4)
    assert resp.status_code == 200, resp.content  # a mismatch is never a refusal
    match = resp.json()["face_match"]
    assert match["checked"] is True and match["passed"] is passes
    reading = CardReading.objects.get()
    assert reading.face_similarity is not None
    assert ("FACE_CARD_MISMATCH" in reading.review_flags) is not passes
    if not passes:
        assert "重新拍摄" in match["message"]


@needs_clips
def test_face_compare_is_the_face_apps_service(at_step_4: ApiClient, alice: Any) -> None:
    from idrenew.face.services import face_compare

    case = RenewalCase.objects.get(customer=alice)
    portrait = portrait_jpeg(frame("d12", 150))
    assert not face_compare(case=case, portrait_jpeg=portrait).checked  # no passed attempt
    passed_liveness(case, frame("d12", 10))
    assert not face_compare(case=case, portrait_jpeg=None).checked
    assert not face_compare(case=case, portrait_jpeg=b"not a jpeg").checked
    result = face_compare(case=case, portrait_jpeg=portrait)
    assert result.checked and result.threshold is not None and result.similarity is not None
    assert result.similarity >= result.threshold
