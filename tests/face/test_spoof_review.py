"""Passive anti-spoofing on the reviewer's side: the case page shows the score with its
operating point as a flag, and the straight-through rule needs it to say live when a
detector is configured; with none configured it is not a condition."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from idrenew.cases.models import RenewalCase
from idrenew.face.engines import _spoof
from idrenew.face.models import FaceAttempt, LivenessChallenge
from idrenew.review.checks import Check, case_checks
from idrenew.review.presenters import attempt_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(signed_in: Any) -> RenewalCase:
    assert signed_in.post_json("/api/cases", {}, key=signed_in.new_key()).status_code == 201
    return RenewalCase.objects.get()


def attempt(case: RenewalCase, **spoof: Any) -> FaceAttempt:
    challenge = LivenessChallenge.objects.create(
        case=case,
        customer_id=case.customer_id,
        actions=["blink", "turn_left"],
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    return FaceAttempt.objects.create(
        case=case, challenge=challenge, status="passed", actions=["blink"], **spoof
    )


def spoof_check(case: RenewalCase) -> Check | None:
    return next((c for c in case_checks(case).checks if c.code == "SPOOF"), None)


NOTE = "静默活体 P(真人)，5 帧中位数；低于 0.40 标记疑似翻拍/屏幕，仅供参考"


def test_live_score_passes_the_rule_and_shows_unflagged(case: RenewalCase) -> None:
    a = attempt(case, spoof_score=0.97, spoof_threshold=0.4, spoof_attack=False, spoof_note=NOTE)
    check = spoof_check(case)
    assert check is not None and check.ok is True
    assert check.value == "0.970" and "0.40" in check.need
    row = attempt_row(a)
    assert row.spoof == f"0.970（{NOTE}）" and row.spoof_flagged is False


def test_attack_score_stops_straight_through_but_is_only_a_flag(case: RenewalCase) -> None:
    a = attempt(case, spoof_score=0.12, spoof_threshold=0.4, spoof_attack=True, spoof_note=NOTE)
    check = spoof_check(case)
    assert check is not None and check.ok is False and "疑似" in check.value
    assert case_checks(case).passed is False
    assert attempt_row(a).spoof_flagged is True
    a.refresh_from_db()
    assert a.status == FaceAttempt.Status.PASSED  # never a refusal on its own


def test_no_score_with_a_detector_configured_is_not_straight_through(case: RenewalCase) -> None:
    attempt(case)
    check = spoof_check(case)
    assert check is not None and check.ok is False and check.value == "未检测"


def test_without_a_detector_the_rule_does_not_ask_for_it(case: RenewalCase, settings: Any) -> None:
    settings.IDRENEW_FACE_SPOOF_DETECTOR = "idrenew.face.domain.spoof.NoSpoofDetector"
    _spoof.cache_clear()
    attempt(case)
    assert spoof_check(case) is None
