"""Step 3 in a real browser: Chromium's fake camera plays a shared liveness clip, cut at test
time to the challenge's prompt schedule, through the H5 page at 375×667; the real engine
analyses the recording (timing included), and the case moves to step 4."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from idrenew.cases.models import RenewalCase
from idrenew.face.domain import schedule
from idrenew.face.models import FaceAttempt
from idrenew.verification.sms import LocmemSmsBackend
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, phone_page
from tests.face import clips

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIP = clips.clip_path("d12")
# d12's turn to the man's right (f78–92) and his wide mouth opening (f116–132), each placed
# by tests/face/clips.py where the default schedule prompts it (1.5 s neutral, then 3.5 s per
# prompt). The camera starts playing when the page opens it, a moment before the recorder
# starts (the challenge is fetched in between): each action sits 2 s into its prompt so
# that it stays inside the prompt's window for any such delay up to about 1.5 s.
ACTIONS = "turn_right,open_mouth"


def write_y4m(frames: list[Any], fps: int, target: Path) -> None:
    """Frames as an uncompressed YUV4MPEG2 (I420) file, what Chromium's fake camera plays."""
    h, w = frames[0].shape[:2]
    with open(target, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)).tobytes())


@pytest.fixture(scope="module")
def camera_browser(pw: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CLIP.exists():
        pytest.skip("../shared/testdata/liveness absent")
    y4m = tmp_path_factory.mktemp("camera") / "d12.y4m"
    prompts = schedule.plan(ACTIONS.split(","), max_clip_seconds=15)
    frames = clips.scheduled("d12", prompts, shift_s=0.4, reaction_s=1.6, tail_s=4.0)
    write_y4m(frames, round(clips.FPS["d12"]), y4m)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
    yield browser
    browser.close()


@pytest.fixture
def camera_phone(camera_browser: Any, live_server: Any) -> Iterator[Any]:
    page = phone_page(camera_browser, live_server, timeout_ms=20_000, permissions=["camera"])
    yield page
    page.context.close()


def sign_in(page: Any, customer: Any) -> None:
    page.goto("/h5/login")
    page.get_by_test_id("sms-fund-account").fill(customer.fund_account)
    page.get_by_test_id("sms-mobile-last4").fill(customer.mobile[-4:])
    page.get_by_test_id("sms-send").click()
    page.wait_for_function(
        "() => /\\d+\\s*s|秒/.test(document.querySelector('[data-testid=sms-send]').innerText)"
    )
    match = re.search(r"验证码为(\d{6})", LocmemSmsBackend.outbox[-1].text)
    assert match
    page.get_by_test_id("sms-code").fill(match.group(1))
    page.get_by_test_id("sms-submit").click()
    page.wait_for_url("**/h5/face")


def test_customer_passes_step_3_with_the_camera(
    camera_phone: Any, shoot: Any, settings: Any, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    settings.IDRENEW_FACE_FIXED_ACTIONS = ACTIONS
    customer = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}[
        "80010001"
    ]
    page = camera_phone
    sign_in(page, customer)

    page.get_by_test_id("face-notice-agree").wait_for()
    page.get_by_text("人脸识别信息处理告知书").first.wait_for()
    shoot(page, "20-face-notice")
    page.get_by_test_id("face-notice-agree").click()

    page.get_by_test_id("face-rules-start").wait_for()
    page.get_by_text("请注意着装").first.wait_for()
    shoot(page, "21-face-rules")
    page.get_by_test_id("face-rules-start").click()

    page.get_by_test_id("face-prompt").wait_for()
    page.get_by_text("请向右转头").wait_for(timeout=10_000)
    shoot(page, "22-face-camera-turn-right")
    page.get_by_text("请张张嘴").wait_for(timeout=10_000)
    shoot(page, "23-face-camera-open-mouth")

    page.wait_for_function(
        "() => location.pathname.endsWith('/h5/idcard')"
        " || document.querySelector('[data-testid=face-failed]')",
        timeout=90_000,
    )
    attempt = FaceAttempt.objects.get()
    assert attempt.status == FaceAttempt.Status.PASSED, (
        attempt.failures,
        attempt.actions,
        attempt.prompt_offset_ms,
    )
    page.wait_for_url("**/h5/idcard")
    shoot(page, "24-face-passed-step-4")
    assert attempt.clip_content_type == "video/webm"  # Chromium's MediaRecorder
    assert attempt.clip_name == ""  # deleted after the analysis
    assert attempt.best_frame_name
    assert [a["action"] for a in attempt.actions] == ["turn_right", "open_mouth"]
    assert attempt.prompt_offset_ms is not None and 1400 <= attempt.prompt_offset_ms <= 2500
    assert attempt.spoof_attack is False and attempt.spoof_score is not None
    assert RenewalCase.objects.get(customer=customer).state == "face_passed"


def test_declining_shows_the_branch_route(
    camera_phone: Any, shoot: Any, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    customer = {c.fund_account: c for _, c in seed_demo_customers(today=timezone.localdate())}[
        "80010002"
    ]
    page = camera_phone
    sign_in(page, customer)
    page.get_by_test_id("face-notice-agree").wait_for()
    page.get_by_text(re.compile("不同意")).first.click()
    page.get_by_text(re.compile("营业部")).first.wait_for()
    shoot(page, "25-face-declined-branch-route")
    assert RenewalCase.objects.get(customer=customer).state == "started"
