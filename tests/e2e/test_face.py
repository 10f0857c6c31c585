"""Step 3 in a real browser: Chromium's fake camera plays a shared liveness clip through the
H5 page at 375×667, the real engine analyses the recording, and the case moves to step 4."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from idrenew.cases.models import RenewalCase
from idrenew.face.models import FaceAttempt
from idrenew.verification.sms import LocmemSmsBackend
from tests.conftest import SHARED
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, phone_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIP = SHARED / "testdata" / "liveness" / "liveportrait_d12.mp4"
# What d12 shows, in this order, a few seconds in: a turn to the man's right (f78–92),
# then a wide mouth opening (f116–132). The page records about 8.5 s from the start.
ACTIONS = "turn_right,open_mouth"


def write_y4m(source: Path, target: Path) -> None:
    """The clip as an uncompressed YUV4MPEG2 (I420) file, what Chromium's fake camera plays."""
    cap = cv2.VideoCapture(str(source))
    fps = round(cap.get(cv2.CAP_PROP_FPS)) or 25
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
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
    write_y4m(CLIP, y4m)
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

    from idrenew.customers.demo import seed_demo_customers

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

    page.wait_for_url("**/h5/idcard", timeout=90_000)
    shoot(page, "24-face-passed-step-4")

    attempt = FaceAttempt.objects.get()
    assert attempt.status == FaceAttempt.Status.PASSED, attempt.failures
    assert attempt.clip_content_type == "video/webm"  # Chromium's MediaRecorder
    assert attempt.clip_name == ""  # deleted after the analysis
    assert attempt.best_frame_name
    assert [a["action"] for a in attempt.actions] == ["turn_right", "open_mouth"]
    assert RenewalCase.objects.get(customer=customer).state == "face_passed"


def test_declining_shows_the_branch_route(
    camera_phone: Any, shoot: Any, transactional_db: Any
) -> None:
    from django.utils import timezone

    from idrenew.customers.demo import seed_demo_customers

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
