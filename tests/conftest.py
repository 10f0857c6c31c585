"""Shared fixtures: personas, API clients with CSRF, a clean cache, an SMS outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from idrenew.verification.sms import LocmemSmsBackend

SHARED = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.IDRENEW_SMS_BACKEND = "idrenew.verification.sms.LocmemSmsBackend"
    settings.IDRENEW_SMS_RESPONSE_FLOOR_MS = 0
    settings.IDRENEW_IGNORE_BUSINESS_HOURS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def _uses_db(request: pytest.FixtureRequest) -> bool:
    names = set(request.fixturenames)
    return bool(
        request.node.get_closest_marker("django_db")
        or names & {"db", "transactional_db", "django_db_setup", "admin_client", "client"}
    )


@pytest.fixture(autouse=True)
def _clean_cache_and_outbox(request: pytest.FixtureRequest) -> Iterator[None]:
    if _uses_db(request):
        request.getfixturevalue("db") if "transactional_db" not in request.fixturenames else None
        cache.clear()
    LocmemSmsBackend.outbox.clear()
    yield
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def outbox() -> list[Any]:
    return LocmemSmsBackend.outbox


class ApiClient(Client):
    """A browser-like client: enforces CSRF, sends the token like the H5 app does."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("enforce_csrf_checks", True)
        super().__init__(**kwargs)
        self.idempotency_counter = 0

    def prime(self) -> None:
        self.get("/api/meta")

    def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            self.prime()
        return self.cookies["csrftoken"].value

    def post_json(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Any:
        hdrs = dict(headers or {})
        if csrf:
            hdrs["X-CSRFToken"] = self.csrf()
        if key is not None:
            hdrs["Idempotency-Key"] = key
        return self.post(path, data or {}, content_type="application/json", headers=hdrs)

    def new_key(self) -> str:
        self.idempotency_counter += 1
        return f"test-key-{id(self)}-{self.idempotency_counter}"


def totp_code(device: Any, *, step_offset: int = 0) -> str:
    """The code an authenticator app shows now for ``device`` (django_otp.oath.totp)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + step_offset * device.step
    return str(totp.token()).zfill(device.digits)


def staff_login(client: Client, user: Any) -> Any:
    """Sign a staff member in as the back office requires: password (skipped, like
    ``force_login``) and the second factor, a session verified by an enrolled TOTP device.
    Returns the device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from idrenew.staffauth.services import totp_device_ensure

    device = totp_device_ensure(user=user).device
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def admin_client(db: Any, admin_user: Any) -> Client:
    """pytest-django's superuser client, also past the second factor."""
    client = Client()
    staff_login(client, admin_user)
    return client


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def demo_customers(db: Any) -> dict[str, Any]:
    from django.utils import timezone

    from idrenew.devkit.customers import seed_demo_customers

    rows = seed_demo_customers(today=timezone.localdate())
    return {c.fund_account: c for _, c in rows}


@pytest.fixture
def alice(demo_customers: dict[str, Any]) -> Any:
    """Customer whose ID expires within 30 days."""
    return demo_customers["80010002"]


@pytest.fixture
def bob(demo_customers: dict[str, Any]) -> Any:
    """Another customer (ID expired, account restricted but allowed to renew)."""
    return demo_customers["80010001"]


@pytest.fixture
def frozen_customer(demo_customers: dict[str, Any]) -> Any:
    return demo_customers["80010006"]


def sms_code_from(outbox: list[Any]) -> str:
    match = re.search(r"验证码为(\d{6})", outbox[-1].text)
    assert match, outbox[-1].text
    return match.group(1)


def sign_in_sms(api: ApiClient, customer: Any, outbox: list[Any]) -> Any:
    resp = api.post_json(
        "/api/auth/sms/send",
        {"fund_account": customer.fund_account, "mobile_last4": customer.mobile[-4:]},
    )
    assert resp.status_code == 200, resp.content
    resp = api.post_json(
        "/api/auth/sms/verify",
        {
            "fund_account": customer.fund_account,
            "mobile_last4": customer.mobile[-4:],
            "code": sms_code_from(outbox),
        },
    )
    assert resp.status_code == 200, resp.content
    return resp.json()


@pytest.fixture
def signed_in(api: ApiClient, alice: Any, outbox: list[Any]) -> ApiClient:
    sign_in_sms(api, alice, outbox)
    return api


def use_celery_broker(settings: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Send tasks to Celery on ``url`` for this test (restored afterwards).

    Celery keeps a connection pool and a producer pool for the first broker URL it used;
    changing ``app.conf.broker_url`` alone would publish to the old broker, so both pools are
    dropped now and again when the test ends.
    """
    from idrenew.celery import app

    def forget_connections() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    settings.CELERY_BROKER_URL = url
    forget_connections()
    monkeypatch.setitem(app.conf, "broker_url", url)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)  # restored (then re-created) after the test
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
