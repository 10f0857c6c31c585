from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from idrenew.devkit.customers import DEMO_PASSWORD
from idrenew.lib.crypto import lookup_hash
from idrenew.verification.models import Captcha, SignInLock
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db
PASSWORD = "/api/auth/password"


def solved_captcha(api: ApiClient) -> tuple[str, str]:
    """Fetch a captcha, and learn its answer the way a person would: by reading it.

    Tests cannot read the image, so they set a known answer on the fresh record.
    """
    resp = api.get("/api/auth/captcha")
    assert resp.status_code == 200
    body = resp.json()
    assert body["image"].startswith("data:image/png;base64,")
    Captcha.objects.filter(pk=body["captcha_id"]).update(
        answer_hash=lookup_hash("AB3D", purpose="captcha")
    )
    return body["captcha_id"], "ab3d"  # case-insensitive


def sign_in(
    api: ApiClient,
    account: str,
    password: str,
    captcha: tuple[str, str] | None = None,
    **extra: Any,
) -> Any:
    captcha_id, answer = captcha or solved_captcha(api)
    return api.post_json(
        PASSWORD,
        {
            "trading_account": account,
            "password": password,
            "captcha_id": captcha_id,
            "captcha_code": answer,
            **extra,
        },
    )


def test_right_password_signs_in(api: ApiClient, alice: Any) -> None:
    resp = sign_in(api, alice.trading_account, DEMO_PASSWORD)
    assert resp.status_code == 200, resp.content
    assert resp.json()["customer"]["trading_account"] == alice.trading_account
    assert api.get("/api/session").status_code == 200


def test_captcha_image_is_a_real_png(api: ApiClient) -> None:
    import base64
    import io

    from PIL import Image

    body = api.get("/api/auth/captcha").json()
    png = base64.b64decode(body["image"].split(",", 1)[1])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (120, 44)
    assert body["expires_in"] == 120


def test_wrong_captcha_is_refused_and_spent(api: ApiClient, alice: Any) -> None:
    captcha_id, _ = solved_captcha(api)
    resp = sign_in(api, alice.trading_account, DEMO_PASSWORD, (captcha_id, "ZZZZ"))
    assert resp.status_code == 400 and resp.json()["code"] == "CAPTCHA_INVALID"
    again = sign_in(api, alice.trading_account, DEMO_PASSWORD, (captcha_id, "AB3D"))
    assert again.json()["code"] == "CAPTCHA_INVALID"
    assert not SignInLock.objects.exists()  # a captcha typo is not a password failure


def test_reused_captcha_is_refused(api: ApiClient, alice: Any) -> None:
    captcha = solved_captcha(api)
    assert sign_in(api, alice.trading_account, DEMO_PASSWORD, captcha).status_code == 200
    reused = sign_in(ApiClient(), alice.trading_account, DEMO_PASSWORD, captcha)
    assert reused.status_code == 400 and reused.json()["code"] == "CAPTCHA_INVALID"


def test_expired_captcha(api: ApiClient, alice: Any) -> None:
    captcha = solved_captcha(api)
    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        resp = sign_in(api, alice.trading_account, DEMO_PASSWORD, captcha)
    assert resp.json()["code"] == "CAPTCHA_EXPIRED"


def test_garbage_captcha_id(api: ApiClient, alice: Any) -> None:
    resp = sign_in(api, alice.trading_account, DEMO_PASSWORD, ("not-a-uuid", "AB3D"))
    assert resp.status_code == 400 and resp.json()["code"] == "CAPTCHA_INVALID"


def test_five_failures_lock_the_path_for_30_minutes(api: ApiClient, alice: Any) -> None:
    answers = [sign_in(api, alice.trading_account, "wrong!").json() for _ in range(5)]
    assert [a["code"] for a in answers] == ["CREDENTIALS_INVALID"] * 4 + ["LOGIN_LOCKED"]
    assert [a["detail"]["attempts_left"] for a in answers[:4]] == [4, 3, 2, 1]
    right = sign_in(api, alice.trading_account, DEMO_PASSWORD)
    assert right.status_code == 423 and right.json()["code"] == "LOGIN_LOCKED"
    assert "locked_until" in right.json()["detail"]
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert sign_in(api, alice.trading_account, DEMO_PASSWORD).status_code == 200


def test_unknown_account_answers_like_a_wrong_password(api: ApiClient, alice: Any) -> None:
    unknown = sign_in(api, "99990000", "whatever").json()
    wrong = sign_in(api, alice.trading_account, "whatever").json()
    assert unknown == wrong
    assert SignInLock.objects.count() == 2  # failures counted for both


def test_success_resets_consecutive_failures(api: ApiClient, alice: Any) -> None:
    for _ in range(4):
        sign_in(api, alice.trading_account, "wrong!")
    assert sign_in(api, alice.trading_account, DEMO_PASSWORD).status_code == 200
    assert SignInLock.objects.get().failures == 0


def test_frozen_account(api: ApiClient, frozen_customer: Any) -> None:
    resp = sign_in(api, frozen_customer.trading_account, DEMO_PASSWORD)
    assert resp.status_code == 403 and resp.json()["code"] == "ACCOUNT_RESTRICTED"


def test_app_client_gets_a_bearer_token_and_no_cookie(alice: Any) -> None:
    app = ApiClient()
    resp = sign_in(app, alice.trading_account, DEMO_PASSWORD, client="app")
    token = resp.json()["token"]
    assert token and "sessionid" not in resp.cookies
    plain = ApiClient()
    assert (
        plain.get("/api/session", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    # a bearer client needs no CSRF token
    created = plain.post(
        "/api/cases",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "app-1"},
    )
    assert created.status_code == 201, created.content
    assert plain.get("/api/session", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_lock_is_visible_and_liftable_in_admin(
    api: ApiClient, alice: Any, admin_client: Any
) -> None:
    for _ in range(5):
        sign_in(api, alice.trading_account, "wrong!")
    lock = SignInLock.objects.get()
    page = admin_client.get("/admin/verification/signinlock/?locked=yes").content.decode()
    assert lock.account_masked in page
    assert alice.trading_account not in page
    resp = admin_client.post(
        "/admin/verification/signinlock/", {"action": "lift", "_selected_action": [lock.pk]}
    )
    assert resp.status_code == 302
    lock.refresh_from_db()
    assert lock.locked_until is None and lock.failures == 0
    assert sign_in(api, alice.trading_account, DEMO_PASSWORD).status_code == 200
