"""#10 item 5: behind the proxy the client address comes from the right of X-Forwarded-For.

A client that sends its own X-Forwarded-For must not choose the address that per-IP limits
and audit events use.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from idrenew.lib.net import client_ip

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind_proxy(settings: Any) -> Any:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.IDRENEW_TRUSTED_PROXIES = 1
    return settings


def ip_of(forwarded: str | None, remote: str = "10.0.0.2") -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_the_left_most_entry_is_the_clients_own_claim(behind_proxy: Any) -> None:
    # the client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it saw
    assert ip_of("1.2.3.4, 203.0.113.7") == "203.0.113.7"


def test_rotating_the_forged_entry_does_not_rotate_the_address(behind_proxy: Any) -> None:
    seen = {ip_of(f"198.51.100.{n}, 203.0.113.7") for n in range(20)}
    assert seen == {"203.0.113.7"}


def test_two_trusted_proxies(behind_proxy: Any) -> None:
    behind_proxy.IDRENEW_TRUSTED_PROXIES = 2
    assert ip_of("1.2.3.4, 203.0.113.7, 10.0.0.9") == "203.0.113.7"
    assert ip_of("203.0.113.7") == "10.0.0.2"  # shorter than the chain: the peer


def test_single_entry_from_the_proxy(behind_proxy: Any) -> None:
    assert ip_of("203.0.113.7") == "203.0.113.7"
    assert ip_of("2001:db8::1") == "2001:db8::1"
    assert ip_of("[2001:db8::1]:443") == "2001:db8::1"


def test_garbage_falls_back_to_the_peer(behind_proxy: Any) -> None:
    assert ip_of("1.2.3.4, not-an-ip") == "10.0.0.2"
    assert ip_of("") == "10.0.0.2"
    assert ip_of(None) == "10.0.0.2"


def test_without_the_proxy_the_header_is_ignored(settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = None
    assert ip_of("1.2.3.4, 203.0.113.7") == "10.0.0.2"


def test_per_ip_limit_holds_against_a_rotated_header(behind_proxy: Any, alice: Any) -> None:
    """End to end: the SMS per-IP cap still bites when the client rotates its forged entry."""
    from tests.conftest import ApiClient

    behind_proxy.IDRENEW_SMS_DAILY_PER_IP = 3
    answers = []
    for n in range(5):
        api = ApiClient()
        resp = api.post_json(
            "/api/auth/sms/send",
            {"fund_account": f"9999000{n}", "mobile_last4": "1234"},
            headers={"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.7"},
        )
        answers.append(resp.status_code)
    assert answers[:3] == [200, 200, 200]
    assert answers[3:] == [429, 429]
