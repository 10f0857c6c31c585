"""#10 item 4: the image captcha is bound to the browser, single use, limited per IP, and a
stock OCR (RapidOCR, shipped for the ID cards) reads under 2 % of them."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest

from idrenew.devkit.customers import DEMO_PASSWORD
from idrenew.lib.crypto import lookup_hash
from idrenew.verification import captcha as captcha_images
from idrenew.verification.models import Captcha
from tests.conftest import ApiClient

CAPTCHA = "/api/auth/captcha"
PASSWORD = "/api/auth/password"


def fetch(api: ApiClient, answer: str = "AB3D") -> str:
    """A captcha for ``api``'s browser with a known answer (tests cannot read images)."""
    resp = api.get(CAPTCHA)
    assert resp.status_code == 200, resp.content
    captcha_id = resp.json()["captcha_id"]
    Captcha.objects.filter(pk=captcha_id).update(answer_hash=lookup_hash(answer, purpose="captcha"))
    return str(captcha_id)


def sign_in(api: ApiClient, account: str, captcha_id: str, answer: str = "ab3d") -> Any:
    return api.post_json(
        PASSWORD,
        {
            "trading_account": account,
            "password": DEMO_PASSWORD,
            "captcha_id": captcha_id,
            "captcha_code": answer,
        },
    )


@pytest.mark.django_db
class TestBinding:
    def test_a_captcha_counts_only_in_the_browser_that_fetched_it(self, alice: Any) -> None:
        owner = ApiClient()
        captcha_id = fetch(owner)
        other = ApiClient()  # e.g. a solving farm's browser, handed id and answer
        resp = sign_in(other, alice.trading_account, captcha_id)
        assert resp.status_code == 400 and resp.json()["code"] == "CAPTCHA_INVALID"
        # and it is spent: the owner cannot use it after that either
        again = sign_in(owner, alice.trading_account, captcha_id)
        assert again.json()["code"] == "CAPTCHA_INVALID"

    def test_the_device_cookie_is_signed_httponly_and_lax(self) -> None:
        api = ApiClient()
        resp = api.get(CAPTCHA)
        cookie = resp.cookies["idrenew_device"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        api.cookies["idrenew_device"] = "forged-device-id-0123456789"
        captcha_id = Captcha.objects.get().pk
        Captcha.objects.filter(pk=captcha_id).update(
            answer_hash=lookup_hash("AB3D", purpose="captcha")
        )
        resp = sign_in(api, "10010002", str(captcha_id))
        assert resp.json()["code"] == "CAPTCHA_INVALID"

    def test_the_right_browser_signs_in_once(self, alice: Any) -> None:
        api = ApiClient()
        captcha_id = fetch(api)
        assert sign_in(api, alice.trading_account, captcha_id).status_code == 200
        reused = sign_in(api, alice.trading_account, captcha_id)
        assert reused.json()["code"] == "CAPTCHA_INVALID"


@pytest.mark.django_db
def test_issuance_is_rate_limited_per_ip(settings: Any) -> None:
    settings.IDRENEW_CAPTCHA_PER_IP_PER_MINUTE = 5
    answers = [ApiClient(REMOTE_ADDR="198.51.100.9").get(CAPTCHA) for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    body = answers[-1].json()
    assert body["code"] == "CAPTCHA_RATE_LIMITED" and body["detail"]["retry_after"] > 0
    assert "稍后" in body["message"]
    assert Captcha.objects.count() == 5  # no row for a refused request
    assert ApiClient(REMOTE_ADDR="203.0.113.10").get(CAPTCHA).status_code == 200


@pytest.mark.django_db
def test_housekeeping_deletes_used_and_expired_captchas(alice: Any) -> None:
    from django.core.management import call_command

    api = ApiClient()
    used = fetch(api)
    sign_in(api, alice.trading_account, used)
    fresh = fetch(api)
    call_command("housekeeping", stdout=io.StringIO())
    assert list(Captcha.objects.values_list("pk", flat=True)) == [__import__("uuid").UUID(fresh)]


def test_answers_are_readable() -> None:
    """Four characters from an alphabet without look-alikes."""
    for confusable in "0O1IL":
        assert confusable not in captcha_images.ALPHABET
    answers = {captcha_images.new_answer() for _ in range(200)}
    assert all(len(a) == 4 and set(a) <= set(captcha_images.ALPHABET) for a in answers)
    assert len(answers) > 190


def test_stock_ocr_solves_under_two_percent() -> None:
    """200 captchas from the generator, read by RapidOCR as shipped (one thread).

    Recognition alone on the whole image (the stock engine's best mode for a one-line
    captcha; it read 73 % of the old images) for all 200, and the full pipeline (detection,
    direction, recognition: 36 % before) for the first 30, as it takes about 0.7 s an image.
    A captcha is solved when either reading equals the answer after the server's
    normalisation, even ignoring any punctuation the OCR adds.
    """
    import numpy as np
    from PIL import Image
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False)

    def read(result: Any, index: int) -> str:
        text = "".join(str(r[index]) for r in result or [])
        return "".join(c for c in captcha_images.normalise(text) if c.isascii() and c.isalnum())

    started = time.monotonic()
    solved: list[str] = []  # answers read right by either reading
    for n in range(200):
        answer = captcha_images.new_answer()
        png = captcha_images.render_png(answer)
        image = np.array(Image.open(io.BytesIO(png)).convert("RGB"))
        result, _ = engine(image, use_det=False, use_cls=False)
        hit = read(result, 0) == answer
        if n < 30:
            result, _ = engine(image)
            hit = hit or read(result, 1) == answer
        if hit:
            solved.append(answer)
    seconds = time.monotonic() - started
    print(f"RapidOCR solved {len(solved)}/200 in {seconds:.0f} s")
    assert len(solved) < 4, f"{len(solved)}/200 solved: {solved}"  # under 2 %
